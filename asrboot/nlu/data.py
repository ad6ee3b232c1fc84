"""NLU data: ``[slot : value]`` annotations, BIO tags, and readers for the corpora the recipe uses.

An annotated utterance is written the way HWU64, SLURP and MASSIVE write it::

    wake me up at [time : five am] [date : tomorrow]

:func:`parse_annotation` turns it into word tokens and BIO tags (``O O O O B-time I-time
B-date``); :func:`to_annotation` is the inverse.  Text outside the brackets and the slot
values are normalized separately (by default with the English :class:`asrboot.text.Normalizer`),
so slot boundaries stay on word boundaries.

Readers (each raises :class:`asrboot.io.InputError` naming the file and line of bad input):

* :func:`read_hwu_csv` / :func:`read_hwu_dir`: HWU64 ``answerid;scenario;intent;answer_annotation;...``
* :func:`read_slurp_jsonl`: SLURP ``{"sentence_annotation": ..., "intent": ...}`` lines
* :func:`read_text_lines`: plain text, one unlabelled utterance per line (SLURP ``lm.txt``)
* :func:`read_seq_in`: DNNC-format ``seq.in`` (+ optional line-aligned ``label``)
* :func:`read_manifest` / :func:`write_manifest`: the recipe's own JSON-lines manifests
"""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from asrboot.io import InputError, PathLike, atomic_open, read_jsonl, read_lines

Span = Tuple[str, int, int]  # (slot type, first word, one past the last word)
_SLOT_TYPE = re.compile(r"^[A-Za-z0-9_.\-]+$")


class AnnotationError(ValueError):
    """A malformed ``[slot : value]`` annotation (without file/line; readers add them)."""


def english_normalizer() -> Callable[[str], str]:
    from asrboot.text import Normalizer

    return Normalizer(lang="en")


def _split_annotation(annotation: str) -> List[Tuple[Optional[str], str]]:
    """Split into ``(None, text)`` and ``(slot_type, value)`` segments; raise on bad brackets."""
    segments: List[Tuple[Optional[str], str]] = []
    pos = 0
    while pos < len(annotation):
        open_ = annotation.find("[", pos)
        close = annotation.find("]", pos)
        if close != -1 and (open_ == -1 or close < open_):
            raise AnnotationError(f"']' without a matching '[' at column {close + 1}")
        if open_ == -1:
            segments.append((None, annotation[pos:]))
            break
        segments.append((None, annotation[pos:open_]))
        close = annotation.find("]", open_ + 1)
        nested = annotation.find("[", open_ + 1)
        if close == -1:
            raise AnnotationError(f"'[' at column {open_ + 1} is never closed")
        if nested != -1 and nested < close:
            raise AnnotationError(f"nested '[' at column {nested + 1} inside the slot opened at column {open_ + 1}")
        body = annotation[open_ + 1:close]
        if ":" not in body:
            raise AnnotationError(f"slot '[{body}]' has no ':' (expected '[slot_type : value]')")
        slot_type, value = (part.strip() for part in body.split(":", 1))
        if not slot_type:
            raise AnnotationError(f"slot '[{body}]' has an empty slot type")
        if not _SLOT_TYPE.match(slot_type):
            raise AnnotationError(f"slot type {slot_type!r} in '[{body}]' is not a single identifier")
        if not value:
            raise AnnotationError(f"slot '[{body}]' has an empty value")
        segments.append((slot_type, value))
        pos = close + 1
    return segments


def parse_annotation(
    annotation: str, normalizer: Optional[Callable[[str], str]] = None
) -> Tuple[List[str], List[str]]:
    """``"play [artist : abba]"`` -> ``(["play", "abba"], ["O", "B-artist"])``.

    ``normalizer`` (``None``: keep the text as it is, split on whitespace) is applied to the
    text between slots and to each slot value separately.  Raises :class:`AnnotationError`
    for nested or unbalanced brackets, a slot without ``:``, an empty slot type or value, or a
    value that normalizes to nothing.
    """
    norm = normalizer or (lambda s: s)
    tokens: List[str] = []
    tags: List[str] = []
    for slot_type, text in _split_annotation(annotation):
        words = norm(text).split()
        if slot_type is None:
            tokens += words
            tags += ["O"] * len(words)
        elif not words:
            raise AnnotationError(f"value {text!r} of slot {slot_type!r} is empty after normalization")
        else:
            tokens += words
            tags += [f"B-{slot_type}"] + [f"I-{slot_type}"] * (len(words) - 1)
    return tokens, tags


def spans_from_bio(tags: Sequence[str]) -> List[Span]:
    """Slot spans of a BIO sequence; an ``I-x`` that does not continue an ``x`` starts a new span."""
    spans: List[Span] = []
    cur: Optional[List] = None
    for i, tag in enumerate(tags):
        if tag == "O" or not tag:
            if cur:
                spans.append(tuple(cur))
            cur = None
            continue
        prefix, _, slot_type = tag.partition("-")
        if prefix not in ("B", "I") or not slot_type:
            raise ValueError(f"not a BIO tag: {tag!r}")
        if prefix == "I" and cur is not None and cur[0] == slot_type:
            cur[2] = i + 1
        else:
            if cur:
                spans.append(tuple(cur))
            cur = [slot_type, i, i + 1]
    if cur:
        spans.append(tuple(cur))
    return spans


