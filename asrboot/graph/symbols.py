"""Symbol tables (``symbol id`` per line, as OpenFst/icefall ``words.txt``) and disambiguation symbols."""

from __future__ import annotations

import re
from typing import Dict

from asrboot.io import InputError, PathLike, atomic_open, read_lines

EPS = "<eps>"
BOS, EOS = "<s>", "</s>"
DISAMBIG0 = "#0"
_DISAMBIG = re.compile(r"#\d+$")


def is_disambig(symbol: str) -> bool:
    return bool(_DISAMBIG.match(symbol))


def read_symbols(path: PathLike) -> Dict[str, int]:
    """Read a symbol table; malformed lines and duplicate symbols or ids are errors naming the line."""
    table: Dict[str, int] = {}
    seen: Dict[int, str] = {}
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        fields = line.split()
        if len(fields) != 2 or not fields[1].isdigit():
            raise InputError(path, lineno, f"expected 'symbol id', got {line!r}")
        sym, idx = fields[0], int(fields[1])
        if sym in table:
            raise InputError(path, lineno, f"duplicate symbol {sym!r} (also id {table[sym]})")
        if idx in seen:
            raise InputError(path, lineno, f"duplicate id {idx} (also symbol {seen[idx]!r})")
        table[sym] = idx
        seen[idx] = sym
    return table


def write_symbols(table: Dict[str, int], path: PathLike) -> None:
    with atomic_open(path) as f:
        for sym, idx in sorted(table.items(), key=lambda kv: kv[1]):
            f.write(f"{sym} {idx}\n")
