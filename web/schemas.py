"""Request bodies of the API."""

from typing import Any

from pydantic import BaseModel, Field, StrictBool, field_validator

DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
# Blank: what JSON Schema's (ECMAScript's) \s matches, plus what Python's str.strip() also
# removes. The server and the published schema (`[^…]` below) must agree on "empty".
BLANK = (
    " \t\n\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
NOT_BLANK = "[^" + "".join(f"\\u{ord(c):04x}" for c in BLANK) + "]"


class AskRequest(BaseModel):
    question: str = Field(
        description="A question in French or English.",
        examples=["Qui a annoncé un nouvel échange de prisonniers ?"],
    )
    k: int | None = Field(None, ge=1, le=50, description="How many sources to list.")
    since: str | None = Field(None, pattern=DATE, description="YYYY, YYYY-MM or YYYY-MM-DD.")
    until: str | None = Field(None, pattern=DATE, description="YYYY, YYYY-MM or YYYY-MM-DD.")
    source: str | None = Field(None, max_length=200, description="Only this source (site).")
    read_dates: StrictBool = Field(
        True,
        description='Read dates in the question ("en juin 2025", "last week") as a '
        "filter (see `applied_filters`); false: take them as words.",
    )
    history: list[str] = Field(
        default_factory=list, max_length=20, description="Earlier questions, oldest first."
    )

    # A JSON Schema integer is 38 or 38.0, never `true`: pydantic's lax mode took it for 1
    # (found by fuzzing).
    @field_validator("k", mode="before")
    @classmethod
    def _k_is_not_a_boolean(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("Input should be a valid integer, not true or false")
        return value


class ErrorBody(BaseModel):
    error: str
    status: int


# OpenAPI's documented error responses of a route, as FastAPI takes them.
Responses = dict[int | str, dict[str, Any]]


class TurnRequest(BaseModel):
    """The next question of a conversation; its earlier questions are its history."""

    question: str = Field(
        description="A question in French or English.", examples=["Et combien ont été libérés ?"]
    )
    k: int | None = Field(None, ge=1, le=50, description="How many sources to list.")
    since: str | None = Field(None, pattern=DATE, description="YYYY, YYYY-MM or YYYY-MM-DD.")
    until: str | None = Field(None, pattern=DATE, description="YYYY, YYYY-MM or YYYY-MM-DD.")
    source: str | None = Field(None, max_length=200, description="Only this source (site).")

    # A JSON Schema integer is 38 or 38.0, never `true`: pydantic's lax mode took it for 1
    # (found by fuzzing).
    @field_validator("k", mode="before")
    @classmethod
    def _k_is_not_a_boolean(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("Input should be a valid integer, not true or false")
        return value
