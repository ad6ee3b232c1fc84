"""Filter translations by the in-domain LM: drop sentences the LM finds improbable.

A sentence's score is its per-word log10 probability under the in-domain LM
(:attr:`asrboot.lm.ppl.SentenceScore.per_word`, ``</s>`` counted); it is kept when
``score >= threshold``. The threshold is tuned over quantiles of the scores (quantile ``q``: the
threshold is the score of rank ``round(q * n)`` from the bottom, so it drops the ``round(q * n)``
lowest-scoring sentences, fewer on ties; ``q = 0`` keeps all) with the dev objective of
:class:`asrboot.select.DevPerplexity` on the kept sentences.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from asrboot.lm.ppl import load, score_sentence
from asrboot.select.cutoff import Objective
from asrboot.select.objective import GridResult, grid_search


def per_word_scores(sentences: Sequence[str], lm) -> np.ndarray:
    """Per-word log10 probability of each sentence under ``lm`` (path or kenlm model)."""
    model = load(lm)
    return np.array([score_sentence(model, s).per_word for s in sentences])


def keep_mask(scores: np.ndarray, threshold: float) -> np.ndarray:
    """True where a sentence is kept: ``score >= threshold``."""
    return np.asarray(scores) >= threshold


def tune_threshold(sentences: Sequence[str], scores: np.ndarray, objective: Objective,
                   quantiles: Sequence[float] = (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5)) -> GridResult:
    """Thresholds at ``quantiles`` of ``scores``; rows add ``kept`` and ``kept_fraction``."""
    if len(sentences) != len(scores) or not len(scores):
        raise ValueError("need one score per sentence, and at least one sentence")
    ranked = np.sort(scores)
    points = []
    for q in quantiles:
        if not 0 <= q < 1:
            raise ValueError(f"quantile {q} outside [0, 1)")
        threshold = float(ranked[min(int(round(q * len(ranked))), len(ranked) - 1)])
        kept = int(keep_mask(scores, threshold).sum())
        points.append({"quantile": q, "threshold": threshold, "kept": kept, "kept_fraction": kept / len(scores)})
    return grid_search(points, lambda p: objective([s for s, keep in zip(sentences, keep_mask(scores, p["threshold"]))
                                                    if keep]))
