"""Kaldi ``text`` and SCTK ``trn`` transcripts."""

from __future__ import annotations

import pytest

from asrboot.io import InputError
from asrboot.score import read_transcripts, write_transcripts

TEXTS = {"u1": "ज़रा लाइट बंद करो", "u2": "", "spk1-u3": "a b"}


def test_read_kaldi_text(write_lines):
    path = write_lines("text", ["u1 ज़रा लाइट  बंद करो", "u2", "", "spk1-u3\ta b "])
    assert read_transcripts(path) == {"u1": "ज़रा लाइट  बंद करो", "u2": "", "spk1-u3": "a b"}


def test_read_trn_sniffed_from_suffix(write_lines):
    path = write_lines("hyp.trn", ["ज़रा लाइट बंद करो (u1)", "(u2)", "a b ( spk1-u3 )"])
    assert read_transcripts(path) == TEXTS


@pytest.mark.parametrize("fmt, name", [("kaldi", "text"), ("trn", "hyp.trn"), ("trn", "hyp.txt")])
def test_round_trip(tmp_path, fmt, name):
    path = tmp_path / name
    write_transcripts(path, TEXTS, fmt=fmt)
    assert read_transcripts(path, fmt=fmt) == TEXTS
    assert list(read_transcripts(path, fmt=fmt)) == list(TEXTS)


def test_written_lines(tmp_path):
    write_transcripts(tmp_path / "ref.trn", TEXTS)
    write_transcripts(tmp_path / "text", TEXTS)
    assert (tmp_path / "ref.trn").read_text(encoding="utf-8") == "ज़रा लाइट बंद करो (u1)\n(u2)\na b (spk1-u3)\n"
    assert (tmp_path / "text").read_text(encoding="utf-8") == "u1 ज़रा लाइट बंद करो\nu2\nspk1-u3 a b\n"


@pytest.mark.parametrize("name, lines", [("text", ["u1 a", "u2 b", "u1 c"]), ("x.trn", ["a (u1)", "(u2)", "c (u1)"])])
def test_duplicate_id_names_file_and_line(write_lines, name, lines):
    path = write_lines(name, lines)
    with pytest.raises(InputError, match=rf"{name}:3: duplicate utterance id 'u1' \(first on line 1\)"):
        read_transcripts(path)


@pytest.mark.parametrize("line", ["a b u1", "a b (u1", "a b ()"])
def test_malformed_trn_line(write_lines, line):
    path = write_lines("x.trn", ["ok (u0)", line])
    with pytest.raises(InputError, match=r"x\.trn:2: a trn line must end with"):
        read_transcripts(path)


def test_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="format must be one of"):
        read_transcripts(tmp_path / "x", fmt="ctm")
