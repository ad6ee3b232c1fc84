"""Special symbols of lang dirs (icefall layout) and disambiguation symbols; tables: :mod:`asrboot.tokens`."""

from __future__ import annotations

import re

EPS = "<eps>"
BOS, EOS = "<s>", "</s>"
DISAMBIG0 = "#0"
_DISAMBIG = re.compile(r"#\d+$")


def is_disambig(symbol: str) -> bool:
    return bool(_DISAMBIG.match(symbol))
