"""Relevance filter, paraphrase pairs + diversity selection, submodular selection (small hand-made data)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from asrboot.nlu.data import Utterance, parse_annotation
from asrboot.nlu.paraphrase import (ParaphraseDetector, diversity_select, make_pairs, semantic_key, template_of)
from asrboot.nlu.relevance import RelevanceFilter, TargetRelevance, select_indices
from asrboot.nlu.submodular import (cosine_similarity, facility_location_value, feature_based_value,
                                    greedy_facility_location, greedy_feature_based, ngram_features,
                                    select_submodular)

TARGET = ["set an alarm for six am", "wake me up at seven tomorrow", "please set my alarm for five",
          "i need an alarm at noon", "alarm for ten pm please"]
OTHER = ["what is the weather today", "play some jazz music", "will it rain tomorrow", "play the beatles",
         "add lunch to my calendar", "how hot is it in london", "put on my playlist", "schedule a meeting at noon",
         "what alarms do i have", "turn the lights off", "tell me a joke", "what time is it in tokyo"]


def test_relevance_filter_ranks_target_like_above_distractors():
    f = RelevanceFilter(ngram_max=3, seed=0).fit(TARGET, OTHER)
    pool = ["set an alarm for eight am", "wake me up at six", "my card has not arrived", "play some rock music",
            "book a table for two", "what is the weather in paris", "set my alarm for seven please"]
    scores = f.score(pool)
    target_like = {0, 1, 6}
    ranked = f.select(pool)
    assert set(ranked[:3]) == target_like, (ranked, scores)
    assert min(scores[i] for i in target_like) > max(s for i, s in enumerate(scores) if i not in target_like)
    assert f.select(pool, top_n=2) == ranked[:2]
    kept = f.select(pool, threshold=0.5)
    assert kept == [i for i in ranked if scores[i] >= 0.5] and target_like <= set(kept)


def test_select_indices_and_target_relevance():
    assert select_indices(np.array([0.2, 0.9, 0.5, 0.7]), top_n=3, threshold=0.6) == [1, 3]
    texts = TARGET + OTHER[:4] + ["play radio one", "tune in to jazz fm", "put on bbc radio", "radio please"]
    intents = ["alarm_set"] * 5 + ["other"] * 4 + ["play_radio"] * 4
    rel = TargetRelevance(["alarm_set", "play_radio"]).fit(texts, intents)
    s = rel.scores(["wake me at six", "play capital radio", "what is my balance"])
    assert s.shape == (3, 2) and s[0, 0] > s[0, 1] and s[1, 1] > s[1, 0]
    assert rel.keep(s, top_n=1) == [1, 0] or rel.keep(s, top_n=1) == [0, 1]
    assert 2 not in rel.keep(s, top_n=1)


def _utt(intent, annotation):
    tokens, tags = parse_annotation(annotation)
    return Utterance(annotation, tokens, intent, tags)


LABELLED = [
    _utt("alarm_set", "set an alarm for [time : six am]"),
    _utt("alarm_set", "wake me up at [time : seven]"),
    _utt("alarm_set", "set an alarm for [time : six] [date : tomorrow]"),
    _utt("alarm_set", "wake me up [date : tomorrow] at [time : five]"),
    _utt("alarm_remove", "remove the alarm for [time : six am]"),
    _utt("alarm_remove", "cancel my alarm at [time : seven]"),
    _utt("play_radio", "play [radio_name : jazz fm]"),
    _utt("play_radio", "tune in to [radio_name : bbc one]"),
    _utt("play_music", "play [artist_name : abba]"),
    _utt("play_music", "put on some [artist_name : queen]"),
]


def test_make_pairs_labels_follow_the_definition():
    pairs = make_pairs(LABELLED, max_pairs=200, seed=0)
    sem = {template_of(u): semantic_key(u.intent, u.tags) for u in LABELLED}
    kinds = pairs.counts()
    assert kinds["para"] >= 4 and kinds["swap"] > 0 and kinds["near"] > 0
    for a, b, y, kind in zip(pairs.a, pairs.b, pairs.label, pairs.kind):
        assert (a == b) == (kind == "same")
        if kind in ("para", "same"):
            assert y == 1 and sem[a] == sem[b]
        else:
            assert y == 0
            if kind in ("near", "random"):
                assert sem[a] != sem[b]
            if kind == "swap":  # same structure, one slot type replaced
                wa, wb = a.split(), b.split()
                assert len(wa) == len(wb) and sum(x != y for x, y in zip(wa, wb)) == 1
    assert ("set an alarm for [time]", "wake me up at [time]") in set(zip(pairs.a, pairs.b)) | set(
        zip(pairs.b, pairs.a))


@pytest.fixture(scope="module")
def synthetic():
    """A real detector trained on synthetic embeddings: paraphrase = nearly the same vector."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the test machine's cores are shared: one thread is faster there
    try:
        yield _synthetic_detector()
    finally:
        torch.set_num_threads(before)


