"""Synthetic Hindi speech with espeak-ng, as a lhotse corpus of 16 kHz mono FLAC.

Each utterance gets a voice, speed and pitch drawn from a generator seeded by the seed and the
utterance id, so the audio does not depend on job count or order.  espeak-ng speaks the
normalized text (what the supervision holds, so numbers are read as the transcript spells
them); its 22.05 kHz output is resampled to 16 kHz and scaled by :data:`HEADROOM`, which
leaves room to add noise without clipping.  The synthesis parameters are stored in the FLAC
comment tag: a rerun reuses a file whose tag matches and re-synthesizes any other.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import subprocess
from pathlib import Path
from typing import Sequence, Tuple

import numpy as np
import soundfile as sf
from lhotse import CutSet, Recording, SupervisionSegment

from asrboot.io import PathLike
from asrboot.speech.audio import AudioError, flac_comment, resample, write_flac
from asrboot.speech.manifests import write_corpus
from asrboot.speech.parallel import parallel_map
from asrboot.speech.rng import rng_for
from asrboot.speech.utterances import Utterance
from asrboot.speech.voices import voice_gender

HEADROOM = 0.5
log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class SynthConfig:
    """Voices to draw from, inclusive ranges of espeak-ng speed (words/minute) and pitch (0-99), seed."""

    voices: Tuple[str, ...]
    speed: Tuple[int, int] = (140, 190)
    pitch: Tuple[int, int] = (30, 70)
    seed: int = 0

    def __post_init__(self) -> None:
        if not self.voices:
            raise ValueError("no voices to synthesize with")
        for name, (low, high), (floor, ceiling) in (("speed", self.speed, (80, 450)), ("pitch", self.pitch, (0, 99))):
            if not floor <= low <= high <= ceiling:
                raise ValueError(f"{name} range {low}:{high} is not within {floor}:{ceiling}")


@dataclasses.dataclass(frozen=True)
class SynthJob:
    """One utterance with its drawn voice, speed and pitch, and its audio path."""

    utterance: Utterance
    voice: str
    speed: int
    pitch: int
    path: Path

    @property
    def tag(self) -> str:
        """What the FLAC comment records: a changed text or parameter means a new synthesis."""
        text_hash = hashlib.sha1(self.utterance.text.encode("utf-8")).hexdigest()[:16]
        return f"asrboot-synth voice={self.voice} speed={self.speed} pitch={self.pitch} text={text_hash}"


def plan(utterance: Utterance, config: SynthConfig, audio_dir: Path) -> SynthJob:
    """Draw the voice, speed and pitch of ``utterance`` from its own seeded generator."""
    rng = rng_for(config.seed, "synth", utterance.id)
    voice = config.voices[int(rng.integers(len(config.voices)))]
    speed = int(rng.integers(config.speed[0], config.speed[1] + 1))
    pitch = int(rng.integers(config.pitch[0], config.pitch[1] + 1))
    return SynthJob(utterance, voice, speed, pitch, audio_dir / f"{utterance.id}.flac")


def espeak(text: str, voice: str, speed: int, pitch: int) -> Tuple[np.ndarray, int]:
    """espeak-ng's rendering of ``text`` (read from stdin) as 1-D float audio and its sampling rate."""
    cmd = ["espeak-ng", "-b", "1", "-v", voice, "-s", str(speed), "-p", str(pitch), "--stdout"]
    proc = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, check=True)
    audio, rate = sf.read(io.BytesIO(proc.stdout), dtype="float32")
    return audio, rate


def run_job(job: SynthJob) -> bool:
    """Synthesize ``job`` unless its file already holds it; ``True`` when it synthesized."""
    if flac_comment(job.path) == job.tag:
        return False
    try:
        audio, rate = espeak(job.utterance.text, job.voice, job.speed, job.pitch)
    except (subprocess.CalledProcessError, RuntimeError) as e:
        raise AudioError(job.utterance.id, job.path, f"espeak-ng failed ({e})") from None
    if audio.size == 0:
        raise AudioError(job.utterance.id, job.path, "espeak-ng produced no audio")
    write_flac(job.path, HEADROOM * resample(audio, rate), comment=job.tag)
    return True


def synthesize(utterances: Sequence[Utterance], out_dir: PathLike, config: SynthConfig, jobs: int = 1) -> CutSet:
    """Synthesize ``utterances`` into ``<out_dir>/audio/clean/<id>.flac`` and write the corpus manifests.

    Recording and supervision ids are the utterance ids; the speaker is the voice; the
    supervision's ``custom`` holds the espeak-ng speed and pitch.
    """
    out_dir = Path(out_dir).resolve()
    work = [plan(u, config, out_dir / "audio" / "clean") for u in utterances]
    made = parallel_map(run_job, work, jobs=jobs, desc="synth")
    log.info("synthesized %d utterance(s), reused %d existing", sum(made), len(made) - sum(made))
    recordings, supervisions = [], []
    for job in work:
        recording = Recording.from_file(str(job.path), recording_id=job.utterance.id)
        recordings.append(recording)
        supervisions.append(SupervisionSegment(
            id=job.utterance.id, recording_id=recording.id, start=0.0, duration=recording.duration, channel=0,
            text=job.utterance.text, language="hi", speaker=job.voice, gender=voice_gender(job.voice),
            custom={"speed": job.speed, "pitch": job.pitch},
        ))
    return write_corpus(out_dir, recordings, supervisions)
