"""Encoder runtimes: one sentence-transformers model run by torch, ONNX Runtime or OpenVINO.

Each takes texts that already carry their prompt ("query: ", "passage: ") and returns
normalised float32 vectors. Bulk encoding (documents) uses `threads` cores; a question is
encoded on one thread, so that answering never competes with itself.
"""

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

import numpy as np

ENCODER_FILE = "encoder.json"
# backend name -> (runtime, precision asked for; "auto": the best float the CPU computes in)
BACKENDS = {
    "torch": ("torch", "fp32"),
    "onnx": ("onnx", "fp32"),
    "onnx-int8": ("onnx", "int8"),
    "openvino": ("openvino", "auto"),
    "openvino-f32": ("openvino", "fp32"),
}
BATCH = 32  # larger batches did not encode faster here; sorting texts by length did
# Questions (and the reader's candidates) are padded to a multiple of this many tokens:
# OpenVINO keeps compiled kernels for every input shape it meets, ~5 MB each, so a server
# answering questions of every length grew by GBs; padded, it meets a few shapes. Bulk
# encoding stays exact (padding short sentences would slow builds; its model is dropped
# after each update).
QUESTION_WIDTH_STEP = 32


@dataclass(frozen=True)
class EncoderId:
    """What an index's vectors depend on: the model, and whether they are int8-quantised
    (fp32 and bf16 vectors of one model rank alike; int8 ones do not, README)."""

    model: str
    vectors: str = "float"


Progress = Callable[[int], None]  # called with the number of texts just encoded
Feeds = dict[str, np.ndarray]


@dataclass(frozen=True)
class TokenStates:
    """A text read whole (the answer reader's candidates): its vector, its tokens' final
    states, and the characters of the text each token covers."""

    vector: np.ndarray  # (dimension,)
    states: np.ndarray  # (tokens, dimension)
    offsets: list[tuple[int, int]]


class Encoder(Protocol):
    dimension: int
    precision: str  # what the vectors were computed in: fp32, bf16, int8
    prompts: dict[str, str]

    def encode(self, texts: Sequence[str], bulk: bool, progress: Progress | None) -> np.ndarray: ...

    def release_bulk(self) -> None: ...  # drop what bulk encoding loaded; it loads again

    # Texts read as a question is (one thread), with their tokens' states: needs a model
    # loaded with `tokens` (its export returns them)
    def read_tokens(self, texts: Sequence[str]) -> list[TokenStates]: ...


