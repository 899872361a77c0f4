"""The store: where articles, sentences, chunks and vectors live (embedded/ or postgres/),
behind the small protocols of interface.py, and how it is kept in sync with folders."""
