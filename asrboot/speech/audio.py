"""Audio checks and conversion for every corpus: recordings are 16 kHz mono, stored as 16-bit FLAC.

:func:`ensure_recording` is the single entry point for imported audio (a file path or a Kaldi
``wav.scp`` pipe ``"cmd |"``): it decodes the audio completely, raises :class:`AudioError`
naming the recording when it cannot be used (missing, empty, unreadable, no samples,
non-finite samples) and converts what can be fixed (several channels are down-mixed to mono,
other sampling rates resampled to 16 kHz) into a FLAC file, logging what it did.
"""

from __future__ import annotations

import functools
import io
import logging
import subprocess
from pathlib import Path
from typing import Optional, Tuple

import numpy as np
import soundfile as sf
import torch
import torchaudio
from lhotse import AudioSource, Recording

from asrboot.io import InputError, PathLike, atomic_path

SAMPLING_RATE = 16000
log = logging.getLogger(__name__)


class AudioError(InputError):
    """Audio of a recording that cannot be read or fixed; names the recording id and its source."""

    def __init__(self, recording_id: str, source: PathLike, message: str):
        self.recording_id, self.reason = recording_id, message
        super().__init__(source, None, f"recording {recording_id!r}: {message}")

    def __reduce__(self):  # picklable, so the error survives the trip back from a worker process
        return AudioError, (self.recording_id, self.path, self.reason)


@functools.lru_cache(maxsize=8)
def _resampler(sampling_rate: int, target_rate: int) -> torchaudio.transforms.Resample:
    return torchaudio.transforms.Resample(sampling_rate, target_rate)  # holds the sinc kernel


def resample(audio: np.ndarray, sampling_rate: int, target_rate: int = SAMPLING_RATE) -> np.ndarray:
    """Resample 1-D float audio with torchaudio's windowed-sinc resampler (deterministic on CPU)."""
    audio = np.ascontiguousarray(audio, dtype=np.float32)
    if sampling_rate == target_rate:
        return audio
    with torch.no_grad():
        return _resampler(sampling_rate, target_rate)(torch.from_numpy(audio)).numpy()


def write_flac(path: PathLike, audio: np.ndarray, comment: Optional[str] = None) -> None:
    """Write 1-D float audio as 16 kHz 16-bit mono FLAC, atomically; ``comment`` becomes a FLAC tag.

    Samples beyond full scale are clipped, with a warning.
    """
    clipped = int(np.count_nonzero(np.abs(audio) > 1.0))
    if clipped:
        log.warning("%s: clipped %d sample(s) beyond full scale", path, clipped)
    with atomic_path(path) as tmp:
        with sf.SoundFile(tmp, "w", SAMPLING_RATE, 1, format="FLAC", subtype="PCM_16") as f:
            if comment:
                f.comment = comment
            f.write(np.clip(audio, -1.0, 1.0))


def flac_comment(path: PathLike) -> Optional[str]:
    """The comment tag of a readable, non-empty 16 kHz mono audio file; ``None`` for any other file."""
    try:
        with sf.SoundFile(str(path)) as f:
            if f.samplerate == SAMPLING_RATE and f.channels == 1 and f.frames > 0:
                return f.comment
    except (RuntimeError, OSError):  # soundfile's LibsndfileError is a RuntimeError
        pass
    return None


def _is_pipe(entry: str) -> bool:
    return entry.rstrip().endswith("|")


def decode(entry: str, recording_id: str) -> Tuple[np.ndarray, int]:
    """Decode a file path or a pipe command ``"cmd |"`` into ``(samples x channels float32, rate)``.

    Raises :class:`AudioError` naming the recording when the audio is missing, empty,
    unreadable, has no samples or has non-finite samples.
    """
    if _is_pipe(entry):
        proc = subprocess.run(entry.rstrip()[:-1], shell=True, capture_output=True)
        if proc.returncode:
            stderr = proc.stderr.decode("utf-8", "replace").strip()[-300:]
            raise AudioError(recording_id, entry, f"command failed with exit status {proc.returncode}: {stderr}")
        if not proc.stdout:
            raise AudioError(recording_id, entry, "command wrote no audio (0 bytes)")
        source = io.BytesIO(proc.stdout)
    else:
        path = Path(entry)
        if not path.is_file():
            raise AudioError(recording_id, entry, "audio file not found")
        if path.stat().st_size == 0:
            raise AudioError(recording_id, entry, "empty audio file (0 bytes)")
        source = path
    try:
        audio, rate = sf.read(source, dtype="float32", always_2d=True)
    except (RuntimeError, OSError) as e:
        raise AudioError(recording_id, entry, f"unreadable audio ({e})") from None
    if audio.shape[0] == 0:
        raise AudioError(recording_id, entry, "zero-length audio (no samples)")
    if not np.isfinite(audio).all():
        raise AudioError(recording_id, entry, "audio has non-finite (NaN/inf) samples")
    return audio, rate


def ensure_recording(entry: str, recording_id: str, fixed_dir: Optional[PathLike] = None) -> Recording:
    """A lhotse :class:`Recording` of 16 kHz mono audio for a file path or pipe command ``entry``.

    Good audio is referenced where it is.  Audio with several channels or another sampling
    rate is down-mixed / resampled into ``<fixed_dir>/<recording_id>.flac`` (logged); without
    ``fixed_dir`` that is an :class:`AudioError`, as is audio that cannot be decoded.
    """
    audio, rate = decode(entry, recording_id)
    channels = audio.shape[1]
    if rate == SAMPLING_RATE and channels == 1:
        if _is_pipe(entry):
            return Recording(
                id=recording_id,
                sources=[AudioSource(type="command", channels=[0], source=entry.rstrip()[:-1].strip())],
                sampling_rate=rate,
                num_samples=audio.shape[0],
                duration=audio.shape[0] / rate,
            )
        return Recording.from_file(str(Path(entry).resolve()), recording_id=recording_id)
    if fixed_dir is None:
        raise AudioError(recording_id, entry, f"{channels} channel(s) at {rate} Hz needs conversion to "
                         f"{SAMPLING_RATE} Hz mono, but no directory for converted audio was given")
    notes = ([f"down-mixed {channels} channels to mono"] if channels > 1 else []) + (
        [f"resampled {rate} Hz to {SAMPLING_RATE} Hz"] if rate != SAMPLING_RATE else [])
    fixed = Path(fixed_dir).resolve() / f"{recording_id}.flac"
    write_flac(fixed, resample(audio.mean(axis=1), rate))
    log.warning("recording %r (%s): %s, into %s", recording_id, entry, ", ".join(notes), fixed)
    return Recording.from_file(str(fixed), recording_id=recording_id)
