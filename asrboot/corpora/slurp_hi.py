"""Reader of ``slurp_hi``: the in-domain Hindi voice-assistant sets and the English pool to translate.

Layout of a ``slurp_hi`` folder (``shared/data/slurp_hi`` or the recipe's ``demo/slurp_hi``):

* ``indomain_train.tsv``, ``dev.tsv``, ``test.tsv``: ``id<TAB>en<TAB>hi`` with a header line.
  ``hi`` is the data; ``en`` is provenance (the English utterance the Hindi was translated from).
  The in-domain train set is Hindi-only for the recipe, so every reader returns Hindi only unless
  ``with_english_provenance=True`` is passed explicitly.
* ``en_pool.txt``: English in-domain utterances to machine-translate, one per line.

:func:`leakage_sentences` gives the normalized sentences of *every* file (both columns, all
splits and the pool) so that general parallel data can be cleaned of anything that overlaps them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Set, Tuple

from asrboot.io import InputError, PathLike, read_lines, read_tsv
from asrboot.text import Normalizer

SPLITS = {"train": "indomain_train.tsv", "dev": "dev.tsv", "test": "test.tsv"}
EN_POOL = "en_pool.txt"
COLUMNS = ("id", "en", "hi")
# Spreadsheet error values that leaked into exported text (the real en_pool.txt starts with "#NAME?").
_SPREADSHEET_ERROR = re.compile(r"#(NAME\?|VALUE!|REF!|DIV/0!|N/A|NUM!|NULL!)")


@dataclass(frozen=True)
class Utterance:
    """One in-domain utterance; ``en`` is set only when English provenance was asked for."""

    id: str
    hi: str
    en: Optional[str] = None


def read_split(path: PathLike, with_english_provenance: bool = False) -> List[Utterance]:
    """Rows of an ``id/en/hi`` TSV; ``en`` is left out (``None``) unless ``with_english_provenance``.

    Raises :class:`InputError` (file:line) for a missing column, an empty id or Hindi text, or a
    repeated id.
    """
    out: List[Utterance] = []
    seen: Set[str] = set()
    for lineno, row in read_tsv(path):
        missing = [c for c in COLUMNS if c not in row]
        if missing:
            raise InputError(path, 1, f"no column {missing[0]!r} (expected header {' '.join(COLUMNS)})")
        uid, hi = row["id"].strip(), row["hi"].strip()
        if not uid or not hi:
            raise InputError(path, lineno, "empty id" if not uid else f"{uid}: empty Hindi text")
        if uid in seen:
            raise InputError(path, lineno, f"repeated id {uid!r}")
        seen.add(uid)
        out.append(Utterance(uid, hi, row["en"].strip() if with_english_provenance else None))
    return out


def read_slurp_split(slurp_dir: PathLike, split: str, with_english_provenance: bool = False) -> List[Utterance]:
    """``train`` (the in-domain set), ``dev`` or ``test`` of a ``slurp_hi`` folder."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {sorted(SPLITS)}, not {split!r}")
    return read_split(Path(slurp_dir) / SPLITS[split], with_english_provenance)


def read_en_pool(path: PathLike) -> List[Tuple[str, str]]:
    """``(id, English utterance)`` of ``en_pool.txt``, id ``en_pool-<line>``; blank lines and
    spreadsheet error values (``#NAME?``) are skipped."""
    return [(f"en_pool-{lineno}", line.strip()) for lineno, line in read_lines(path)
            if line.strip() and not _SPREADSHEET_ERROR.fullmatch(line.strip())]


def leakage_sentences(slurp_dir: PathLike) -> Tuple[Set[str], Set[str]]:
    """``(hindi, english)``: normalized sentences of every split (both columns) and of the English pool.

    Keys use the scoring normalizers (Hindi spelling variants merged), so a variant spelling of
    an evaluation sentence still counts as overlap.
    """
    hi_key, en_key = leakage_keys()
    hindi: Set[str] = set()
    english: Set[str] = set()
    for split in SPLITS:
        for utt in read_slurp_split(slurp_dir, split, with_english_provenance=True):
            hindi.add(hi_key(utt.hi))
            english.add(en_key(utt.en))
    english.update(en_key(s) for _, s in read_en_pool(Path(slurp_dir) / EN_POOL))
    hindi.discard("")
    english.discard("")
    return hindi, english


def leakage_keys() -> Tuple[Normalizer, Normalizer]:
    """The ``(hindi, english)`` normalizers whose outputs are compared for overlap and duplicates."""
    return Normalizer.for_scoring("hi"), Normalizer.for_scoring("en")
