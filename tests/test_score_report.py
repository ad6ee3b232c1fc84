"""The icefall-style errors file, written out by hand."""

from __future__ import annotations

from asrboot.score import score

REFS = {"u1": "a b c d", "u2": "f g h", "u3": "b c g"}
HYPS = {"u1": "a x c d e", "u2": "h", "u3": "x c k"}

EXPECTED = """\
%WER = 60.00 [ 6 / 10, 1 ins, 2 del, 3 sub ]
%CER = 60.00 [ 6 / 10 ]
Errors: 1 insertions, 2 deletions, 3 substitutions, over 10 reference words (5 correct)
Search below for sections starting with PER-UTT DETAILS:, SUBSTITUTIONS:, DELETIONS:, INSERTIONS:, PER-WORD STATS:

PER-UTT DETAILS: corr or (ref->hyp)
u1:\ta (b->x) c d (*->e)
u2:\t(f g->*) h
u3:\t(b->x) c (g->k)

SUBSTITUTIONS: count ref -> hyp
2   b -> x
1   g -> k

DELETIONS: count ref
1   f
1   g

INSERTIONS: count hyp
1   e

PER-WORD STATS: word  corr tot_errs count_in_ref count_in_hyp
b   0 2 2 0
g   0 2 2 0
x   0 2 0 2
e   0 1 0 1
f   0 1 1 0
k   0 1 0 1
a   1 0 1 1
c   2 0 2 2
d   1 0 1 1
h   1 0 1 1
"""


def test_errs_file_by_hand(tmp_path):
    path = tmp_path / "errs.txt"
    score(REFS, HYPS).write_errs(path)
    assert path.read_text(encoding="utf-8") == EXPECTED


def test_missing_hypotheses_are_reported(tmp_path):
    path = tmp_path / "errs.txt"
    score({"u1": "a", "u2": "b c"}, {"u1": "a"}, allow_missing=True).write_errs(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "%WER = 66.67 [ 2 / 3, 0 ins, 2 del, 0 sub ]"
    assert "Missing hypotheses, scored as all deletions: 1" in lines
    assert "u2:\t(b c->*)" in lines
