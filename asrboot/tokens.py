"""Modelling units shared by the acoustic model, the lexicon and the decoder.

Grapheme CTC units are Unicode code points of the normalized text (NFC Devanagari letters,
vowel signs, virama, nukta, …) plus a word-start unit ``▁`` (as in icefall's BPE lexicons):
``"नमस्ते दुनिया" -> ▁ न म स ् त े ▁ द ु न ि य ा``. Token id 0 is the CTC blank ``<blk>``.
A token table is an icefall ``tokens.txt``: ``symbol id`` per line.
"""

from __future__ import annotations

from typing import Dict, Iterable, List

from asrboot.io import InputError, PathLike, atomic_open, read_lines

BLANK = "<blk>"
WORD_START = "\u2581"  # ▁


def word_units(word: str) -> List[str]:
    """Grapheme units of one word, beginning with the word-start unit."""
    return [WORD_START, *word]


def text_units(text: str) -> List[str]:
    """Grapheme units of a normalized, space-separated text."""
    return [u for w in text.split() for u in word_units(w)]


def units_to_text(units: Iterable[str]) -> str:
    """Inverse of :func:`text_units` (blanks and specials like ``<unk>`` are dropped)."""
    out = "".join(" " if u == WORD_START else u for u in units if u != BLANK and not u.startswith("<"))
    return " ".join(out.split())


def read_symbols(path: PathLike) -> Dict[str, int]:
    """Read a symbol table (``symbol id`` per line: ``tokens.txt``, ``words.txt``); malformed lines and
    duplicate symbols or ids are errors naming the line."""
    table: Dict[str, int] = {}
    seen: Dict[int, str] = {}
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 2 or not fields[1].isdigit():
            raise InputError(path, lineno, f"expected 'symbol id', got {line!r}")
        sym, idx = fields[0], int(fields[1])
        if sym in table:
            raise InputError(path, lineno, f"duplicate symbol {sym!r} (also id {table[sym]})")
        if idx in seen:
            raise InputError(path, lineno, f"duplicate id {idx} (also symbol {seen[idx]!r})")
        table[sym] = idx
        seen[idx] = sym
    return table


def write_symbols(table: Dict[str, int], path: PathLike) -> None:
    with atomic_open(path) as f:
        for sym, idx in sorted(table.items(), key=lambda kv: kv[1]):
            f.write(f"{sym} {idx}\n")


def read_tokens(path: PathLike) -> Dict[str, int]:
    """Read ``tokens.txt`` (:func:`read_symbols`); the blank must be token 0."""
    table = read_symbols(path)
    if table.get(BLANK) != 0:
        raise InputError(path, None, f"{BLANK} must be token 0")
    return table


write_tokens = write_symbols


def grapheme_table(texts: Iterable[str], extra: Iterable[str] = ()) -> Dict[str, int]:
    """A token table covering every unit of ``texts`` (and ``extra`` characters): blank, ▁, then sorted units."""
    units = set(extra)
    for t in texts:
        units.update(t.replace(" ", ""))
    units.discard(WORD_START)
    return {BLANK: 0, WORD_START: 1, **{u: i + 2 for i, u in enumerate(sorted(units))}}
