"""The ``asrboot`` command line, invoked for real (console script and click runner)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from asrboot.cli import cli

from conftest import zipf_sentences


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_console_script_help():
    exe = Path(sys.executable).parent / "asrboot"
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, check=True).stdout
    assert "--log-level" in out and "lm" in out and "text" in out


@pytest.mark.parametrize("group", ["text", "lm", "lang", "graph", "data", "nlu", "select", "mt", "bootstrap"])
def test_every_command_has_help(group):
    result = run(group, "--help")
    assert result.exit_code == 0
    commands = cli.commands[group].commands
    assert commands
    for name in commands:
        sub = run(group, name, "--help")
        assert sub.exit_code == 0 and "Usage:" in sub.output


def test_normalize_train_ppl(tmp_path, write_lines):
    raw = write_lines("raw.txt", ["मुझे 45 गाने सुनाओ।", "ज़रा लाइट   बंद करो!!"] + zipf_sentences(1, 2000))
    norm = tmp_path / "norm.txt"
    result = run("text", "normalize", raw, norm, "--lang", "hi")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["read"] == 2002
    lines = norm.read_text(encoding="utf-8").splitlines()
    assert lines[:2] == ["मुझे पैंतालीस गाने सुनाओ", "ज़रा लाइट बंद करो"]
    scoring = tmp_path / "scoring.txt"
    run("text", "normalize", raw, scoring, "--mode", "scoring")
    assert scoring.read_text(encoding="utf-8").splitlines()[1] == "जरा लाइट बंद करो"

    arpa = tmp_path / "lm.arpa"
    result = run("lm", "train", norm, "-o", arpa, "--order", "3", "--binary", "probing")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["ngrams"]["3"] > 0 and arpa.with_suffix(".bin").exists()

    dev = write_lines("dev.txt", ["लाइट बंद करो", "अनजाना शब्द"])
    per_sentence = tmp_path / "scores.tsv"
    result = run("lm", "ppl", arpa, dev, "--per-sentence", per_sentence)
    assert result.exit_code == 0, result.output
    assert "2 sentences, 5 words" in result.output and "ppl=" in result.output
    rows = per_sentence.read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3 and rows[2].split("\t")[2] == "2"  # both words of the 2nd sentence are OOV


def test_bad_input_is_one_line_error(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok\n\xff\xfe\n")
    result = CliRunner().invoke(cli, ["text", "normalize", str(bad), str(tmp_path / "out.txt")])
    assert result.exit_code == 1
    assert "bad.txt:2: not valid UTF-8" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "out.txt").exists()
    skip = run("text", "normalize", bad, tmp_path / "out.txt", "--errors", "skip")
    assert json.loads(skip.output)["skipped"] == 1


def test_normalize_tsv_column(tmp_path, write_lines):
    tsv = write_lines("set.tsv", ["id\ten\thi", "d1\tturn it off\tइसे बंद करो।", "d2\tplay 2 songs\t2 गाने चलाओ"])
    out = tmp_path / "text"
    assert run("text", "normalize", tsv, out, "--column", "hi", "--id-column", "id").exit_code == 0
    assert out.read_text(encoding="utf-8").splitlines() == ["d1 इसे बंद करो", "d2 दो गाने चलाओ"]
    bad = write_lines("bad.tsv", ["id\ten\thi", "d1\tok\tठीक", "d2\tonly two fields"])
    result = CliRunner().invoke(cli, ["text", "normalize", str(bad), str(out), "--column", "hi"])
    assert result.exit_code == 1 and "bad.tsv:3: 2 tab-separated fields, the header has 3" in result.output
    result = CliRunner().invoke(cli, ["text", "normalize", str(tsv), str(out), "--column", "xx"])
    assert result.exit_code == 1 and "no column 'xx'" in result.output


def test_interpolate_and_prune(tmp_path, write_lines):
    from conftest import grammar_sentences

    a = write_lines("a.txt", grammar_sentences(1, 1500) + zipf_sentences(2, 1500))
    b = write_lines("b.txt", grammar_sentences(3, 1500, flavour=1))
    dev = write_lines("dev.txt", grammar_sentences(4, 200, flavour=1))
    for name, text in (("a", a), ("b", b)):
        assert run("lm", "train", text, "-o", tmp_path / f"{name}.arpa").exit_code == 0
    report = tmp_path / "mix.json"
    result = run("lm", "interpolate", tmp_path / "a.arpa", tmp_path / "b.arpa", "--dev", dev,
                 "-o", tmp_path / "mix.arpa", "--report", report)
    assert result.exit_code == 0, result.output
    r = json.loads(report.read_text())
    assert r["weights"][1] > r["weights"][0]  # b matches the dev text's flavour
    assert r["mix"]["ppl"] <= min(i["ppl"] for i in r["inputs"])
    assert str(tmp_path / "mix.arpa") in result.output
    result = run("lm", "prune", tmp_path / "mix.arpa", "-o", tmp_path / "small.arpa", "--target-ngrams", 2000)
    assert result.exit_code == 0, result.output
    pruned = json.loads(result.output)
    assert sum(pruned["ngrams_after"]) < sum(pruned["ngrams_before"])
    usage = CliRunner().invoke(cli, ["lm", "prune", str(tmp_path / "mix.arpa"), "-o", str(tmp_path / "x.arpa")])
    assert usage.exit_code == 2 and "exactly one of" in usage.output