def bio_from_spans(n: int, spans: Iterable[Span]) -> List[str]:
    """BIO tags of ``n`` words with the given (non-overlapping) spans."""
    tags = ["O"] * n
    for slot_type, start, end in spans:
        if not 0 <= start < end <= n:
            raise ValueError(f"span {(slot_type, start, end)} outside 0..{n}")
        if any(t != "O" for t in tags[start:end]):
            raise ValueError(f"span {(slot_type, start, end)} overlaps another span")
        tags[start] = f"B-{slot_type}"
        for i in range(start + 1, end):
            tags[i] = f"I-{slot_type}"
    return tags


def _render_spans(tokens: Sequence[str], tags: Sequence[str], render) -> str:
    """The tokens with each BIO slot span replaced by ``render(slot_type, span_tokens)``."""
    out: List[str] = []
    pos = 0
    for slot_type, start, end in spans_from_bio(tags):
        out += tokens[pos:start]
        out.append(render(slot_type, tokens[start:end]))
        pos = end
    out += tokens[pos:]
    return " ".join(out)


def to_annotation(tokens: Sequence[str], tags: Sequence[str]) -> str:
    """Inverse of :func:`parse_annotation`: ``[slot : value]`` text of tokens and BIO tags."""
    if len(tokens) != len(tags):
        raise ValueError(f"{len(tokens)} tokens but {len(tags)} tags")
    return _render_spans(tokens, tags, lambda slot, value: f"[{slot} : {' '.join(value)}]")


def delexicalize(tokens: Sequence[str], tags: Sequence[str]) -> str:
    """Template of an utterance: slot values replaced by their types, ``play [artist_name] in the [room]``."""
    return _render_spans(tokens, tags, lambda slot, value: f"[{slot}]")


@dataclasses.dataclass
class Utterance:
    """One utterance: normalized word tokens, and (when labelled) intent and BIO slot tags.

    ``oracle_intent`` is the hidden gold intent of a pool utterance: it is only ever read by
    the analysis (precision of a selection), never by training or selection.
    """

    uid: str
    tokens: List[str]
    intent: Optional[str] = None
    tags: Optional[List[str]] = None
    source: str = ""
    oracle_intent: Optional[str] = None

    @property
    def text(self) -> str:
        return " ".join(self.tokens)

    @property
    def labelled(self) -> bool:
        return self.intent is not None

    @property
    def spans(self) -> List[Span]:
        return spans_from_bio(self.tags) if self.tags else []

    @property
    def annotation(self) -> Optional[str]:
        return to_annotation(self.tokens, self.tags) if self.tags is not None else None

    def hidden(self) -> "Utterance":
        """The same utterance with its labels moved out of sight (for the unlabelled pool)."""
        return Utterance(self.uid, list(self.tokens), None, None, self.source, self.intent or self.oracle_intent)

    def to_dict(self) -> Dict:
        d = {"id": self.uid, "text": self.text, "source": self.source}
        if self.intent is not None:
            d["intent"] = self.intent
            d["annotation"] = self.annotation
        if self.oracle_intent is not None:
            d["oracle_intent"] = self.oracle_intent
        return d

    @classmethod
    def from_dict(cls, d: Dict) -> "Utterance":
        tokens = str(d["text"]).split()
        intent = d.get("intent")
        tags = None
        if intent is not None:
            ann_tokens, tags = parse_annotation(d.get("annotation") or d["text"])
            if ann_tokens != tokens:
                raise AnnotationError("annotation words differ from the text")
        return cls(str(d["id"]), tokens, intent, tags, d.get("source", ""), d.get("oracle_intent"))


def _labelled(path: PathLike, line: int, uid: str, intent: str, annotation: str, source: str,
              normalizer: Optional[Callable[[str], str]]) -> Utterance:
    if not intent or not intent.strip():
        raise InputError(path, line, "utterance without intent label")
    if annotation is None or not annotation.strip():
        raise InputError(path, line, "labelled utterance without text")
    try:
        tokens, tags = parse_annotation(annotation, normalizer)
    except AnnotationError as e:
        raise InputError(path, line, f"malformed slot annotation {annotation!r}: {e}") from None
    if not tokens:
        raise InputError(path, line, f"annotation {annotation!r} is empty after normalization")
    return Utterance(uid, tokens, intent.strip(), tags, source)


