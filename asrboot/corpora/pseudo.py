"""Pronounceable pseudo-words covering every Devanagari character the Hindi normalizer can emit.

Natural text leaves rare letters and signs (ॠ, ॲ, ऴ, the Vedic stress marks, …) unseen; a few
pseudo-words per character give the acoustic model's token table and training data full coverage.
"""

from __future__ import annotations

import random
import unicodedata
from typing import FrozenSet, List

from asrboot.text import Normalizer

_INDEPENDENT_VOWELS = set(range(0x0904, 0x0915)) | {0x0960, 0x0961} | set(range(0x0972, 0x0978))
_COMMON_CONSONANTS = "कखगचजटडतदनपबमयरलवसह"
_COMMON_MATRAS = ["", "ा", "ि", "ी", "ु", "ू", "े", "ै", "ो", "ौ"]
_NUKTA_BASES = "कखगजडढफय"
NUKTA = "\u093c"


def devanagari_inventory() -> FrozenSet[str]:
    """Every character :meth:`Normalizer.for_lm("hi") <asrboot.text.Normalizer.for_lm>` emits for Devanagari-block input."""
    norm = Normalizer.for_lm("hi")
    return frozenset("".join(norm(chr(cp)) for cp in range(0x0900, 0x0980)).replace(" ", ""))


def _syllable(rng: random.Random) -> str:
    return rng.choice(_COMMON_CONSONANTS) + rng.choice(_COMMON_MATRAS)


def _word_with(ch: str, rng: random.Random) -> str:
    """A short pseudo-word containing ``ch`` in a position where it can occur."""
    if ord(ch) in _INDEPENDENT_VOWELS:
        return ch + _syllable(rng)
    if ch == NUKTA:
        return rng.choice(_NUKTA_BASES) + NUKTA + rng.choice(_COMMON_MATRAS) + _syllable(rng)
    if ch == "\u094d":  # virama: a conjunct
        return _syllable(rng) + rng.choice(_COMMON_CONSONANTS) + ch + _syllable(rng)
    if unicodedata.category(ch)[0] in "ML":  # signs follow a consonant; other letters stand as consonants
        lead = rng.choice(_COMMON_CONSONANTS) if unicodedata.category(ch) != "Lo" else ""
        return _syllable(rng) + lead + ch + _syllable(rng)
    raise ValueError(f"unexpected character {ch!r}")


def pseudo_words(per_char: int = 3, seed: int = 0) -> List[str]:
    """``per_char`` pseudo-words for each inventory character (deterministic for a seed), normalized."""
    rng = random.Random(seed)
    norm = Normalizer.for_lm("hi")
    return [norm(_word_with(ch, rng)) for ch in sorted(devanagari_inventory()) for _ in range(per_char)]


def pseudo_sentences(per_char: int = 3, words_per_sentence: int = 5, seed: int = 0) -> List[str]:
    """The pseudo-words shuffled into sentences of ``words_per_sentence`` words."""
    words = pseudo_words(per_char, seed)
    random.Random(seed + 1).shuffle(words)
    n = words_per_sentence
    return [" ".join(words[i:i + n]) for i in range(0, len(words), n)]
