"""Acoustic features of the built-in and TorchScript backends: lhotse 80-dim fbank + global CMVN.

``features.json`` (next to ``model.pt``)::

    {"type": "fbank", "num_mel_bins": 80, "sampling_rate": 16000, "frame_shift": 0.01,
     "cmvn_mean": [80 floats] | null, "cmvn_std": [80 floats] | null}

Training precomputes the same fbank with lhotse and applies the same CMVN, so a model sees
identical features at training and decoding time.
"""

from __future__ import annotations

import dataclasses
import json
from typing import List, Optional

import numpy as np
from lhotse import Fbank, FbankConfig
from lhotse.cut import Cut

from asrboot.io import InputError, PathLike, atomic_open


@dataclasses.dataclass
class FeatureSpec:
    """Fbank parameters and optional global mean/variance normalization."""

    num_mel_bins: int = 80
    sampling_rate: int = 16000
    frame_shift: float = 0.01
    cmvn_mean: Optional[List[float]] = None
    cmvn_std: Optional[List[float]] = None
    type: str = "fbank"

    def extractor(self) -> Fbank:
        return Fbank(FbankConfig(num_mel_bins=self.num_mel_bins, sampling_rate=self.sampling_rate,
                                 frame_shift=self.frame_shift))

    def normalize(self, feats: np.ndarray) -> np.ndarray:
        """Apply CMVN (if any) to ``(T, num_mel_bins)`` features."""
        if self.cmvn_mean is None:
            return feats.astype(np.float32)
        return ((feats - np.asarray(self.cmvn_mean)) / np.asarray(self.cmvn_std)).astype(np.float32)

    def compute(self, cut: Cut) -> np.ndarray:
        """Normalized fbank of a cut's audio (resampled to ``sampling_rate`` if needed)."""
        if cut.sampling_rate != self.sampling_rate:
            cut = cut.resample(self.sampling_rate)
        return self.normalize(cut.compute_features(self.extractor()))

    def save(self, path: PathLike) -> None:
        with atomic_open(path) as f:
            json.dump(dataclasses.asdict(self), f, indent=1)

    @classmethod
    def load(cls, path: PathLike) -> FeatureSpec:
        try:
            data = json.loads(open(path, encoding="utf-8").read())
        except FileNotFoundError:
            raise InputError(path, None, "missing: the model's feature configuration (features.json)") from None
        except json.JSONDecodeError as e:
            raise InputError(path, e.lineno, f"not valid JSON: {e.msg}") from None
        fields = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(data, dict) or set(data) - fields or data.get("type", "fbank") != "fbank":
            raise InputError(path, None, f"expected an fbank feature configuration with fields {sorted(fields)}")
        spec = cls(**data)
        for name in ("cmvn_mean", "cmvn_std"):
            value = getattr(spec, name)
            if value is not None and len(value) != spec.num_mel_bins:
                raise InputError(path, None, f"{name} has {len(value)} values, num_mel_bins is {spec.num_mel_bins}")
        if (spec.cmvn_mean is None) != (spec.cmvn_std is None):
            raise InputError(path, None, "cmvn_mean and cmvn_std must both be given or both be null")
        return spec
