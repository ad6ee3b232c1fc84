"""Input stamps: skip rebuilding an output whose inputs (files and options) are unchanged.

An output ``X`` (a file or a directory) gets a sidecar ``X.json`` with a hash of the inputs'
contents and the options it was built with; ``X`` is fresh when both exist and the hash matches.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, Dict, Iterable, Optional

from asrboot.io import PathLike, atomic_open

_CHUNK = 1 << 20


def file_digest(path: PathLike) -> str:
    h = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def inputs_hash(files: Iterable[PathLike], options: Dict[str, Any]) -> str:
    """Hash of the contents of ``files`` (names do not matter) and of the JSON-able ``options``."""
    h = hashlib.blake2b(digest_size=16)
    for path in files:
        h.update(file_digest(path).encode())
    h.update(json.dumps(options, sort_keys=True).encode())
    return h.hexdigest()


def stamp_path(out: PathLike) -> Path:
    return Path(f"{out}.json")


def read_stamp(out: PathLike) -> Optional[Dict[str, Any]]:
    """The stamp of ``out``, or None when ``out`` or its stamp is missing or unreadable."""
    out, stamp = Path(out), stamp_path(out)
    if not (out.exists() and stamp.is_file()):
        return None
    try:
        return json.loads(stamp.read_text())
    except ValueError:
        return None


def is_fresh(out: PathLike, key: str) -> bool:
    stamp = read_stamp(out)
    return stamp is not None and stamp.get("hash") == key


def clear_stamp(out: PathLike) -> None:
    """Forget the stamp before rebuilding ``out``, so an interrupted rebuild is never taken as fresh."""
    stamp_path(out).unlink(missing_ok=True)


def write_stamp(out: PathLike, key: str, info: Dict[str, Any]) -> None:
    """Write the stamp after ``out`` itself is complete (so a crash leaves the output stale)."""
    with atomic_open(stamp_path(out)) as f:
        json.dump({"hash": key, **info}, f, indent=2, ensure_ascii=False)
