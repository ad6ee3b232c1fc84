"""Pseudo-words cover every character the Hindi normalizer can emit for Devanagari input."""

from __future__ import annotations

from asrboot.corpora.pseudo import devanagari_inventory, pseudo_sentences, pseudo_words
from asrboot.text import Normalizer


def test_inventory_is_what_the_normalizer_emits():
    inv = devanagari_inventory()
    norm = Normalizer.for_lm("hi")
    emitted = {ch for cp in range(0x0900, 0x0980) for ch in norm(chr(cp)) if ch != " "}
    assert inv == emitted
    # the letters, signs and forms the acoustic model must know
    for ch in "अआऋऑकखज़ड़ढ़फ़ािीुूृेैोौॉंँः़्ऽॐ":
        assert ch in inv, ch
    assert "\u0958" not in inv  # क़ is base + nukta after NFC
    assert not inv & set("।॥०१२३४५६७८९ ")


def test_pseudo_words_cover_the_inventory_and_are_normalized():
    words = pseudo_words(per_char=2, seed=3)
    assert set("".join(words)) >= devanagari_inventory()
    norm = Normalizer.for_lm("hi")
    assert all(norm(w) == w and " " not in w for w in words)
    assert words == pseudo_words(per_char=2, seed=3)
    assert words != pseudo_words(per_char=2, seed=4)


def test_pseudo_sentences():
    sentences = pseudo_sentences(per_char=1, words_per_sentence=4)
    assert all(1 <= len(s.split()) <= 4 for s in sentences)
    assert set("".join(sentences).replace(" ", "")) >= devanagari_inventory()
