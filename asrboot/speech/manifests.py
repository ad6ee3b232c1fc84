"""Validated lhotse manifests of a corpus directory, written atomically.

Every corpus directory (synthesized or imported) holds ``recordings.jsonl.gz``,
``supervisions.jsonl.gz`` and ``cuts.jsonl.gz``: one cut per supervision, with the
supervision's id.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Iterable, Union

from lhotse import CutSet, RecordingSet, SupervisionSet, validate, validate_recordings_and_supervisions
from lhotse.cut import Cut

from asrboot.io import PathLike, atomic_path

Manifest = Union[RecordingSet, SupervisionSet, CutSet]


def save_manifest(manifest: Manifest, path: PathLike) -> None:
    """Validate ``manifest`` with lhotse and write it atomically (format from the suffix)."""
    validate(manifest)
    with atomic_path(path) as tmp:
        manifest.to_file(tmp)


def cuts_from_manifests(recordings: RecordingSet, supervisions: SupervisionSet) -> CutSet:
    """One cut per supervision (cut id = supervision id), after lhotse validates the pair."""
    validate_recordings_and_supervisions(recordings, supervisions)
    recorded = set(recordings.ids)
    orphans = [s.id for s in supervisions if s.recording_id not in recorded]
    if orphans:
        raise ValueError(f"{len(orphans)} supervision(s) without a recording, e.g. {orphans[0]!r}")
    cuts = CutSet.from_manifests(recordings=recordings, supervisions=supervisions)
    return cuts.trim_to_supervisions(keep_overlapping=False).to_eager()


def write_corpus(out_dir: PathLike, recordings: Iterable, supervisions: Iterable) -> CutSet:
    """Write the validated recordings, supervisions and cuts (sorted by id) under ``out_dir``."""
    out_dir = Path(out_dir)
    recordings, supervisions = sorted(recordings, key=lambda r: r.id), sorted(supervisions, key=lambda s: s.id)
    for kind, items in (("recording", recordings), ("supervision", supervisions)):
        repeated = [a.id for a, b in zip(items, items[1:]) if a.id == b.id]
        if repeated:
            raise ValueError(f"{len(repeated)} repeated {kind} id(s), e.g. {repeated[0]!r}")
    recordings = RecordingSet.from_recordings(recordings)
    supervisions = SupervisionSet.from_segments(supervisions)
    cuts = cuts_from_manifests(recordings, supervisions)
    save_manifest(recordings, out_dir / "recordings.jsonl.gz")
    save_manifest(supervisions, out_dir / "supervisions.jsonl.gz")
    save_manifest(cuts, out_dir / "cuts.jsonl.gz")
    return cuts


def describe(cuts: Iterable[Cut]) -> Dict[str, Union[int, float]]:
    """Counts for a summary line: cuts, speakers, total hours."""
    cuts = list(cuts)
    return {
        "cuts": len(cuts),
        "speakers": len({s.speaker for c in cuts for s in c.supervisions}),
        "hours": round(sum(c.duration for c in cuts) / 3600, 4),
    }
