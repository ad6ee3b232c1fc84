"""Kaldi data directories: a validator in the spirit of ``utils/validate_data_dir.sh --no-feats``,
export of lhotse cuts and import into a lhotse corpus.

A data dir has ``wav.scp``, ``text``, ``utt2spk`` and ``spk2utt``, optionally ``segments``,
``reco2dur`` and ``spk2gender``.  Every file is sorted by its first field in C (byte) order
with unique keys; ``utt2spk`` must also be sorted by speaker (speaker ids should be prefixes
of utterance ids), and ``spk2utt`` must be its exact inverse.  Without ``segments`` the
``wav.scp`` ids are the utterance ids.  Errors name the file and line.
"""

from __future__ import annotations

import collections
import dataclasses
import re
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from lhotse import CutSet, MonoCut, Recording, SupervisionSegment
from lhotse.utils import add_durations

from asrboot.io import InputError, PathLike, atomic_open, read_lines
from asrboot.speech.audio import AudioError, ensure_recording
from asrboot.speech.manifests import write_corpus
from asrboot.text import Normalizer

REQUIRED_FILES = ("wav.scp", "text", "utt2spk", "spk2utt")
_WHITESPACE = re.compile(r"\s")


@dataclasses.dataclass(frozen=True)
class Table:
    """A Kaldi key-value file: values by key (in file order) and the line of each key."""

    path: Path
    values: Dict[str, str]
    lines: Dict[str, int]

    def error(self, key: str, message: str) -> InputError:
        """An :class:`InputError` at the line of ``key``."""
        return InputError(self.path, self.lines.get(key), message)


@dataclasses.dataclass(frozen=True)
class KaldiDir:
    """A validated Kaldi data directory.

    ``spans`` maps each utterance to ``(recording, start, end)``, ``end`` -1 meaning the end
    of the recording (Kaldi's convention in ``segments``, and what no ``segments`` means).
    """

    path: Path
    wav: Table
    text: Table
    utt2spk: Table
    spk2utt: Table
    spans: Dict[str, Tuple[str, float, float]]
    segments: Optional[Table] = None
    spk2gender: Optional[Table] = None


def read_table(path: PathLike, allow_empty_value: bool = False) -> Table:
    """Read a Kaldi ``key value`` file, checking sorted unique keys (:class:`InputError` otherwise)."""
    values: Dict[str, str] = {}
    lines: Dict[str, int] = {}
    previous = None
    for lineno, line in read_lines(path):
        fields = line.split(None, 1)
        if not fields:
            raise InputError(path, lineno, "empty line")
        key, value = fields[0], fields[1].strip() if len(fields) == 2 else ""
        if not value and not allow_empty_value:
            raise InputError(path, lineno, f"{key!r} has no value")
        if key in lines:
            raise InputError(path, lineno, f"duplicate key {key!r} (first on line {lines[key]})")
        if previous is not None and key < previous:
            raise InputError(path, lineno, f"not sorted: {key!r} after {previous!r} (sort with LC_ALL=C)")
        values[key], lines[key], previous = value, lineno, key
    return Table(Path(path), values, lines)


def _same_keys(a: Table, b: Table) -> None:
    for x, y in ((a, b), (b, a)):
        for key in x.values:
            if key not in y.values:
                raise x.error(key, f"{key!r} is not in {y.path.name}")


def _parse_segment(segments: Table, utt: str, wav: Table) -> Tuple[str, float, float]:
    fields = segments.values[utt].split()
    try:
        if len(fields) != 3:
            raise ValueError
        rec, start, end = fields[0], float(fields[1]), float(fields[2])
    except ValueError:
        raise segments.error(utt, "expected '<utt> <recording> <start> <end>'") from None
    if rec not in wav.values:
        raise segments.error(utt, f"recording {rec!r} has no wav.scp entry")
    if start < 0 or not (end > start or end == -1):
        raise segments.error(utt, f"bad times: start {start}, end {end}")
    return rec, start, end


def _check_speakers(utt2spk: Table, spk2utt: Table) -> None:
    expected: Dict[str, List[str]] = collections.defaultdict(list)
    previous = None
    for utt, spk in utt2spk.values.items():
        if _WHITESPACE.search(spk):
            raise utt2spk.error(utt, f"speaker id {spk!r} contains whitespace")
        if previous is not None and spk < previous:
            raise utt2spk.error(utt, f"speaker {spk!r} after {previous!r}: utt2spk must also be sorted by "
                                     "speaker (make speaker ids prefixes of utterance ids)")
        previous = spk
        expected[spk].append(utt)
    for spk, utts in spk2utt.values.items():
        if spk not in expected:
            raise spk2utt.error(spk, f"speaker {spk!r} is not in utt2spk")
        if utts.split() != expected[spk]:
            raise spk2utt.error(spk, f"utterances of {spk!r} differ from utt2spk's: {' '.join(expected[spk])}")
    for spk, utts in expected.items():
        if spk not in spk2utt.values:
            raise utt2spk.error(utts[0], f"speaker {spk!r} is not in spk2utt")


