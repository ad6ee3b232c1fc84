"""Readers of the general-domain Hindi sentence sets in ``shared/data``.

Each reader yields raw (un-normalized) sentences in file order; malformed input raises
:class:`asrboot.io.InputError` naming the file and, where the format has lines, the line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Dict, Iterator, List, Tuple

from asrboot.io import InputError, PathLike, read_lines


def common_voice_sentences(path: PathLike) -> Iterator[str]:
    """Common Voice ``sentence-collector.txt``: one sentence per line (blank lines skipped)."""
    for _, line in read_lines(path):
        if line.strip():
            yield line.strip()


def hiner_sentences(path: PathLike) -> Iterator[str]:
    """HiNER CoNLL (``token<TAB>tag`` per line, blank line between sentences): tokens joined by spaces."""
    tokens: List[str] = []
    for lineno, line in read_lines(path):
        if not line.strip():
            if tokens:
                yield " ".join(tokens)
            tokens = []
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[0].strip() or not fields[1].strip():
            raise InputError(path, lineno, f"expected 'token<TAB>tag', got {line!r}")
        tokens.append(fields[0].strip())
    if tokens:
        yield " ".join(tokens)


def discourse_sentences(path: PathLike) -> Iterator[str]:
    """Hindi discourse JSON: ``{"<idx>": {"Sentence": str, ...}, ...}`` in index order."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as e:
        raise InputError(path, e.lineno, f"not valid JSON: {e.msg} (column {e.colno})") from None
    except UnicodeDecodeError as e:
        raise InputError(path, None, f"not valid UTF-8 ({e.reason} at byte {e.start})") from None
    if not isinstance(data, dict):
        raise InputError(path, None, "expected a JSON object of entries")
    for key, entry in data.items():
        if not isinstance(entry, dict) or not isinstance(entry.get("Sentence"), str):
            raise InputError(path, None, f"entry {key!r}: no string field 'Sentence'")
        if entry["Sentence"].strip():
            yield entry["Sentence"].strip()


Reader = Callable[[PathLike], Iterator[str]]
# name -> (path inside shared/data, reader)
GENERAL_HINDI: Dict[str, Tuple[str, Reader]] = {
    "common_voice": ("common_voice_hi_sentences/sentence-collector.txt", common_voice_sentences),
    "hiner": ("hiner_validation/validation.conll", hiner_sentences),
    "discourse": ("hindi_discourse_midas/discourse_dataset.json", discourse_sentences),
}


def general_hindi_sentences(data_dir: PathLike) -> Iterator[Tuple[str, str]]:
    """``(set name, raw sentence)`` of every general Hindi set under ``data_dir`` (``shared/data``)."""
    for name, (rel, reader) in GENERAL_HINDI.items():
        for sentence in reader(Path(data_dir) / rel):
            yield name, sentence
