"""The answer object: JSON for /ask and `qa ask --json`, the same object for the chat page."""

from typing import Literal

from pydantic import BaseModel, Field


class Copy(BaseModel):
    """Another outlet's copy of the same wire story."""

    article_id: str
    title: str
    date: str | None
    url: str | None
    source: str | None


class Quote(BaseModel):
    text: str = Field(description="The sentence, exactly as in the article.")
    article_id: str
    title: str
    date: str | None
    url: str | None
    language: str = Field(description="Language of the quoted article.")
    sentence_index: int = Field(description="Position of the sentence in the article.")
    start: int = Field(description="Character offset of the sentence in the article text.")
    end: int
    before: str = Field("", description="The sentence before, for context.")
    after: str = Field("", description="The sentence after, for context.")
    highlights: list[tuple[int, int]] = Field(
        default_factory=list,
        description="[start, end] offsets in `text` of the words that answer the question's "
        "type: the number for 'how many', the date for 'when', the name for 'who', the place "
        "for 'where'. Presentation only: `text`, `start` and `end` are unchanged.",
    )
    term_highlights: list[tuple[int, int]] = Field(
        default_factory=list,
        description="[start, end] offsets in `text` of the question's own words (stemmed).",
    )
    also_in: list[Copy] = Field(
        default_factory=list, description="The other copies of this wire story, first first."
    )


class Source(BaseModel):
    article_id: str
    title: str
    date: str | None
    url: str | None
    chunk_id: int
    score: float
    text: str
    also_in: list[Copy] = Field(
        default_factory=list,
        description="Copies of this story in other outlets: listed here, not as sources.",
    )


class AppliedFilter(BaseModel):
    """A restriction read from the question's own words; ask with `read_dates: false` to
    take the words as words instead."""

    kind: Literal["period", "since", "until", "recent"] = Field(
        description="A period, from a date on, up to a date, or the newest articles first."
    )
    since: str | None = Field(description="YYYY, YYYY-MM or YYYY-MM-DD, inclusive.")
    until: str | None
    words: str = Field(description="The words of the question that said it.")
    relative_to: str | None = Field(
        description="The day relative words counted from: today, or the newest article's "
        "date when the collection is an archive."
    )


class BestPassage(BaseModel):
    chunk_id: int
    first_sentence: int = Field(description="Its first sentence: /articles/{id}?hl=F-L#sF.")
    last_sentence: int
    score: float
    text: str


class ArticleSource(BaseModel):
    """One article of the sources: its best passage and how many of its passages matched."""

    article_id: str
    title: str
    date: str | None
    url: str | None
    source: str | None = Field(description="The article's site or outlet.")
    language: str
    quoted: bool = Field(
        description="The answer quotes this article, or another copy of its wire story "
        "(`also_in`; the quote names which)."
    )
    passages: int = Field(description="How many of the answer's `sources` are its passages.")
    score: float = Field(description="Score of its best passage.")
    best: BestPassage | None = Field(
        description="Its best passage; for the quoted article the best one without the quoted "
        "sentence (none if every matching passage holds it)."
    )
    also_in: list[Copy] = Field(
        default_factory=list, description="Copies of its wire story in other outlets."
    )


class Answer(BaseModel):
    found: bool
    answer: str = Field(description="The quoted sentence, or the 'not found' message.")
    quote: Quote | None = Field(description="The quoted sentence, when found.")
    closest: Quote | None = Field(
        None,
        description="When not found: the closest sentence, which may not answer, for the "
        "user to judge; null when found or when nothing was retrieved.",
    )
    sources: list[Source] = Field(description="The best passages, one per chunk (kept as is).")
    articles: list[ArticleSource] = Field(
        default_factory=list,
        description="The sources one entry per article, the quoted article first.",
    )
    confidence: float = Field(
        ge=0, le=1, description="Probability that the quoted (or closest) sentence answers."
    )
    language: str = Field(description="Language of the question: fr or en.")
    took_ms: float
    applied_filters: list[AppliedFilter] = Field(
        default_factory=list,
        description="Filters read from the question (dates), applied to this answer.",
    )


NOT_FOUND = {
    "fr": "Je n'ai pas trouvé de réponse dans les articles.",
    "en": "I could not find an answer in the articles.",
}
CLOSEST = {
    "fr": "Le passage le plus proche, qui peut ne pas répondre :",
    "en": "The closest passage, which may not answer:",
}
