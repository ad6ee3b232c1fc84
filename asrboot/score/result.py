"""WER and CER of hypotheses against references, per utterance and in total.

* Both sides go through :meth:`asrboot.text.Normalizer.for_scoring` (spelling variants
  merged) unless ``normalize=False``; then they are split on whitespace.  Scoring is
  purely string based: words outside any lexicon are just strings.
* WER = (ins + del + sub) / reference words, from a kaldialign word alignment.
* CER = character edit distance / reference characters, where the characters are those
  of the words with the spaces removed (Kaldi-style "characters of the words"); a
  character is a Unicode code point of the (NFC) normalized text, so a wrong matra is one
  error.
* An utterance with an empty reference contributes its hypothesis words as insertions
  and no reference words.  A test set with no reference words at all has no WER:
  :func:`score` raises :class:`InputError`.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from typing import Callable, Dict, List, Mapping, Tuple

import numpy as np

from asrboot.io import InputError, PathLike
from asrboot.score.align import Counts, align, count, edit_distance
from asrboot.text import Normalizer

log = logging.getLogger(__name__)
SHOWN_IDS = 10


@dataclasses.dataclass(frozen=True)
class UttScore:
    """One scored utterance: normalized words, alignment (see :mod:`.align`), counts."""

    uttid: str
    ref: Tuple[str, ...]
    hyp: Tuple[str, ...]
    alignment: Tuple[Tuple[str, str], ...]
    counts: Counts
    char_errors: int
    ref_chars: int
    missing: bool = False  # no hypothesis: scored as empty (all deletions)


def score_utterance(uttid: str, ref: Tuple[str, ...], hyp: Tuple[str, ...], missing: bool = False) -> UttScore:
    """Align the words of one utterance and count word and character errors."""
    alignment = tuple(align(ref, hyp))
    ref_chars, hyp_chars = "".join(ref), "".join(hyp)
    return UttScore(
        uttid, ref, hyp, alignment, count(alignment), edit_distance(ref_chars, hyp_chars), len(ref_chars), missing
    )


@dataclasses.dataclass(frozen=True)
class ScoreResult:
    """Scored utterances (in reference order) with totals, WER and CER (fractions, not %)."""

    utts: Tuple[UttScore, ...]
    lang: str = "hi"
    normalized: bool = True

    @functools.cached_property
    def totals(self) -> Counts:
        """Summed word counts over all utterances."""
        table = np.array([u.counts for u in self.utts], dtype=np.int64).reshape(-1, len(Counts._fields))
        return Counts(*table.sum(axis=0).tolist())

    @property
    def ref_words(self) -> int:
        return sum(len(u.ref) for u in self.utts)

    @property
    def hyp_words(self) -> int:
        return sum(len(u.hyp) for u in self.utts)

    @property
    def ref_chars(self) -> int:
        return sum(u.ref_chars for u in self.utts)

    @property
    def char_errors(self) -> int:
        return sum(u.char_errors for u in self.utts)

    @property
    def wer(self) -> float:
        return self.totals.errors / self.ref_words

    @property
    def cer(self) -> float:
        return self.char_errors / self.ref_chars

    @property
    def missing_hyps(self) -> Tuple[str, ...]:
        """Ids of utterances that had no hypothesis (scored as all deletions)."""
        return tuple(u.uttid for u in self.utts if u.missing)

    def arrays(self, unit: str = "word") -> Tuple[np.ndarray, np.ndarray]:
        """Per-utterance errors and reference lengths (``unit``: ``word`` or ``char``)."""
        if unit == "word":
            pairs = [(u.counts.errors, len(u.ref)) for u in self.utts]
        elif unit == "char":
            pairs = [(u.char_errors, u.ref_chars) for u in self.utts]
        else:
            raise ValueError(f"unit must be 'word' or 'char', not {unit!r}")
        errors, lengths = np.array(pairs, dtype=np.int64).reshape(-1, 2).T
        return errors, lengths

    def summary(self) -> Dict[str, object]:
        """Totals, WER and CER as a JSON-ready dict."""
        t = self.totals
        return {
            "lang": self.lang,
            "normalized": self.normalized,
            "utterances": len(self.utts),
            "missing_hyps": len(self.missing_hyps),
            "ref_words": self.ref_words,
            "hyp_words": self.hyp_words,
            "correct": t.correct,
            "ins": t.ins,
            "del": t.dels,
            "sub": t.subs,
            "errors": t.errors,
            "wer": self.wer,
            "ref_chars": self.ref_chars,
            "char_errors": self.char_errors,
            "cer": self.cer,
        }

    def write_errs(self, path: PathLike) -> None:
        """Write an icefall-style errors file (see :func:`asrboot.score.report.write_errs`)."""
        from asrboot.score.report import write_errs

        write_errs(self, path)


def _id_list(ids: List[str], what: str) -> str:
    more = f", ... ({len(ids) - SHOWN_IDS} more)" if len(ids) > SHOWN_IDS else ""
    return f"{len(ids)} {what}: {', '.join(ids[:SHOWN_IDS])}{more}"


def check_ids(
    refs: Mapping[str, str], hyps: Mapping[str, str], allow_missing: bool = False, hyp_name: str = "hyp"
) -> List[str]:
    """Return the reference ids without a hypothesis.

    Raises :class:`InputError` (located at ``hyp_name``) listing the first ids of each kind
    when a hypothesis id is not in the references, or when a reference has no hypothesis
    and ``allow_missing`` is false.
    """
    missing = [u for u in refs if u not in hyps]
    extra = [u for u in hyps if u not in refs]
    problems = [_id_list(missing, "reference id(s) without hypothesis")] if missing and not allow_missing else []
    problems += [_id_list(extra, "hypothesis id(s) not in the reference")] if extra else []
    if problems:
        hint = " (allow_missing scores missing hypotheses as deletions)" if missing and not allow_missing else ""
        raise InputError(hyp_name, None, f"utterance ids do not match: {'; '.join(problems)}{hint}")
    return missing


def _tokenizer(lang: str, normalize: bool) -> Callable[[str], Tuple[str, ...]]:
    normalizer = Normalizer.for_scoring(lang) if normalize else str
    return lambda text: tuple(normalizer(text).split())


def score(
    refs: Mapping[str, str],
    hyps: Mapping[str, str],
    lang: str = "hi",
    normalize: bool = True,
    allow_missing: bool = False,
    ref_name: str = "ref",
    hyp_name: str = "hyp",
) -> ScoreResult:
    """Score ``{uttid: text}`` hypotheses against references (see the module docstring).

    Ids must match (:func:`check_ids`); with ``allow_missing`` a reference without
    hypothesis is scored against an empty one, logged as a warning and listed in
    :attr:`ScoreResult.missing_hyps`.  ``ref_name``/``hyp_name`` (file names) locate
    the :class:`InputError` raised for mismatched ids or an empty reference.
    """
    missing = check_ids(refs, hyps, allow_missing, hyp_name)
    if missing:
        log.warning("%s: %d of %d utterance(s) have no hypothesis; scored as all deletions",
                    hyp_name, len(missing), len(refs))
    tokens = _tokenizer(lang, normalize)
    result = ScoreResult(
        tuple(score_utterance(u, tokens(refs[u]), tokens(hyps.get(u, "")), u not in hyps) for u in refs),
        lang=lang,
        normalized=normalize,
    )
    if not result.ref_words:
        raise InputError(ref_name, None, "no reference words: WER is undefined")
    return result
