"""Posteriors computed once and stored, so decoding and LM sweeps never re-run the acoustic model.

On disk (a posterior directory)::

    cuts.jsonl.gz   lhotse CutSet; each cut's custom field ``posteriors`` is a TemporalArray (T x V)
    storage/        the arrays (lhotse NumpyFilesWriter)
    tokens.txt      the AM's token table
    meta.json       frame_shift, number of tokens, the AM spec
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterator, Tuple

import numpy as np
from lhotse import CutSet
from lhotse.cut import Cut
from lhotse.features.io import NumpyFilesWriter
from tqdm import tqdm

from asrboot.am.base import AcousticModel
from asrboot.io import InputError, PathLike, atomic_open, atomic_path
from asrboot.tokens import read_tokens, write_tokens


def compute_posteriors(am: AcousticModel, cuts: CutSet, out_dir: PathLike, spec: str = "") -> "PosteriorSet":
    """Run ``am`` over ``cuts`` once and store the log-posteriors in ``out_dir``."""
    out_dir = Path(out_dir)
    storage = out_dir / "storage"
    if storage.exists():
        shutil.rmtree(storage)
    storage.mkdir(parents=True)
    done = []
    with NumpyFilesWriter(storage) as writer:
        for cut, logp in tqdm(am.log_posteriors(cuts), total=len(cuts), desc="posteriors", unit=" cuts",
                              disable=None):
            if logp.ndim != 2 or logp.shape[1] != len(am.tokens):
                raise ValueError(f"cut {cut.id}: posteriors of shape {logp.shape}, expected (T, {len(am.tokens)})")
            arr = writer.store_array(cut.id, logp.astype(np.float32), frame_shift=am.frame_shift,
                                     temporal_dim=0, start=0)
            cut.custom = {**(cut.custom or {}), "posteriors": arr}
            done.append(cut)
    write_tokens(am.tokens, out_dir / "tokens.txt")
    with atomic_open(out_dir / "meta.json") as f:
        json.dump({"frame_shift": am.frame_shift, "num_tokens": len(am.tokens), "am": spec}, f, indent=2)
    with atomic_path(out_dir / "cuts.jsonl.gz") as tmp:
        CutSet.from_cuts(done).to_file(tmp)
    return PosteriorSet(out_dir)


@dataclass
class PosteriorSet:
    """A posterior directory written by :func:`compute_posteriors`."""

    root: Path

    def __post_init__(self) -> None:
        self.root = Path(self.root)
        for name in ("cuts.jsonl.gz", "tokens.txt", "meta.json"):
            if not (self.root / name).is_file():
                raise InputError(self.root / name, None, "missing: not a posterior directory "
                                 "(make one with `asrboot am posteriors`)")
        self.tokens: Dict[str, int] = read_tokens(self.root / "tokens.txt")
        self.meta = json.loads((self.root / "meta.json").read_text())
        self.frame_shift: float = self.meta["frame_shift"]
        self.cuts = CutSet.from_file(self.root / "cuts.jsonl.gz")

    def load(self, cut: Cut) -> np.ndarray:
        """The ``(T, V)`` log-posteriors of ``cut`` (storage found relative to this directory)."""
        arr = cut.custom["posteriors"]
        arr.array.storage_path = str(self.root / "storage")
        return arr.load()

    def __iter__(self) -> Iterator[Tuple[Cut, np.ndarray]]:
        for cut in self.cuts:
            yield cut, self.load(cut)

    def __len__(self) -> int:
        return len(self.cuts)
