"""Write N realistic, deterministic news articles for benchmarks (not tests).

Sentences of ../shared/seeds/*.txt and ../shared/eval/*/articles/*.md are recombined:
each article is all-French or all-English, 6-14 sentences in 3-5 paragraphs (runs of
consecutive source sentences), sometimes a short subheading, a date between 2015 and 2025
(YYYY-MM or YYYY-MM-DD), a source and a url; about 5% are near-duplicates of a recent
article (the same wire story in another outlet, one sentence changed).

    .venv/bin/python bench/corpus.py 1000 data/bench/corpus-1k
    .venv/bin/python bench/corpus.py 10000 data/bench/corpus-10k-jsonl --format jsonl
    .venv/bin/python bench/corpus.py 50000 data/bench/corpus-50k   # ~3.5 min, 160 MB RSS, 198 MB

One random stream from a fixed seed: N articles are the first N of any larger run (the
first 10,000 of 50,000 are byte for byte the 10,000-article corpus).

Seed format: one `NNNNNN_source.txt` per article (` date YYYY-MM[-DD] lead…`, then the
paragraphs); the seed format has no source field, so the source is in the file name.
JSONL: `articles-NNNN.jsonl` files of 1,000 records {"id", "title", "date", "url",
"source", "text", "lang"}, paragraphs separated by blank lines in "text".
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from dataclasses import dataclass, replace
from pathlib import Path

from index.ingest.language import detect_language
from index.ingest.parse import blocks, is_subheading, shorten
from index.ingest.sentences import split_sentences

SHARED = Path(__file__).resolve().parents[2] / "shared"
SEED = 20240601
SHARD = 1000
_SENTENCE_END = tuple('.!?…»"”')
_SOURCES = {
    "fr": {
        "AFP": "www.afp.com",
        "Le Monde": "www.lemonde.fr",
        "Ouest-France": "www.ouest-france.fr",
        "Le Figaro": "www.lefigaro.fr",
        "Libération": "www.liberation.fr",
        "franceinfo": "www.francetvinfo.fr",
        "La Croix": "www.la-croix.com",
    },
    "en": {
        "Reuters": "www.reuters.com",
        "AP": "apnews.com",
        "BBC News": "www.bbc.com",
        "The Guardian": "www.theguardian.com",
        "Bloomberg": "www.bloomberg.com",
        "NPR": "www.npr.org",
    },
}
_SUBHEADINGS = {
    "fr": [
        "Réactions",
        "Un bilan encore incertain",
        "Ce qui change",
        "Un long débat",
        "Les prochaines étapes",
        "Contexte",
        "Des chiffres en hausse",
    ],
    "en": [
        "Reactions",
        "What comes next",
        "Background",
        "A long debate",
        "Rising numbers",
        "Questions remain",
        "Looking ahead",
    ],
}


@dataclass(frozen=True)
class Generated:
    number: int
    language: str
    paragraphs: list[str]  # the lead first; subheadings are short unpunctuated lines
    date: str
    source: str
    url: str
    title: str


@dataclass
class Pool:
    """Sentences in source order per language and per source file, and subheadings."""

    sentences: dict[str, list[str]]
    documents: dict[str, list[list[str]]]
    subheadings: dict[str, list[str]]


def paragraph_sentences(paragraph: str) -> list[str]:
    return [paragraph[s:e] for s, e in split_sentences(paragraph)]


def usable(sentence: str) -> bool:
    return (
        30 <= len(sentence) <= 350
        and sentence.endswith(_SENTENCE_END)
        and not is_subheading(sentence)
    )


def source_paragraphs(path: Path) -> list[str]:
    """Paragraphs of a seed or eval file, without its date line or `# Title`."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"\A\s*date\s+\d{4}-\d{2}(?:-\d{2})?", "", text)
    return [b.lstrip("#").strip() for b in blocks(text) if not b.startswith("# ")]


def load_pool() -> Pool:
    pool = Pool({"fr": [], "en": []}, {"fr": [], "en": []}, {"fr": [], "en": []})
    files = sorted((SHARED / "seeds").glob("*.txt"))
    files += sorted((SHARED / "eval").glob("*/articles/*.md"))
    for path in files:
        paragraphs = source_paragraphs(path)
        language = detect_language(" ".join(paragraphs)[:2000])
        document: list[str] = []
        for paragraph in paragraphs:
            if is_subheading(paragraph):
                pool.subheadings[language].append(paragraph)
            else:
                document += [s for s in paragraph_sentences(paragraph) if usable(s)]
        pool.sentences[language] += document
        pool.documents[language].append(document)
    for language in pool.subheadings:
        pool.subheadings[language] += _SUBHEADINGS[language]
    return pool


def random_date(rng: random.Random) -> str:
    year, month = rng.randint(2015, 2025), rng.randint(1, 12)
    if rng.random() < 0.4:
        return f"{year}-{month:02d}"
    return f"{year}-{month:02d}-{rng.randint(1, 28):02d}"


