"""icefall-style errors file (as ``write_error_stats`` in icefall's ``utils.py``).

Layout::

    %WER = 50.00 [ 2 / 4, 1 ins, 0 del, 1 sub ]
    %CER = 50.00 [ 2 / 4 ]
    Errors: 1 insertions, 0 deletions, 1 substitutions, over 4 reference words (3 correct)
    Search below for sections starting with PER-UTT DETAILS:, SUBSTITUTIONS:, ...

    PER-UTT DETAILS: corr or (ref->hyp)
    utt1:<TAB>a (b->x) c d (*->e)

    SUBSTITUTIONS: count ref -> hyp
    1   b -> x
    ...

then ``DELETIONS: count ref``, ``INSERTIONS: count hyp`` and
``PER-WORD STATS: word  corr tot_errs count_in_ref count_in_hyp``.  As in icefall,
successive errors of an utterance are shown as one group (``(b c->x)``) and ``*`` marks
an empty side.  Sections are sorted by count (per-word stats: by total errors), most
frequent first, ties alphabetically.  A line after the header counts hypotheses that
were missing and scored as all deletions, when there are any.
"""

from __future__ import annotations

import collections
import itertools
from typing import TYPE_CHECKING, Counter, Dict, Iterable, Iterator, List, Tuple

from asrboot.io import PathLike, atomic_open
from asrboot.score.align import GAP, Alignment

if TYPE_CHECKING:
    from asrboot.score.result import ScoreResult

SECTIONS = "PER-UTT DETAILS:, SUBSTITUTIONS:, DELETIONS:, INSERTIONS:, PER-WORD STATS:"


def render_alignment(alignment: Alignment) -> str:
    """``a (b->x) c (*->e)``: correct words as is, each run of errors as ``(ref->hyp)``."""
    parts = []
    for correct, run in itertools.groupby(alignment, key=lambda pair: pair[0] == pair[1]):
        run = list(run)
        if correct:
            parts.extend(ref for ref, _ in run)
        else:
            ref = " ".join(r for r, _ in run if r != GAP) or "*"
            hyp = " ".join(h for _, h in run if h != GAP) or "*"
            parts.append(f"({ref}->{hyp})")
    return " ".join(parts)


class _ErrorTally:
    """Substitutions, deletions, insertions and per-word counts over many alignments."""

    def __init__(self, alignments: Iterable[Alignment]):
        self.subs: Counter[Tuple[str, str]] = collections.Counter()
        self.dels: Counter[str] = collections.Counter()
        self.ins: Counter[str] = collections.Counter()
        self.corr: Counter[str] = collections.Counter()
        for ref, hyp in itertools.chain.from_iterable(alignments):
            if ref == GAP:
                self.ins[hyp] += 1
            elif hyp == GAP:
                self.dels[ref] += 1
            elif ref != hyp:
                self.subs[(ref, hyp)] += 1
            else:
                self.corr[ref] += 1

    def per_word(self) -> Dict[str, Tuple[int, int, int, int]]:
        """``word -> (corr, tot_errs, count_in_ref, count_in_hyp)``."""
        ref_errs = self.dels + collections.Counter(r for r, _ in self.subs.elements())
        hyp_errs = self.ins + collections.Counter(h for _, h in self.subs.elements())
        words = set(self.corr) | set(ref_errs) | set(hyp_errs)
        return {
            w: (self.corr[w], ref_errs[w] + hyp_errs[w], self.corr[w] + ref_errs[w], self.corr[w] + hyp_errs[w])
            for w in words
        }


def _most_frequent(counts: Dict, key=lambda value: value) -> List:
    return sorted(counts.items(), key=lambda kv: (-key(kv[1]), kv[0]))


def rate_lines(result: ScoreResult) -> List[str]:
    """``%WER = 50.00 [ 2 / 4, 1 ins, 0 del, 1 sub ]`` and ``%CER = 12.50 [ 1 / 8 ]``."""
    t = result.totals
    return [
        f"%WER = {100 * result.wer:.2f} [ {t.errors} / {result.ref_words}, {t.ins} ins, {t.dels} del, {t.subs} sub ]",
        f"%CER = {100 * result.cer:.2f} [ {result.char_errors} / {result.ref_chars} ]",
    ]


def errs_lines(result: ScoreResult) -> Iterator[str]:
    """The lines of the errors file for ``result`` (without newlines)."""
    t = result.totals
    yield from rate_lines(result)
    yield (f"Errors: {t.ins} insertions, {t.dels} deletions, {t.subs} substitutions, "
           f"over {result.ref_words} reference words ({t.correct} correct)")
    if result.missing_hyps:
        yield f"Missing hypotheses, scored as all deletions: {len(result.missing_hyps)}"
    yield f"Search below for sections starting with {SECTIONS}"
    yield ""
    yield "PER-UTT DETAILS: corr or (ref->hyp)"
    for utt in result.utts:
        yield f"{utt.uttid}:\t{render_alignment(utt.alignment)}"
    tally = _ErrorTally(utt.alignment for utt in result.utts)
    yield from ("", "SUBSTITUTIONS: count ref -> hyp")
    yield from (f"{n}   {ref} -> {hyp}" for (ref, hyp), n in _most_frequent(tally.subs))
    yield from ("", "DELETIONS: count ref")
    yield from (f"{n}   {ref}" for ref, n in _most_frequent(tally.dels))
    yield from ("", "INSERTIONS: count hyp")
    yield from (f"{n}   {hyp}" for hyp, n in _most_frequent(tally.ins))
    yield from ("", "PER-WORD STATS: word  corr tot_errs count_in_ref count_in_hyp")
    for word, stats in _most_frequent(tally.per_word(), key=lambda stats: stats[1]):
        yield f"{word}   {' '.join(map(str, stats))}"


def write_errs(result: ScoreResult, path: PathLike) -> None:
    """Write the icefall-style errors file of ``result`` to ``path`` (atomically)."""
    with atomic_open(path, "w") as f:
        for line in errs_lines(result):
            f.write(line + "\n")
