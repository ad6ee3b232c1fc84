"""Lexicons: words spelled in AM units (graphemes or BPE pieces), disambiguation, ``lexicon.txt`` I/O.

A lexicon is a list of ``(word, units)`` entries; ``lexicon.txt`` has one ``word unit unit ...``
line per entry (icefall/Kaldi format, BPE pieces written as strings like icefall's
``prepare_lang_bpe.py``).
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from asrboot.graph.symbols import BOS, DISAMBIG0, EOS, EPS, is_disambig
from asrboot.io import InputError, PathLike, atomic_open, read_lines
from asrboot.tokens import WORD_START, word_units

log = logging.getLogger(__name__)

Entry = Tuple[str, List[str]]
UNK_WORD = "<UNK>"
UNK_TOKENS = ("<unk>", "<UNK>")
#: Symbols of a word list / LM vocabulary that are not words to spell.
RESERVED_WORDS = {EPS, BOS, EOS, DISAMBIG0, "<unk>", UNK_WORD, "!SIL", "<SPOKEN_NOISE>"}


class BpeUnits:
    """Spell words with a sentencepiece model (encoded to ids, then mapped to pieces, as icefall)."""

    def __init__(self, model: PathLike):
        import sentencepiece as spm

        self.sp = spm.SentencePieceProcessor(model_file=str(model))

    def __call__(self, word: str) -> List[str]:
        return [self.sp.id_to_piece(i) for i in self.sp.encode(word, out_type=int)]


def build_lexicon(
    words: Iterable[str],
    tokens: Dict[str, int],
    units: Callable[[str], List[str]] = word_units,
    oov: str = "unk",
) -> Tuple[List[Entry], List[str]]:
    """Spell ``words`` with ``units``; return the sorted lexicon and the words left out.

    A word with a unit missing from ``tokens`` (or an ``<unk>`` piece) is left out. With
    ``oov="unk"`` the lexicon also gets ``<UNK>`` spelled with the AM's ``<unk>`` token (after ``▁``
    when the AM has it), if the AM has such a token; ``oov="skip"`` only leaves such words out.
    Either way a warning lists a few.
    """
    if oov not in ("unk", "skip"):
        raise ValueError("oov must be 'unk' or 'skip'")
    entries: List[Entry] = []
    skipped: List[str] = []
    def spellable(units_: List[str]) -> bool:
        return bool(units_) and all(u in tokens and not is_disambig(u) and u not in UNK_TOKENS for u in units_)

    for word in sorted(set(words) - RESERVED_WORDS):
        spelled = units(word)
        if is_disambig(word) or not spellable(spelled):
            skipped.append(word)
        else:
            entries.append((word, spelled))
    unk = next((t for t in UNK_TOKENS if t in tokens), None)
    if oov == "unk" and unk is not None:
        entries.insert(0, (UNK_WORD, [WORD_START, unk] if WORD_START in tokens else [unk]))
    if skipped:
        log.warning("%d word(s) have units outside the token table and are left out of the lexicon%s: %s",
                    len(skipped), "" if oov == "skip" or unk is None else f" (spoken, they map to {UNK_WORD})",
                    " ".join(skipped[:10]) + (" ..." if len(skipped) > 10 else ""))
    return entries, skipped


def add_disambig(entries: Sequence[Entry]) -> Tuple[List[Entry], int]:
    """Append ``#1, #2, ...`` to spellings shared by several words or prefixing another spelling.

    Returns the new entries and the highest disambiguation index used (0 if none): ``#0`` is
    reserved for the LM's back-off arcs (Kaldi's ``add_lex_disambig.pl``).
    """
    count = Counter(tuple(units) for _, units in entries)
    prefixes = {tuple(units[:i]) for _, units in entries for i in range(1, len(units))}
    last: Dict[Tuple[str, ...], int] = {}
    out: List[Entry] = []
    for word, units in entries:
        key = tuple(units)
        if count[key] > 1 or key in prefixes:
            last[key] = last.get(key, 0) + 1
            units = [*units, f"#{last[key]}"]
        out.append((word, list(units)))
    return out, max(last.values(), default=0)


def iter_lexicon(path: PathLike) -> Iterator[Tuple[int, str, List[str]]]:
    """Yield ``(line_number, word, units)``; a line without units is an :class:`InputError`."""
    for lineno, line in read_lines(path):
        fields = line.split()
        if not fields:
            continue
        if len(fields) < 2:
            raise InputError(path, lineno, f"empty pronunciation for word {fields[0]!r}")
        yield lineno, fields[0], fields[1:]


def read_lexicon(path: PathLike) -> List[Entry]:
    return [(word, units) for _, word, units in iter_lexicon(path)]


def write_lexicon(entries: Iterable[Entry], path: PathLike) -> None:
    with atomic_open(path) as f:
        for word, units in entries:
            f.write(f"{word} {' '.join(units)}\n")


def words_from_list(path: PathLike) -> List[str]:
    """Words of a word list (first field per line, so a ``words.txt`` symbol table works too)."""
    return [line.split()[0] for _, line in read_lines(path) if line.strip()]


def words_from_arpa(path: PathLike) -> List[str]:
    """The vocabulary of an ARPA LM (its 1-grams)."""
    words: List[str] = []
    in_unigrams = False
    for lineno, line in read_lines(path):
        if line.startswith("\\"):
            if in_unigrams:
                break
            in_unigrams = line.strip() == "\\1-grams:"
            continue
        if in_unigrams and line.strip():
            fields = line.split()
            if len(fields) < 2:
                raise InputError(path, lineno, f"malformed 1-gram line {line!r}")
            words.append(fields[1])
    if not words:
        raise InputError(path, None, "no 1-grams (not an ARPA file?)")
    return words


def unit_source(bpe_model: Optional[PathLike]) -> Callable[[str], List[str]]:
    """Grapheme spelling (:func:`asrboot.tokens.word_units`) or BPE pieces of ``bpe_model``."""
    return BpeUnits(Path(bpe_model)) if bpe_model else word_units
