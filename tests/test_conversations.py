"""The chat's conversations in a real SQLite file: kept, bounded, expiring."""

import sqlite3
from pathlib import Path

from qa.models import NOT_FOUND, Answer
from web.conversations import Conversations, Turn

NOTHING = Answer(
    found=False, answer=NOT_FOUND["en"], quote=None, sources=[], confidence=0.1,
    language="en", took_ms=1.0,
)  # fmt: skip


def turn(question: str) -> Turn:
    return Turn(number=0, question=question, answer=NOTHING, asked_at=0.0)


def test_turns_are_kept_in_order_with_their_answers(tmp_path: Path) -> None:
    chats = Conversations(tmp_path / "chats" / "c.sqlite", keep_days=30, most=10, turns=10)
    cid = chats.create()
    assert len(cid) == 16
    assert chats.add(cid, turn("first")).number == 1
    assert chats.add(cid, turn("second")).number == 2
    again = Conversations(tmp_path / "chats" / "c.sqlite", keep_days=30, most=10, turns=10)
    found = again.get(cid)  # another process (a worker) reads the same file
    assert found is not None
    assert [(t.number, t.question) for t in found.turns] == [(1, "first"), (2, "second")]
    assert found.turns[0].answer == NOTHING


def test_unknown_ids_and_no_file_yet_are_none(tmp_path: Path) -> None:
    chats = Conversations(tmp_path / "c.sqlite", keep_days=30, most=10, turns=10)
    assert chats.get("A" * 16) is None
    assert not (tmp_path / "c.sqlite").exists()  # nothing written until a chat starts
    assert chats.add("A" * 16, turn("x")) is None


def test_turns_beyond_the_bound_drop_the_oldest(tmp_path: Path) -> None:
    chats = Conversations(tmp_path / "c.sqlite", keep_days=30, most=10, turns=2)
    cid = chats.create()
    for question in ("one", "two", "three"):
        chats.add(cid, turn(question))
    found = chats.get(cid)
    assert found is not None
    assert [(t.number, t.question) for t in found.turns] == [(2, "two"), (3, "three")]


def test_conversations_beyond_the_bound_drop_the_least_recently_used(tmp_path: Path) -> None:
    chats = Conversations(tmp_path / "c.sqlite", keep_days=30, most=2, turns=10)
    first, second = chats.create(), chats.create()
    with sqlite3.connect(tmp_path / "c.sqlite") as db:  # the second was used long ago
        db.execute("UPDATE conversations SET used = used - 3600 WHERE id = ?", (second,))
    third = chats.create()
    assert chats.get(second) is None
    assert chats.get(first) is not None and chats.get(third) is not None


def test_a_conversation_unused_for_longer_than_kept_expires(tmp_path: Path) -> None:
    chats = Conversations(tmp_path / "c.sqlite", keep_days=30, most=10, turns=10)
    cid = chats.create()
    chats.add(cid, turn("old"))
    with sqlite3.connect(tmp_path / "c.sqlite") as db:
        db.execute("UPDATE conversations SET used = used - 31 * 86400")
    assert chats.get(cid) is None
    chats.create()  # a write sweeps it, turns included
    with sqlite3.connect(tmp_path / "c.sqlite") as db:
        assert db.execute("SELECT count(*) FROM turns").fetchone()[0] == 0


def test_a_turn_of_an_older_answer_shape_is_left_out(tmp_path: Path) -> None:
    chats = Conversations(tmp_path / "c.sqlite", keep_days=30, most=10, turns=10)
    cid = chats.create()
    chats.add(cid, turn("kept"))
    with sqlite3.connect(tmp_path / "c.sqlite") as db:
        db.execute("INSERT INTO turns VALUES (?, 2, ?)", (cid, '{"question": "no answer"}'))
    found = chats.get(cid)
    assert found is not None and [t.question for t in found.turns] == ["kept"]
