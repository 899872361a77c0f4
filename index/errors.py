"""Exceptions raised by article-qa; the base and BadArticle live in index/ingest/errors.py.

ArticleQAError
├── BadArticle        (index/ingest/errors.py) a file or record that cannot become an article
├── IndexMissing      no index has been built in the index folder yet
├── IndexCorrupt      the index folder exists but does not open or check
├── IndexBusy         another writer holds the index
├── IndexUnavailable  the index's database cannot be reached
├── IndexWriteError   the index folder cannot be written (full disk, read-only folder)
├── ModelMismatch     the index was built with another embedding model
├── UnknownArticle    an article id that the index does not hold
└── ModelDamaged      a shipped model file does not match its record
"""

from index.ingest.errors import ArticleQAError, BadArticle

__all__ = ["ArticleQAError", "BadArticle"]  # the whole tree, importable from one place


class IndexMissing(ArticleQAError):
    pass


class IndexCorrupt(ArticleQAError):
    pass


class IndexBusy(ArticleQAError):
    pass


class IndexUnavailable(ArticleQAError):
    pass


class IndexWriteError(ArticleQAError):
    pass


class ModelMismatch(ArticleQAError):
    pass


class UnknownArticle(ArticleQAError):
    pass


class ModelDamaged(ArticleQAError):
    """A shipped model file does not match its recorded checksum, or is missing."""
