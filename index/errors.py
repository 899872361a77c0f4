"""Exceptions raised by article-qa.

ArticleQAError
├── BadArticle        a file or record that cannot become an article (skipped, reported)
├── IndexMissing      no index has been built in the index folder yet
├── IndexCorrupt      the index folder exists but does not open or check
├── IndexBusy         another writer holds the index
├── IndexUnavailable  the index's database cannot be reached
├── IndexWriteError   the index folder cannot be written (full disk, read-only folder)
├── ModelMismatch     the index was built with another embedding model
└── UnknownArticle    an article id that the index does not hold
"""


class ArticleQAError(Exception):
    """Base of every error this project raises on purpose."""


class BadArticle(ArticleQAError):
    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


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
