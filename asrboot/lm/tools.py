"""Locate the KenLM command-line binaries (``lmplz``, ``build_binary``).

``make setup`` builds them into ``tools/kenlm/bin`` of the checkout; asrboot looks there first,
then in ``$ASRBOOT_KENLM_BIN``, then on ``PATH``, so users never edit ``PATH`` themselves.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PROJECT_TOOLS = Path(__file__).resolve().parents[2] / "tools" / "kenlm" / "bin"


def kenlm_binary(name: str) -> str:
    """Return the path of the KenLM binary ``name`` or raise FileNotFoundError saying how to get it."""
    candidates = [PROJECT_TOOLS / name]
    if os.environ.get("ASRBOOT_KENLM_BIN"):
        candidates.insert(0, Path(os.environ["ASRBOOT_KENLM_BIN"]) / name)
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            return str(c)
    found = shutil.which(name)
    if found:
        return found
    raise FileNotFoundError(
        f"KenLM binary {name!r} not found in {', '.join(map(str, candidates))} or on PATH; "
        "run `make setup` (it builds lmplz and build_binary into tools/kenlm/bin)"
    )