def export_target(
    model: str, source: str, backend: str, models_dir: Path, tokens: bool = False
) -> Path:
    """Where the export of `source` for `backend` lives (one folder per source path; an
    export with the tokens' states has its own)."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(model).name) or "model"
    digest = hashlib.sha1(str(Path(source).resolve()).encode()).hexdigest()[:8]
    return Path(models_dir) / "exported" / f"{slug}-{digest}-{backend}{'-tokens' if tokens else ''}"


def is_exported(folder: Path) -> bool:
    return (folder / ENCODER_FILE).is_file()  # written last: its presence means complete


def default_threads() -> int:
    return len(os.sched_getaffinity(0))


class TorchEncoder:
    """sentence-transformers on torch, fp32: the reference the other runtimes match."""

    def __init__(self, path: str, threads: int) -> None:
        from sentence_transformers import SentenceTransformer  # slow import: only when asked

        self.model = SentenceTransformer(path, device="cpu")
        self.dimension = int(self.model.get_embedding_dimension() or 0)
        self.prompts = {k: v for k, v in self.model.prompts.items() if v is not None}
        self.precision = "fp32"
        self.threads = threads

    def encode(self, texts: Sequence[str], bulk: bool, progress: Progress | None) -> np.ndarray:
        import torch

        torch.set_num_threads(self.threads if bulk else 1)  # process-wide, alas
        parts = []
        for start in range(0, len(texts), 8 * BATCH):  # slices, to report progress
            part = list(texts[start : start + 8 * BATCH])
            parts.append(
                self.model.encode(
                    part, batch_size=BATCH, normalize_embeddings=True, convert_to_numpy=True
                )
            )
            if progress:
                progress(len(part))
        return np.concatenate(parts).astype(np.float32, copy=False)

    def release_bulk(self) -> None:
        """One model serves both ways here: nothing to drop."""

    def read_tokens(self, texts: Sequence[str]) -> list[TokenStates]:
        import torch

        torch.set_num_threads(1)  # read as a question is
        # One pass gives both: each row's vector and its tokens' states (padded to its batch)
        read = cast(
            list[dict[str, Any]],  # with output_value=None: every output of each text
            self.model.encode(
                list(texts), batch_size=BATCH, output_value=None, convert_to_numpy=False
            ),
        )
        cut = {"truncation": True, "max_length": self.model.max_seq_length}
        offsets = self.model.tokenizer(list(texts), return_offsets_mapping=True, **cut)
        return [
            TokenStates(
                torch.nn.functional.normalize(row["sentence_embedding"].float(), dim=-1).numpy(),
                row["token_embeddings"][: int(row["attention_mask"].sum())].float().numpy(),
                [tuple(o) for o in spans],
            )
            for row, spans in zip(read, offsets["offset_mapping"], strict=True)
        ]


class Tokens:
    """The exported model's tokenizer (the `tokenizers` library: no transformers import),
    truncating as sentence-transformers does, and batching texts of similar length."""

    def __init__(self, folder: Path, config: dict[str, Any]) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.max_length = int(config["max_seq_length"])
        self.tokenizer.enable_truncation(max_length=self.max_length)
        self.pad_id = int(config["pad_id"])

    def batches(self, texts: Sequence[str], step: int = 1) -> Iterator[tuple[np.ndarray, Feeds]]:
        """(positions in `texts`, model inputs), longest texts first: padding wastes little.
        Each batch's width is rounded up to a multiple of `step` (at most the model's)."""
        return self.batches_of(self.tokenizer.encode_batch(list(texts)), step)

    def batches_of(self, encodings: list[Any], step: int = 1) -> Iterator[tuple[np.ndarray, Feeds]]:
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        for start in range(0, len(order), BATCH):
            rows = order[start : start + BATCH]
            longest = len(encodings[rows[0]].ids)
            width = max(longest, min(-(-longest // step) * step, self.max_length))
            ids = np.full((len(rows), width), self.pad_id, dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for row, position in enumerate(rows):
                tokens = encodings[position].ids
                ids[row, : len(tokens)] = tokens
                mask[row, : len(tokens)] = 1
            yield rows, {"input_ids": ids, "attention_mask": mask}


def read_config(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / ENCODER_FILE).read_text(encoding="utf-8")))


class _Exported:
    """What both runtimes read of an export: its tokenizer, dimension, prompts, and the
    precision its backend asks for."""

    def __init__(self, folder: Path, threads: int) -> None:
        config = read_config(folder)
        self.tokens = Tokens(folder, config)
        self.dimension, self.prompts = int(config["dimension"]), dict(config["prompts"])
        self.asked = BACKENDS[config["backend"]][1]
        self.threads = threads
        # Models are loaded when first needed, once: 32 first questions at once each
        # compiled a copy of their own (a worker held 0.5-1.8 GB more, for good).
        self._loading = threading.Lock()

    def _infer_question(self, feeds: Feeds) -> list[np.ndarray]:
        raise NotImplementedError

    def read_tokens(self, texts: Sequence[str]) -> list[TokenStates]:
        encodings = self.tokens.tokenizer.encode_batch(list(texts))
        read: list[TokenStates | None] = [None] * len(texts)
        for rows, feeds in self.tokens.batches_of(encodings, QUESTION_WIDTH_STEP):
            outputs = self._infer_question(feeds)
            if len(outputs) < 2:
                raise ValueError("this export holds no token states: load it with tokens")
            for row, position in enumerate(rows):
                offsets = encodings[position].offsets
                states = np.array(outputs[1][row, : len(offsets)], dtype=np.float32)
                read[position] = TokenStates(np.array(outputs[0][row]), states, offsets)
        return [r for r in read if r is not None]


class OnnxEncoder(_Exported):
    """ONNX Runtime on an exported graph (fp32, or int8 weights quantised dynamically)."""

    def __init__(self, folder: Path, threads: int) -> None:
        import onnxruntime as ort

        super().__init__(folder, threads)
        self.precision = self.asked
        self.model, self.ort = folder / "model.onnx", ort
        self._sessions: dict[bool, Any] = {}

    def _session(self, bulk: bool) -> Any:
        with self._loading:  # created when first needed: a server may never bulk
            if bulk not in self._sessions:
                options = _ort_options(self.ort, self.threads if bulk else 1)
                self._sessions[bulk] = self.ort.InferenceSession(
                    str(self.model), options, providers=["CPUExecutionProvider"]
                )
            return self._sessions[bulk]

    def _infer_question(self, feeds: Feeds) -> list[np.ndarray]:
        return list(self._session(False).run(None, feeds))

    def encode(self, texts: Sequence[str], bulk: bool, progress: Progress | None) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        session = self._session(bulk)
        for rows, feeds in self.tokens.batches(texts, 1 if bulk else QUESTION_WIDTH_STEP):
            vectors[rows] = session.run(None, feeds)[0]
            if progress:
                progress(len(rows))
        return vectors

    def release_bulk(self) -> None:
        with self._loading:
            self._sessions.pop(True, None)


def _ort_options(ort: Any, threads: int) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    return options


class OpenVinoEncoder(_Exported):
    """OpenVINO on an exported graph. Bulk: one 1-thread stream per core, batches in flight
    on each (1.4x the throughput of one 2-thread stream here); questions: one thread each,
    on a stream per core."""

    def __init__(self, folder: Path, threads: int) -> None:
        import openvino as ov

        super().__init__(folder, threads)
        self.core = ov.Core()
        self.network = self.core.read_model(folder / "model.xml")
        self.hint = {"INFERENCE_PRECISION_HINT": "f32"} if self.asked == "fp32" else {}
        self._compiled: dict[bool, Any] = {}
        self._requests = threading.local()
        # bf16 where the CPU has it (AVX-512 BF16, AMX), else fp32: the runtime decides
        computed = self.core.get_property("CPU", "INFERENCE_PRECISION_HINT").get_type_name()
        self.precision = "fp32" if self.hint else {"f32": "fp32"}.get(computed, computed)

    def _compiled_for(self, bulk: bool) -> Any:
        with self._loading:  # compiled when first needed: a server may never bulk
            if bulk not in self._compiled:
                # Questions: one thread each, but one stream a core, as a server's requests
                # come from many threads at once; with one stream they queued for it,
                # unfairly (32 clients on 2 AVX2 cores: 1.9 answers/s, one waited 31 s;
                # 4.4/s and at most 9 s with two, the same 0.5 s for one alone).
                streams = self.threads if bulk else default_threads()
                config = {"NUM_STREAMS": streams, "INFERENCE_NUM_THREADS": streams, **self.hint}
                if not bulk:
                    config["PERFORMANCE_HINT"] = "LATENCY"
                self._compiled[bulk] = self.core.compile_model(self.network, "CPU", config)
            return self._compiled[bulk]

    def _question_request(self) -> Any:
        """One infer request per thread: a request runs one inference at a time."""
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self._compiled_for(False).create_infer_request()
        return request

    def _infer_question(self, feeds: Feeds) -> list[np.ndarray]:
        outputs = self._question_request().infer(feeds)  # the request's own buffers
        return [np.array(outputs[n]) for n in range(len(outputs))]

    def encode(self, texts: Sequence[str], bulk: bool, progress: Progress | None) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        if not bulk:
            request = self._question_request()
            for rows, feeds in self.tokens.batches(texts, QUESTION_WIDTH_STEP):
                vectors[rows] = request.infer(feeds)[0]
                if progress:
                    progress(len(rows))
            return vectors
        # Batches go round the requests, two in flight a stream (one runs while the other
        # is read and refilled: 0.88-1.10x the speed of a callback queue, measured). No completion
        # callback: OpenVINO would run it on its own threads, which need the GIL, and a
        # compiled model freed while one is pending deadlocks (its destructor joins them).
        compiled = self._compiled_for(True)
        requests = [compiled.create_infer_request() for _ in range(2 * self.threads)]
        in_flight: list[np.ndarray | None] = [None] * len(requests)
        for number, (rows, feeds) in enumerate(self.tokens.batches(texts)):
            slot = number % len(requests)
            _collect(requests[slot], in_flight[slot], vectors, progress)
            requests[slot].start_async(feeds)
            in_flight[slot] = rows
        for request, last in zip(requests, in_flight, strict=True):
            _collect(request, last, vectors, progress)
        return vectors

    def release_bulk(self) -> None:
        """The bulk model (a stream per core) is compiled apart from the questions' one and
        holds its own copy of the weights: a server drops it after each update."""
        with self._loading:
            self._compiled.pop(True, None)


def _collect(
    request: Any, rows: np.ndarray | None, vectors: np.ndarray, progress: Progress | None
) -> None:
    """Wait for a request's batch, if it has one, and copy its vectors into place."""
    if rows is None:
        return
    request.wait()
    vectors[rows] = request.get_output_tensor(0).data
    if progress:
        progress(len(rows))
