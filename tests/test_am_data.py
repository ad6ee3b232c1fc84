"""Training text of the built-in model: general Hindi only, never slurp_hi, all characters covered."""

from __future__ import annotations

import json

import pytest

from asrboot.am.data import check_no_overlap, prepare_text, slurp_hi_sentences
from asrboot.corpora.pseudo import devanagari_inventory
from asrboot.io import read_lines
from asrboot.tokens import read_tokens


def test_overlap_check():
    check_no_overlap(["आज मौसम अच्छा है"], {"मौसम कैसा है"})
    with pytest.raises(AssertionError, match="slurp_hi"):
        check_no_overlap(["आज मौसम अच्छा है", "मौसम कैसा है"], {"मौसम कैसा है"})


@pytest.mark.shared_data
def test_prepare_text(shared_data, tmp_path):
    stats = prepare_text(shared_data, tmp_path, num_train=300, num_valid=20, pseudo_per_char=1)
    train = [line for _, line in read_lines(tmp_path / "train.txt")]
    valid = [line for _, line in read_lines(tmp_path / "valid.txt")]
    assert len(valid) == 20 and len(train) == stats["train"] > 300
    assert not (set(train) | set(valid)) & slurp_hi_sentences(shared_data)
    assert not set(train) & set(valid)
    tokens = read_tokens(tmp_path / "tokens.txt")
    assert set(tokens) >= devanagari_inventory() and set("".join(train).replace(" ", "")) <= set(tokens)
    assert json.loads((tmp_path / "stats.json").read_text())["pool"] > 30000
