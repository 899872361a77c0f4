"""HTML pages: the article list and article pages (the chat is in chat.py).

/articles and /articles/{id} answer JSON unless the client asks for HTML (a browser does).
"""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from index.ingest.article import Article, Sentence
from web.conversations import ID
from web.respond import page, wants_html
from web.schemas import ErrorBody, Responses

router = APIRouter()
# ?hl=N highlights sentence N (the quote), ?hl=F-L sentences F to L (a source's passage)
HIGHLIGHT = r"^\d{1,9}(-\d{1,9})?$"
NO_INDEX: Responses = {503: {"model": ErrorBody, "description": "No index has been built yet."}}
UNKNOWN: Responses = {404: {"model": ErrorBody, "description": "No article with this id."}}


@router.get("/articles", tags=["articles"], response_model=None, responses=NO_INDEX)
def articles(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0,  # SQLite takes 64 bits at most
    stories: Annotated[
        bool, Query(description="One row per wire story, its other copies in `also_in`.")
    ] = False,
) -> Response:
    """Articles in the index, newest first, each with its `story` and the other copies of
    it in `also_in` (JSON, or a page for browsers)."""
    with request.app.state.live.reading() as live:
        rows = live.store.list_articles(limit, offset, stories)
    if wants_html(request):
        return page(request, "articles.html", articles=rows, stories=stories)
    return JSONResponse({"articles": rows, "limit": limit, "offset": offset, "stories": stories})


@router.get(
    "/articles/{article_id}", tags=["articles"], response_model=None, responses=UNKNOWN | NO_INDEX
)
def article(
    request: Request,
    article_id: str,
    hl: Annotated[
        str | None,
        Query(pattern=HIGHLIGHT, description="Sentence N, or sentences F-L, highlighted."),
    ] = None,
    c: Annotated[
        str | None, Query(pattern=ID, description="The conversation the page goes back to.")
    ] = None,
) -> Response:
    """One article with its paragraphs and sentences (JSON, or a page for browsers)."""
    with request.app.state.live.reading() as live:
        found = live.store.article(article_id)
    if wants_html(request):
        shown = blocks(found, highlighted(hl))
        return page(request, "article.html", article=found, blocks=shown, conversation=c)
    return JSONResponse(as_json(found))


def highlighted(hl: str | None) -> range:
    """The sentence positions `?hl=` names: "7" is 7, "3-5" is 3, 4 and 5."""
    if not hl:
        return range(0)
    first, _, last = hl.partition("-")
    low, high = sorted((int(first), int(last or first)))
    return range(low, high + 1)


def blocks(article: Article, marked: range = range(0)) -> list[dict[str, Any]]:
    """Paragraphs as runs of text, each sentence a run with its index for #s{index} and
    whether `?hl=` marks it. One pass over the sentences: looking for each paragraph's
    among all of them took minutes for an article of 20,000 sentences."""
    within: list[list[Sentence]] = [[] for _ in article.paragraphs]
    for sentence in article.sentences:
        within[sentence.paragraph].append(sentence)
    out = []
    for paragraph, sentences in zip(article.paragraphs, within, strict=True):
        runs: list[dict[str, Any]] = []
        cursor = paragraph.start
        for sentence in sentences:
            runs.append({"text": article.text[cursor : sentence.start], "index": None})
            runs.append(
                {
                    "text": article.sentence_text(sentence),
                    "index": sentence.position,
                    "marked": sentence.position in marked,
                }
            )
            cursor = sentence.end
        runs.append({"text": article.text[cursor : paragraph.end], "index": None})
        out.append({"kind": paragraph.kind, "runs": [r for r in runs if r["text"]]})
    return out


def as_json(article: Article) -> dict[str, Any]:
    return {
        "id": article.id,
        "title": article.title,
        "date": article.date,
        "url": article.url,
        "source": article.source,
        "language": article.language,
        "text": article.text,
        "paragraphs": [vars(p) for p in article.paragraphs],
        "sentences": [vars(s) for s in article.sentences],
    }
