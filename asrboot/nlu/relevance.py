"""Relevance filter: which pool utterances look like a (new) target intent?

One logistic regression per target intent on word 1-3-gram TF-IDF features, trained on that
intent's few labelled utterances (positives) against all other labelled utterances
(negatives, classes balanced).  It scores the unlabelled pool; the pool is then cut to the
top-N per target intent and/or to the utterances scoring above a threshold.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np


class RelevanceFilter:
    """Binary n-gram logistic regression: P(utterance belongs to the target | text)."""

    def __init__(self, ngram_max: int = 3, C: float = 1.0, seed: int = 0):
        self.ngram_max, self.C, self.seed = ngram_max, C, seed
        self.pipeline = None

    def fit(self, positives: Sequence[str], negatives: Sequence[str]) -> "RelevanceFilter":
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline

        if not positives or not negatives:
            raise ValueError("the relevance filter needs positive and negative examples")
        self.pipeline = make_pipeline(
            TfidfVectorizer(ngram_range=(1, self.ngram_max), sublinear_tf=True, token_pattern=r"\S+"),
            LogisticRegression(C=self.C, class_weight="balanced", max_iter=1000, random_state=self.seed))
        self.pipeline.fit(list(positives) + list(negatives), [1] * len(positives) + [0] * len(negatives))
        return self

    def score(self, texts: Sequence[str]) -> np.ndarray:
        if self.pipeline is None:
            raise RuntimeError("fit the relevance filter first")
        if not len(texts):
            return np.zeros(0)
        return self.pipeline.predict_proba(list(texts))[:, 1]

    def select(self, texts: Sequence[str], top_n: Optional[int] = None, threshold: Optional[float] = None) -> List[int]:
        """Indices of kept texts, best first: the ``top_n`` best, and only those scoring >= ``threshold``."""
        return select_indices(self.score(texts), top_n, threshold)


def select_indices(scores: np.ndarray, top_n: Optional[int] = None, threshold: Optional[float] = None) -> List[int]:
    order = np.argsort(-scores, kind="stable")
    if threshold is not None:
        order = order[scores[order] >= threshold]
    if top_n is not None:
        order = order[:top_n]
    return [int(i) for i in order]


class TargetRelevance:
    """One :class:`RelevanceFilter` per target intent."""

    def __init__(self, targets: Sequence[str], ngram_max: int = 3, C: float = 1.0, seed: int = 0):
        self.targets = list(targets)
        self.filters: Dict[str, RelevanceFilter] = {t: RelevanceFilter(ngram_max, C, seed) for t in self.targets}

    def fit(self, texts: Sequence[str], intents: Sequence[str]) -> "TargetRelevance":
        """Each target's filter: its labelled texts against every other labelled text."""
        for t, f in self.filters.items():
            pos = [x for x, i in zip(texts, intents) if i == t]
            neg = [x for x, i in zip(texts, intents) if i != t]
            f.fit(pos, neg)
        return self

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """``[n_texts, n_targets]`` relevance probabilities."""
        if not len(texts):
            return np.zeros((0, len(self.targets)))
        return np.stack([self.filters[t].score(texts) for t in self.targets], axis=1)

    def keep(self, scores: np.ndarray, top_n: Optional[int] = None, threshold: Optional[float] = None) -> List[int]:
        """Union over targets of each target's top-N / above-threshold texts, ordered by best score."""
        kept = set()
        for j in range(scores.shape[1]):
            kept.update(select_indices(scores[:, j], top_n, threshold))
        best = scores.max(axis=1) if scores.size else np.zeros(0)
        return sorted(kept, key=lambda i: (-best[i], i))
