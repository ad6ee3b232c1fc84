"""``asrboot score`` end to end on small files."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from asrboot.cli.score import score_command

REF = ["u1 a b c d", "u2 ज़रा लाइट", "u3 बंद करो"]
HYP = ["u1 a x c d e", "u2 जरा लाइट", "u3 बंद करो"]


def run(*args):
    return CliRunner().invoke(score_command, [str(a) for a in args])


@pytest.fixture
def files(write_lines):
    return write_lines("ref.txt", REF), write_lines("hyp.txt", HYP)


def test_end_to_end(tmp_path, files):
    ref, hyp = files
    out = tmp_path / "out"
    result = run("--ref", ref, "--hyp", hyp, "--out-dir", out, "--bootstrap", "200")
    assert result.exit_code == 0, result.output
    wer_line, cer_line = result.output.splitlines()
    assert wer_line.startswith("%WER = 25.00 [ 2 / 8, 1 ins, 0 del, 1 sub ]  95% CI [")
    assert cer_line.startswith("%CER = ") and "95% CI" in cer_line
    report = json.loads((out / "wer.json").read_text(encoding="utf-8"))
    assert report["wer"] == 2 / 8 and report["errors"] == 2 and report["missing_hyps"] == 0
    assert report["wer_ci95"][0] <= report["wer"] <= report["wer_ci95"][1]
    assert "u1:\ta (b->x) c d (*->e)" in (out / "errs.txt").read_text(encoding="utf-8").splitlines()
    assert (out / "ref.trn").read_text(encoding="utf-8") == "a b c d (u1)\nजरा लाइट (u2)\nबंद करो (u3)\n"
    assert (out / "hyp.trn").read_text(encoding="utf-8").splitlines()[0] == "a x c d e (u1)"


def test_trn_inputs_and_no_bootstrap(write_lines):
    ref = write_lines("ref.trn", ["a b c (u1)", "(u2)"])
    hyp = write_lines("hyp.trn", ["a b (u1)", "x (u2)"])
    result = run("--ref", ref, "--hyp", hyp, "--bootstrap", "0", "--lang", "en")
    assert result.exit_code == 0, result.output
    assert result.output == "%WER = 66.67 [ 2 / 3, 1 ins, 1 del, 0 sub ]\n%CER = 66.67 [ 2 / 3 ]\n"


def test_no_normalize(files):
    result = run("--ref", files[0], "--hyp", files[1], "--no-normalize", "--bootstrap", "0")
    assert result.output.startswith("%WER = 37.50 [ 3 / 8, 1 ins, 0 del, 2 sub ]")


def test_paired_comparison(tmp_path, files, write_lines):
    ref, hyp = files
    hyp_b = write_lines("hyp_b.txt", ["u1 a b c d", "u2 जरा लाइट", "u3 बंद करो"])
    out = tmp_path / "out"
    result = run("--ref", ref, "--hyp", hyp, "--hyp-b", hyp_b, "--out-dir", out, "--bootstrap", "100")
    assert result.exit_code == 0, result.output
    assert "B vs A: delta WER -25.00" in result.output and "sign test: B better on 1, worse on 0" in result.output
    report = json.loads((out / "wer.json").read_text(encoding="utf-8"))
    assert report["b"]["wer"] == 0 and report["comparison"]["paired_bootstrap"]["replicates"] == 100
    assert (out / "errs_b.txt").exists() and (out / "hyp_b.trn").exists()


def test_mismatched_ids_are_a_one_line_error(write_lines, files):
    hyp = write_lines("short.txt", HYP[:2] + ["zz a"])
    result = run("--ref", files[0], "--hyp", hyp)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.output.count("\n") == 1 and result.output.startswith("Error: ")
    assert "1 reference id(s) without hypothesis: u3" in result.output and "not in the reference: zz" in result.output


def test_allow_missing(tmp_path, write_lines, files):
    hyp = write_lines("short.txt", HYP[:2])
    result = run("--ref", files[0], "--hyp", hyp, "--allow-missing", "--out-dir", tmp_path / "out")
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "out" / "wer.json").read_text(encoding="utf-8"))
    assert report["missing_hyps"] == 1 and report["del"] == 2 and report["wer"] == 4 / 8
    assert (tmp_path / "out" / "hyp.trn").read_text(encoding="utf-8").splitlines()[2] == "(u3)"


def test_duplicate_id_names_the_line(write_lines, files):
    ref = write_lines("dup.txt", REF + ["u2 again"])
    result = run("--ref", ref, "--hyp", files[1])
    assert result.exit_code == 1 and "dup.txt:4: duplicate utterance id 'u2'" in result.output


def test_missing_file_is_a_usage_error(tmp_path, files):
    result = run("--ref", tmp_path / "nope.txt", "--hyp", files[1])
    assert result.exit_code == 2 and "does not exist" in result.output
