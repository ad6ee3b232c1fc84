"""A toy CTC world shared by the decoding tests: a 7-word grapheme lexicon, two LMs' training text,
and hand-built posteriors of ``आज ?ाम है`` whose middle word is ambiguous between काम and नाम.

LM text ``A`` prefers ``आज काम है``, ``B`` prefers ``आज नाम है``.
"""

from __future__ import annotations

import numpy as np

from asrboot.tokens import grapheme_table, text_units

WORDS = ["आज", "काम", "कामना", "नाम", "है", "कल", "था"]
TOKENS = grapheme_table(WORDS)
FRAME_SHIFT = 0.04
TARGET, RIVAL = "आज काम है", "आज नाम है"
LM_TEXT = {
    "A": [TARGET] * 20 + [RIVAL] * 2 + ["कल काम था"] * 5 + ["कामना है"] * 3 + ["नाम था"] * 3,
    "B": [RIVAL] * 20 + [TARGET] * 2 + ["कल नाम था"] * 5 + ["कामना है"] * 3 + ["काम था"] * 3,
}


def posteriors(units) -> np.ndarray:
    """Log-posteriors: 2 blank frames, then per unit 2 frames peaked on it (a dict: shared mass) and
    a blank frame, then a blank frame; whatever mass a frame leaves is spread over the other tokens."""
    rows = []

    def frame(peaks):
        p = np.zeros(len(TOKENS))
        for u, q in peaks.items():
            p[TOKENS[u]] = q
        p[p == 0] = (1 - sum(peaks.values())) / np.sum(p == 0)
        rows.append(np.log(p))

    blank = {"<blk>": 0.9}
    frame(blank), frame(blank)
    for u in units:
        peaks = u if isinstance(u, dict) else {u: 0.8}
        frame(peaks), frame(peaks), frame(blank)
    frame(blank)
    return np.array(rows, dtype=np.float32)


def heard(p_ka: float, p_na: float):
    units = text_units(TARGET)
    units[units.index("क")] = {"क": p_ka, "न": p_na}
    return posteriors(units)


def impossible():
    """Two frames on which only a vowel sign is possible: no word fits, the search finds no path."""
    x = np.full((2, len(TOKENS)), -1e9, dtype=np.float32)
    x[:, TOKENS["ा"]] = 0
    return x


ARRAYS = {"utt1": heard(0.45, 0.5), "utt2": heard(0.5, 0.45), "none": impossible()}


class ArrayAM:
    """An AcousticModel that returns given posteriors for the cut ids it knows."""

    tokens = TOKENS
    frame_shift = FRAME_SHIFT

    def __init__(self, arrays):
        self.arrays = arrays

    def log_posteriors(self, cuts):
        for cut in cuts:
            yield cut, self.arrays[cut.id]
