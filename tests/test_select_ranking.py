"""Data selection: centroid and Moore-Lewis rankings of planted in-domain vs off-domain candidates, cut
semantics, tuning, and the dev objective."""

from __future__ import annotations

import random

import numpy as np
import pytest

from asrboot.lm.train import train_lm
from asrboot.select import (CharNgramEmbedder, DevPerplexity, bilingual_moore_lewis_scores, centroid_distances,
                            fraction_grid, grid_search, moore_lewis_scores, select_indices, tune_top_k)

from conftest import grammar_sentences


def news_sentences(seed: int, n: int):
    """Off-domain Hindi: news-style statements from a small grammar."""
    rng = random.Random(seed)
    subjects = ["सरकार", "प्रधानमंत्री", "वैज्ञानिकों", "पुलिस", "अदालत", "कंपनी", "विपक्ष", "मंत्रालय"]
    verbs = ["ने घोषणा की", "ने बयान जारी किया", "ने जांच शुरू की", "ने रिपोर्ट पेश की", "ने चिंता जताई"]
    topics = ["बजट", "चुनाव", "अर्थव्यवस्था", "जलवायु परिवर्तन", "स्वास्थ्य नीति", "सीमा विवाद", "निर्यात"]
    places = ["दिल्ली में", "संसद में", "राज्य में", "सम्मेलन के दौरान", "पिछले सप्ताह"]
    return [f"{rng.choice(places)} {rng.choice(subjects)} {rng.choice(verbs)} कि {rng.choice(topics)} पर "
            f"{rng.choice(topics)} का असर {rng.choice(['बढ़ा है', 'घटा है', 'स्पष्ट नहीं है'])}" for _ in range(n)]


ENGLISH_VA = ["turn on the lights", "play some music", "set an alarm for seven", "what is the weather today",
              "stop the timer", "call mom", "add milk to my shopping list", "tell me a joke"]
ENGLISH_NEWS = ["the government announced a new budget", "scientists reported rising temperatures",
                "the court began an investigation", "exports fell sharply last quarter"]


@pytest.fixture(scope="module")
def candidates():
    """The in-domain set, 30 planted in-domain-like + 90 off-domain Hindi candidates (planted first), labels."""
    planted = grammar_sentences(7, 30)
    off = news_sentences(8, 90)
    return grammar_sentences(1, 200), planted + off, np.array([1] * 30 + [0] * 90)


def auc(scores, labels):
    """Probability that a random planted candidate scores lower (more in-domain) than a random off-domain one."""
    pos, neg = scores[labels == 1], scores[labels == 0]
    wins = (pos[:, None] < neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(wins / (len(pos) * len(neg)))


def test_centroid_ranks_planted_first(candidates):
    indomain, cands, labels = candidates
    embedder = CharNgramEmbedder(dims=32)
    distances = centroid_distances(indomain, cands, embedder)
    assert auc(distances, labels) > 0.95
    assert labels[select_indices(distances, top_k=30)].mean() > 0.9
    vectors = embedder.embed(cands)  # fitted by centroid_distances on in-domain + candidates
    assert vectors.shape == (len(cands), 32) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.allclose(distances, centroid_distances(indomain, cands, CharNgramEmbedder(dims=32)))  # deterministic


def test_moore_lewis_ranks_planted_first(candidates, tmp_path):
    indomain, cands, labels = candidates
    scores = moore_lewis_scores(indomain, cands, tmp_path)
    assert auc(scores, labels) > 0.95
    assert labels[select_indices(scores, top_k=30)].mean() > 0.9
    assert (tmp_path / "general_a.arpa").is_file() and (tmp_path / "general_b.arpa").is_file()


def test_bilingual_moore_lewis_adds_both_sides(tmp_path):
    rng = random.Random(3)
    indomain_hi, indomain_en = grammar_sentences(1, 200), [rng.choice(ENGLISH_VA) for _ in range(200)]
    # The same Hindi-side mix twice; only the first 20 pairs also have in-domain English.
    cands_hi = grammar_sentences(5, 20) + news_sentences(6, 20) + grammar_sentences(9, 20) + news_sentences(10, 20)
    cands_en = [rng.choice(ENGLISH_VA) for _ in range(40)] + [rng.choice(ENGLISH_NEWS) for _ in range(40)]
    hi = moore_lewis_scores(indomain_hi, cands_hi, tmp_path / "hi")
    both = bilingual_moore_lewis_scores(indomain_hi, indomain_en, cands_hi, cands_en, tmp_path / "bi")
    english_in_domain = np.array([1] * 40 + [0] * 40)
    assert auc(both - hi, english_in_domain) > 0.95  # the English-side term
    in_both = np.array([1] * 20 + [0] * 60)
    assert auc(both, in_both) > 0.95 and auc(both, in_both) > auc(hi, in_both)


def test_select_indices_semantics():
    scores = [0.5, 0.1, 0.9, 0.1, 0.3]
    assert select_indices(scores, top_k=3).tolist() == [1, 3, 4]  # ties keep input order
    assert select_indices(scores, threshold=0.3).tolist() == [1, 3, 4]  # inclusive
    assert select_indices(scores, threshold=0.3, top_k=2).tolist() == [1, 3]
    assert select_indices(scores, threshold=0.05).tolist() == []
    assert select_indices(scores, top_k=0).tolist() == []
    with pytest.raises(ValueError):
        select_indices(scores)
    assert fraction_grid(200, (0.001, 0.1, 0.5, 1.0)) == [1, 20, 100, 200]


def test_tune_top_k_picks_the_objective_minimum():
    scores = np.arange(10.0)[::-1]  # candidate 9 is best
    texts = [f"s{i}" for i in range(10)]
    result = tune_top_k(scores, texts, [1, 3, 5, 10], lambda selected: abs(len(selected) - 4))
    assert result.best == {"top_k": 5, "threshold": 4.0, "objective": 1}  # 5 and 3 tie: the larger cut wins
    assert [row["top_k"] for row in result.table] == [10, 5, 3, 1]
    with pytest.raises(ValueError):
        tune_top_k(scores, texts, [11], len)
    assert grid_search([{"a": 2}, {"a": -1}], lambda p: p["a"] ** 2).best == {"a": -1, "objective": 1}
    assert grid_search([{"a": 1}, {"a": 2}], lambda p: 100 - 0.001 * p["a"]).best["a"] == 1  # within rtol: a tie


def test_dev_objective_prefers_in_domain_text(tmp_path, write_lines, candidates):
    indomain, cands, labels = candidates
    train_lm([write_lines("in.txt", indomain[:20])], tmp_path / "in.arpa")  # weak: more in-domain text helps
    objective = DevPerplexity(tmp_path / "in.arpa", grammar_sentences(2, 100), {w for s in cands for w in s.split()},
                              tmp_path / "work")
    planted = [s for s, y in zip(cands, labels) if y]
    off = [s for s, y in zip(cands, labels) if not y]
    assert objective(planted) < objective(off[:30])
    assert [h["sentences"] for h in objective.history] == [30, 30]
    with pytest.raises(ValueError, match="outside"):
        objective(["अनजाना शब्द"])
