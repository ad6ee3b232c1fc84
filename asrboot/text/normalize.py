"""One text normalizer for LM text, lexicons, references and hypotheses.

Pipeline of :class:`Normalizer` (both languages):

1. delete zero-width / format characters (category Cf: ZWJ, ZWNJ, ZWSP, BOM, soft
   hyphen, bidi marks, ...; plus the grapheme joiner and variation selectors);
2. Unicode NFC, lowercase, NFC again.  NFC never composes the nukta letters
   U+0958-U+095F (composition exclusions), so the canonical form of क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़
   is the decomposed letter + U+093C, whether the input was precomposed or not;
3. digits -> number words (:func:`asrboot.text.numbers.expand_numbers`), each number
   a separate token; with ``numbers=False`` every decimal digit becomes its ASCII digit;
4. letters (L*) and marks (M*, e.g. matras, ं ँ ़ ्) are kept; every other character
   (punctuation incl. । ॥, symbols such as ₹, separators, controls, non-decimal
   numerals such as ²) becomes a space.  English keeps apostrophes between two
   non-space characters (``don't``, ``o'clock``; ’ is written ');
5. Hindi with ``variants=True``: the Perso-Arabic loan nuktas are dropped
   (क़ ख़ ग़ ज़ फ़ य़ -> क ख ग ज फ य; ड़ ढ़ are distinct sounds and stay) and
   chandrabindu ँ becomes anusvara ं;
6. Hindi with ``latin="drop"``: tokens containing a Latin letter are removed;
7. whitespace collapsed to single spaces, no leading/trailing space.

The output is a fixed point: ``n(n(x)) == n(x)``.
"""

from __future__ import annotations

import dataclasses
import functools
import re
import unicodedata
from typing import Callable, Dict, Optional

from asrboot.io import InputError, PathLike, atomic_open, read_lines, read_tsv
from asrboot.text.numbers import expand_numbers


class _CharTable(dict):
    """A ``str.translate`` table computed per code point on first sight."""

    def __init__(self, rule: Callable[[str], Optional[str]]):
        super().__init__()
        self.rule = rule

    def __missing__(self, codepoint: int) -> Optional[str]:
        value = self[codepoint] = self.rule(chr(codepoint))
        return value


def _ignorable(ch: str) -> Optional[str]:
    cp = ord(ch)
    if (
        unicodedata.category(ch) == "Cf"
        or cp == 0x034F  # combining grapheme joiner
        or 0xFE00 <= cp <= 0xFE0F
        or 0xE0100 <= cp <= 0xE01EF  # variation selectors
        or 0x180B <= cp <= 0x180F  # Mongolian variation selectors
    ):
        return None
    return ch


def _token_rule(kept: Dict[str, str]) -> Callable[[str], Optional[str]]:
    def rule(ch: str) -> Optional[str]:
        category = unicodedata.category(ch)
        if category[0] in "LM":
            return ch
        if category == "Nd":
            return str(unicodedata.decimal(ch))
        return kept.get(ch, " ")

    return rule


_IGNORABLE = _CharTable(_ignorable)
_TOKEN_CHARS = {
    "hi": _CharTable(_token_rule({})),
    "en": _CharTable(_token_rule({"'": "'", "\u2019": "'"})),
}
# An apostrophe with a space, another apostrophe or a string end on either side.
_LOOSE_APOSTROPHE = re.compile(r"(?<![^\s'])'|'(?![^\s'])")
_LOAN_NUKTA = re.compile("([\u0915\u0916\u0917\u091c\u092b\u092f])\u093c+")


@functools.lru_cache(maxsize=None)
def _is_latin_letter(ch: str) -> bool:
    return unicodedata.category(ch)[0] == "L" and "LATIN" in unicodedata.name(ch, "").split()


