"""Wiring: settings → embedder, store, answerer. Shared by the CLI, the web app and bench/.
What updates the index is wired in qa/app/indexing.py: a question loads none of it."""

from functools import cache
from pathlib import Path

from index.embedding.e5 import E5_MODEL_NAME
from index.embedding.embed import Embedder, backend_vectors
from index.embedding.encoders import EncoderId, default_threads
from index.embedding.reader_model import (
    CALIBRATION_FILE,
    ReaderModelError,
    ensure_reader_model,
    head_of,
    span_of,
)
from index.errors import ModelDamaged
from index.interface import Backend, Reader
from index.registry import open_backend
from qa.answer import Answerer, AnswerLimits
from qa.app.settings import Settings
from qa.features import DENSE_ONLY, KEYWORD_ONLY
from qa.reader import AnswerReader
from qa.reading import READER_DELTA, READING_FILE, Reading, load_reading
from qa.retrieve import DenseRetriever, FusedRetriever, KeywordRetriever
from qa.scorer import HandMade

MODES = ("keyword", "dense", "ranker", "fused")
E5_NAMES = (E5_MODEL_NAME, f"intfloat/{E5_MODEL_NAME}")  # what the reader was trained from
FLOAT_BACKEND = {"onnx-int8": "onnx"}


@cache
def embedder_for(
    model: str,
    models_dir: Path,
    backend: str,
    threads: int,
    tokens: bool = False,
    calibration: Path | None = None,
) -> Embedder:
    """One loaded model per process: loading costs seconds, encoding milliseconds."""
    return Embedder(model, models_dir, backend, threads, tokens, calibration)


def get_embedder(settings: Settings) -> Embedder:
    threads = settings.encoder_threads or default_threads()
    return embedder_for(
        settings.embedding_model, settings.models_dir, settings.encoder_backend, threads
    )


def serving(settings: Settings) -> Settings:
    """A server's settings: it keeps a core free for questions while it indexes in the
    background, so the answers and the updates of one process share one loaded model."""
    if settings.encoder_threads:
        return settings
    return settings.model_copy(update={"encoder_threads": max(1, default_threads() - 1)})


def expected_encoder(settings: Settings) -> EncoderId:
    """What an index must have been built with to answer with these settings."""
    return EncoderId(settings.embedding_model, backend_vectors(settings.encoder_backend))


def open_index(settings: Settings) -> Backend:
    """The backend QA_BACKEND names; `with open_index(s).reader() as store:` to read."""
    expected = expected_encoder(settings)
    return open_backend(
        settings.backend,
        settings.index_dir,
        settings.database_url,
        expected,
        settings.database_read_url,
    )


def single_threaded() -> None:
    """One FAISS thread when answering: a question is tiny work, and several threads per
    request spin against each other under concurrent load (measured: p50 34 ms with one
    thread, 476 ms with two, on a busy 2-core machine; bench/ask_latency.py). The encoders
    encode a question on one thread themselves (index/encoders.py)."""
    import faiss

    faiss.omp_set_num_threads(1)


def answerer(settings: Settings, store: Reader, mode: str = "fused") -> Answerer:
    """An answerer for one mode; "fused" is the product (fused retrieval, the learned
    ranker, the answer reader), the others baselines: "ranker" without the reader, and a
    single retriever with a hand-made score of its own signal."""
    single_threaded()
    embedder = get_embedder(settings)
    limits = AnswerLimits(
        settings.top_k, settings.candidates, settings.min_confidence, settings.preferred_source
    )
    weights = {"fr": settings.keyword_weight_fr, "en": settings.keyword_weight_en}
    if mode == "keyword":
        keyword = KeywordRetriever(store)
        return Answerer(store, embedder, limits, keyword, HandMade(KEYWORD_ONLY))
    if mode == "dense":
        return Answerer(store, embedder, limits, DenseRetriever(store), HandMade(DENSE_ONLY))
    fused = FusedRetriever(store, weights)
    if mode == "ranker":  # the learned ranker alone, without the reader: a baseline
        return Answerer(store, embedder, limits, fused)
    return Answerer(store, embedder, limits, fused, reading=reading_for(settings))


def reading_for(settings: Settings) -> Reading | None:
    """The answer reader, trained from e5: with another embedding model (or a checkout
    without it) the ranker alone chooses. Its model loads once per process (embedder_for);
    its checksum is checked each time, so a damaged delta is ModelDamaged (the server does
    not start)."""
    if settings.embedding_model not in E5_NAMES or not READING_FILE.exists():
        return None
    return load_reading(answer_reader(settings))


def answer_reader(settings: Settings, delta: Path | None = None) -> AnswerReader:
    """The answer reader assembled from its shipped delta, exported for the settings'
    runtime: on OpenVINO in int8 (`reader_precision`; quantised once on the texts shipped
    beside the delta: held out it chooses as the float one does, in 0.6 of the time), on
    ONNX Runtime in float even beside an int8 encoder (its dynamic int8 turned near-ties
    over). A delta that does not match its checksum is ModelDamaged."""
    delta = delta or READER_DELTA
    try:
        model = ensure_reader_model(delta, settings.models_dir)
    except ReaderModelError as error:
        raise ModelDamaged(str(error)) from error
    threads = settings.encoder_threads or default_threads()
    weight, bias = head_of(delta)
    span = span_of(delta)  # its states are read only for a span head
    reader = embedder_for(
        str(model),
        settings.models_dir,
        reader_backend(settings),
        threads,
        span is not None,
        calibration_of(delta, settings),
    )
    return AnswerReader(reader, weight, bias, span)


def reader_backend(settings: Settings) -> str:
    """The encoder's backend, in float where the encoder's is int8 (ONNX's dynamic int8)."""
    return FLOAT_BACKEND.get(settings.encoder_backend, settings.encoder_backend)


def calibration_of(delta: Path, settings: Settings) -> Path | None:
    """The texts the int8 reader is calibrated on, when it runs in int8: OpenVINO's default
    backend, asked for and shipped (a delta without them runs in float)."""
    texts = delta.with_name(CALIBRATION_FILE)
    int8 = settings.reader_precision == "int8" and reader_backend(settings) == "openvino"
    return texts if int8 and texts.is_file() else None
