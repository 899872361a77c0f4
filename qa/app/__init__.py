"""The application shell: settings read once, and the wiring of an index, an encoder and an
answerer that the web app and the command line share."""
