"""Which words of the quoted sentence answer the question: the number for "combien / how
many", the date for "quand / when", the name for "qui / who", the place for "où / where";
and the question's own words. Offsets into the sentence, the sentence unchanged."""

import pytest

from qa.answer_words import whole_words
from qa.highlight import mark
from qa.models import Quote
from web.marks import marked

SEED_LEAD = (
    "Suite à un accord convenu début juin lors des négociations à Istanbul, l'Ukraine et la "
    "Russie ont annoncé ce jeudi avoir procédé à un nouvel échange de prisonniers de guerre."
)
REGIONS = (
    "La Russie, qui a déclenché il y a plus de trois ans une offensive massive en Ukraine, a "
    "rejeté toute trève prolongée et exige, pour mettre fin au conflit, que l'Ukraine lui cède "
    "notamment quatre régions, en plus de la péninsule de Crimée annexée en 2014."
)
BRIDGE = "The project will cost an estimated 420 million dollars and is expected to open in 2029."


@pytest.mark.parametrize(
    ("question", "sentence", "language", "answer"),
    [
        ("Combien de régions l'Ukraine doit-elle céder ?", REGIONS, "fr", ["quatre"]),
        ("Depuis combien de temps dure l'offensive ?", REGIONS, "fr", ["trois"]),
        (
            "How many signatures did the shop owners collect?",
            "Their association collected 12,000 signatures against the plan last year.",
            "en",
            ["12,000"],
        ),
        ("How much will the project cost?", BRIDGE, "en", ["420 million"]),
        ("When is the new harbour bridge expected to open?", BRIDGE, "en", ["2029"]),
        ("Quand l'échange a-t-il été annoncé ?", SEED_LEAD, "fr", ["jeudi"]),
        (
            "Qui a annoncé un nouvel échange de prisonniers ?",
            SEED_LEAD,
            "fr",
            ["Ukraine", "Russie"],
        ),
        ("Où ont eu lieu les négociations ?", SEED_LEAD, "fr", ["Istanbul"]),
        ("Pourquoi l'échange a-t-il eu lieu ?", SEED_LEAD, "fr", []),  # no type: no answer mark
        # a place is a name after a place word; a sentence without one holds none to mark
        (
            "Où ont eu lieu les négociations ?",
            "Volodymyr Zelensky a salué la nouvelle étape des négociations.",
            "fr",
            [],
        ),
        ("Where will the bridge open?", BRIDGE, "en", []),
        ("Qui a négocié à Istanbul ?", SEED_LEAD, "fr", ["Ukraine", "Russie"]),
        ("In what year will the bridge open?", BRIDGE, "en", ["2029"]),
        ("En quelle année la Crimée a-t-elle été annexée ?", REGIONS, "fr", ["2014"]),
        ("Who opened the talks?", "On Monday, the talks opened in Geneva.", "en", []),
    ],
)
def test_the_words_of_the_answers_type_are_marked(
    question: str, sentence: str, language: str, answer: list[str]
) -> None:
    spans, _ = mark(question, sentence, language)
    assert [sentence[start:end] for start, end in spans] == answer


def test_the_questions_own_words_are_marked_apart_from_the_answer() -> None:
    question = "Combien de régions l'Ukraine doit-elle céder ?"
    spans, terms = mark(question, REGIONS, "fr")
    assert [REGIONS[s:e] for s, e in terms] == ["Ukraine", "Ukraine", "cède", "régions"]
    assert not set(spans) & set(terms)


def test_marked_runs_join_to_the_exact_quote_and_carry_no_markup() -> None:
    text = 'He said "<b>30</b> days" & left.'
    quote = Quote(
        text=text, article_id="a", title="t", date=None, url=None, language="en",
        sentence_index=0, start=0, end=len(text), highlights=[(12, 14)],
        term_highlights=[(0, 2), (13, 20), (40, 50)],
    )  # fmt: skip
    runs = marked(quote)
    assert "".join(run for run, _ in runs) == text
    assert ("30", "answer") in runs and ("He", "term") in runs  # overlaps: the first wins


