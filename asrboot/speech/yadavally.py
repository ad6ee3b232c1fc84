"""Import of the real Hindi broadcast speech set ``hindi_speech_corpus_yadavally`` (160 utterances).

The set (see its ``SOURCE.md``) has ``transcripts.tsv`` (``utt_id, speaker_gender, duration_s,
text``) and ``flac16k/<utt_id>.flac``.  The first three characters of an utterance id name
the programme (``00A``, ``00C``: one male speaker each; ``00D``: a female and a male
newsreader), so the speaker is ``<programme>-<gender>``.  The audio stays where it is.
"""

from __future__ import annotations

from pathlib import Path

from lhotse import CutSet, SupervisionSegment

from asrboot.io import InputError, PathLike
from asrboot.speech.audio import ensure_recording
from asrboot.speech.manifests import write_corpus
from asrboot.speech.utterances import read_tsv
from asrboot.text import Normalizer

# transcripts.tsv gives durations to 0.01 s.
DURATION_TOLERANCE = 0.02


def import_yadavally(corpus_dir: PathLike, out_dir: PathLike) -> CutSet:
    """Check every utterance's audio and transcript, write the corpus manifests, return the cuts.

    Supervision texts are normalized with ``Normalizer.for_lm("hi")``.  A missing or bad
    audio file, a duration that disagrees with ``transcripts.tsv``, an empty transcript or an
    unknown gender is an error naming the utterance.
    """
    corpus_dir, out_dir = Path(corpus_dir), Path(out_dir).resolve()
    tsv = corpus_dir / "transcripts.tsv"
    normalize = Normalizer.for_lm("hi")
    recordings, supervisions = [], []
    for lineno, row in read_tsv(tsv, ("utt_id", "speaker_gender", "duration_s", "text")):
        utt, gender = row["utt_id"], row["speaker_gender"].lower()
        recording = ensure_recording(str(corpus_dir / "flac16k" / f"{utt}.flac"), utt, out_dir / "audio" / "fixed")
        try:
            listed = float(row["duration_s"])
        except ValueError:
            raise InputError(tsv, lineno, f"duration {row['duration_s']!r} is not a number") from None
        if abs(recording.duration - listed) > DURATION_TOLERANCE:
            raise InputError(tsv, lineno, f"{utt}: audio lasts {recording.duration:.3f} s, not {listed} s")
        text = normalize(row["text"])
        if not text:
            raise InputError(tsv, lineno, f"{utt}: empty transcript")
        if gender not in ("m", "f"):
            raise InputError(tsv, lineno, f"{utt}: speaker gender {row['speaker_gender']!r} is not M or F")
        recordings.append(recording)
        supervisions.append(SupervisionSegment(
            id=utt, recording_id=utt, start=0.0, duration=recording.duration, channel=0, text=text,
            language="hi", speaker=f"{utt[:3]}-{gender}", gender=gender,
        ))
    return write_corpus(out_dir, recordings, supervisions)
