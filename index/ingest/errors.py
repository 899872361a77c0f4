"""The base of every error this project raises on purpose, and the one ingest raises."""


class ArticleQAError(Exception):
    """Base of every error this project raises on purpose."""


class BadArticle(ArticleQAError):
    """A file or record that cannot become an article (skipped, reported)."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
