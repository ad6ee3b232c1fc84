"""Readers of the general Hindi text sets, on small files in their real formats."""

from __future__ import annotations

import json

import pytest

from asrboot.corpora import GENERAL_HINDI, common_voice_sentences, discourse_sentences, hiner_sentences
from asrboot.io import InputError


def test_common_voice(write_lines):
    path = write_lines("sentence-collector.txt", ['"अभी कितने बजे हैं?" "तीन बीस बजे हैं"', "", "  पटना: गार्ड की हत्या  "])
    assert list(common_voice_sentences(path)) == ['"अभी कितने बजे हैं?" "तीन बीस बजे हैं"', "पटना: गार्ड की हत्या"]


def test_common_voice_bad_utf8(tmp_path):
    path = tmp_path / "s.txt"
    path.write_bytes("ठीक है\n".encode() + b"\xff\xfe bad\n")
    with pytest.raises(InputError, match=r"s\.txt:2: not valid UTF-8"):
        list(common_voice_sentences(path))


def test_hiner(write_lines):
    path = write_lines("validation.conll", ["अमरीकी\tB-ORGANIZATION", "सेना\tI-ORGANIZATION", "के\tO", "", "",
                                            "यह\tO", ".\tO"])
    assert list(hiner_sentences(path)) == ["अमरीकी सेना के", "यह ."]


@pytest.mark.parametrize("bad", ["अमरीकी B-ORG", "अमरीकी\tB\textra", "\tO"])
def test_hiner_bad_line(write_lines, bad):
    path = write_lines("validation.conll", ["सेना\tO", bad])
    with pytest.raises(InputError, match=r"validation\.conll:2: expected 'token<TAB>tag'"):
        list(hiner_sentences(path))


def test_discourse(tmp_path):
    data = {"0": {"Story_no": 0, "Sentence": "चेहरे पर इस की आँखें बहुत अजीब थीं।", "Discourse Mode": "Descriptive"},
            "1": {"Story_no": 0, "Sentence": "  ", "Discourse Mode": "Other"},
            "2": {"Story_no": 1, "Sentence": " इस की छोटी ठोढ़ी", "Discourse Mode": "Narrative"}}
    path = tmp_path / "discourse_dataset.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # \u-escaped, as the real file
    assert list(discourse_sentences(path)) == ["चेहरे पर इस की आँखें बहुत अजीब थीं।", "इस की छोटी ठोढ़ी"]


def test_discourse_errors(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('{"0": {"Sentence": "ठीक"},\n "1": {"Sentence": }}', encoding="utf-8")
    with pytest.raises(InputError, match=r"d\.json:2: not valid JSON"):
        list(discourse_sentences(path))
    path.write_text(json.dumps({"0": {"Sentence": "ठीक"}, "7": {"Story_no": 1}}), encoding="utf-8")
    with pytest.raises(InputError, match=r"d\.json: entry '7': no string field 'Sentence'"):
        list(discourse_sentences(path))


@pytest.mark.shared_data
def test_real_files_read(shared_data):
    for name, (rel, reader) in GENERAL_HINDI.items():
        first = next(reader(shared_data / rel))
        assert first.strip() and any("\u0900" <= ch <= "\u097f" for ch in first), name
