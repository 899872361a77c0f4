"""Chunks: a few consecutive sentences, overlapping by one, never across a subheading."""

from dataclasses import dataclass

from index.ingest.article import Article, Sentence


@dataclass(frozen=True)
class Chunk:
    position: int
    first_sentence: int
    last_sentence: int
    text: str


def sections(article: Article) -> list[list[Sentence]]:
    """Runs of sentences between subheadings."""
    runs: list[list[Sentence]] = [[]]
    last_paragraph = -1
    for sentence in article.sentences:
        between = article.paragraphs[last_paragraph + 1 : sentence.paragraph]
        if any(p.kind == "subheading" for p in between) and runs[-1]:
            runs.append([])
        runs[-1].append(sentence)
        last_paragraph = sentence.paragraph
    return [run for run in runs if run]


def make_chunks(article: Article, size: int = 3) -> list[Chunk]:
    step = max(size - 1, 1)  # consecutive chunks share one sentence
    chunks: list[Chunk] = []
    for run in sections(article):
        for begin in range(0, max(len(run) - (size - step), 1), step):
            window = run[begin : begin + size]
            text = article.text[window[0].start : window[-1].end]
            chunks.append(Chunk(len(chunks), window[0].position, window[-1].position, text))
    return chunks