def _synthetic_detector(dim=16, seed=0):
    rng = np.random.default_rng(seed)
    base = rng.normal(size=(400, dim))
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    near = base + 0.05 * rng.normal(size=base.shape)
    other = rng.normal(size=base.shape)
    a = np.concatenate([base, base])
    b = np.concatenate([near, other])
    y = [1] * 400 + [0] * 400
    det = ParaphraseDetector(dim=dim, hidden=32, seed=seed)
    det.fit(a, b, y, epochs=40, lr=3e-3, batch_size=64)
    return det, rng


def test_detector_and_diversity_selection_prefers_non_paraphrases(synthetic):
    det, _ = synthetic
    rng = np.random.default_rng(1)
    dim = 16
    refs = rng.normal(size=(3, dim))
    refs /= np.linalg.norm(refs, axis=1, keepdims=True)
    # candidates 0-3: paraphrases (small perturbations) of the references; 4-6: new directions
    para = np.stack([refs[0] + 0.05 * rng.normal(size=dim), refs[1] + 0.05 * rng.normal(size=dim),
                     refs[2] + 0.05 * rng.normal(size=dim), refs[0] + 0.05 * rng.normal(size=dim)])
    novel = rng.normal(size=(3, dim))
    cands = np.concatenate([para, novel])
    p = det.prob_matrix(cands, refs).max(axis=1)
    assert p[:4].min() > 0.5 > p[4:].max()
    order, picked_p = diversity_select(det, cands, ["g"] * 7, {"g": refs}, budget=3)
    assert sorted(order) == [4, 5, 6]
    assert all(x < 0.5 for x in picked_p)
    # a candidate that duplicates an already picked one is not picked next: augmenting the references
    dup = np.concatenate([cands, novel[:1] + 0.01])
    order, _ = diversity_select(det, dup, ["g"] * 8, {"g": refs}, budget=3)
    assert len({4, 7} & set(order)) == 1
    # with template strings, an exact duplicate of a reference is never picked first
    keys = ["t0", "t1", "t2", "t3", "dup-of-ref", "t5", "t6"]
    order, picked_p = diversity_select(det, cands, ["g"] * 7, {"g": refs}, budget=2, cand_keys=keys,
                                       ref_keys={"g": ["dup-of-ref"]})
    assert 4 not in order and set(order) <= {5, 6}
    # groups are compared only with their own references
    order, _ = diversity_select(det, cands, ["g"] * 4 + ["h"] * 3, {"g": refs, "h": novel}, budget=1)
    assert order[0] < 4 or p[order[0]] < 0.5


def test_detector_symmetric_and_saved(tmp_path, synthetic):
    det, _ = synthetic
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(5, 16)), rng.normal(size=(5, 16))
    np.testing.assert_allclose(det.prob(a, b), det.prob(b, a), atol=1e-6)
    det.save(tmp_path / "d.pt")
    np.testing.assert_allclose(ParaphraseDetector.load(tmp_path / "d.pt").prob(a, b), det.prob(a, b), atol=1e-6)


