"""Request bodies of the API."""

from pydantic import BaseModel, Field

DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"


class AskRequest(BaseModel):
    question: str = Field(
        description="A question in French or English.",
        examples=["Qui a annoncé un nouvel échange de prisonniers ?"],
    )
    k: int | None = Field(None, ge=1, le=50, description="How many sources to list.")
    since: str | None = Field(None, pattern=DATE, description="YYYY, YYYY-MM or YYYY-MM-DD.")
    until: str | None = Field(None, pattern=DATE, description="YYYY, YYYY-MM or YYYY-MM-DD.")
    source: str | None = Field(None, max_length=200, description="Only this source (site).")
    history: list[str] = Field(
        default_factory=list, max_length=20, description="Earlier questions, oldest first."
    )


class ErrorBody(BaseModel):
    error: str
    status: int
