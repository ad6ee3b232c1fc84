"""WER/CER of :func:`asrboot.score.score` against hand-computed alignments."""

from __future__ import annotations

import logging

import jiwer
import kaldialign
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from asrboot.io import InputError
from asrboot.score import check_ids, score
from asrboot.score.align import GAP, align, count

JA_NUKTA, JA = "\u091c\u093c\u0930\u093e", "\u091c\u0930\u093e"  # ज़रा (ज + nukta) and जरा


def one(ref, hyp, **options):
    return score({"u": ref}, {"u": hyp}, **options)


def test_substitution_and_insertion_by_hand():
    result = one("a b c d", "a x c d e")
    (utt,) = result.utts
    assert utt.alignment == (("a", "a"), ("b", "x"), ("c", "c"), ("d", "d"), (GAP, "e"))
    assert (result.totals.ins, result.totals.dels, result.totals.subs, result.totals.correct) == (1, 0, 1, 3)
    assert result.wer == 2 / 4
    # characters abcd -> axcde: b->x, +e
    assert (result.char_errors, result.ref_chars, result.cer) == (2, 4, 2 / 4)


def test_deletions_by_hand():
    result = one("a b c d e", "a c d")
    assert result.utts[0].alignment == (("a", "a"), ("b", GAP), ("c", "c"), ("d", "d"), ("e", GAP))
    assert result.totals.dels == 2 and result.wer == 2 / 5


def test_hindi_spelling_variants_are_merged():
    result = one(f"{JA_NUKTA} लाइट जलाओ हाँ।", f"{JA} लाइट  जलाओ हां")
    assert result.totals.errors == 0 and result.totals.correct == 4 and result.cer == 0


def test_digits_are_spelled_out_on_both_sides():
    assert one("5 गाने बजाओ", "पाँच गाने बजाओ").wer == 0


def test_without_normalization_the_nukta_is_an_error():
    result = one(f"{JA_NUKTA} लाइट जलाओ", f"{JA} लाइट जलाओ", normalize=False)
    assert result.totals.subs == 1 and result.wer == 1 / 3
    # 12 code points without spaces (ज ़ र ा / ल ा इ ट / ज ल ा ओ); the nukta is deleted
    assert (result.char_errors, result.ref_chars) == (1, 12)


def test_unusual_tokens_are_plain_strings():
    result = one("* a QQQ ज़ीरो", "a qqq", normalize=False)
    assert result.utts[0].alignment == (("*", GAP), ("a", "a"), ("QQQ", "qqq"), ("ज़ीरो", GAP))
    assert (result.totals.dels, result.totals.subs) == (2, 1)


def test_empty_hypothesis_is_all_deletions():
    result = one("a b c", "")
    assert result.utts[0].alignment == (("a", GAP), ("b", GAP), ("c", GAP))
    assert result.wer == 1.0 and result.cer == 1.0 and result.hyp_words == 0


def test_empty_reference_contributes_insertions():
    result = score({"u1": "a b", "u2": ""}, {"u1": "a b", "u2": "x y"})
    assert result.utts[1].counts.ins == 2 and result.ref_words == 2 and result.wer == 2 / 2


def test_no_reference_words_at_all_is_an_error():
    with pytest.raises(InputError, match="no reference words"):
        score({"u1": "", "u2": "।"}, {"u1": "x", "u2": ""}, ref_name="ref.txt")


def test_mismatched_ids_are_listed():
    refs = {f"u{i:02d}": "a" for i in range(20)}
    hyps = {uid: "a" for uid in list(refs)[12:]}
    hyps["extra1"] = "a"
    with pytest.raises(InputError) as e:
        score(refs, hyps, hyp_name="hyp.txt")
    message = str(e.value)
    assert message.startswith("hyp.txt: ")
    assert "12 reference id(s) without hypothesis: u00, u01," in message and "u09, ... (2 more)" in message
    assert "u10" not in message and "1 hypothesis id(s) not in the reference: extra1" in message


def test_allow_missing_scores_deletions_and_says_so(caplog):
    with caplog.at_level(logging.WARNING):
        result = score({"u1": "a b", "u2": "c d e"}, {"u1": "a b"}, allow_missing=True, hyp_name="hyp.txt")
    assert result.missing_hyps == ("u2",) and result.summary()["missing_hyps"] == 1
    assert result.totals.dels == 3 and result.wer == 3 / 5
    assert "hyp.txt: 1 of 2 utterance(s) have no hypothesis" in caplog.text


def test_extra_hypotheses_are_an_error_even_with_allow_missing():
    with pytest.raises(InputError, match="not in the reference: z"):
        check_ids({"a": "x"}, {"z": "x"}, allow_missing=True)


def test_summary_totals():
    summary = score({"u1": "a b c d", "u2": "e"}, {"u1": "a x c d e", "u2": "e"}).summary()
    expected = {"utterances": 2, "ref_words": 5, "hyp_words": 6, "correct": 4, "ins": 1, "del": 0, "sub": 1,
                "errors": 2, "wer": 2 / 5, "ref_chars": 5, "char_errors": 2, "cer": 2 / 5, "missing_hyps": 0}
    assert expected.items() <= summary.items()


words = st.lists(st.sampled_from("abcde"), max_size=8)


@settings(max_examples=150, deadline=None)
@given(words, words)
def test_alignment_agrees_with_edit_distance_and_jiwer(ref, hyp):
    alignment = align(ref, hyp)
    assert [r for r, _ in alignment if r != GAP] == ref and [h for _, h in alignment if h != GAP] == hyp
    counts = count(alignment)
    assert counts.errors == kaldialign.edit_distance(ref, hyp)["total"]
    assert counts.correct + counts.subs + counts.dels == len(ref)
    if ref:
        assert counts.errors / len(ref) == pytest.approx(jiwer.wer(" ".join(ref), " ".join(hyp)))
