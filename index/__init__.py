"""The store: where articles, sentences, chunks and vectors live (embedded/ or postgres/),
behind the small protocols of interface.py, and how it is kept in sync with folders.
Built on its two lower layers, which import nothing else of it: index/ingest/ (articles from
files) and index/embedding/ (text to vectors)."""
