"""The trainer on a handful of real espeak-ng cuts: the CTC loss falls, and a resumed run continues."""

from __future__ import annotations

import pytest
import torch

from asrboot.am.data import augment, compute_features, noise_recordings
from asrboot.am.features import FeatureSpec
from asrboot.am.model import ModelConfig
from asrboot.am.train import Trainer, TrainConfig, cmvn_stats, load_examples, make_batches
from asrboot.speech.synth import SynthConfig, synthesize
from asrboot.speech.utterances import Utterance
from asrboot.tokens import grapheme_table

TEXTS = ["कमरा", "नमस्ते", "पानी दो", "घर चलो", "आज मौसम", "राम"]


@pytest.fixture(scope="module")
def examples(tmp_path_factory):
    out = tmp_path_factory.mktemp("train")
    cuts = synthesize([Utterance(f"u{i}", t) for i, t in enumerate(TEXTS)], out / "speech",
                      SynthConfig(voices=("hi", "hi+f2"), speed=(200, 220)))
    cuts = compute_features(cuts, out / "fbank", num_jobs=1)
    mean, std = cmvn_stats(cuts)
    tokens = grapheme_table(TEXTS)
    return load_examples(cuts, tokens, FeatureSpec(cmvn_mean=mean, cmvn_std=std)), tokens


@pytest.fixture(scope="module")
def clean_cuts(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    return synthesize([Utterance(f"c{i}", t) for i, t in enumerate(TEXTS)], out, SynthConfig(voices=("hi",)))


def test_augment_keeps_each_cut_its_own_transcript(clean_cuts, tmp_path):
    noise = noise_recordings(tmp_path, seconds=5.0)
    mixed = list(augment(clean_cuts, noise, seed=1, noisy_fraction=1.0))
    assert [c.id for c in mixed] == [c.id for c in clean_cuts]
    for orig, cut in zip(clean_cuts, mixed):
        assert [s.text for s in cut.supervisions] == [orig.supervisions[0].text]  # no babble source's text
        assert 1 / 1.1 - 0.01 <= cut.duration / orig.duration <= 1 / 0.9 + 0.01  # speed 0.9, 1.0 or 1.1
    assert mixed[0].load_audio().shape[1] == round(mixed[0].duration * 16000)


def _trainer(exp_dir, examples, tokens, **cfg) -> Trainer:
    model_cfg = ModelConfig(num_tokens=len(tokens), channels=4, input_dim=32, hidden=32, layers=1, dropout=0.0)
    config = TrainConfig(**{"max_duration": 30.0, "lr": 5e-3, "warmup_steps": 1, "spec_augment": False,
                            "save_every_minutes": 1e6, "threads": 1, **cfg})
    return Trainer(exp_dir, model_cfg, config, examples, examples[:2], tokens)


def test_loss_decreases(examples, tmp_path):
    data, tokens = examples
    trainer = _trainer(tmp_path, data, tokens, max_steps=30)
    with torch.no_grad():
        before = float(trainer.loss(data, None))
    trainer.train()
    with torch.no_grad():
        after = float(trainer.loss(data, None))
    assert trainer.step == 30
    assert after < 0.8 * before


def test_resume_continues_from_the_same_step(examples, tmp_path):
    data, tokens = examples
    first = _trainer(tmp_path, data, tokens, max_steps=5, max_duration=4.0)
    first.train()
    assert first.checkpoints()[-1].name == "checkpoint-5.pt" and 0 < first.batch_idx < len(first.batches)
    resumed = _trainer(tmp_path, data, tokens, max_steps=8, max_duration=4.0)
    assert resumed.resume()
    assert (resumed.step, resumed.epoch, resumed.batch_idx) == (first.step, first.epoch, first.batch_idx)
    for a, b in zip(resumed.model.state_dict().values(), first.model.state_dict().values()):
        assert torch.equal(a, b)
    resumed.train()
    assert resumed.step == 8
    assert resumed.history[-1]["step"] == 8 and "valid_cer" in resumed.history[-1]


def test_batches_respect_max_duration(examples):
    data, _ = examples
    batches = make_batches(data, max_duration=3.0, frame_shift=0.01)
    assert sorted(i for b in batches for i in b) == list(range(len(data)))
    for b in batches:
        assert len(b) == 1 or len(b) * max(len(data[i].feats) for i in b) <= 300
