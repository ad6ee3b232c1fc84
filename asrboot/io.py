"""Small file helpers shared by every module: atomic writes and strict UTF-8 line, TSV and JSON-lines reading."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Iterator, Tuple, Union

PathLike = Union[str, "os.PathLike[str]"]
log = logging.getLogger(__name__)


class InputError(ValueError):
    """Bad input, located at a file and (optionally) a line number."""

    def __init__(self, path: PathLike, line: int | None, message: str):
        self.path, self.line = str(path), line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


@contextlib.contextmanager
def atomic_path(path: PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it onto ``path`` only if the block succeeds.

    The temporary name keeps the suffixes of ``path`` (``.jsonl.gz``), so writers that pick a
    format by suffix write the right one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.tmp", suffix="".join(path.suffixes), dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@contextlib.contextmanager
def atomic_open(path: PathLike, mode: str = "w", encoding: str | None = "utf-8"):
    """Open a temporary file for writing that replaces ``path`` when closed without error."""
    with atomic_path(path) as tmp:
        kwargs = {} if "b" in mode else {"encoding": encoding}
        with open(tmp, mode, **kwargs) as f:
            yield f


def read_lines(path: PathLike, errors: str = "strict") -> Iterator[Tuple[int, str]]:
    """Yield ``(line_number, line)`` of a UTF-8 text file, without the trailing newline.

    ``errors="strict"`` raises :class:`InputError` naming the file and line of the first
    line that is not valid UTF-8; ``errors="skip"`` drops such lines and logs how many.
    """
    if errors not in ("strict", "skip"):
        raise ValueError(f"errors must be 'strict' or 'skip', not {errors!r}")
    skipped = 0
    with open(path, "rb") as f:
        for lineno, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                if errors == "strict":
                    raise InputError(path, lineno, f"not valid UTF-8 ({e.reason} at byte {e.start})") from None
                skipped += 1
                continue
            yield lineno, line.rstrip("\r\n")
    if skipped:
        log.warning("%s: skipped %d line(s) that are not valid UTF-8", path, skipped)


def read_tsv(path: PathLike, errors: str = "strict") -> Iterator[Tuple[int, dict]]:
    """Yield ``(line_number, row)`` of a tab-separated file with a header line; rows are dicts.

    A row whose number of fields differs from the header's raises :class:`InputError`.
    """
    lines = read_lines(path, errors=errors)
    try:
        _, header_line = next(lines)
    except StopIteration:
        raise InputError(path, None, "empty file, expected a header line") from None
    header = header_line.split("\t")
    for lineno, line in lines:
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != len(header):
            raise InputError(path, lineno, f"{len(fields)} tab-separated fields, the header has {len(header)}")
        yield lineno, dict(zip(header, fields))


def read_jsonl(path: PathLike) -> Iterator[Tuple[int, dict]]:
    """Yield ``(line_number, object)`` of a JSON-lines file, blank lines skipped.

    A line that is not valid JSON, or not a JSON object, raises :class:`InputError` naming the file and line.
    """
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as e:
            raise InputError(path, lineno, f"not valid JSON: {e.msg}") from None
        if not isinstance(obj, dict):
            raise InputError(path, lineno, "expected a JSON object")
        yield lineno, obj
