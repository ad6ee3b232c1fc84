"""Utterance lists to synthesize: plain text (one utterance a line) or a TSV with a header."""

from __future__ import annotations

import dataclasses
import logging
import re
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from asrboot.io import InputError, PathLike, read_lines
from asrboot.text import Normalizer

log = logging.getLogger(__name__)
# Ids become Kaldi keys and file names: no whitespace, no path separator.
_VALID_ID = re.compile(r"[^\s/]+")


@dataclasses.dataclass(frozen=True)
class Utterance:
    """An utterance id and its normalized text (what an LM trained on this text sees)."""

    id: str
    text: str


def read_tsv(path: PathLike, columns: Sequence[str]) -> Iterator[Tuple[int, Dict[str, str]]]:
    """Yield ``(line_number, row)`` of a tab-separated file whose header names ``columns`` (and maybe more).

    A header without one of ``columns``, or a row whose field count differs from the
    header's, is an :class:`InputError` naming file and line.
    """
    lines = read_lines(path)
    first = next(lines, None)
    if first is None:
        raise InputError(path, None, "empty file, expected a TSV header")
    header = first[1].split("\t")
    missing = [c for c in columns if c not in header]
    if missing:
        raise InputError(path, 1, f"no column {', '.join(map(repr, missing))} in header {header}")
    for lineno, line in lines:
        fields = line.split("\t")
        if len(fields) != len(header):
            raise InputError(path, lineno, f"{len(fields)} tab-separated fields, the header has {len(header)}")
        yield lineno, dict(zip(header, fields))


def read_utterances(
    path: PathLike,
    column: Optional[str] = None,
    id_column: Optional[str] = None,
    id_prefix: Optional[str] = None,
    limit: Optional[int] = None,
) -> List[Utterance]:
    """Utterances of a text file, texts normalized with ``Normalizer.for_lm("hi")``.

    Without ``column`` every line is an utterance; with ``column`` the file is a TSV and the
    text is in that column.  Ids come from ``id_column``, or are ``<id_prefix>-<line number>``
    (prefix: the file's stem), zero-padded so they sort in line order.  Lines whose
    normalized text is empty are skipped and counted in a warning; duplicate or malformed ids
    are an :class:`InputError`.  ``limit`` keeps the first ``limit`` utterances.
    """
    if id_column and not column:
        raise ValueError("id_column needs column: ids are read from a TSV")
    prefix = id_prefix or Path(path).stem
    rows = read_tsv(path, [c for c in (column, id_column) if c]) if column else read_lines(path)
    normalize = Normalizer.for_lm("hi")
    utterances: List[Utterance] = []
    first_line: Dict[str, int] = {}
    empty = 0
    for lineno, row in rows:
        if limit is not None and len(utterances) >= limit:
            break
        utt_id = row[id_column] if id_column else f"{prefix}-{lineno:06d}"
        if not _VALID_ID.fullmatch(utt_id):
            raise InputError(path, lineno, f"bad utterance id {utt_id!r} (empty, whitespace or '/')")
        if utt_id in first_line:
            raise InputError(path, lineno, f"duplicate utterance id {utt_id!r} (first on line {first_line[utt_id]})")
        first_line[utt_id] = lineno
        text = normalize(row[column] if column else row)
        if text:
            utterances.append(Utterance(utt_id, text))
        else:
            empty += 1
    if empty:
        log.warning("%s: skipped %d line(s) with no text after normalization", path, empty)
    return utterances
