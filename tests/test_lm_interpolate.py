"""Interpolation of two lmplz models trained on different synthetic grammars."""

from __future__ import annotations

import random
from pathlib import Path

import kenlm
import numpy as np
import pytest

from asrboot.lm.arpa import read_arpa, with_vocab, write_arpa
from asrboot.lm.interpolate import estimate_weights, interpolate, mix

from conftest import kenlm_sum, train_arpa

VOCAB = [f"w{i}" for i in range(30)] + ["घर", "पानी", "किताब", "नदी", "बादल"]
UNKNOWN = "अज्ञात"


def grammar(seed: int):
    """A random first-order grammar over VOCAB: (start words, successors of each word)."""
    rng = random.Random(seed)
    return rng.sample(VOCAB, 6), {w: rng.sample(VOCAB, 4) for w in VOCAB}


def sample(gram, rng: random.Random, n_words: int):
    starts, successors = gram
    lines, total = [], 0
    while total < n_words:
        sentence = [rng.choice(starts)]
        while len(sentence) < 12 and rng.random() < 0.85:
            sentence.append(rng.choice(successors[sentence[-1]]))
        lines.append(" ".join(sentence))
        total += len(sentence)
    return lines


def sampled_histories(lm, rng: random.Random, n: int = 30):
    """Histories of length 0..order-1: half explicit n-grams, half random word tuples."""
    words = [w for w in lm.vocab if w not in ("<s>", "</s>")]
    out = [()]
    for k in range(1, lm.order):
        out += rng.sample([h for h, _, _ in lm.ngrams(k)], min(n // 2, lm.counts[k - 1]))
        out += [tuple(rng.choice(words) for _ in range(k)) for _ in range(n // 2)]
        out += [("<s>",) + tuple(rng.choice(words) for _ in range(k - 1))]
    return out


def assert_normalized(arpa: Path, seed: int = 0):
    lm = read_arpa(arpa)
    model = kenlm.Model(str(arpa))
    vocab = [w for w in lm.vocab if w != "<s>"]
    for h in sampled_histories(lm, random.Random(seed)):
        assert kenlm_sum(model, h, vocab) == pytest.approx(1.0, abs=1e-4), h
        assert sum(10 ** lm.logprob(w, h) for w in vocab) == pytest.approx(1.0, abs=1e-4), h


def kenlm_ppl(arpa: Path, sentences) -> float:
    """SRILM-convention perplexity from kenlm: OOVs left out of logprob and count."""
    model = kenlm.Model(str(arpa))
    logprob, count = 0.0, 0
    for s in sentences:
        for lp, _, oov in model.full_scores(" ".join(s)):
            if not oov:
                logprob += lp
                count += 1
    return 10 ** (-logprob / count)


def kenlm_token_probs(arpa: Path, sentences) -> np.ndarray:
    """kenlm's probability of every non-OOV token (</s> included)."""
    model = kenlm.Model(str(arpa))
    return np.array([10 ** lp for s in sentences for lp, _, oov in model.full_scores(" ".join(s)) if not oov])


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    directory = tmp_path_factory.mktemp("interp")
    a, b = grammar(11), grammar(22)
    rng = random.Random(5)
    every_word = [" ".join(VOCAB)]  # both models share one vocabulary
    arpa_a = train_arpa(every_word + sample(a, rng, 5000), directory, "a")
    arpa_b = train_arpa(every_word + sample(b, rng, 5000), directory, "b")
    dev_lines = sample(a, rng, 1400) + sample(b, rng, 600) + [f"w1 {UNKNOWN} w2"]
    dev = directory / "dev.txt"
    dev.write_text("\n".join(dev_lines) + "\n", encoding="utf-8")
    out = directory / "mix.arpa"
    report = interpolate([arpa_a, arpa_b], dev, out)
    return {"a": arpa_a, "b": arpa_b, "dev": [s.split() for s in dev_lines], "out": out, "report": report}


def test_weights_favour_closer_model(setup):
    w = setup["report"]["weights"]
    assert sum(w) == pytest.approx(1.0, abs=1e-9)
    assert w[0] > w[1] > 0.05


def test_em_is_monotone_and_optimal(setup):
    models = [read_arpa(setup["a"]), read_arpa(setup["b"])]
    weights, history = estimate_weights(models, setup["dev"])
    assert weights == pytest.approx(setup["report"]["weights"])
    ppls = [h["ppl"] for h in history]
    assert all(later <= earlier * (1 + 1e-12) for earlier, later in zip(ppls, ppls[1:]))
    # the EM objective, recomputed from kenlm's per-token probabilities, is minimal at the EM weights
    pa, pb = (kenlm_token_probs(setup[k], setup["dev"]) for k in ("a", "b"))

    def ppl(w):
        return 10 ** (-np.log10(w * pa + (1 - w) * pb).mean())

    assert ppl(weights[0]) == pytest.approx(ppls[-1], rel=1e-5)
    assert ppl(weights[0]) < min(ppl(weights[0] - 0.02), ppl(weights[0] + 0.02))


def test_oov_counts(setup):
    report = setup["report"]
    assert report["dev_oovs_all_models"] == 1
    assert [m["oovs"] for m in report["inputs"]] == [1, 1] and report["mix"]["oovs"] == 1


def test_mix_beats_inputs(setup):
    report = setup["report"]
    assert report["mix"]["ppl"] <= min(m["ppl"] for m in report["inputs"])
    for m, path in zip(report["inputs"], (setup["a"], setup["b"])):
        assert m["ppl"] == pytest.approx(kenlm_ppl(path, setup["dev"]), rel=1e-4)


def test_kenlm_perplexity_of_written_mix(setup):
    report = setup["report"]
    ppl = kenlm_ppl(setup["out"], setup["dev"])
    assert ppl == pytest.approx(report["mix"]["ppl"], rel=1e-4)
    # the static model backs off where no input has the n-gram, so it only approximates the
    # dynamic mixture that EM optimizes
    assert ppl == pytest.approx(report["em_ppl"], rel=2e-2)


def test_mix_is_normalized(setup):
    assert_normalized(setup["out"])


def test_inputs_are_normalized(setup):
    assert_normalized(setup["a"], seed=1)
    assert_normalized(setup["b"], seed=2)


def test_explicit_ngrams_are_linear_mix(setup):
    """Every explicit n-gram of the mix is w_a p_a + w_b p_b, with p_i from kenlm on the inputs."""
    lm = read_arpa(setup["out"])
    wa, wb = setup["report"]["weights"]
    models = [kenlm.Model(str(setup["a"])), kenlm.Model(str(setup["b"]))]
    rng = random.Random(9)
    for n in (1, 2, 3):
        for words, logp, _ in rng.sample(list(lm.ngrams(n)), min(40, lm.counts[n - 1])):
            if words == ("<s>",):
                continue
            *history, word = words
            pa, pb = (kenlm_sum(m, history, [word]) for m in models)
            expected = np.log10(wa * pa + wb * pb)
            assert logp == pytest.approx(expected, abs=1e-5), words


def test_mix_with_one_weight_reproduces_model(setup, tmp_path):
    a = read_arpa(setup["a"])
    b = read_arpa(setup["b"])
    only_a = mix([a, b], [1.0, 0.0])
    assert only_a.counts == a.counts
    write_arpa(only_a, tmp_path / "only_a.arpa")
    ref, got = kenlm.Model(str(setup["a"])), kenlm.Model(str(tmp_path / "only_a.arpa"))
    for s in setup["dev"][:100]:
        assert got.score(" ".join(s)) == pytest.approx(ref.score(" ".join(s)), abs=1e-4)
    with pytest.raises(ValueError):
        mix([a, b], [0.7, 0.7])


def test_different_vocabularies(setup, tmp_path):
    """A word one input lacks gets that input's <unk> share (common closed vocabulary)."""
    extra = ["केवल", "सिर्फ़", "मात्र"]
    lines = sample(grammar(22), random.Random(8), 3000) + [f"{w} w1 w2" for w in extra] * 5
    a, c = read_arpa(setup["a"]), read_arpa(train_arpa(lines + [" ".join(VOCAB)], tmp_path, "c"))
    mixed = mix([a, c], [0.4, 0.6])
    assert set(mixed.vocab) == set(a.vocab) | set(extra)
    a_unk = 10 ** a.logprob("<unk>") / (len(extra) + 1)  # a's <unk> split among <unk> and the 3 words
    for w in extra:
        assert 10 ** mixed.logprob(w) == pytest.approx(0.4 * a_unk + 0.6 * 10 ** c.logprob(w), rel=1e-9)
    assert 10 ** mixed.logprob("<unk>") == pytest.approx(0.4 * a_unk + 0.6 * 10 ** c.logprob("<unk>"), rel=1e-9)
    write_arpa(mixed, tmp_path / "ac.arpa")
    assert_normalized(tmp_path / "ac.arpa", seed=3)
    weights, _ = estimate_weights([a, c], [["केवल", "w1", "w2"], ["w3", "w4"]])
    assert sum(weights) == pytest.approx(1.0) and weights[1] > weights[0]


def test_with_vocab_shares_unk_mass(setup, tmp_path):
    a = read_arpa(setup["a"])
    extended = with_vocab(a, ["नया", "शब्द", "w1"])  # w1 is known already
    assert extended.vocab[len(a.vocab):] == ["नया", "शब्द"]
    assert 10 ** extended.logprob("नया") == pytest.approx(10 ** a.logprob("<unk>") / 3, rel=1e-9)
    assert extended.logprob("<unk>") == pytest.approx(extended.logprob("शब्द"))
    for s in setup["dev"][:50]:  # known words keep their probabilities
        if "<unk>" not in s and all(w in a.index for w in s):
            assert extended.sentence_logprob(s) == pytest.approx(a.sentence_logprob(s), abs=1e-9)
    write_arpa(extended, tmp_path / "ext.arpa")
    assert_normalized(tmp_path / "ext.arpa", seed=4)
    assert with_vocab(a, a.vocab) is a
