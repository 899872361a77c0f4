"""What the answer reader reads: the question and one candidate sentence in its context,
joined into one text, the same at training (bench/train_reader.py) and at answer time
(qa/reading.py):

    query: question</s>passage: sentence</s>title | sentence before … sentence after

e5's own prefixes; `</s>` is the tokenizer's separator token. The sentence comes before its
context so that truncation (READER_TOKENS) cuts the context, never the sentence, and the
question and sentence are cut to a length first so that neither crowds out the other.
"""

QUESTION_CHARS = 300
SENTENCE_CHARS = 500
READER_TOKENS = 160
SENTENCE_MARK = "</s>passage: "


def join_context(title: str, before: str, after: str) -> str:
    return f"{title} | {before} … {after}"


def reader_text(question: str, sentence: str, context: str) -> str:
    asked, read = question[:QUESTION_CHARS], sentence[:SENTENCE_CHARS]
    return f"query: {asked}</s>passage: {read}</s>{context}"


def sentence_start(question: str) -> int:
    """Where the sentence begins in reader_text's text (training marks answers in it)."""
    return len(reader_text(question, "", "")) - len("</s>")


def sentence_bounds(text: str) -> tuple[int, int]:
    """Where the sentence is in a reader_text: after the question's "</s>passage: ", up to
    the next "</s>"."""
    begins = text.index(SENTENCE_MARK) + len(SENTENCE_MARK)
    return begins, text.index("</s>", begins)


def tokens_within(offsets: list[tuple[int, int]], begins: int, ends: int) -> list[int]:
    """Which tokens (by their characters) are of the text's [begins, ends): those that
    overlap it; a word's first token holds the space before it, outside."""
    return [i for i, (a, b) in enumerate(offsets) if a < ends and b > begins and a < b]
