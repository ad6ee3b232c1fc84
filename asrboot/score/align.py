"""Levenshtein alignment of word (or character) sequences, via kaldialign.

An alignment is a list of ``(ref, hyp)`` pairs in which a gap is :data:`GAP` (the empty
string, which no whitespace-split token can be): ``(GAP, w)`` is an insertion,
``(w, GAP)`` a deletion, ``(a, b)`` with ``a != b`` a substitution.
"""

from __future__ import annotations

from typing import List, NamedTuple, Sequence, Tuple

import kaldialign

GAP = ""
Alignment = List[Tuple[str, str]]


class Counts(NamedTuple):
    """Error counts of one alignment."""

    ins: int
    dels: int
    subs: int
    correct: int

    @property
    def errors(self) -> int:
        return self.ins + self.dels + self.subs


def align(ref: Sequence[str], hyp: Sequence[str]) -> Alignment:
    """Minimum-edit-distance alignment of two token sequences (gaps are :data:`GAP`)."""
    return kaldialign.align(list(ref), list(hyp), GAP)


def count(alignment: Alignment) -> Counts:
    """Insertions, deletions, substitutions and correct tokens of an alignment."""
    ins = sum(r == GAP for r, _ in alignment)
    dels = sum(h == GAP for _, h in alignment)
    correct = sum(r == h for r, h in alignment)
    return Counts(ins, dels, len(alignment) - ins - dels - correct, correct)


def edit_distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Number of edits (ins + del + sub) turning ``ref`` into ``hyp``; no alignment kept."""
    return kaldialign.edit_distance(list(ref), list(hyp))["total"]
