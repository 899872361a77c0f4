"""The answer object: JSON for /ask and `qa ask --json`, the same object for the chat page."""

from pydantic import BaseModel, Field


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


class Source(BaseModel):
    article_id: str
    title: str
    date: str | None
    url: str | None
    chunk_id: int
    score: float
    text: str


class Answer(BaseModel):
    found: bool
    answer: str = Field(description="The quoted sentence, or the 'not found' message.")
    quote: Quote | None = Field(description="The quoted sentence, when found.")
    closest: Quote | None = Field(
        None,
        description="When not found: the closest sentence, which may not answer, for the "
        "user to judge; null when found or when nothing was retrieved.",
    )
    sources: list[Source]
    confidence: float = Field(
        ge=0, le=1, description="Probability that the quoted (or closest) sentence answers."
    )
    language: str = Field(description="Language of the question: fr or en.")
    took_ms: float


NOT_FOUND = {
    "fr": "Je n'ai pas trouvé de réponse dans les articles.",
    "en": "I could not find an answer in the articles.",
}
CLOSEST = {
    "fr": "Le passage le plus proche, qui peut ne pas répondre :",
    "en": "The closest passage, which may not answer:",
}
