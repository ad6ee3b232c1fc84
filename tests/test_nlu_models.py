"""The real all-MiniLM-L6-v2 encoder (from its PyPI package directory), the feature cache, and
the joint intent/slot models (MiniLM and linear) trained for a few steps on a tiny set."""

from __future__ import annotations

import importlib.util
import random

import numpy as np
import pytest

from asrboot.nlu.data import Utterance, parse_annotation
from asrboot.nlu.model import LinearNLU, NeuralConfig, NeuralNLU, bio_tags, evaluate, viterbi_bio, _transitions

torch = pytest.importorskip("torch")


@pytest.fixture(autouse=True)
def one_thread():
    """The test machine's cores are shared: one torch thread is faster there (restored afterwards)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def encoder():
    from asrboot.nlu.encoder import MiniLMEncoder

    return MiniLMEncoder(max_length=32, batch_size=16)


def test_package_is_found_without_importing_it():
    import sys

    from asrboot.nlu.encoder import PACKAGE, minilm_path

    path = minilm_path()
    assert (path / "config.json").is_file() and (path / "tokenizer.json").is_file()
    assert path.parent == __import__("pathlib").Path(importlib.util.find_spec(PACKAGE).submodule_search_locations[0])
    assert PACKAGE not in sys.modules


def test_minilm_embeddings_384_dim_and_cosine(encoder):
    sents = ["set an alarm for six in the morning", "wake me up at six am", "what is the weather in paris today",
             "will it rain in paris", "transfer money to my savings account"]
    e = encoder.embed(sents)
    assert e.shape == (5, 384) and e.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    cos = e @ e.T
    assert cos[0, 1] > cos[0, 2] and cos[0, 1] > cos[0, 4]  # alarm ~ alarm
    assert cos[2, 3] > cos[2, 0] and cos[2, 3] > cos[2, 4]  # weather ~ weather
    assert cos[0, 1] > 0.5 > cos[0, 4]
    # sentence-transformers pooling is independent of the batch's padding
    np.testing.assert_allclose(encoder.embed(sents[:1])[0], e[0], atol=1e-5)


def test_feature_store_word_alignment_and_extend(encoder, tmp_path):
    from asrboot.nlu.encoder import FeatureStore

    store = FeatureStore.build(encoder, ["play jazz fm", "set an alarm for six thirty"], layer=5)
    states, first = store.get("play jazz fm")
    assert states.dtype == np.float16 and states.shape[1] == 384
    assert list(first) == [1, 2, 3] and len(states) == 5  # [CLS] play jazz fm [SEP]
    assert store.extend(encoder, ["play jazz fm", "unbelievably long words"]) == 1
    s2, f2 = store.get("unbelievably long words")
    assert f2[0] == 1 and f2[1] > 2  # "unbelievably" is split into several word pieces
    store.save(tmp_path / "f.npz")
    back = FeatureStore.load(tmp_path / "f.npz")
    assert back.layer == 5 and len(back) == 3
    np.testing.assert_array_equal(back.get("unbelievably long words")[0], s2)
    with pytest.raises(KeyError):
        back.get("never seen")


def test_viterbi_respects_bio():
    tags = bio_tags(["time"])  # O B-time I-time
    logp = np.log(np.array([[0.1, 0.1, 0.8], [0.1, 0.2, 0.7]]))  # argmax would be I-time I-time
    path = viterbi_bio(logp, _transitions(tags))
    assert [tags[i] for i in path] == ["B-time", "I-time"]


TRAIN = [
    ("alarm_set", "set an alarm for [time : six am]"), ("alarm_set", "wake me up at [time : seven]"),
    ("alarm_set", "set my alarm for [time : five thirty]"), ("alarm_set", "alarm at [time : nine pm] please"),
    ("alarm_set", "wake me at [time : eight]"), ("alarm_set", "please set an alarm at [time : ten]"),
    ("play_radio", "play [radio_name : jazz fm]"), ("play_radio", "tune in to [radio_name : bbc one]"),
    ("play_radio", "put on [radio_name : capital fm]"), ("play_radio", "play [radio_name : kiss fm] radio"),
    ("play_radio", "listen to [radio_name : radio two]"), ("play_radio", "turn on [radio_name : npr]"),
    ("weather_query", "what is the weather in [place_name : paris]"), ("weather_query", "will it rain"),
    ("weather_query", "how hot is it in [place_name : rome]"), ("weather_query", "is it cold in [place_name : oslo]"),
    ("weather_query", "weather in [place_name : london] please"), ("weather_query", "what is the forecast"),
]
TEST = [("alarm_set", "set an alarm for [time : seven]"), ("play_radio", "play [radio_name : magic fm]"),
        ("weather_query", "what is the weather in [place_name : berlin]")]


def _utts(rows):
    out = []
    for i, (intent, ann) in enumerate(rows):
        tokens, tags = parse_annotation(ann)
        out.append(Utterance(f"u{i}", tokens, intent, tags))
    return out


INTENTS = ["alarm_set", "play_radio", "weather_query"]
TAGS = bio_tags(["time", "radio_name", "place_name"])


def test_neural_joint_model_learns_tiny_set(encoder):
    from asrboot.nlu.encoder import FeatureStore

    train, test = _utts(TRAIN), _utts(TEST)
    store = FeatureStore.build(encoder, [u.text for u in train + test], layer=5)
    cfg = NeuralConfig(finetune_layers=1, epochs=12, round_epochs=2, batch_size=6, lr=2e-4, head_lr=1e-2)
    model = NeuralNLU(INTENTS, TAGS, store, cfg, seed=0, minilm=encoder.model)
    untrained = evaluate(model, train)
    history = model.fit(train, dev=train[:6])
    assert history[0]["loss"] > history[-1]["loss"] and any("best_epoch" in h for h in history)
    assert history[-1].get("heads") and model.heads_only  # layers fixed, heads polished (round_mode="heads")
    trained = evaluate(model, train)
    assert trained.semer < untrained.semer and trained.intent_error_rate == 0
    scores = evaluate(model, test)
    assert scores.intent_error_rate == 0 and scores.semer <= 0.4
    preds = model.predict(test)
    assert all(0 < p.confidence <= 1 for p in preds)
    assert preds[0].tags == ["O", "O", "O", "O", "B-time"]
    # copies are independent; a warm-started fit uses round_epochs
    other = model.copy()
    assert len(other.fit(train[:3])) == 2
    assert evaluate(model, train).semer == trained.semer
    with pytest.raises(ValueError, match="layer"):
        NeuralNLU(INTENTS, TAGS, store, NeuralConfig(finetune_layers=2), minilm=encoder.model)


def test_linear_baseline_learns_tiny_set():
    train, test = _utts(TRAIN), _utts(TEST)
    model = LinearNLU(INTENTS, TAGS, seed=0)
    model.fit(train)
    s = evaluate(model, test)
    assert s.intent_error_rate == 0 and s.slot_f1 >= 2 / 3
    p = model.predict(test)
    assert p[1].intent == "play_radio" and 0 < p[1].confidence <= 1
    random.Random(0).shuffle(train)
    assert evaluate(model.copy(), test).semer == s.semer
