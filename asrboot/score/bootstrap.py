"""Bootstrap confidence intervals and paired significance tests over utterances.

Both resample *utterances* with replacement (as Kaldi's ``compute-wer-bootci``): a
replicate draws as many utterances as the test set has, and its WER is the sum of their
errors over the sum of their reference words (a replicate without reference words has
WER ``inf`` if it has errors, else 0).  All replicates are drawn at once with numpy from
``numpy.random.default_rng(seed)``, so results are deterministic for a seed.

* :func:`bootstrap_ci`: percentile interval of the replicate WERs (or CERs).
* :func:`paired_bootstrap`: A and B are resampled with the *same* utterance indices
  (Koehn 2004; Bisani & Ney 2004).  ``poi``, the probability of improvement, is the
  fraction of replicates in which B has strictly fewer errors than A; ``p_value`` is the
  fraction in which B is *not* better (as many errors as A or more), i.e. ``1 - poi``: a
  one-sided p-value for "B is better than A".  Identical systems give ``poi = 0`` and
  ``p_value = 1``.
* :func:`sign_test`: two-sided binomial sign test over the utterances whose error counts
  differ.
"""

from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

from asrboot.score.result import ScoreResult

MAX_DRAWS = 1 << 22  # utterance indices drawn per chunk of replicates (bounds memory)


def resample_sums(values: np.ndarray, n: int, seed: int = 0) -> np.ndarray:
    """Column sums of ``values`` (shape ``(k, utts)``) over ``n`` resamples of its columns: ``(k, n)``."""
    if n < 1:
        raise ValueError(f"need at least one bootstrap replicate, not {n}")
    rng = np.random.default_rng(seed)
    k, utts = values.shape
    chunk = max(1, MAX_DRAWS // max(utts, 1))
    sums = np.empty((k, n), dtype=values.dtype)
    for start in range(0, n, chunk):
        index = rng.integers(0, utts, size=(min(chunk, n - start), utts))
        sums[:, start : start + len(index)] = values[:, index].sum(axis=2)
    return sums


def rates(errors: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """``errors / lengths`` elementwise; ``±inf`` (or 0 for no errors) where ``lengths`` is 0."""
    empty = np.where(errors == 0, 0.0, np.copysign(np.inf, errors))
    return np.divide(errors, lengths, out=empty, where=lengths > 0)


def percentile_interval(samples: np.ndarray, level: float = 0.95) -> Tuple[float, float]:
    """Central ``level`` interval of ``samples`` by order statistics (no interpolation)."""
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), not {level}")
    ordered = np.sort(samples)
    k = int((1 - level) / 2 * len(ordered) + 1e-9)
    return float(ordered[k]), float(ordered[len(ordered) - 1 - k])


def bootstrap_ci(
    result: ScoreResult, n: int = 1000, seed: int = 0, level: float = 0.95, unit: str = "word"
) -> Tuple[float, float]:
    """Bootstrap ``level`` confidence interval ``(low, high)`` of the WER (``unit="char"``: CER)."""
    errors, lengths = resample_sums(np.stack(result.arrays(unit)), n, seed)
    return percentile_interval(rates(errors, lengths), level)


def _check_paired(a: ScoreResult, b: ScoreResult) -> None:
    if [(u.uttid, u.ref) for u in a.utts] != [(u.uttid, u.ref) for u in b.utts]:
        raise ValueError("paired tests need two results on the same utterances and references")


def paired_bootstrap(
    a: ScoreResult, b: ScoreResult, n: int = 1000, seed: int = 0, level: float = 0.95
) -> Dict[str, object]:
    """Paired bootstrap test of "B has a lower WER than A" (see the module docstring).

    Returns ``p_value``, ``poi``, ``delta_wer`` (WER of B minus WER of A; negative when B
    is better), ``delta_ci`` (bootstrap ``level`` interval of that difference) and
    ``replicates``.
    """
    _check_paired(a, b)
    errors_a, lengths = a.arrays()
    errors_b, _ = b.arrays()
    sums_a, sums_b, words = resample_sums(np.stack([errors_a, errors_b, lengths]), n, seed)
    poi = float(np.mean(sums_b < sums_a))
    return {
        "replicates": n,
        "delta_wer": b.wer - a.wer,
        "delta_ci": percentile_interval(rates(sums_b - sums_a, words), level),
        "poi": poi,
        "p_value": 1.0 - poi,
    }


def sign_test(a: ScoreResult, b: ScoreResult) -> Dict[str, object]:
    """Utterance-level sign test: ``better``/``worse`` (utterances where B has fewer/more
    word errors than A) and the two-sided binomial ``p_value`` (1 when none differ)."""
    from scipy import stats  # slow to import; only needed here

    _check_paired(a, b)
    errors_a, errors_b = a.arrays()[0], b.arrays()[0]
    better, worse = int(np.sum(errors_b < errors_a)), int(np.sum(errors_b > errors_a))
    p_value = stats.binomtest(better, better + worse).pvalue if better + worse else 1.0
    return {"better": better, "worse": worse, "p_value": float(p_value)}
