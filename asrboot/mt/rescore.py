"""N-best rescoring of translations with the in-domain n-gram LM.

Each hypothesis gets ``nmt + w * lm + beta * words``: ``nmt`` the NMT log-probability (sum,
natural log), ``lm`` the in-domain LM log-probability of its LM-normalized text (converted from
log10 to natural log, so ``w = 1`` weighs both models equally), ``words`` its number of words (the
length term offsets both models' preference for short outputs). The best hypothesis per source is
kept. ``w`` and ``beta`` are tuned on a grid with a dev objective on the kept translations
(:class:`asrboot.select.DevPerplexity`: dev perplexity of their LM interpolated with the in-domain
LM), ~1-3 s per grid point for 10k sources.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import List, Sequence

import numpy as np

from asrboot.lm.ppl import load, score_sentence
from asrboot.mt.translate import NbestEntry
from asrboot.select.cutoff import Objective
from asrboot.select.objective import GridResult, grid_search
from asrboot.text import Normalizer

LN10 = math.log(10)


@dataclass
class NbestFeatures:
    """Per source: normalized hypothesis texts and their ``nmt``, ``lm`` (natural log) and ``words`` arrays."""

    texts: List[List[str]]
    nmt: List[np.ndarray]
    lm: List[np.ndarray]
    words: List[np.ndarray]

    def vocabulary(self) -> set:
        return {w for hyps in self.texts for t in hyps for w in t.split()}


def nbest_features(entries: Sequence[NbestEntry], lm) -> NbestFeatures:
    """Score every hypothesis with the LM (ARPA/binary path or kenlm model); sources without hypotheses are left out."""
    model, norm = load(lm), Normalizer.for_lm("hi")
    feats = NbestFeatures([], [], [], [])
    for entry in entries:
        if not entry.nbest:
            continue
        texts = [norm(h.text) for h in entry.nbest]
        feats.texts.append(texts)
        feats.nmt.append(np.array([h.logprob for h in entry.nbest]))
        feats.lm.append(np.array([score_sentence(model, t).logprob * LN10 for t in texts]))
        feats.words.append(np.array([len(t.split()) for t in texts], dtype=np.float64))
    return feats


def nmt_best(entries: Sequence[NbestEntry]) -> List[str]:
    """The NMT's own 1-best per source: the top hypothesis of the beam's ranking (length-normalized score), as
    LM-normalized text; sources without hypotheses are left out."""
    norm = Normalizer.for_lm("hi")
    return [norm(entry.nbest[0].text) for entry in entries if entry.nbest]


def choose(feats: NbestFeatures, lm_weight: float, length_bonus: float = 0.0) -> List[str]:
    """The best hypothesis text per source under ``nmt + lm_weight * lm + length_bonus * words`` (ties: NMT order)."""
    return [texts[int(np.argmax(nmt + lm_weight * lm + length_bonus * words))]
            for texts, nmt, lm, words in zip(feats.texts, feats.nmt, feats.lm, feats.words)]


def tune_rescoring(feats: NbestFeatures, objective: Objective,
                   lm_weights: Sequence[float] = (0.0, 0.1, 0.25, 0.5, 1.0),
                   length_bonuses: Sequence[float] = (0.0, 1.0, 2.0)) -> GridResult:
    """Grid over ``lm_weight`` x ``length_bonus``; ``objective`` of the chosen texts (lower is better)."""
    points = [{"lm_weight": w, "length_bonus": b} for w, b in itertools.product(lm_weights, length_bonuses)]
    return grid_search(points, lambda p: objective(choose(feats, p["lm_weight"], p["length_bonus"])))
