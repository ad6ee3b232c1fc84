"""NLU metrics: intent error rate, slot F1 and semantic error rate (SemER).

Slots are compared as spans over the same word sequence (reference and hypothesis tag the
same normalized words):

* slot F1: a hypothesis slot is correct when its type and both boundaries equal a reference
  slot (CoNLL span F1, micro-averaged over the corpus);
* SemER = (S + D + I + intent errors) / (reference slots + 1 per utterance), summed over the
  corpus.  Exactly matching slots are correct; a remaining hypothesis slot that overlaps a
  remaining reference slot is a substitution (wrong type or wrong boundaries; pairs are
  made greedily, largest overlap first); the other remaining reference slots are deletions
  and the other hypothesis slots insertions.
"""

from __future__ import annotations

import dataclasses
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from asrboot.nlu.data import Span, spans_from_bio


@dataclasses.dataclass
class SlotErrors:
    correct: int = 0
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0


def slot_errors(ref: Sequence[Span], hyp: Sequence[Span]) -> SlotErrors:
    """Correct / substituted / deleted / inserted slots of one utterance (see the module docstring)."""
    ref_left = list(ref)
    hyp_left = []
    correct = 0
    for h in hyp:
        if h in ref_left:
            ref_left.remove(h)
            correct += 1
        else:
            hyp_left.append(h)
    pairs = []
    for i, r in enumerate(ref_left):
        for j, h in enumerate(hyp_left):
            overlap = min(r[2], h[2]) - max(r[1], h[1])
            if overlap > 0:
                pairs.append((-overlap, i, j))
    used_r, used_h = set(), set()
    subs = 0
    for _, i, j in sorted(pairs):
        if i not in used_r and j not in used_h:
            used_r.add(i)
            used_h.add(j)
            subs += 1
    return SlotErrors(correct, subs, len(ref_left) - subs, len(hyp_left) - subs)


@dataclasses.dataclass
class NLUScores:
    """Corpus counts; the rates are properties."""

    utterances: int = 0
    intent_errors: int = 0
    ref_slots: int = 0
    hyp_slots: int = 0
    correct_slots: int = 0
    substitutions: int = 0
    deletions: int = 0
    insertions: int = 0

    @property
    def intent_error_rate(self) -> float:
        return self.intent_errors / self.utterances if self.utterances else float("nan")

    @property
    def slot_precision(self) -> float:
        return self.correct_slots / self.hyp_slots if self.hyp_slots else (1.0 if not self.ref_slots else 0.0)

    @property
    def slot_recall(self) -> float:
        return self.correct_slots / self.ref_slots if self.ref_slots else (1.0 if not self.hyp_slots else 0.0)

    @property
    def slot_f1(self) -> float:
        denom = self.ref_slots + self.hyp_slots
        return 2 * self.correct_slots / denom if denom else 1.0

    @property
    def semer(self) -> float:
        errors = self.substitutions + self.deletions + self.insertions + self.intent_errors
        denom = self.ref_slots + self.utterances
        return errors / denom if denom else float("nan")

    def add(self, ref_intent: str, ref_tags: Sequence[str], hyp_intent: Optional[str], hyp_tags: Sequence[str]):
        ref, hyp = spans_from_bio(ref_tags), spans_from_bio(hyp_tags)
        e = slot_errors(ref, hyp)
        self.utterances += 1
        self.intent_errors += int(ref_intent != hyp_intent)
        self.ref_slots += len(ref)
        self.hyp_slots += len(hyp)
        self.correct_slots += e.correct
        self.substitutions += e.substitutions
        self.deletions += e.deletions
        self.insertions += e.insertions
        return self

    def as_dict(self) -> Dict[str, float]:
        d = dataclasses.asdict(self)
        d.update(intent_error_rate=self.intent_error_rate, slot_f1=self.slot_f1, semer=self.semer,
                 slot_precision=self.slot_precision, slot_recall=self.slot_recall)
        return d


def score(refs: Iterable[Tuple[str, Sequence[str]]], hyps: Iterable[Tuple[Optional[str], Sequence[str]]]) -> NLUScores:
    """Score ``(intent, tags)`` hypotheses against references, utterance by utterance."""
    s = NLUScores()
    refs, hyps = list(refs), list(hyps)
    if len(refs) != len(hyps):
        raise ValueError(f"{len(refs)} references but {len(hyps)} hypotheses")
    for (ri, rt), (hi, ht) in zip(refs, hyps):
        if len(rt) != len(ht):
            raise ValueError(f"reference has {len(rt)} tags, hypothesis {len(ht)}")
        s.add(ri, rt, hi, ht)
    return s


def score_subsets(refs: Sequence[Tuple[str, Sequence[str]]], hyps: Sequence[Tuple[Optional[str], Sequence[str]]],
                  targets: Iterable[str]) -> Dict[str, Dict[str, float]]:
    """Scores on all utterances, on those whose reference intent is a target ("new"), and on the rest."""
    targets = set(targets)
    out = {"all": NLUScores(), "new": NLUScores(), "other": NLUScores()}
    for (ri, rt), (hi, ht) in zip(refs, hyps):
        out["all"].add(ri, rt, hi, ht)
        out["new" if ri in targets else "other"].add(ri, rt, hi, ht)
    return {k: v.as_dict() for k, v in out.items()}


def intents_and_tags(utts) -> List[Tuple[str, List[str]]]:
    return [(u.intent, u.tags) for u in utts]
