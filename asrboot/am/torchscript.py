"""TorchScript CTC backends: the built-in model directory and icefall-style CTC exports.

The scripted module is called as ``model(features (1, T, F), lengths (1,))`` and returns
log-probs ``(1, T', V)`` (or a tuple whose first element they are); features come from
:class:`asrboot.am.features.FeatureSpec`. Outputs go through ``log_softmax``, which leaves true
log-probs unchanged and normalizes raw logits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterator, Optional, Tuple

import numpy as np
import torch
from lhotse import CutSet
from lhotse.cut import Cut

from asrboot.am.features import FeatureSpec
from asrboot.io import InputError, PathLike
from asrboot.tokens import read_tokens

BUILTIN_DIR = Path(__file__).resolve().parent.parent / "models" / "hindi_grapheme_ctc"


class TorchScriptAM:
    """A scripted CTC model + token table + feature spec; one cut per forward pass."""

    def __init__(self, model_path: PathLike, tokens_path: PathLike, features: FeatureSpec, subsampling: int = 4):
        model_path, tokens_path = Path(model_path), Path(tokens_path)
        for path, what in ((model_path, "TorchScript model"), (tokens_path, "token table (tokens.txt)")):
            if not path.is_file():
                raise InputError(path, None, f"missing: the {what}")
        self.tokens: Dict[str, int] = read_tokens(tokens_path)
        if sorted(self.tokens.values()) != list(range(len(self.tokens))):
            raise InputError(tokens_path, None, "token ids must be 0..V-1 without gaps")
        try:
            self.model = torch.jit.load(str(model_path), map_location="cpu").eval()
        except RuntimeError as e:
            raise InputError(model_path, None, f"not a TorchScript model ({str(e).splitlines()[0]})") from None
        self.features = features
        self.frame_shift: float = features.frame_shift * subsampling
        dim = self._forward(np.zeros((100, features.num_mel_bins), dtype=np.float32)).shape[1]
        if dim != len(self.tokens):
            raise InputError(tokens_path, None, f"{len(self.tokens)} tokens, but {model_path.name} outputs {dim}")

    @torch.no_grad()
    def _forward(self, feats: np.ndarray) -> np.ndarray:
        out = self.model(torch.from_numpy(feats)[None], torch.tensor([len(feats)]))
        logits = out[0] if isinstance(out, (tuple, list)) else out
        return logits[0].log_softmax(dim=-1).numpy().astype(np.float32)

    def log_posteriors(self, cuts: CutSet) -> Iterator[Tuple[Cut, np.ndarray]]:
        for cut in cuts:
            yield cut, self._forward(self.features.compute(cut))


def builtin_am(model_dir: PathLike = BUILTIN_DIR) -> TorchScriptAM:
    """The built-in model directory: ``model.pt``, ``tokens.txt``, ``features.json``."""
    model_dir = Path(model_dir)
    if not model_dir.is_dir():
        raise InputError(model_dir, None, "missing: no built-in model directory (export one with `asrboot am export`)")
    return TorchScriptAM(model_dir / "model.pt", model_dir / "tokens.txt", FeatureSpec.load(model_dir / "features.json"))


def torchscript_am(path: PathLike, features: Optional[str] = None, tokens: Optional[str] = None,
                   subsampling: int = 4) -> TorchScriptAM:
    """An icefall-style export: ``path`` is the ``.pt`` file or its directory (``model.pt``/``cpu_jit.pt``).

    ``tokens`` defaults to ``tokens.txt`` beside the model; ``features`` is a ``features.json``
    (default: the one beside the model if any, else plain 80-dim fbank without CMVN, as icefall).
    """
    path = Path(path)
    if path.is_dir():
        path = next((path / n for n in ("model.pt", "cpu_jit.pt", "jit_script.pt") if (path / n).is_file()),
                    path / "model.pt")
    beside = path.parent / "features.json"
    if features:
        spec = FeatureSpec.load(features)
    else:
        spec = FeatureSpec.load(beside) if beside.is_file() else FeatureSpec()
    return TorchScriptAM(path, tokens or path.parent / "tokens.txt", spec, subsampling)
