"""Request bodies of the API."""

import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field, StrictBool, field_validator

DATE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
# What the published schema says of a filter date instead: only dates that exist, as
# real_date() below checks them (years 0001-9999, months 01-12, the days of each month,
# 29 February of leap years), so that no date the schema allows is refused.
_YEAR = r"(000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})"
_LEAP_YEAR = r"([0-9]{2}(0[48]|[2468][048]|[13579][26])|(0[48]|[2468][048]|[13579][26])00)"
_MONTH_DAY = (
    r"((0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])|(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    r"|02-(0[1-9]|1[0-9]|2[0-8]))"
)
REAL_DATE = rf"^({_YEAR}(-(0[1-9]|1[0-2]))?|{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)$"
# Blank: what JSON Schema's (ECMAScript's) \s matches, plus what Python's str.strip() also
# removes. The server and the published schema (`[^…]` below) must agree on "empty".
BLANK = (
    " \t\n\v\f\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004"
    "\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
NOT_BLANK = "[^" + "".join(f"\\u{ord(c):04x}" for c in BLANK) + "]"
HISTORY = 5  # earlier questions a follow-up may lean on
HISTORY_ITEM_CHARS = 500  # as a question (QA_MAX_QUESTION_CHARS' default)
HISTORY_CHARS = 5000  # all items together


def real_date(value: str | None) -> str | None:
    """A date of the DATE pattern that exists: `2024-13` and `2025-02-30` are refused."""
    if value is None:
        return None
    if not value.isascii():  # the pattern's \d also takes other scripts' digits: "٢٠٢٤"
        raise ValueError(f"{value!r} is not a date of ASCII digits (YYYY, YYYY-MM or YYYY-MM-DD)")
    parts = [int(part) for part in value.split("-")]
    try:
        datetime.date(parts[0], *[*parts[1:], 1, 1][:2])
    except (ValueError, IndexError) as error:
        raise ValueError(f"{value!r} is not a real date (YYYY, YYYY-MM or YYYY-MM-DD)") from error
    return value


# A filter date: the pattern for the published schema, then a check that it exists.
FilterDate = Annotated[
    str | None,
    Field(None, pattern=DATE, description="YYYY, YYYY-MM or YYYY-MM-DD."),
    AfterValidator(real_date),
]


def recent_history(questions: list[str]) -> list[str]:
    """The earlier questions a follow-up leans on, as /ask takes them: the last HISTORY,
    each cut to HISTORY_ITEM_CHARS (a question may be longer where QA_MAX_QUESTION_CHARS
    is raised, and must not make the next turn's request invalid)."""
    return [question[:HISTORY_ITEM_CHARS] for question in questions[-HISTORY:]]


def bounded_history(history: list[str]) -> list[str]:
    """Each earlier question as long as a question may be, and all of them together
    bounded: a 5 MB item once cost seconds of CPU per request."""
    for number, item in enumerate(history):
        if len(item) > HISTORY_ITEM_CHARS:
            raise ValueError(f"item {number} is longer than {HISTORY_ITEM_CHARS} characters")
    if sum(len(item) for item in history) > HISTORY_CHARS:
        raise ValueError(f"the items together are longer than {HISTORY_CHARS} characters")
    return history


class Asked(BaseModel):
    """What a question carries wherever it is asked: /ask and a conversation's turn."""

    question: str = Field(
        description="A question in French or English.",
        examples=["Qui a annoncé un nouvel échange de prisonniers ?"],
    )
    k: int | None = Field(None, ge=1, le=50, description="How many sources to list.")
    since: FilterDate = None
    until: FilterDate = None
    source: str | None = Field(None, max_length=200, description="Only this source (site).")

    # A JSON Schema integer is 38 or 38.0, never `true`: pydantic's lax mode took it for 1
    # (found by fuzzing).
    @field_validator("k", mode="before")
    @classmethod
    def _k_is_not_a_boolean(cls, value: object) -> object:
        if isinstance(value, bool):
            raise ValueError("Input should be a valid integer, not true or false")
        return value


class AskRequest(Asked):
    read_dates: StrictBool = Field(
        True,
        description='Read dates in the question ("en juin 2025", "last week") as a '
        "filter (see `applied_filters`); false: take them as words.",
    )
    history: Annotated[list[str], AfterValidator(bounded_history)] = Field(
        default_factory=list,
        max_length=20,
        description=f"Earlier questions, oldest first: each at most {HISTORY_ITEM_CHARS} "
        f"characters, together at most {HISTORY_CHARS}.",
    )


class ErrorBody(BaseModel):
    error: str
    status: int


# OpenAPI's documented error responses of a route, as FastAPI takes them.
Responses = dict[int | str, dict[str, Any]]


class TurnRequest(Asked):
    """The next question of a conversation; its earlier questions are its history."""

    question: str = Field(
        description="A question in French or English.", examples=["Et combien ont été libérés ?"]
    )