def test_the_readers_answer_words_stand_in_for_the_rules_and_the_terms_stay_apart() -> None:
    """With the reader's span (qa/answer_words.py), it is the answer marked, whatever the
    question asks for; the question's terms are marked around it, never over it."""
    question = "What will the bridge replace?"
    sentence = "The bridge will replace the old ferry that crosses the harbour twice an hour."
    start = sentence.index("the old ferry")
    answer, terms = mark(question, sentence, "en", None, (start, start + len("the old ferry")))
    assert [sentence[a:b] for a, b in answer] == ["the old ferry"]
    assert {sentence[a:b] for a, b in terms} == {"bridge", "replace"}
    assert mark(question, sentence, "en")[0] == []  # no rule for a what-question


@pytest.mark.parametrize(
    ("text", "start", "end", "words"),
    [
        ("à Istanbul, sous médiation", 1, 6, "Istanbul"),  # a token's space, part of a word
        ("about 12,000 signatures", 5, 12, "12,000"),
        ("en 2014.", 2, 8, "2014."),
    ],
)
def test_the_readers_tokens_are_widened_to_whole_words_without_spaces(
    text: str, start: int, end: int, words: str
) -> None:
    span = whole_words(text, start, end)
    assert span is not None and text[span[0] : span[1]] == words
    assert whole_words(text, 0, 0) is None and whole_words(" a", 0, 1) is None


def test_a_how_many_question_gets_no_mark_where_the_sentence_holds_no_number() -> None:
    """The reader's span marks any kind of answer, but a how-many question's answer is a
    number: a span without one is not marked (item 5 of issue 21)."""
    sentence = "Ni Moscou, ni Kiev n'ont précisé combien de militaires avaient été libérés."
    start = sentence.index("combien de militaires")
    span = (start, start + len("combien de militaires"))
    assert mark("Combien ont été libérés ?", sentence, "fr", None, span)[0] == []
    assert mark("Qui n'a rien précisé ?", sentence, "fr", None, (0, 20))[0] == [(0, 20)]
    elsewhere = sentence.replace("libérés.", "libérés ces trois dernières semaines.")
    assert mark("Combien ont été libérés ?", elsewhere, "fr", None, span)[0] == []
    dozens = "Des dizaines de centres ont ouvert."
    assert mark("Combien de centres ?", dozens, "fr", None, (4, 12))[0] == [(4, 12)]


ZELENSKY = (
    '"Nous poursuivons les échanges (de prisonniers), une nouvelle étape a eu lieu", a indiqué'
    " le président ukrainien Volodymyr Zelensky."
)


def _span(sentence: str, words: str) -> tuple[int, int]:
    start = sentence.index(words)
    return start, start + len(words)


def test_a_where_or_when_question_gets_no_mark_that_is_no_place_or_time() -> None:
    """Item 5 of issue 21: the reader's span stands only when it can be of the asked kind; a
    quote that holds none shows the question's words, no answer."""
    step = _span(ZELENSKY, "nouvelle étape")
    assert mark("Où ont eu lieu les négociations ?", ZELENSKY, "fr", None, step)[0] == []
    clause = _span(ZELENSKY, "une nouvelle étape a eu lieu")
    assert mark("Quand l'échange a-t-il eu lieu ?", ZELENSKY, "fr", None, clause)[0] == []
    # Of the asked kind, the span stands: a name, a place word, a time word, a century
    istanbul = _span(SEED_LEAD, "Istanbul")
    assert mark("Où ont eu lieu les négociations ?", SEED_LEAD, "fr", None, istanbul)[0] == [
        istanbul
    ]
    lab = "Ils se rendent dans un laboratoire de la ville."
    assert mark("Où se rendent-ils ?", lab, "fr", None, _span(lab, "un laboratoire"))[0] != []
    old = "Le marché naît au début du XVIIe siècle."
    assert mark("Quand naît le marché ?", old, "fr", None, _span(old, "XVIIe siècle"))[0] != []
    later = "They met two years later in Geneva."
    assert mark("When did they meet?", later, "en", None, _span(later, "two years later"))[0]
    nineties = "A rival settlement was tried in the 1790s."
    assert mark("When was it tried?", nineties, "en", None, _span(nineties, "1790s"))[0]
    # A "when" that heads a clause does not make a when-question: its answer stands
    rulers = "The Normans were ruled by Rollo."
    asked = "Who ruled the Normans when they came?"
    assert mark(asked, rulers, "en", None, _span(rulers, "Rollo"))[0]
    not_time = "The Normans were ruled by the duke."
    asked = "What was the ruler called when they came?"
    assert mark(asked, not_time, "en", None, _span(not_time, "the duke"))[0]
    assert not mark("When did they come?", not_time, "en", None, _span(not_time, "the duke"))[0]
