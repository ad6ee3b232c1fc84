"""N-best rescoring and LM filtering with a real in-domain KenLM model."""

from __future__ import annotations

import math

import numpy as np
import pytest

from asrboot.lm.ppl import load, score_sentence
from asrboot.lm.train import train_lm
from asrboot.mt import (Hypothesis, NbestEntry, choose, keep_mask, nbest_features, nmt_best, per_word_scores,
                        tune_rescoring, tune_threshold)
from asrboot.select import DevPerplexity

from conftest import grammar_sentences, zipf_sentences


@pytest.fixture(scope="module")
def indomain_lm(tmp_path_factory):
    root = tmp_path_factory.mktemp("lm")
    (root / "in.txt").write_text("".join(s + "\n" for s in grammar_sentences(1, 60)), encoding="utf-8")
    return train_lm([root / "in.txt"], root / "in.arpa").arpa


def entry(uid, *hyps):
    return NbestEntry(uid, "source", [Hypothesis(text, logprob / len(text.split()), logprob) for text, logprob in hyps])


def test_large_lm_weight_picks_the_lm_preferred_hypothesis(indomain_lm):
    good = grammar_sentences(5, 1)[0]
    scrambled = " ".join(reversed(good.split()))
    entries = [entry("a", (scrambled, -1.0), (good, -1.5))]  # NMT prefers the scrambled order
    feats = nbest_features(entries, indomain_lm)
    model = load(indomain_lm)
    assert feats.lm[0][1] == pytest.approx(score_sentence(model, good).logprob * math.log(10))
    assert feats.lm[0][1] > feats.lm[0][0]
    assert choose(feats, lm_weight=0.0) == [scrambled]
    assert choose(feats, lm_weight=5.0) == [good]


def test_length_bonus_and_normalization(indomain_lm):
    entries = [entry("a", ("गाना चलाओ", -2.0), ("मेरा गाना अभी चलाओ", -2.5)), NbestEntry("empty", "x", [])]
    feats = nbest_features(entries, indomain_lm)
    assert len(feats.texts) == 1  # sources without hypotheses are left out
    assert choose(feats, 0.0, 0.0) == ["गाना चलाओ"]
    assert choose(feats, 0.0, 1.0) == ["मेरा गाना अभी चलाओ"]  # +2 words outweigh -0.5 log-prob
    assert nbest_features([entry("b", ("गाना 5 चलाओ!", -1.0))], indomain_lm).texts == [["गाना पाँच चलाओ"]]


def test_nmt_best_is_the_beams_top_not_the_highest_total_logprob():
    # the beam ranks by length-normalized score: the longer hypothesis first, although its total log-prob is lower
    longer = Hypothesis("मेरा गाना अभी 5 चलाओ", -0.5, -2.5)
    entries = [NbestEntry("a", "play my song", [longer, Hypothesis("गाना चलाओ", -1.0, -2.0)]), NbestEntry("b", "x", [])]
    assert nmt_best(entries) == ["मेरा गाना अभी पाँच चलाओ"]


def test_tuned_rescoring_uses_the_lm_when_it_helps(indomain_lm, tmp_path):
    good, bad = grammar_sentences(7, 40), zipf_sentences(8, 40)
    entries = [entry(str(i), (b, -1.0), (g, -1.2)) for i, (g, b) in enumerate(zip(good, bad))]
    feats = nbest_features(entries, indomain_lm)
    objective = DevPerplexity(indomain_lm, grammar_sentences(2, 80), feats.vocabulary(), tmp_path)
    result = tune_rescoring(feats, objective, lm_weights=(0.0, 1.0), length_bonuses=(0.0,))
    assert [row["lm_weight"] for row in result.table] == [0.0, 1.0]
    assert result.best["lm_weight"] == 1.0 and result.table[1]["objective"] < result.table[0]["objective"]


def test_filter_threshold_semantics(indomain_lm, tmp_path):
    good, bad = grammar_sentences(9, 30), zipf_sentences(10, 10)
    sentences = good + bad
    scores = per_word_scores(sentences, indomain_lm)
    model = load(indomain_lm)
    assert scores[0] == pytest.approx(score_sentence(model, sentences[0]).per_word)
    assert scores[:30].min() > scores[30:].max()  # the LM finds the off-domain sentences improbable
    threshold = scores[5]
    assert keep_mask(scores, threshold)[5] and keep_mask(scores, threshold).sum() == (scores >= threshold).sum()
    vocab = {w for s in sentences for w in s.split()}
    objective = DevPerplexity(indomain_lm, grammar_sentences(2, 80), vocab, tmp_path)
    result = tune_threshold(sentences, scores, objective, quantiles=(0.0, 0.25, 0.5))
    first = result.table[0]
    assert first["kept"] == 40 and first["kept_fraction"] == 1.0  # quantile 0 keeps everything
    assert result.table[1]["kept"] == 30 and result.table[1]["threshold"] == pytest.approx(scores[:30].min())
    assert result.best["quantile"] in (0.25, 0.5) and result.best["kept"] <= 30
    with pytest.raises(ValueError):
        tune_threshold(sentences, np.array([1.0]), objective)
