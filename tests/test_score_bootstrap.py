"""Bootstrap confidence intervals, paired bootstrap and sign test."""

from __future__ import annotations

import random
import time

import numpy as np
import pytest

from asrboot.score import bootstrap_ci, paired_bootstrap, score, sign_test
from asrboot.score import bootstrap as bootstrap_module
from asrboot.score.bootstrap import percentile_interval, resample_sums

REF = "w0 w1 w2 w3 w4 w5 w6 w7 w8 w9"


def with_subs(k: int) -> str:
    """``REF`` with its first ``k`` words substituted: exactly ``k`` errors."""
    return " ".join(["x"] * k + REF.split()[k:])


def synthetic(errors_per_utt):
    """A result whose utterance ``i`` has 10 reference words and ``errors_per_utt[i]`` substitutions."""
    ids = [f"u{i:05d}" for i in range(len(errors_per_utt))]
    return score(dict.fromkeys(ids, REF), {u: with_subs(k) for u, k in zip(ids, errors_per_utt)}, normalize=False)


def draws(n, seed, choices=(0, 1, 2, 3, 5)):
    rng = random.Random(seed)
    return [rng.choice(choices) for _ in range(n)]


def test_synthetic_helper():
    assert synthetic([0, 3]).totals.subs == 3 and synthetic([0, 3]).wer == 3 / 20


def test_percentile_interval_by_hand():
    assert percentile_interval(np.arange(100), level=0.9) == (5, 94)
    assert percentile_interval(np.arange(1000)) == (25, 974)


def test_single_utterance_has_no_spread():
    result = synthetic([3])
    assert bootstrap_ci(result) == (0.3, 0.3)


def test_two_utterances_by_hand():
    # replicates {u0,u0}: 0, {u0,u1}: 0.5, {u1,u1}: 1 with probability 1/4, 1/2, 1/4:
    # the 2.5% and 97.5% points fall in the masses at 0 and 1
    assert bootstrap_ci(synthetic([0, 10])) == (0.0, 1.0)


def test_ci_contains_estimate_and_is_deterministic():
    result = synthetic(draws(300, seed=1))
    low, high = bootstrap_ci(result, seed=7)
    assert low < result.wer < high
    assert bootstrap_ci(result, seed=7) == (low, high)
    assert bootstrap_ci(result, seed=8) != (low, high)
    char_low, char_high = bootstrap_ci(result, unit="char")
    assert char_low < result.cer < char_high


def test_ci_shrinks_with_more_utterances():
    small, large = bootstrap_ci(synthetic(draws(50, seed=2))), bootstrap_ci(synthetic(draws(2000, seed=3)))
    # the width scales as 1/sqrt(utterances): about sqrt(2000 / 50) = 6.3 times narrower
    assert (large[1] - large[0]) * 3 < small[1] - small[0]


def test_resampling_in_chunks(monkeypatch):
    monkeypatch.setattr(bootstrap_module, "MAX_DRAWS", 7)
    sums = resample_sums(np.stack([np.ones(5, dtype=np.int64), np.arange(5)]), n=11, seed=0)
    assert sums.shape == (2, 11) and (sums[0] == 5).all() and (sums[1] <= 20).all()


def test_thousand_replicates_of_thousand_utterances_is_fast():
    result = synthetic(draws(1000, seed=4))
    start = time.perf_counter()
    bootstrap_ci(result, n=1000)
    assert time.perf_counter() - start < 1.0


@pytest.fixture(scope="module")
def a_and_b():
    """B makes 1 error where A makes 2 on 90% of the utterances, 3 errors on the rest."""
    rng = random.Random(5)
    b_errors = [1 if rng.random() < 0.9 else 3 for _ in range(200)]
    return synthetic([2] * 200), synthetic(b_errors)


def test_clearly_better_system_is_significant(a_and_b):
    a, b = a_and_b
    paired = paired_bootstrap(a, b)
    assert paired["p_value"] < 0.05 and paired["poi"] > 0.95
    assert paired["p_value"] == pytest.approx(1 - paired["poi"])
    assert paired["delta_wer"] == pytest.approx(b.wer - a.wer) and paired["delta_wer"] < 0
    low, high = paired["delta_ci"]
    assert low < paired["delta_wer"] < high < 0


def test_identical_systems(a_and_b):
    a, _ = a_and_b
    assert paired_bootstrap(a, a) == {"replicates": 1000, "delta_wer": 0.0, "delta_ci": (0.0, 0.0),
                                      "poi": 0.0, "p_value": 1.0}
    assert sign_test(a, a) == {"better": 0, "worse": 0, "p_value": 1.0}


def test_swapping_systems(a_and_b):
    a, b = a_and_b
    forward, backward = paired_bootstrap(a, b, seed=3), paired_bootstrap(b, a, seed=3)
    assert backward["p_value"] > 0.95 and forward["poi"] + backward["poi"] <= 1
    assert backward["delta_wer"] == -forward["delta_wer"]
    assert backward["delta_ci"] == tuple(-x for x in reversed(forward["delta_ci"]))


def test_sign_test_by_hand():
    a, b = synthetic([2] * 10), synthetic([1] * 8 + [2, 2])
    # 8 better, 0 worse: two-sided binomial p = 2 * 0.5 ** 8
    assert sign_test(a, b) == {"better": 8, "worse": 0, "p_value": pytest.approx(2 * 0.5**8)}
    assert sign_test(b, a)["worse"] == 8


def test_paired_tests_need_the_same_utterances():
    with pytest.raises(ValueError, match="same utterances"):
        paired_bootstrap(synthetic([1, 2]), synthetic([1]))
