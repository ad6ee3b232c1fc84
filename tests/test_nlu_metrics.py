"""asrboot.nlu.metrics: intent error, slot F1 and SemER on hand-computed examples."""

from __future__ import annotations

import math

import pytest

from asrboot.nlu.data import parse_annotation
from asrboot.nlu.metrics import NLUScores, score, score_subsets, slot_errors


def tags(annotation):
    return parse_annotation(annotation)[1]


def test_slot_errors_hand_examples():
    # exact match
    e = slot_errors([("time", 3, 5)], [("time", 3, 5)])
    assert (e.correct, e.substitutions, e.deletions, e.insertions) == (1, 0, 0, 0)
    # wrong type on the same words: one substitution
    e = slot_errors([("time", 3, 5)], [("date", 3, 5)])
    assert (e.correct, e.substitutions, e.deletions, e.insertions) == (0, 1, 0, 0)
    # boundary error counts as a substitution; extra slot an insertion; missed slot a deletion
    e = slot_errors([("time", 3, 5), ("date", 6, 7)], [("time", 3, 4), ("person", 0, 1)])
    assert (e.correct, e.substitutions, e.deletions, e.insertions) == (0, 1, 1, 1)


def test_corpus_scores_hand_computed():
    refs = [
        ("alarm_set", tags("wake me at [time : six am] [date : tomorrow]")),  # 2 slots
        ("play_radio", tags("play [radio_name : jazz fm]")),  # 1 slot
        ("weather_query", tags("is it cold")),  # 0 slots
    ]
    hyps = [
        ("alarm_set", tags("wake me at [time : six] am [date : tomorrow]")),  # 1 sub (boundary), 1 correct
        ("play_music", tags("play [radio_name : jazz fm]")),  # intent error, slot correct
        ("weather_query", tags("is it [weather_descriptor : cold]")),  # 1 insertion
    ]
    s = score(refs, hyps)
    assert s.utterances == 3 and s.intent_errors == 1
    assert s.intent_error_rate == pytest.approx(1 / 3)
    # slots: ref 3, hyp 4, correct 2 -> P = 2/4, R = 2/3, F1 = 2*2/(3+4)
    assert (s.ref_slots, s.hyp_slots, s.correct_slots) == (3, 4, 2)
    assert s.slot_f1 == pytest.approx(4 / 7)
    assert s.slot_precision == pytest.approx(0.5) and s.slot_recall == pytest.approx(2 / 3)
    # SemER = (S + D + I + intent errors) / (ref slots + utterances) = (1 + 0 + 1 + 1) / (3 + 3)
    assert (s.substitutions, s.deletions, s.insertions) == (1, 0, 1)
    assert s.semer == pytest.approx(3 / 6)


def test_perfect_and_empty():
    refs = [("a", tags("x [t : y]")), ("b", tags("z"))]
    s = score(refs, refs)
    assert s.semer == 0 and s.slot_f1 == 1 and s.intent_error_rate == 0
    assert math.isnan(NLUScores().semer)
    with pytest.raises(ValueError):
        score(refs, refs[:1])
    with pytest.raises(ValueError):
        score([("a", ["O"])], [("a", ["O", "O"])])


def test_score_subsets_splits_by_reference_intent():
    refs = [("new", ["O"]), ("old", ["O"]), ("old", ["O"])]
    hyps = [("old", ["O"]), ("old", ["O"]), ("new", ["O"])]
    s = score_subsets(refs, hyps, ["new"])
    assert s["all"]["intent_errors"] == 2 and s["new"]["utterances"] == 1 and s["new"]["intent_error_rate"] == 1
    assert s["other"]["intent_error_rate"] == pytest.approx(0.5)
