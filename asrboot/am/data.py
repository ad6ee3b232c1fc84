"""Training data of the built-in model: general-Hindi text, augmented synthetic audio, fbank features.

Training text is general Hindi only (:mod:`asrboot.corpora`) plus pseudo-words covering every
Devanagari character; any sentence that equals a ``slurp_hi`` sentence is removed and the
result checked, so the evaluation domain never leaks into the acoustic model.
"""

from __future__ import annotations

import json
import logging
import random
from pathlib import Path
from typing import Dict, List, Sequence, Set, Tuple

import numpy as np
import torch
from lhotse import CutSet, Fbank, FbankConfig, Recording
from lhotse.cut import Cut

from asrboot.corpora import general_hindi_sentences
from asrboot.corpora.pseudo import devanagari_inventory, pseudo_sentences
from asrboot.io import PathLike, atomic_open, read_tsv
from asrboot.text import Normalizer
from asrboot.tokens import grapheme_table, write_tokens

log = logging.getLogger(__name__)
SLURP_HI_FILES = ("indomain_train.tsv", "dev.tsv", "test.tsv")


def slurp_hi_sentences(data_dir: PathLike) -> Set[str]:
    """Every normalized ``hi`` sentence of ``slurp_hi`` (train, dev and test)."""
    norm = Normalizer.for_lm("hi")
    return {norm(row["hi"]) for name in SLURP_HI_FILES for _, row in read_tsv(Path(data_dir) / "slurp_hi" / name)}


def general_sentences(data_dir: PathLike, min_words: int = 2, max_words: int = 16) -> List[str]:
    """Distinct normalized general-Hindi sentences, Devanagari only, ``min_words``-``max_words`` words."""
    norm = Normalizer.for_lm("hi", latin="drop")
    inventory = devanagari_inventory() | {" "}
    seen: Dict[str, None] = {}
    for _, raw in general_hindi_sentences(data_dir):
        text = norm(raw)
        if min_words <= len(text.split()) <= max_words and set(text) <= inventory:
            seen.setdefault(text)
    return list(seen)


def check_no_overlap(sentences: Sequence[str], forbidden: Set[str]) -> None:
    """Raise if any training sentence equals an evaluation-domain (slurp_hi) sentence."""
    leaked = [s for s in sentences if s in forbidden]
    if leaked:
        raise AssertionError(f"{len(leaked)} training sentence(s) are slurp_hi sentences, e.g. {leaked[0]!r}")


def prepare_text(data_dir: PathLike, out_dir: PathLike, num_train: int, num_valid: int = 200,
                 pseudo_per_char: int = 4, seed: int = 0) -> Dict[str, int]:
    """Write ``train.txt``, ``valid.txt`` (one sentence a line) and ``tokens.txt`` under ``out_dir``."""
    out_dir = Path(out_dir)
    forbidden = slurp_hi_sentences(data_dir)
    pool = [s for s in general_sentences(data_dir) if s not in forbidden]
    random.Random(seed).shuffle(pool)
    valid = pool[:num_valid]
    train = pool[num_valid:num_valid + num_train] + pseudo_sentences(pseudo_per_char, seed=seed)
    check_no_overlap(train + valid, forbidden)
    for name, sentences in (("train.txt", train), ("valid.txt", valid)):
        with atomic_open(out_dir / name) as f:
            f.writelines(s + "\n" for s in sentences)
    write_tokens(grapheme_table(train, extra=devanagari_inventory()), out_dir / "tokens.txt")
    stats = {"pool": len(pool), "train": len(train), "valid": len(valid), "slurp_hi_sentences": len(forbidden)}
    with atomic_open(out_dir / "stats.json") as f:
        json.dump(stats, f, indent=1)
    return stats


def noise_recordings(out_dir: PathLike, seconds: float = 120.0, seed: int = 0) -> List[Recording]:
    """Long white and pink noise FLACs (from :mod:`asrboot.speech.noise`) to mix into training cuts."""
    from asrboot.speech.audio import SAMPLING_RATE, write_flac
    from asrboot.speech.noise import noise_signal

    recs = []
    for kind in ("white", "pink"):
        path = Path(out_dir) / f"noise_{kind}.flac"
        if not path.is_file():
            rng = np.random.default_rng([seed, len(kind)])
            write_flac(path, 0.1 * noise_signal(kind, int(seconds * SAMPLING_RATE), rng))
        recs.append(Recording.from_file(str(path), recording_id=f"noise_{kind}"))
    return recs


def augment(cuts: CutSet, noise: Sequence[Recording], seed: int = 0, noisy_fraction: float = 0.5,
            snr: Tuple[float, float] = (5.0, 30.0), speeds: Sequence[float] = (0.9, 1.0, 1.1)) -> CutSet:
    """Each cut at one random speed; ``noisy_fraction`` of them mixed with white, pink or babble
    noise (another training cut) at a random SNR in ``snr`` dB. Ids are kept; lazy (lhotse)."""
    cuts = list(cuts)
    rng = random.Random(seed)
    out: List[Cut] = []
    for cut in cuts:
        speed = rng.choice(list(speeds))
        c = cut if speed == 1.0 else cut.perturb_speed(speed)
        c = c.with_id(cut.id) if speed != 1.0 else c
        if rng.random() < noisy_fraction:
            kind = rng.randrange(len(noise) + 1)
            if kind < len(noise):
                rec = noise[kind]
                offset = rng.uniform(0, max(0.0, rec.duration - c.duration))
                other = rec.to_cut().truncate(offset=offset, duration=min(c.duration, rec.duration))
            else:
                other = rng.choice(cuts).truncate(duration=c.duration).drop_supervisions()  # keep c's text only
            c = c.mix(other, snr=rng.uniform(*snr), preserve_id="left")
        out.append(c)
    return CutSet.from_cuts(out)


def compute_features(cuts: CutSet, out_dir: PathLike, num_jobs: int = 2, num_mel_bins: int = 80) -> CutSet:
    """lhotse 80-dim fbank of ``cuts`` stored under ``out_dir`` (lilcom when installed) as ``cuts.jsonl.gz``."""
    try:
        import lilcom  # noqa: F401  (LilcomChunkyWriter needs it)
        from lhotse import LilcomChunkyWriter as writer
    except ImportError:  # pragma: no cover - lilcom missing
        from lhotse import NumpyFilesWriter as writer
        log.warning("lilcom is not installed: storing features as uncompressed numpy files")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)  # lhotse's worker processes share the cores; threaded workers can hang
    feats = cuts.compute_and_store_features(Fbank(FbankConfig(num_mel_bins=num_mel_bins)), out_dir / "feats",
                                            num_jobs=num_jobs, storage_type=writer)
    feats = feats.to_eager()
    feats.to_file(out_dir / "cuts.jsonl.gz")
    return feats
