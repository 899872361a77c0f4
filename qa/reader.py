"""The answer reader at answer time: e5 read late-joined, the question with each candidate
sentence in its context, that scores "this sentence answers it" (a logit).

Trained by bench/train_reader.py; assembled and exported to OpenVINO by
embedding/reader_model.py (the first time it is needed, like the e5 model). Answering
needs only OpenVINO and the `tokenizers` library: no torch.
"""

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from qa.reader_input import Specials, padded, passage_rows, question_ids

BATCH = 16


class AnswerReader:
    """One compiled model per process, one infer request per thread, one thread each:
    answering never competes with itself (as the question encoder, embedding/encoders.py)."""

    def __init__(self, folder: Path) -> None:
        import openvino as ov
        from tokenizers import Tokenizer

        self.folder = folder
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self.pad = Specials.of(self.tokenizer).pad
        config = {"NUM_STREAMS": 1, "INFERENCE_NUM_THREADS": 1, "PERFORMANCE_HINT": "LATENCY"}
        self.compiled = ov.Core().compile_model(folder / "model.xml", "CPU", config)
        self._requests = threading.local()

    def _request(self) -> Any:
        request = getattr(self._requests, "request", None)
        if request is None:
            request = self._requests.request = self.compiled.create_infer_request()
        return request

    def scores(self, question: str, candidates: Sequence[tuple[str, str]]) -> np.ndarray:
        """One logit per (sentence, context): higher, more likely the sentence answers."""
        if not candidates:
            return np.zeros(0, dtype=np.float32)
        asked = np.array([question_ids(self.tokenizer, question)], dtype=np.int64)
        asked_mask = np.ones_like(asked)
        rows = passage_rows(self.tokenizer, candidates)
        order = np.argsort([-len(r) for r in rows], kind="stable")  # little padding a batch
        logits = np.zeros(len(rows), dtype=np.float32)
        request = self._request()
        for start in range(0, len(order), BATCH):
            part = order[start : start + BATCH]
            ids, mask = padded([rows[i] for i in part], self.pad)
            inputs = {
                "question_ids": asked,
                "question_mask": asked_mask,
                "passage_ids": ids,
                "passage_mask": mask,
            }
            logits[part] = request.infer(inputs)[0]
        return logits