CANDS = ["set an alarm for six", "set an alarm for seven", "set an alarm for eight", "wake me up at dawn",
         "i need to be up before sunrise", "set an alarm for nine"]


def test_feature_based_is_monotone_submodular_and_diverse():
    X, base, w = ngram_features(CANDS)
    items = range(len(CANDS))
    f = lambda S: feature_based_value(X, list(S), base, w)  # noqa: E731
    for size in range(len(CANDS)):
        for S in itertools.combinations(items, size):
            for j in items:
                if j in S:
                    continue
                gain = f(S + (j,)) - f(S)
                assert gain >= -1e-12  # monotone
                for i in items:  # diminishing returns: gain w.r.t. a superset is not larger
                    if i not in S and i != j:
                        assert f(S + (i, j)) - f(S + (i,)) <= gain + 1e-9
    order, gains = greedy_feature_based(X, 3, base, w)
    assert all(g1 >= g2 - 1e-12 for g1, g2 in zip(gains, gains[1:]))
    # the three picks are not all "set an alarm for X": the greedy covers different phrasings
    assert {3, 4} & set(order)
    assert sum(CANDS[i].startswith("set an alarm") for i in order) <= 1


def test_concave_coverage_prefers_a_new_phrasing_over_a_near_duplicate():
    cands = ["set an alarm for six in the morning", "set an alarm for seven in the morning",
             "set an alarm for eight in the morning", "wake me up early tomorrow"]
    X, base, w = ngram_features(cands)
    # the near-duplicates share 14 n-grams: strictly diminishing returns
    assert feature_based_value(X, [0, 1], base, w) - feature_based_value(X, [0], base, w) < \
        feature_based_value(X, [1], base, w)
    order, _ = greedy_feature_based(X, 2, base, w)
    # an alarm sentence has the most (weighted) n-grams and comes first; the second pick is the
    # new phrasing, although a near-duplicate has more n-grams (a modular function would take it)
    assert order[0] in (0, 1, 2) and order[1] == 3
    assert feature_based_value(X, [0, 1], base, w, concave="log1p") < feature_based_value(X, [0, 3], base, w,
                                                                                         concave="log1p")


def test_submodular_conditioned_on_reference():
    order = select_submodular(CANDS, 2, reference=["set an alarm for ten", "wake me up at six"])
    assert order[0] == 4  # the only phrasing the reference does not cover
    assert select_submodular([], 3) == [] and select_submodular(CANDS, 0) == []
    with pytest.raises(ValueError):
        select_submodular(CANDS, 2, kind="nope")


def test_facility_location_monotone_and_diverse():
    # two tight clusters (0-2 and 3-4) and an outlier (5)
    emb = np.array([[1, 0, 0], [0.99, 0.1, 0], [0.98, 0.12, 0.05], [0, 1, 0], [0.05, 0.99, 0], [0, 0, 1.0]])
    sim = cosine_similarity(emb, emb)
    assert sim.min() >= 0
    f = lambda S: facility_location_value(sim, list(S))  # noqa: E731
    for S in itertools.combinations(range(6), 2):
        for j in range(6):
            if j not in S:
                assert f(S + (j,)) >= f(S) - 1e-12
    order, _ = greedy_facility_location(sim, 3)
    assert {0, 1, 2} & set(order) and {3, 4} & set(order) and 5 in order
    # with cluster 0-2 already covered by the reference, the first pick comes from elsewhere
    base = cosine_similarity(emb, emb[:1]).max(axis=1)
    order, _ = greedy_facility_location(sim, 1, base)
    assert order[0] not in (0, 1, 2)
    assert select_submodular(["a", "b", "c", "d", "e", "f"], 1, kind="facility", embeddings=emb,
                             reference_embeddings=emb[:1])[0] not in (0, 1, 2)
