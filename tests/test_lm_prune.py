"""Entropy pruning of an lmplz model."""

from __future__ import annotations

import math
import random

import kenlm
import pytest

from asrboot.lm.arpa import read_arpa
from asrboot.lm.prune import _order_costs, prune, prune_file

from asrboot.lm.train import build_binary
from conftest import kenlm_sum, train_arpa

VOCAB = [f"w{i}" for i in range(40)] + ["घर", "पानी", "किताब", "नदी", "बादल"]


def sentences(seed: int, n_words: int):
    """A random second-order grammar: many distinct trigrams with skewed frequencies."""
    rng = random.Random(0)
    successors = {(u, v): rng.sample(VOCAB, 5) for u in VOCAB[:12] for v in VOCAB}
    rng = random.Random(seed)
    lines, total = [], 0
    while total < n_words:
        sentence = [rng.choice(VOCAB[:12]), rng.choice(VOCAB)]
        while len(sentence) < 14 and rng.random() < 0.9:
            options = successors.get((sentence[-2], sentence[-1])) or VOCAB[:12]
            sentence.append(options[min(int(rng.expovariate(1.0)), len(options) - 1)])
        lines.append(" ".join(sentence))
        total += len(sentence)
    return lines


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    directory = tmp_path_factory.mktemp("prune")
    arpa = train_arpa(sentences(1, 8000), directory, "train")
    dev = [s.split() for s in sentences(2, 2000)]
    return {"dir": directory, "arpa": arpa, "lm": read_arpa(arpa), "dev": dev}


@pytest.fixture(scope="module")
def pruned(setup):
    out = setup["dir"] / "pruned.arpa"
    report = prune_file(setup["arpa"], out, threshold=1e-4)
    return out, report


def test_fewer_ngrams(setup, pruned):
    out, report = pruned
    lm = read_arpa(out)
    assert report["ngrams_before"] == setup["lm"].counts and report["ngrams_after"] == lm.counts
    assert lm.counts[0] == setup["lm"].counts[0]
    assert sum(lm.counts) < 0.9 * sum(setup["lm"].counts)
    assert lm.counts[2] < setup["lm"].counts[2] and lm.counts[1] < setup["lm"].counts[1]


def test_pruned_model_is_normalized_and_loads_in_kenlm(setup, pruned):
    out, _ = pruned
    lm, model = read_arpa(out), kenlm.Model(str(out))
    vocab = [w for w in lm.vocab if w != "<s>"]
    rng = random.Random(4)
    words = VOCAB
    histories = [()] + rng.sample([h for h, _, _ in lm.ngrams(1)], 10) + rng.sample([h for h, _, _ in lm.ngrams(2)], 30)
    histories += [tuple(rng.choice(words) for _ in range(k)) for k in (1, 2) for _ in range(15)]
    for h in histories:
        assert kenlm_sum(model, h, vocab) == pytest.approx(1.0, abs=1e-4), h
        assert sum(10 ** lm.logprob(w, h) for w in vocab) == pytest.approx(1.0, abs=1e-4), h
    for s in setup["dev"][:200]:
        assert lm.sentence_logprob(s) == pytest.approx(model.score(" ".join(s)), abs=1e-4)


def test_pruned_trie_binary(setup, pruned, tmp_path):
    """Pruning leaves n-grams whose suffix is gone; kenlm's trie must still score them right."""
    out, _ = pruned
    lm = read_arpa(out)
    assert any(lm.get(words[1:]) is None for words, _, _ in lm.ngrams(3))
    build_binary(out, tmp_path / "p.bin", "trie")
    model = kenlm.Model(str(tmp_path / "p.bin"))
    for s in setup["dev"][:200]:
        assert lm.sentence_logprob(s) == pytest.approx(model.score(" ".join(s)), abs=1e-4)


def test_histories_of_kept_ngrams_are_kept(pruned):
    lm = read_arpa(pruned[0])  # read_arpa rejects an n-gram whose history is missing
    assert all(lm.get(words[:-1]) is not None for words, _, _ in lm.ngrams(3))


def test_threshold_monotone_and_perplexity(setup):
    lm = setup["lm"]
    before = lm.perplexity(setup["dev"])["ppl"]
    sizes, ppls = [], []
    for threshold in (1e-6, 1e-5, 1e-4, 1e-3):
        p = prune(lm, threshold=threshold)
        sizes.append(sum(p.counts))
        ppls.append(p.perplexity(setup["dev"])["ppl"])
    assert sizes == sorted(sizes, reverse=True) and len(set(sizes)) == len(sizes)
    assert sizes[0] < sum(lm.counts)
    assert all(before * 0.999 < p < before * 1.3 for p in ppls[:3]), (before, ppls)
    assert ppls[-1] > before


def test_zero_threshold_keeps_everything(setup):
    p = prune(setup["lm"], threshold=0.0)
    assert p.counts == setup["lm"].counts
    for s in setup["dev"][:50]:
        assert p.sentence_logprob(s) == pytest.approx(setup["lm"].sentence_logprob(s), abs=1e-5)


def test_target_ngrams(setup, tmp_path):
    total = sum(setup["lm"].counts)
    target = int(total * 0.6)
    report = prune_file(setup["arpa"], tmp_path / "t.arpa", target_ngrams=target)
    assert abs(sum(report["ngrams_after"]) - target) <= 0.03 * target
    again = prune(setup["lm"], threshold=report["threshold"])
    assert again.counts == report["ngrams_after"]
    with pytest.raises(ValueError):
        prune(setup["lm"], threshold=1e-5, target_ngrams=10)


def test_cost_is_the_exact_entropy_change(setup):
    """For highest-order n-grams the cost is exact: compare with a brute-force KL divergence."""
    lm = setup["lm"]
    costs = _order_costs(lm, 3)
    trigrams = list(lm.ngrams(3))
    vocab = [w for w in lm.vocab if w != "<s>"]
    rng = random.Random(7)
    for row in rng.sample(range(len(trigrams)), 10):
        (*h, w), _, _ = trigrams[row]
        explicit = {t[2]: 10 ** lp for t, lp, _ in trigrams if list(t[:2]) == h and t[2] != w}
        lower = {v: 10 ** lm.logprob(v, h[1:]) for v in vocab}
        old = {v: 10 ** lm.logprob(v, h) for v in vocab}
        scale = (1 - sum(explicit.values())) / sum(lower[v] for v in vocab if v not in explicit)
        new = {v: explicit.get(v, scale * lower[v]) for v in vocab}
        kl = sum(old[v] * math.log10(old[v] / new[v]) for v in vocab)
        p_h = 10 ** ((lm.logprob("</s>") if h[0] == "<s>" else lm.logprob(h[0])) + lm.logprob(h[1], h[:1]))
        assert costs[row] == pytest.approx(10 ** (p_h * kl) - 1, rel=1e-3, abs=1e-12), (h, w)
