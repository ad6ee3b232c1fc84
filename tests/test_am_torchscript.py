"""The icefall-style TorchScript backend and the built-in model directory, with tiny models built here."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from asrboot.am.features import FeatureSpec
from asrboot.am.load import load_am, parse_spec
from asrboot.am.model import CtcBiLstm, ModelConfig
from asrboot.io import InputError
from asrboot.speech.synth import SynthConfig, synthesize
from asrboot.speech.utterances import Utterance
from asrboot.tokens import grapheme_table, write_tokens


class IcefallCtc(torch.nn.Module):
    """A tiny icefall-like export: (N, T, 80) features + lengths -> (N, T // 4, V) log-probs + lengths."""

    def __init__(self, vocab: int):
        super().__init__()
        self.proj = torch.nn.Linear(4 * 80, vocab)

    def forward(self, x: torch.Tensor, x_lens: torch.Tensor):
        n, t, f = x.shape
        x = x[:, : t // 4 * 4].reshape(n, t // 4, 4 * f)
        return self.proj(x).log_softmax(-1), torch.div(x_lens, 4, rounding_mode="floor")


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def cuts(tmp_path_factory):
    utts = [Utterance("u1", "कमरा"), Utterance("u2", "नमस्ते दुनिया")]
    return synthesize(utts, tmp_path_factory.mktemp("speech"), SynthConfig(voices=("hi+m3",)))


def _check(am, cuts, subsampled_frame=0.04):
    assert am.frame_shift == pytest.approx(subsampled_frame)
    out = list(am.log_posteriors(cuts))
    assert [c.id for c, _ in out] == [c.id for c in cuts]
    for cut, logp in out:
        assert logp.dtype == np.float32 and logp.shape[1] == len(am.tokens)
        assert abs(len(logp) - cut.duration / am.frame_shift) <= 1.5
        np.testing.assert_allclose(np.exp(logp).sum(axis=1), 1.0, atol=1e-4)


def test_icefall_export(cuts, tmp_path):
    tokens = grapheme_table(["कमरा"])
    torch.jit.script(IcefallCtc(len(tokens))).save(str(tmp_path / "cpu_jit.pt"))
    write_tokens(tokens, tmp_path / "tokens.txt")
    am = load_am(f"torchscript:{tmp_path}")  # directory: finds cpu_jit.pt, tokens.txt; plain fbank
    assert am.tokens == tokens and am.features.cmvn_mean is None
    _check(am, cuts)
    spec = FeatureSpec(cmvn_mean=[1.0] * 80, cmvn_std=[2.0] * 80)
    spec.save(tmp_path / "other.json")
    am = load_am(f"torchscript:{tmp_path / 'cpu_jit.pt'}?features={tmp_path / 'other.json'}&tokens={tmp_path / 'tokens.txt'}")
    assert am.features == spec


def test_builtin_directory(cuts, tmp_path):
    tokens = grapheme_table(["नमस्ते दुनिया"])
    model = CtcBiLstm(ModelConfig(len(tokens), channels=4, input_dim=16, hidden=16, layers=1))
    torch.jit.script(model.eval()).save(str(tmp_path / "model.pt"))
    write_tokens(tokens, tmp_path / "tokens.txt")
    FeatureSpec(cmvn_mean=[10.0] * 80, cmvn_std=[3.0] * 80).save(tmp_path / "features.json")
    _check(load_am(f"builtin:{tmp_path}"), cuts)


def test_missing_and_inconsistent_files(tmp_path):
    tokens = grapheme_table(["कमरा"])
    torch.jit.script(IcefallCtc(len(tokens) + 1)).save(str(tmp_path / "model.pt"))
    with pytest.raises(InputError, match=r"tokens\.txt.*missing"):
        load_am(f"torchscript:{tmp_path}")
    write_tokens(tokens, tmp_path / "tokens.txt")
    with pytest.raises(InputError, match=rf"tokens\.txt: {len(tokens)} tokens, but model\.pt outputs {len(tokens) + 1}"):
        load_am(f"torchscript:{tmp_path}")
    with pytest.raises(InputError, match=r"features\.json.*missing"):
        load_am(f"builtin:{tmp_path}")
    (tmp_path / "features.json").write_text(json.dumps({"num_mel_bins": 80, "cmvn_mean": [0.0] * 3,
                                                        "cmvn_std": [1.0] * 3}))
    with pytest.raises(InputError, match=r"features\.json.*cmvn_mean has 3 values"):
        load_am(f"builtin:{tmp_path}")
    with pytest.raises(InputError, match="missing"):
        load_am(f"builtin:{tmp_path / 'nope'}")


def test_spec_syntax():
    assert parse_spec("builtin") == ("builtin", "", {})
    assert parse_spec("torchscript:/m.pt?features=f.json&tokens=t.txt") == (
        "torchscript", "/m.pt", {"features": "f.json", "tokens": "t.txt"})
    with pytest.raises(ValueError, match="unknown acoustic model"):
        parse_spec("kaldi:/x")
    with pytest.raises(ValueError, match="unknown option"):
        parse_spec("hf:/x?features=f.json")
    with pytest.raises(ValueError, match="needs a path"):
        parse_spec("hf:")
