"""Relative-entropy pruning of back-off LMs (Stolcke 1998), as SRILM's ``ngram -prune``.

The cost of removing an n-gram ``h w`` (order >= 2) is the relative increase of the model's
perplexity that SRILM computes, ``10 ** D - 1``, where (log10 units)

    D = -P(h) * { p(w|h) [log p(w|h') + log bow'(h) - log p(w|h)]
                  + (1 - sum_v p(v|h)) [log bow'(h) - log bow(h)] },

the sum running over the explicit ``h v``, ``h' = h[1:]``, ``bow'(h)`` the backoff weight of
``h`` recomputed without ``h w`` and ``P(h)`` the model's own chain-rule probability of ``h``
(``p(</s>)`` stands in for the unigram ``p(<s>)``, as in SRILM). An n-gram is pruned when its
cost is below ``threshold`` (so thresholds mean what they mean for SRILM; ``threshold <= 0``
prunes nothing), unless it is the history of a kept higher-order n-gram; unigrams are never
pruned. Orders are pruned highest first (a cost depends only on lower orders, so all costs come
from the input model); contexts whose lower-order distribution leaves less than ``DEN_EPS`` mass
are skipped. Backoff weights are recomputed afterwards, so the result is normalized.
"""

from __future__ import annotations

import logging
from typing import Dict, List, Optional, Tuple

import numpy as np
from tqdm import tqdm

from asrboot.io import PathLike
from asrboot.lm.arpa import DEN_EPS, ArpaLM, read_arpa, write_arpa

log = logging.getLogger(__name__)


def _history_logprobs(lm: ArpaLM, ids: np.ndarray) -> np.ndarray:
    """Chain-rule log10 P(h) of each row of ``ids`` (p(</s>) for a leading <s>)."""
    first = ids[:, 0]
    if lm.bos >= 0 and lm.eos >= 0:
        first = np.where(first == lm.bos, lm.eos, first)
    total = lm.logprobs(ids[:, :0], first)
    for j in range(1, ids.shape[1]):
        total += lm.logprobs(ids[:, :j], ids[:, j])
    return total


def _order_costs(lm: ArpaLM, n: int) -> np.ndarray:
    """Relative perplexity increase from removing each n-gram of order ``n`` alone (inf: keep)."""
    ids, logp, _ = lm.arrays(n)
    hist_ids, _, hist_bow = lm.arrays(n - 1)
    parent, size = lm.parents(n), len(hist_ids)
    p = 10.0 ** logp
    q_log = lm.logprobs(ids[:, 1:-1], ids[:, -1])
    q = 10.0 ** q_log
    num = np.maximum(1.0 - np.bincount(parent, p, minlength=size), 0.0)[parent]
    den = (1.0 - np.bincount(parent, q, minlength=size))[parent]
    new_bow = np.log10(num + p) - np.log10(np.maximum(den, 0.0) + q)
    context_prob = 10.0 ** _history_logprobs(lm, hist_ids)[parent]
    delta = -context_prob * (p * (q_log + new_bow - logp) + num * (new_bow - hist_bow[parent]))
    cost = 10.0 ** delta - 1.0
    cost[den <= DEN_EPS] = np.inf
    return cost


def _costs(lm: ArpaLM) -> Dict[int, np.ndarray]:
    return {n: _order_costs(lm, n) for n in tqdm(range(lm.order, 1, -1), desc="pruning costs",
                                                 leave=False, disable=None)}


def _keep_masks(lm: ArpaLM, costs: Dict[int, np.ndarray], threshold: float) -> Dict[int, np.ndarray]:
    """Which n-grams of each order >= 2 survive ``threshold``, highest order first."""
    keep: Dict[int, np.ndarray] = {}
    for n in range(lm.order, 1, -1):
        keep[n] = ~(costs[n] < threshold) if threshold > 0 else np.ones(len(costs[n]), dtype=bool)
        if n < lm.order:
            keep[n] |= np.bincount(lm.parents(n + 1)[keep[n + 1]], minlength=len(keep[n])) > 0
    return keep


def _kept(lm: ArpaLM, keep: Dict[int, np.ndarray]) -> int:
    return lm.counts[0] + sum(int(k.sum()) for k in keep.values())


def _search_threshold(lm: ArpaLM, costs: Dict[int, np.ndarray], target: int) -> float:
    """The threshold among the costs whose pruned size is closest to ``target`` n-grams.

    The pruned size shrinks as the threshold grows, so a bisection over the sorted costs finds it.
    """
    finite = np.concatenate([c[np.isfinite(c)] for c in costs.values()] + [np.zeros(0)])
    cands = np.unique(finite[finite > 0])
    if not len(cands):
        return 0.0
    cands = np.append(cands, cands[-1] * 2)
    sizes: Dict[int, int] = {}

    def size(i: int) -> int:
        if i not in sizes:
            sizes[i] = _kept(lm, _keep_masks(lm, costs, float(cands[i])))
        return sizes[i]

    lo, hi = 0, len(cands) - 1
    if size(lo) <= target:
        return float(cands[lo])
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if size(mid) > target:
            lo = mid
        else:
            hi = mid
    return float(cands[min((lo, hi), key=lambda i: abs(size(i) - target))])


def _prune(lm: ArpaLM, threshold: Optional[float], target_ngrams: Optional[int]) -> Tuple[ArpaLM, float]:
    if (threshold is None) == (target_ngrams is None):
        raise ValueError("give exactly one of threshold and target_ngrams")
    if target_ngrams is not None and target_ngrams <= 0:
        raise ValueError(f"target_ngrams must be positive, got {target_ngrams}")
    costs = _costs(lm)
    if threshold is None:
        threshold = _search_threshold(lm, costs, int(target_ngrams))
    keep = _keep_masks(lm, costs, threshold)
    orders: List[Tuple[np.ndarray, np.ndarray, np.ndarray]] = [lm.arrays(1)]
    for n in range(2, lm.order + 1):
        ids, logp, bow = lm.arrays(n)
        orders.append((ids[keep[n]], logp[keep[n]], bow[keep[n]]))
    pruned = ArpaLM(lm.vocab, orders)
    pruned.recompute_backoffs()
    log.info("pruned %s -> %s n-grams (threshold %g)", lm.counts, pruned.counts, threshold)
    return pruned, threshold


def prune(lm: ArpaLM, threshold: Optional[float] = None, target_ngrams: Optional[int] = None) -> ArpaLM:
    """Entropy-pruned copy of ``lm``; give ``threshold`` or ``target_ngrams``.

    ``target_ngrams`` counts n-grams of all orders, unigrams included; the threshold is chosen
    among the n-grams' own costs to leave the count closest to it (as close as possible when the
    unigrams and the unprunable n-grams alone exceed it).
    """
    return _prune(lm, threshold, target_ngrams)[0]


def prune_file(in_arpa: PathLike, out_arpa: PathLike, threshold: Optional[float] = None,
               target_ngrams: Optional[int] = None) -> Dict:
    """Prune an ARPA file into another; returns paths, n-gram counts before/after and the threshold."""
    lm = read_arpa(in_arpa)
    pruned, used = _prune(lm, threshold, target_ngrams)
    write_arpa(pruned, out_arpa)
    return {"in": str(in_arpa), "out": str(out_arpa), "threshold": used,
            "ngrams_before": lm.counts, "ngrams_after": pruned.counts}
