"""The noise bank of the evaluation conditions: white, pink and babble noise, seeded per utterance.

Babble is the sum of a few other utterances of the same set, never the target utterance and
never another rendering of the target's text.
"""

from __future__ import annotations

import collections
import dataclasses
from typing import Dict, Sequence, Tuple

import numpy as np

from asrboot.speech.rng import rng_for

NOISE_TYPES = ("white", "pink", "babble")
BABBLE_TALKERS = 4


@dataclasses.dataclass(frozen=True)
class NoisePlan:
    """The noise type of one utterance and, for babble, the ids of the utterances it sums."""

    kind: str
    sources: Tuple[str, ...] = ()


def plan_noise(ids: Sequence[str], texts: Sequence[str], seed: int,
               talkers: int = BABBLE_TALKERS) -> Dict[str, NoisePlan]:
    """A :class:`NoisePlan` for each id, drawn from a generator seeded by ``seed`` and the id.

    Babble takes up to ``talkers`` other utterances whose text differs from the target's; an
    utterance whose text every utterance shares gets white or pink noise.
    """
    order = sorted(range(len(ids)), key=ids.__getitem__)
    ids, texts = [ids[i] for i in order], [texts[i] for i in order]
    same_text = collections.Counter(texts)
    plans = {}
    for utt, text in zip(ids, texts):
        rng = rng_for(seed, "noise", utt)
        others = len(ids) - same_text[text]
        kinds = NOISE_TYPES if others else NOISE_TYPES[:2]
        kind = kinds[int(rng.integers(len(kinds)))]
        sources = []
        while kind == "babble" and len(sources) < min(talkers, others):
            j = int(rng.integers(len(ids)))
            if texts[j] != text and ids[j] not in sources:
                sources.append(ids[j])
        plans[utt] = NoisePlan(kind, tuple(sources))
    return plans


def _unit_power(x: np.ndarray) -> np.ndarray:
    return x / max(float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))), 1e-12)


def noise_signal(kind: str, num_samples: int, rng: np.random.Generator,
                 sources: Sequence[np.ndarray] = ()) -> np.ndarray:
    """``num_samples`` of unit-power noise of ``kind``; babble loops each source from a random offset."""
    if kind == "white":
        noise = rng.standard_normal(num_samples)
    elif kind == "pink":  # white noise shaped to a 1/f power spectrum
        spectrum = np.fft.rfft(rng.standard_normal(num_samples))
        freqs = np.arange(len(spectrum), dtype=np.float64)
        freqs[0] = 1.0
        noise = np.fft.irfft(spectrum / np.sqrt(freqs), num_samples)
    elif kind == "babble":
        if not sources:
            raise ValueError("babble needs at least one source utterance")
        noise = sum(np.resize(np.roll(_unit_power(s), -int(rng.integers(len(s)))), num_samples) for s in sources)
    else:
        raise ValueError(f"unknown noise type {kind!r}, expected one of {NOISE_TYPES}")
    return _unit_power(noise).astype(np.float32)
