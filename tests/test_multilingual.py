"""With multilingual-e5-small (the default): questions in both languages about the seed."""

from pathlib import Path

import pytest

from index.e5 import E5_MODEL_NAME
from index.embed import Embedder
from index.errors import ModelMismatch
from index.store import Store
from index.sync import sync_folder
from qa.answer import Answerer
from qa.models import NOT_FOUND
from tests.conftest import SEED_ID


@pytest.fixture(scope="module")
def e5_embedder(embedder: Embedder) -> Embedder:
    assert embedder.name == E5_MODEL_NAME  # the default model
    return embedder


@pytest.fixture(scope="module")
def e5_qa(qa: Answerer) -> Answerer:
    return qa


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("Qu'a affirmé le ministère russe de la Défense ?", "le ministère russe de la Défense a"),
        ("What did the Russian defence ministry say?", "le ministère russe de la Défense a"),
        ("What does Russia demand to end the conflict?", "exige, pour mettre fin au conflit"),
    ],
)
def test_french_and_english_questions_quote_the_french_sentence(
    e5_qa: Answerer, question: str, expected: str
) -> None:
    answer = e5_qa.ask(question)
    assert answer.found
    assert expected in answer.answer
    assert answer.quote.article_id == SEED_ID
    assert answer.quote.language == "fr"  # the answer says which language the quote is in


def test_english_question_nothing_answers_is_not_found(e5_qa: Answerer) -> None:
    answer = e5_qa.ask("What is the boiling point of mercury?")
    assert not answer.found and answer.answer == NOT_FOUND["en"]


def test_switching_models_says_rebuild_and_rebuild_does_it(
    tmp_path: Path, minilm: Embedder, e5_embedder: Embedder, corpus_dir: Path
) -> None:
    index_dir = tmp_path / "index"
    sync_folder(index_dir, corpus_dir, minilm)
    with pytest.raises(ModelMismatch, match="rebuild"):
        sync_folder(index_dir, corpus_dir, e5_embedder)
    with pytest.raises(ModelMismatch):
        Store.open(index_dir, expected_model=E5_MODEL_NAME)
    report = sync_folder(index_dir, corpus_dir, e5_embedder, rebuild=True)
    assert len(report.added) == 4
    store = Store.open(index_dir, expected_model=E5_MODEL_NAME)
    assert store.manifest["dimension"] == 384 and store.check() == []
