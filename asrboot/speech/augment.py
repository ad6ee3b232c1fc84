"""Evaluation noise conditions and training speed perturbation, with lhotse augmentation.

A condition ``snr<N>`` mixes each cut with its noise (see :mod:`asrboot.speech.noise`) at
``N`` dB SNR with lhotse's ``Cut.mix(..., snr=N)`` (SNR = clean power over noise power, both
over the whole cut) and materializes the mix as 16 kHz FLAC: evaluation sets are then fixed
files that any decoder or a Kaldi ``wav.scp`` can read, and the stored SNR is the measured one.
A cut keeps the same noise signal in every condition, so conditions differ in level only.
"""

from __future__ import annotations

import dataclasses
import io
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import soundfile as sf
from lhotse import CutSet, MonoCut, Recording, combine
from lhotse.cut import Cut
from lhotse.utils import fastcopy

from asrboot.io import PathLike
from asrboot.speech.audio import SAMPLING_RATE, write_flac
from asrboot.speech.manifests import save_manifest
from asrboot.speech.noise import NoisePlan, noise_signal, plan_noise
from asrboot.speech.parallel import parallel_map
from asrboot.speech.rng import rng_for

CONDITIONS: Dict[str, Optional[float]] = {"clean": None, "snr20": 20.0, "snr10": 10.0, "snr5": 5.0}
# Mixes whose peak would exceed this are scaled down (speech and noise alike: the SNR is kept).
MAX_PEAK = 0.99


def parse_conditions(spec: str) -> Tuple[str, ...]:
    """Condition names of a comma-separated list such as ``"clean,snr10"``."""
    names = tuple(dict.fromkeys(c.strip() for c in spec.split(",") if c.strip()))
    unknown = [c for c in names if c not in CONDITIONS]
    if unknown or not names:
        raise ValueError(f"unknown conditions {unknown or spec!r}; known: {', '.join(CONDITIONS)}")
    return names


@dataclasses.dataclass(frozen=True)
class _MixJob:
    cut: Cut
    plan: NoisePlan
    sources: Tuple[Cut, ...]
    conditions: Tuple[str, ...]
    audio_dir: Path
    seed: int


def _memory_cut(audio: np.ndarray, recording_id: str) -> Cut:
    buf = io.BytesIO()
    sf.write(buf, audio, SAMPLING_RATE, format="WAV", subtype="FLOAT")
    return Recording.from_bytes(buf.getvalue(), recording_id).to_cut()


def _mix(job: _MixJob) -> List[MonoCut]:
    """The cut of each condition of ``job``: noise mixed in with lhotse, written as FLAC."""
    clean = job.cut
    num_samples = clean.load_audio().shape[1]
    sources = [s.load_audio()[0] for s in job.sources]
    noise = noise_signal(job.plan.kind, num_samples, rng_for(job.seed, "noise-signal", clean.id), sources)
    noise_cut = _memory_cut(noise, f"{clean.id}-noise")
    out = []
    for condition in job.conditions:
        snr = CONDITIONS[condition]
        mixed = clean.mix(noise_cut, snr=snr, preserve_id="left").load_audio()[0]
        gain = min(1.0, MAX_PEAK / float(np.abs(mixed).max()))
        path = job.audio_dir / condition / f"{clean.id}.flac"
        write_flac(path, gain * mixed)
        rec_id = f"{clean.id}-{condition}"
        recording = Recording.from_file(str(path), recording_id=rec_id)
        custom = {"condition": condition, "snr": snr, "noise": job.plan.kind, "clean_id": clean.id}
        if job.plan.sources:
            custom["babble_sources"] = list(job.plan.sources)
        if gain < 1.0:
            custom["mix_gain"] = gain
        out.append(MonoCut(
            id=rec_id, start=0.0, duration=recording.duration, channel=0, recording=recording,
            supervisions=[fastcopy(s, id=f"{s.id}-{condition}", recording_id=rec_id) for s in clean.supervisions],
            custom=custom,
        ))
    return out


def write_conditions(cuts: CutSet, conditions: Sequence[str], out_dir: PathLike, seed: int = 0,
                     jobs: int = 1) -> Dict[str, CutSet]:
    """Write ``<out_dir>/cuts_<condition>.jsonl.gz`` for each condition and return the cut sets.

    ``clean`` is ``cuts`` itself; a noisy condition's audio goes to
    ``<out_dir>/audio/<condition>/<clean id>.flac`` and its cut, recording and supervision ids
    get a ``-<condition>`` suffix.  The cut's ``custom`` records condition, SNR, noise type,
    clean cut id, babble sources and, if the mix was scaled down against clipping, ``mix_gain``.
    """
    out_dir = Path(out_dir).resolve()
    cuts = sorted(cuts, key=lambda c: c.id)
    by_id = {c.id: c for c in cuts}
    plans = plan_noise([c.id for c in cuts], [" ".join(s.text or "" for s in c.supervisions) for c in cuts], seed)
    noisy = tuple(c for c in conditions if CONDITIONS[c] is not None)
    work = [_MixJob(c, plans[c.id], tuple(by_id[i] for i in plans[c.id].sources), noisy, out_dir / "audio", seed)
            for c in cuts] if noisy else []
    mixed = parallel_map(_mix, work, jobs=jobs, desc="mix")
    result = {}
    for condition in conditions:
        if CONDITIONS[condition] is None:
            result[condition] = CutSet.from_cuts(cuts)
        else:
            result[condition] = CutSet.from_cuts(m[noisy.index(condition)] for m in mixed)
        save_manifest(result[condition], out_dir / f"cuts_{condition}.jsonl.gz")
    return result


def speed_perturb(cuts: CutSet, factors: Sequence[float] = (0.9, 1.0, 1.1)) -> CutSet:
    """``cuts`` at each speed factor, with lhotse's lazy ``perturb_speed`` (resampled on load).

    Perturbed cuts get ids ``<id>_sp<factor>``; factor 1.0 keeps the original cuts.
    """
    return combine(*(cuts if factor == 1.0 else cuts.perturb_speed(factor) for factor in factors))