def read_hwu_csv(path: PathLike, normalizer: Optional[Callable[[str], str]] = None,
                 source: str = "hwu") -> List[Utterance]:
    """HWU64 ``;``-separated CSV with columns ``answerid;scenario;intent;answer_annotation;...``.

    The intent label is ``<scenario>_<intent>`` (``alarm_set``), as in SLURP and the DNNC files.
    """
    path = Path(path)
    lines = read_lines(path)
    rows = csv.reader((line + "\n" for _, line in lines), delimiter=";", quotechar='"')
    out: List[Utterance] = []
    try:
        header = next(rows)
    except StopIteration:
        raise InputError(path, 1, "empty file (expected a header answerid;scenario;intent;answer_annotation;...)")
    except csv.Error as e:
        raise InputError(path, 1, f"bad CSV: {e}") from None
    col = {name.strip(): i for i, name in enumerate(header)}
    missing = [c for c in ("scenario", "intent", "answer_annotation") if c not in col]
    if missing:
        raise InputError(path, 1, f"header lacks column(s) {', '.join(missing)} (have: {';'.join(header)})")
    last = 1
    while True:
        start = last + 1
        try:
            row = next(rows)
        except StopIteration:
            break
        except csv.Error as e:
            raise InputError(path, rows.line_num, f"bad CSV: {e}") from None
        last = rows.line_num
        if not row or all(not c.strip() for c in row):
            continue
        get = lambda name: row[col[name]] if col[name] < len(row) else ""  # noqa: E731
        scenario, intent = get("scenario").strip(), get("intent").strip()
        label = f"{scenario}_{intent}" if scenario and intent else ""
        uid = get("answerid").strip() if "answerid" in col else ""
        out.append(_labelled(path, start, f"{source}-{uid or start}", label, get("answer_annotation"),
                             source, normalizer))
    return out


def read_hwu_dir(directory: PathLike, normalizer: Optional[Callable[[str], str]] = None,
                 source: str = "hwu") -> List[Utterance]:
    """All ``*.csv`` files of an HWU64 fold directory, in file-name order."""
    files = sorted(Path(directory).glob("*.csv"))
    if not files:
        raise InputError(directory, None, "no *.csv files")
    return [u for f in files for u in read_hwu_csv(f, normalizer, source)]


def read_slurp_jsonl(path: PathLike, normalizer: Optional[Callable[[str], str]] = None,
                     source: str = "slurp") -> List[Utterance]:
    """SLURP ``devel.jsonl``/``test.jsonl``: ``sentence_annotation`` and ``intent`` of each line."""
    out = []
    for lineno, d in read_jsonl(path):
        annotation = d.get("sentence_annotation", d.get("sentence"))
        uid = d.get("slurp_id", lineno)
        out.append(_labelled(path, lineno, f"{source}-{uid}", d.get("intent") or "", annotation, source,
                             normalizer))
    return out


def read_text_lines(path: PathLike, normalizer: Optional[Callable[[str], str]] = None,
                    source: str = "text") -> List[Utterance]:
    """Unlabelled utterances, one per line; lines that normalize to nothing are skipped."""
    norm = normalizer or (lambda s: s)
    out = []
    for lineno, line in read_lines(path):
        tokens = norm(line).split()
        if tokens:
            out.append(Utterance(f"{source}-{lineno}", tokens, source=source))
    return out


def read_seq_in(directory: PathLike, normalizer: Optional[Callable[[str], str]] = None,
                source: str = "dnnc") -> List[Utterance]:
    """DNNC-format split directory: ``seq.in`` (one utterance a line) and, if present, ``label``.

    The labels are kept as hidden ``oracle_intent`` (these utterances are unlabelled distractors).
    """
    directory = Path(directory)
    seq = directory / "seq.in"
    if not seq.is_file():
        raise InputError(seq, None, "missing (expected a DNNC split directory with seq.in)")
    texts = [line for _, line in read_lines(seq)]
    labels: List[Optional[str]] = [None] * len(texts)
    label_path = directory / "label"
    if label_path.is_file():
        labels = [line.strip() for _, line in read_lines(label_path)]
        if len(labels) != len(texts):
            raise InputError(label_path, min(len(labels), len(texts)) + 1,
                             f"{len(labels)} labels for {len(texts)} utterances in {seq}")
        for i, label in enumerate(labels):
            if not label:
                raise InputError(label_path, i + 1, "utterance without intent label")
    norm = normalizer or (lambda s: s)
    out = []
    for i, (text, label) in enumerate(zip(texts, labels)):
        tokens = norm(text).split()
        if tokens:
            out.append(Utterance(f"{source}-{i + 1}", tokens, source=source, oracle_intent=label))
    return out


def write_manifest(path: PathLike, utts: Iterable[Utterance]) -> int:
    """Write utterances as JSON lines (atomically); return how many."""
    n = 0
    with atomic_open(path, "w") as f:
        for u in utts:
            f.write(json.dumps(u.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    return n


def iter_manifest(path: PathLike) -> Iterator[Utterance]:
    for lineno, d in read_jsonl(path):
        if "id" not in d or "text" not in d:
            raise InputError(path, lineno, "expected a JSON object with 'id' and 'text'")
        if "annotation" in d and not d.get("intent"):
            raise InputError(path, lineno, "utterance without intent label")
        try:
            yield Utterance.from_dict(d)
        except (AnnotationError, ValueError) as e:
            raise InputError(path, lineno, f"malformed slot annotation {d.get('annotation')!r}: {e}") from None


def read_manifest(path: PathLike) -> List[Utterance]:
    """Read a manifest written by :func:`write_manifest`."""
    return list(iter_manifest(path))
