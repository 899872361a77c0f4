"""The `qa` command line: indexing, asking, serving and evaluating."""
