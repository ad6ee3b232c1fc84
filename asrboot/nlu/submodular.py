"""Submodular data selection: the alternative to paraphrase-based diversity selection.

Two monotone submodular set functions, each maximized greedily (lazy greedy for the
feature-based one), optionally *conditioned* on an already-selected reference set (the
labelled data), so items that add little beyond it are not picked:

* feature-based over n-grams (Kirchhoff & Bilmes; Wei et al. 2015):
  ``f(S) = sum_u w_u * phi(c_u + sum_{s in S} m_u(s))`` with ``m_u(s)`` the count of n-gram
  ``u`` in ``s``, ``c_u`` its count in the reference set, ``phi`` concave (``sqrt``/``log1p``)
  and ``w_u`` an IDF weight;
* facility location over embeddings:
  ``f(S) = sum_i max(b_i, max_{s in S} sim(i, s))`` with ``b_i`` item ``i``'s best similarity
  to the reference set and ``sim >= 0``.
"""

from __future__ import annotations

import heapq
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

_CONCAVE: Dict[str, Callable[[np.ndarray], np.ndarray]] = {"sqrt": np.sqrt, "log1p": np.log1p}


def ngram_features(texts: Sequence[str], reference: Sequence[str] = (), ngram_max: int = 3):
    """``(X [n, F] csr counts, base [F] reference counts, weights [F] idf)`` over 1..ngram_max-grams."""
    from sklearn.feature_extraction.text import CountVectorizer

    vec = CountVectorizer(ngram_range=(1, ngram_max), token_pattern=r"\S+")
    vec.fit(list(texts) + list(reference))
    X = vec.transform(list(texts)).tocsr().astype(np.float64)
    base = np.asarray(vec.transform(list(reference)).sum(axis=0)).ravel() if len(reference) else np.zeros(X.shape[1])
    df = np.asarray((X > 0).sum(axis=0)).ravel() + (base > 0)
    weights = np.log((1.0 + X.shape[0] + len(reference)) / (1.0 + df)) + 1.0
    return X, base.astype(np.float64), weights


def feature_based_value(X, selected: Sequence[int], base: Optional[np.ndarray] = None,
                        weights: Optional[np.ndarray] = None, concave: str = "sqrt") -> float:
    """``f(S) - f(empty)`` of the feature-based function (0 for the empty set)."""
    phi = _CONCAVE[concave]
    n_feat = X.shape[1]
    base = np.zeros(n_feat) if base is None else base
    weights = np.ones(n_feat) if weights is None else weights
    counts = base + (np.asarray(X[list(selected)].sum(axis=0)).ravel() if len(selected) else 0.0)
    return float(weights @ (phi(counts) - phi(base)))


def greedy_feature_based(X, budget: int, base: Optional[np.ndarray] = None, weights: Optional[np.ndarray] = None,
                         concave: str = "sqrt", allowed: Optional[np.ndarray] = None) -> Tuple[List[int], List[float]]:
    """Lazy greedy maximization: ``(selected indices in order, marginal gains)``."""
    phi = _CONCAVE[concave]
    X = X.tocsr()
    n, n_feat = X.shape
    counts = np.zeros(n_feat) if base is None else base.astype(np.float64).copy()
    weights = np.ones(n_feat) if weights is None else weights

    def gain(i: int) -> float:
        lo, hi = X.indptr[i], X.indptr[i + 1]
        cols, vals = X.indices[lo:hi], X.data[lo:hi]
        c = counts[cols]
        return float(weights[cols] @ (phi(c + vals) - phi(c)))

    heap = [(-gain(i), i) for i in range(n) if allowed is None or allowed[i]]
    heapq.heapify(heap)
    order, gains = [], []
    while heap and len(order) < budget:
        neg, i = heapq.heappop(heap)
        g = gain(i)
        if heap and g < -heap[0][0] - 1e-12:
            heapq.heappush(heap, (-g, i))
            continue
        order.append(i)
        gains.append(g)
        lo, hi = X.indptr[i], X.indptr[i + 1]
        counts[X.indices[lo:hi]] += X.data[lo:hi]
    return order, gains


def facility_location_value(sim: np.ndarray, selected: Sequence[int], base: Optional[np.ndarray] = None) -> float:
    """``f(S) - f(empty)`` of facility location with similarity matrix ``sim [n, n]`` (>= 0)."""
    b = np.zeros(sim.shape[0]) if base is None else base
    if not len(selected):
        return 0.0
    return float((np.maximum(b, sim[:, list(selected)].max(axis=1)) - b).sum())


def greedy_facility_location(sim: np.ndarray, budget: int, base: Optional[np.ndarray] = None,
                             allowed: Optional[np.ndarray] = None) -> Tuple[List[int], List[float]]:
    """Greedy maximization of facility location: ``(selected indices in order, marginal gains)``."""
    n = sim.shape[0]
    cur = np.zeros(n) if base is None else base.astype(np.float64).copy()
    free = np.ones(n, dtype=bool) if allowed is None else allowed.astype(bool).copy()
    order, gains = [], []
    while len(order) < budget and free.any():
        g = np.maximum(sim - cur[:, None], 0.0).sum(axis=0)
        g[~free] = -np.inf
        j = int(np.argmax(g))
        order.append(j)
        gains.append(float(g[j]))
        free[j] = False
        cur = np.maximum(cur, sim[:, j])
    return order, gains


def cosine_similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity mapped to [0, 1] ((1 + cos) / 2), so facility location stays monotone."""
    a = a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)
    b = b / np.maximum(np.linalg.norm(b, axis=1, keepdims=True), 1e-12)
    return (1.0 + a @ b.T) / 2.0


def select_submodular(texts: Sequence[str], budget: int, reference: Sequence[str] = (), kind: str = "ngram",
                      embeddings: Optional[np.ndarray] = None, reference_embeddings: Optional[np.ndarray] = None,
                      ngram_max: int = 3, concave: str = "sqrt") -> List[int]:
    """Pick ``budget`` of ``texts`` greedily, conditioned on ``reference`` (already-selected data)."""
    if not len(texts) or budget <= 0:
        return []
    if kind == "ngram":
        X, base, weights = ngram_features(texts, reference, ngram_max)
        return greedy_feature_based(X, budget, base, weights, concave)[0]
    if kind == "facility":
        if embeddings is None:
            raise ValueError("facility location needs embeddings")
        sim = cosine_similarity(embeddings, embeddings)
        base = None
        if reference_embeddings is not None and len(reference_embeddings):
            base = cosine_similarity(embeddings, reference_embeddings).max(axis=1)
        return greedy_facility_location(sim, budget, base)[0]
    raise ValueError(f"unknown submodular function {kind!r} (ngram or facility)")
