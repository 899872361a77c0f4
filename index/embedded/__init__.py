"""The embedded backend: SQLite + FAISS generations in one folder, switched atomically."""
