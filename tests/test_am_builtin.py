"""The shipped built-in model, and the export -> posteriors -> greedy -> model-card chain via the CLI."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from asrboot.am.data import compute_features
from asrboot.am.features import FeatureSpec
from asrboot.am.load import load_am
from asrboot.am.model import ModelConfig
from asrboot.am.torchscript import BUILTIN_DIR
from asrboot.am.train import Trainer, TrainConfig, cmvn_stats, load_examples
from asrboot.cli.am import am
from asrboot.speech.synth import SynthConfig, synthesize
from asrboot.speech.utterances import Utterance
from asrboot.tokens import grapheme_table, read_tokens, write_tokens

TEXTS = ["कमरा", "नमस्ते दुनिया", "आज मौसम अच्छा है"]


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def cuts(tmp_path_factory):
    out = tmp_path_factory.mktemp("speech")
    utts = [Utterance(f"u{i}", t) for i, t in enumerate(TEXTS)]
    cuts = synthesize(utts, out, SynthConfig(voices=("hi+f4",)))
    cuts.to_file(out / "cuts.jsonl.gz")
    return cuts


def test_shipped_model(cuts):
    if not (BUILTIN_DIR / "model.pt").is_file():
        pytest.skip(f"the built-in model has not been exported to {BUILTIN_DIR} yet (recipes/am_synth_hi)")
    am = load_am("builtin")
    assert am.frame_shift == pytest.approx(0.04)
    assert am.tokens == read_tokens(BUILTIN_DIR / "tokens.txt")
    assert sum(f.stat().st_size for f in BUILTIN_DIR.iterdir()) <= 20 * 2**20
    for cut, logp in am.log_posteriors(cuts):
        assert logp.shape[1] == len(am.tokens) and abs(len(logp) - cut.duration / 0.04) <= 1.5
        np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1.0, atol=1e-4)


def test_export_posteriors_greedy_card(cuts, tmp_path):
    fbank = compute_features(cuts, tmp_path / "fbank", num_jobs=1)
    exp = tmp_path / "exp"
    exp.mkdir()
    tokens = grapheme_table(TEXTS)
    write_tokens(tokens, exp / "tokens.txt")
    mean, std = cmvn_stats(fbank)
    spec = FeatureSpec(cmvn_mean=mean, cmvn_std=std)
    spec.save(exp / "features.json")
    data = load_examples(fbank, tokens, spec)
    cfg = TrainConfig(max_steps=2, warmup_steps=1, save_every_minutes=1e6, threads=1)
    Trainer(exp, ModelConfig(len(tokens), channels=4, input_dim=16, hidden=16, layers=2), cfg, data, data,
            tokens).train()

    runner = CliRunner()
    model_dir = tmp_path / "model"
    res = runner.invoke(am, ["export", "--exp-dir", str(exp), "--out", str(model_dir)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["step"] == 2
    assert {p.name for p in model_dir.iterdir()} == {"model.pt", "tokens.txt", "features.json", "model.json"}

    post = tmp_path / "post"
    res = runner.invoke(am, ["posteriors", "--am", f"builtin:{model_dir}", "--cuts",
                             str(_cuts_file(cuts, tmp_path)),
                             "--out", str(post)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output) == {"cuts": 3, "tokens": len(tokens), "frame_shift": 0.04}

    res = runner.invoke(am, ["greedy", "--posteriors", str(post), "--name", "tiny", "--out", str(tmp_path / "hyps.txt")])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["utterances"] == 3 and report["condition"] == "clean" and report["cer"] >= 0
    assert len((tmp_path / "hyps.txt").read_text(encoding="utf-8").splitlines()) == 3

    (tmp_path / "results.jsonl").write_text(res.output, encoding="utf-8")
    res = runner.invoke(am, ["card", "--model-dir", str(model_dir), "--results", str(tmp_path / "results.jsonl")])
    assert res.exit_code == 0, res.output
    card = (model_dir / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "| tiny | 3 |" in card and "2 steps" in card


def _cuts_file(cuts, tmp_path):
    path = tmp_path / "cuts.jsonl.gz"
    cuts.to_file(path)
    return path