def partition(rng: random.Random, total: int, parts: int) -> list[int]:
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def run(rng: random.Random, sentences: list[str], size: int) -> str:
    start = rng.randrange(len(sentences) - size)
    return " ".join(sentences[start : start + size])


def body(rng: random.Random, pool: Pool, language: str) -> list[str]:
    """Mostly runs of one source file (one topic), some from anywhere in the language."""
    topic = rng.choice(pool.documents[language])
    count = rng.randint(6, 14)
    paragraphs = []
    for size in partition(rng, count, rng.randint(3, min(5, count // 2))):
        on_topic = len(topic) > size and rng.random() < 0.7
        paragraphs.append(run(rng, topic if on_topic else pool.sentences[language], size))
    if rng.random() < 0.3:
        heading = rng.choice(pool.subheadings[language])
        paragraphs.insert(rng.randint(2, len(paragraphs) - 1), heading)
    return paragraphs


def title_of(lead: str) -> str:
    first = paragraph_sentences(lead)[0]
    return shorten(first, 80).rstrip(".!?…")


def url_of(number: int, date: str, domain: str, title: str) -> str:
    slug = "-".join(re.findall(r"\w+", title.lower())[:8])
    return f"https://{domain}/{date[:4]}/{date[5:7]}/{slug}-{number:06d}"


def outlet(rng: random.Random, language: str) -> tuple[str, str]:
    return rng.choice(sorted(_SOURCES[language].items()))


def fresh(rng: random.Random, pool: Pool, number: int) -> Generated:
    language = rng.choice(("fr", "en"))
    paragraphs = body(rng, pool, language)
    date, (source, domain) = random_date(rng), outlet(rng, language)
    title = title_of(paragraphs[0])
    url = url_of(number, date, domain, title)
    return Generated(number, language, paragraphs, date, source, url, title)


def near_duplicate(rng: random.Random, pool: Pool, original: Generated, number: int) -> Generated:
    """The same story in another outlet: one sentence of a body paragraph replaced."""
    paragraphs = list(original.paragraphs)
    at = rng.choice([i for i, p in enumerate(paragraphs) if not is_subheading(p)])
    sentences = paragraph_sentences(paragraphs[at])
    sentences[rng.randrange(len(sentences))] = rng.choice(pool.sentences[original.language])
    paragraphs[at] = " ".join(sentences)
    source, domain = outlet(rng, original.language)
    url = url_of(number, original.date, domain, original.title)
    return replace(original, number=number, paragraphs=paragraphs, source=source, url=url)


def generate(count: int, pool: Pool, seed: int = SEED) -> list[Generated]:
    rng = random.Random(seed)
    articles: list[Generated] = []
    for number in range(count):
        if articles and rng.random() < 0.05:
            original = rng.choice(articles[-50:])
            articles.append(near_duplicate(rng, pool, original, number))
        else:
            articles.append(fresh(rng, pool, number))
    return articles


def slug(source: str) -> str:
    return "-".join(re.findall(r"\w+", source.lower()))


def write_seed(articles: list[Generated], out: Path) -> None:
    for a in articles:
        lead, *rest = a.paragraphs
        text = f" date {a.date} {lead}\n\n" + "\n\n".join(rest) + "\n"
        (out / f"{a.number:06d}_{slug(a.source)}.txt").write_text(text, encoding="utf-8")


def record(a: Generated) -> dict[str, str]:
    return {
        "id": f"bench-{a.number:06d}",
        "title": a.title,
        "date": a.date,
        "url": a.url,
        "source": a.source,
        "text": "\n\n".join(a.paragraphs),
        "lang": a.language,
    }


def write_jsonl(articles: list[Generated], out: Path) -> None:
    for first in range(0, len(articles), SHARD):
        lines = [json.dumps(record(a), ensure_ascii=False) for a in articles[first : first + SHARD]]
        path = out / f"articles-{first // SHARD:04d}.jsonl"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, help="number of articles")
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--format", choices=("seed", "jsonl"), default="seed")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args()
    started = time.perf_counter()
    pool = load_pool()
    articles = generate(args.n, pool, args.seed)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    (write_jsonl if args.format == "jsonl" else write_seed)(articles, args.out_dir)
    french = sum(a.language == "fr" for a in articles)
    sentences = sum(
        len(paragraph_sentences(p)) for a in articles for p in a.paragraphs if not is_subheading(p)
    )
    print(f"sentence pool: {len(pool.sentences['fr'])} fr, {len(pool.sentences['en'])} en")
    print(
        f"wrote {len(articles)} articles ({french} fr, {len(articles) - french} en, "
        f"~{sentences} sentences) to {args.out_dir} as {args.format} "
        f"in {time.perf_counter() - started:.1f} s"
    )


if __name__ == "__main__":
    main()