def validate_kaldi_dir(path: PathLike) -> KaldiDir:
    """Check a Kaldi data dir (see the module docstring); :class:`InputError` names file and line."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(path, None, "not a directory")
    for name in REQUIRED_FILES:
        if not (path / name).is_file():
            raise InputError(path / name, None, f"missing; a Kaldi data dir needs {', '.join(REQUIRED_FILES)}")
    optional = {name: read_table(path / name) for name in ("segments", "reco2dur", "spk2gender")
                if (path / name).is_file()}
    wav, utt2spk, spk2utt = (read_table(path / name) for name in ("wav.scp", "utt2spk", "spk2utt"))
    text = read_table(path / "text", allow_empty_value=True)
    _same_keys(text, utt2spk)
    _check_speakers(utt2spk, spk2utt)
    segments = optional.get("segments")
    if segments:
        _same_keys(segments, utt2spk)
        spans = {utt: _parse_segment(segments, utt, wav) for utt in segments.values}
    else:
        for utt in text.values:
            if utt not in wav.values:
                raise text.error(utt, f"utterance {utt!r} has no wav.scp entry")
        _same_keys(wav, text)
        spans = {utt: (utt, 0.0, -1.0) for utt in text.values}
    if "reco2dur" in optional:
        reco2dur = optional["reco2dur"]
        _same_keys(reco2dur, wav)
        for rec, value in reco2dur.values.items():
            if not _is_positive_number(value):
                raise reco2dur.error(rec, f"duration {value!r} is not a positive number")
    spk2gender = optional.get("spk2gender")
    if spk2gender:
        for spk in spk2utt.values:
            if spk2gender.values.get(spk) not in ("m", "f"):
                raise spk2utt.error(spk, f"speaker {spk!r} has no gender m/f in spk2gender")
    return KaldiDir(path, wav, text, utt2spk, spk2utt, spans, segments, spk2gender)


def _is_positive_number(value: str) -> bool:
    try:
        return float(value) > 0
    except ValueError:
        return False


@dataclasses.dataclass(frozen=True)
class _Utt:
    id: str
    recording_id: str
    start: float
    end: float
    text: str
    speaker: str
    gender: str


def _wav_entry(recording: Recording) -> str:
    """The wav.scp value of a recording: a WAV path, or a sox pipe that decodes anything else."""
    if len(recording.sources) != 1 or recording.num_channels != 1 or recording.transforms:
        raise ValueError(f"recording {recording.id!r}: only mono, single-source recordings without "
                         "transforms (e.g. speed perturbation) export to Kaldi")
    source = recording.sources[0]
    if source.type == "command":
        return f"{source.source} |"
    if source.type != "file":
        raise ValueError(f"recording {recording.id!r}: a {source.type!r} audio source cannot go into wav.scp")
    path = str(Path(source.source).resolve())
    if _WHITESPACE.search(path):
        raise ValueError(f"recording {recording.id!r}: path {path!r} contains whitespace")
    return path if path.lower().endswith(".wav") else f"sox {path} -t wav -b 16 - |"


def _write_table(path: Path, values: Dict[str, object]) -> None:
    with atomic_open(path) as f:
        for key in sorted(values):
            value = str(values[key])
            f.write(f"{key} {value}\n" if value else f"{key}\n")


def _kaldi_utterances(cuts: Iterable, speaker_prefix: bool) -> Tuple[List[_Utt], Dict[str, Recording]]:
    utts, recordings, seen = [], {}, set()
    for cut in cuts:
        if not isinstance(cut, MonoCut):
            raise ValueError(f"cut {cut.id!r} is a {type(cut).__name__}: only MonoCuts export to Kaldi "
                             "(materialize mixed audio first)")
        recordings[cut.recording_id] = cut.recording
        for sup in cut.supervisions:
            if not sup.speaker:
                raise ValueError(f"supervision {sup.id!r} has no speaker")
            utt = f"{sup.speaker}-{sup.id}" if speaker_prefix and not sup.id.startswith(f"{sup.speaker}-") else sup.id
            if _WHITESPACE.search(utt + cut.recording_id) or utt in seen:
                raise ValueError(f"utterance id {utt!r} (recording {cut.recording_id!r}) has whitespace or repeats")
            seen.add(utt)
            start = cut.start + sup.start
            utts.append(_Utt(utt, cut.recording_id, start, start + sup.duration, sup.text or "", sup.speaker,
                             (sup.gender or "").lower()[:1]))
    return utts, recordings


def export_kaldi(cuts: CutSet, out_dir: PathLike, speaker_prefix: bool = True) -> KaldiDir:
    """Write ``cuts`` (MonoCuts) as a Kaldi data dir and return it validated.

    Utterance ids are the supervision ids, prefixed with ``<speaker>-`` when
    ``speaker_prefix`` (as Kaldi's sorting needs) unless they already start with it.  When
    every recording holds exactly one utterance spanning all of it, ``wav.scp`` is keyed by
    utterance and there is no ``segments`` file.  Non-WAV audio is decoded by a ``sox`` pipe.
    ``spk2gender`` is written when every speaker has one gender ``m`` or ``f``.
    """
    out_dir = Path(out_dir)
    utts, recordings = _kaldi_utterances(cuts, speaker_prefix)
    per_recording = collections.Counter(u.recording_id for u in utts)
    whole = all(
        per_recording[u.recording_id] == 1 and u.start == 0
        and abs(u.end - recordings[u.recording_id].duration) < 1 / recordings[u.recording_id].sampling_rate
        for u in utts
    )
    wav_id = {u.recording_id: u.id if whole else u.recording_id for u in utts}
    recordings = {wav_id[r]: recordings[r] for r in wav_id}
    genders = collections.defaultdict(set)
    for u in utts:
        genders[u.speaker].add(u.gender)
    spk2utt = collections.defaultdict(list)
    for u in sorted(utts, key=lambda u: u.id):
        spk2utt[u.speaker].append(u.id)
    tables: Dict[str, Dict[str, object]] = {
        "wav.scp": {key: _wav_entry(rec) for key, rec in recordings.items()},
        "reco2dur": {key: rec.duration for key, rec in recordings.items()},
        "text": {u.id: u.text for u in utts},
        "utt2spk": {u.id: u.speaker for u in utts},
        "spk2utt": {spk: " ".join(ids) for spk, ids in spk2utt.items()},
    }
    if not whole:
        tables["segments"] = {u.id: f"{u.recording_id} {u.start:.4f} {u.end:.4f}" for u in utts}
    if all(len(g) == 1 and g <= {"m", "f"} for g in genders.values()):
        tables["spk2gender"] = {spk: next(iter(g)) for spk, g in genders.items()}
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("segments", "spk2gender"):
        if name not in tables and (out_dir / name).exists():
            (out_dir / name).unlink()
    for name, values in tables.items():
        _write_table(out_dir / name, values)
    return validate_kaldi_dir(out_dir)


def import_kaldi(kaldi_dir: PathLike, out_dir: PathLike) -> CutSet:
    """Validate a Kaldi data dir and write it as a lhotse corpus under ``out_dir``; return its cuts.

    Every ``wav.scp`` entry (file or pipe) is decoded and checked; audio that needs conversion
    goes to ``<out_dir>/audio/fixed/`` (see :func:`asrboot.speech.audio.ensure_recording`).
    Supervision texts are normalized with ``Normalizer.for_lm("hi")``.
    """
    data = validate_kaldi_dir(kaldi_dir)
    out_dir = Path(out_dir).resolve()
    recordings = {}
    for rec_id, entry in data.wav.values.items():
        try:
            recordings[rec_id] = ensure_recording(entry, rec_id, out_dir / "audio" / "fixed")
        except AudioError as e:
            raise data.wav.error(rec_id, f"recording {rec_id!r}: {e.reason}") from None
    normalize = Normalizer.for_lm("hi")
    genders = data.spk2gender.values if data.spk2gender else {}
    supervisions = []
    for utt, spk in data.utt2spk.values.items():
        rec, start, end = data.spans[utt]
        duration = recordings[rec].duration
        end = duration if end == -1 else end
        if end > duration + 0.01:
            raise data.segments.error(utt, f"ends at {end} s, after the end of recording {rec!r} ({duration:.3f} s)")
        end = min(end, duration)  # segments times are rounded
        supervisions.append(SupervisionSegment(
            id=utt, recording_id=rec, start=start, channel=0,
            duration=add_durations(end, -start, sampling_rate=recordings[rec].sampling_rate),
            text=normalize(data.text.values[utt]), language="hi", speaker=spk, gender=genders.get(spk),
        ))
    return write_corpus(out_dir, recordings.values(), supervisions)