@dataclasses.dataclass(frozen=True)
class Normalizer:
    """Callable text normalizer; see the module docstring for what it does.

    ``lang``: ``"hi"`` or ``"en"``.  ``variants``: map Hindi spelling variants (nukta,
    chandrabindu); meant for scoring, off for LM training.  ``latin``: ``"keep"``
    (lowercased) or ``"drop"`` Latin-script tokens (Hindi only).  ``numbers``: spell out
    digits as words.
    """

    lang: str = "hi"
    variants: bool = False
    latin: str = "keep"
    numbers: bool = True

    def __post_init__(self) -> None:
        if self.lang not in _TOKEN_CHARS:
            raise ValueError(f"lang must be one of {sorted(_TOKEN_CHARS)}, not {self.lang!r}")
        if self.latin not in ("keep", "drop"):
            raise ValueError(f"latin must be 'keep' or 'drop', not {self.latin!r}")
        if self.lang == "en" and self.latin == "drop":
            raise ValueError("latin='drop' would drop all of an English text")

    @classmethod
    def for_lm(cls, lang: str = "hi", **options) -> Normalizer:
        """Normalizer for LM training text and lexicons: spelling variants kept apart."""
        return cls(lang=lang, variants=False, **options)

    @classmethod
    def for_scoring(cls, lang: str = "hi", **options) -> Normalizer:
        """Normalizer for references and hypotheses before WER: spelling variants merged."""
        return cls(lang=lang, variants=True, **options)

    def __call__(self, text: str) -> str:
        text = unicodedata.normalize("NFC", text.translate(_IGNORABLE))
        text = unicodedata.normalize("NFC", text.lower())
        if self.numbers:
            text = expand_numbers(text, self.lang)
        text = text.translate(_TOKEN_CHARS[self.lang])
        if self.lang == "en":
            text = _LOOSE_APOSTROPHE.sub(" ", text)
        elif self.variants:
            text = _LOAN_NUKTA.sub(r"\1", text).replace("\u0901", "\u0902")
        tokens = text.split()
        if self.latin == "drop":
            tokens = [t for t in tokens if not any(map(_is_latin_letter, t))]
        return " ".join(tokens)


def normalize(text: str, lang: str = "hi", **options) -> str:
    """``Normalizer(lang=lang, **options)(text)``."""
    return Normalizer(lang=lang, **options)(text)


def normalize_file(
    in_path: PathLike, out_path: PathLike, normalizer: Normalizer, errors: str = "strict"
) -> Dict[str, int]:
    """Normalize a UTF-8 text file line by line into ``out_path`` (written atomically).

    Every input line gives exactly one output line, so line-aligned ids stay aligned:
    empty lines stay empty, and with ``errors="skip"`` a line that is not valid UTF-8
    is written as an empty line.  With ``errors="strict"`` such a line raises
    :class:`asrboot.io.InputError` (``path:line: ...``) and ``out_path`` is not touched.

    Returns counts: ``read`` (lines decoded), ``skipped`` (lines not valid UTF-8),
    ``empty`` (decoded lines that normalize to nothing), ``written`` (output lines).
    """
    stats = {"read": 0, "skipped": 0, "empty": 0, "written": 0}
    last = 0
    with atomic_open(out_path, "w") as out:
        for lineno, line in read_lines(in_path, errors=errors):
            gap = lineno - last - 1
            text = normalizer(line)
            out.write("\n" * gap + text + "\n")
            stats["skipped"] += gap
            stats["read"] += 1
            stats["empty"] += not text
            last = lineno
        if errors == "skip":
            with open(in_path, "rb") as f:
                gap = sum(1 for _ in f) - last
            out.write("\n" * gap)
            stats["skipped"] += gap
    stats["written"] = stats["read"] + stats["skipped"]
    return stats


def normalize_tsv(
    in_path: PathLike,
    out_path: PathLike,
    normalizer: Normalizer,
    column: str,
    id_column: Optional[str] = None,
    errors: str = "strict",
) -> Dict[str, int]:
    """Normalize one column of a TSV file (with a header) into a text file, one row per line.

    With ``id_column`` the lines are Kaldi ``text`` lines (``id normalized text``). Returns
    counts: ``read`` (rows), ``empty`` (rows that normalize to nothing), ``written``.
    """
    stats = {"read": 0, "empty": 0, "written": 0}
    with atomic_open(out_path, "w") as out:
        for lineno, row in read_tsv(in_path, errors=errors):
            for name in (column, id_column):
                if name is not None and name not in row:
                    raise InputError(in_path, 1, f"no column {name!r} (columns: {', '.join(row)})")
            text = normalizer(row[column])
            out.write(f"{row[id_column]} {text}".rstrip() + "\n" if id_column else text + "\n")
            stats["read"] += 1
            stats["written"] += 1
            stats["empty"] += not text
    return stats
