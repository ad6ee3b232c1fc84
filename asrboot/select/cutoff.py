"""Cut a scored candidate list (lower score = more in-domain) by top-k or threshold, and tune the cut on dev."""

from __future__ import annotations

from typing import Callable, List, Optional, Sequence

import numpy as np

from asrboot.select.objective import GridResult, grid_search

Objective = Callable[[List[str]], float]


def select_indices(scores: Sequence[float], top_k: Optional[int] = None,
                   threshold: Optional[float] = None) -> np.ndarray:
    """Indices of the kept candidates, best (lowest score) first; ties keep input order.

    ``top_k``: the ``k`` lowest scores. ``threshold``: every score ``<= threshold``. Both: the
    candidates meeting both conditions. At least one must be given.
    """
    if top_k is None and threshold is None:
        raise ValueError("give top_k, threshold or both")
    if top_k is not None and top_k < 0:
        raise ValueError("top_k must be >= 0")
    scores = np.asarray(scores, dtype=np.float64)
    order = np.argsort(scores, kind="stable")
    if threshold is not None:
        order = order[scores[order] <= threshold]
    return order[:top_k] if top_k is not None else order


def fraction_grid(n: int, fractions: Sequence[float] = (0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)) -> List[int]:
    """Distinct top-k sizes for fractions of ``n`` candidates (at least 1 each)."""
    return sorted({max(1, round(f * n)) for f in fractions})


def tune_top_k(scores: Sequence[float], texts: Sequence[str], grid: Sequence[int], objective: Objective) -> GridResult:
    """``objective(selected texts)`` (lower is better, e.g. :class:`DevPerplexity`) at each top-k of ``grid``.

    Rows, largest ``top_k`` first (ties keep more data): ``top_k``, ``threshold`` (the k-th lowest
    score, the equivalent threshold cut), ``objective``.
    """
    if len(scores) != len(texts):
        raise ValueError("scores and texts differ in length")
    order = select_indices(scores, top_k=len(scores))
    sorted_scores = np.asarray(scores, dtype=np.float64)[order]
    if any(not 0 < k <= len(order) for k in grid):
        raise ValueError(f"every top-k must be in 1..{len(order)}")
    points = [{"top_k": k, "threshold": float(sorted_scores[k - 1])} for k in sorted(set(grid), reverse=True)]
    return grid_search(points, lambda p: objective([texts[i] for i in order[:p["top_k"]]]))
