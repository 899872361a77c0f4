"""The web app (FastAPI, Jinja2) over qa.app, and web/cli/, the `qa` command line, the layer
above it, which the rest of web never imports."""
