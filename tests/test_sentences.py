"""Sentence offsets are exact: text[start:end] is the sentence, for any text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from index.ingest.sentences import split_sentences


def pieces(text: str) -> list[str]:
    return [text[start:end] for start, end in split_sentences(text)]


def test_french_news_sentences() -> None:
    text = (
        "« Nous poursuivons les échanges. » Puis M. Zelensky a remercié la Turquie. "
        "L'inflation atteint 3,5 %. Elle était de 2,1 % en mai. "
        "Selon Mme Dupont, le sommet aura lieu le 12 oct. à Paris."
    )
    assert pieces(text) == [
        "« Nous poursuivons les échanges. »",
        "Puis M. Zelensky a remercié la Turquie.",
        "L'inflation atteint 3,5 %.",
        "Elle était de 2,1 % en mai.",
        "Selon Mme Dupont, le sommet aura lieu le 12 oct. à Paris.",
    ]


def test_english_news_sentences() -> None:
    text = (
        'U.S. officials said 1.2 million people were affected. "We are ready," he said. '
        "Dr. Smith disagreed."
    )
    assert pieces(text) == [
        "U.S. officials said 1.2 million people were affected.",
        '"We are ready," he said.',
        "Dr. Smith disagreed.",
    ]


def test_offsets_within_a_larger_text() -> None:
    text = "Title\n\nFirst sentence here. Second one."
    spans = split_sentences(text, 7, len(text))
    assert [text[s:e] for s, e in spans] == ["First sentence here.", "Second one."]


words = st.text(
    alphabet=st.sampled_from("abcdeéèàç ABCÉ.,;!?«»\"'’()%0123456789\n\u00a0-…"), max_size=300
)


@settings(max_examples=300, deadline=None)
@given(words)
def test_offsets_are_exact_ordered_and_lose_no_word(text: str) -> None:
    spans = split_sentences(text)
    last_end = 0
    for start, end in spans:
        assert last_end <= start < end <= len(text)
        sentence = text[start:end]
        assert sentence == sentence.strip() and sentence
        last_end = end
    covered = set()
    for start, end in spans:
        covered.update(range(start, end))
    assert not [c for i, c in enumerate(text) if c.isalnum() and i not in covered]
