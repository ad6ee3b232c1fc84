"""Reading and writing transcripts: Kaldi ``text`` and SCTK ``trn``.

* ``kaldi``: ``uttid word word ...`` per line; ``uttid`` alone is an empty transcript.
* ``trn``: ``word word ... (uttid)`` per line; ``(uttid)`` alone is an empty transcript.
  The files written are usable by sclite (``sclite -r ref.trn trn -h hyp.trn trn -i rm``).

Blank lines are skipped.  The format is given explicitly or taken from the suffix:
``.trn`` means ``trn``, anything else ``kaldi``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Mapping, Optional, Tuple

from asrboot.io import InputError, PathLike, atomic_open, read_lines

FORMATS = ("kaldi", "trn")


def sniff_format(path: PathLike, fmt: Optional[str] = None) -> str:
    """``fmt`` if given (checked), else ``trn`` for a ``.trn`` file and ``kaldi`` otherwise."""
    if fmt is None:
        return "trn" if Path(path).suffix == ".trn" else "kaldi"
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    return fmt


def _parse_kaldi(line: str) -> Tuple[str, str]:
    uttid, *text = line.split(maxsplit=1)
    return uttid, text[0].strip() if text else ""


def _parse_trn(line: str) -> Tuple[str, str]:
    line = line.strip()
    start = line.rfind("(")
    uttid = line[start + 1 : -1].strip() if start >= 0 and line.endswith(")") else ""
    if not uttid:
        raise ValueError(f"a trn line must end with '(uttid)': {line!r}")
    return uttid, line[:start].strip()


def read_transcripts(path: PathLike, fmt: Optional[str] = None) -> Dict[str, str]:
    """Read ``{uttid: text}`` (file order) from a Kaldi ``text`` or SCTK ``trn`` file.

    Raises :class:`InputError` with file and line for a malformed line or a duplicate id.
    """
    parse = _parse_trn if sniff_format(path, fmt) == "trn" else _parse_kaldi
    texts: Dict[str, str] = {}
    first_line: Dict[str, int] = {}
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        try:
            uttid, text = parse(line)
        except ValueError as e:
            raise InputError(path, lineno, str(e)) from None
        if uttid in texts:
            raise InputError(path, lineno, f"duplicate utterance id {uttid!r} (first on line {first_line[uttid]})")
        texts[uttid], first_line[uttid] = text, lineno
    return texts


def format_line(uttid: str, text: str, fmt: str) -> str:
    """One transcript line (without newline) in format ``fmt``."""
    if fmt == "trn":
        return f"{text} ({uttid})" if text else f"({uttid})"
    return f"{uttid} {text}" if text else uttid


def write_transcripts(path: PathLike, texts: Mapping[str, str], fmt: Optional[str] = None) -> None:
    """Write ``{uttid: text}`` (in mapping order) atomically, format as in :func:`read_transcripts`."""
    fmt = sniff_format(path, fmt)
    with atomic_open(path, "w") as f:
        for uttid, text in texts.items():
            f.write(format_line(uttid, text, fmt) + "\n")
