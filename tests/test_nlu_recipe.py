"""recipes/nlu_selftrain end to end on its hand-written --demo corpus (CI; ~2-3 min on 2 cores),
and the ``asrboot nlu`` commands' handling of bad input."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from asrboot.cli.nlu import nlu

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "recipes" / "nlu_selftrain"


@pytest.mark.timeout(600)
def test_demo_recipe_end_to_end(tmp_path):
    """CI: ./run.sh --demo, every stage, then again (all stages skipped: idempotent)."""
    # run a copy of the recipe in a tree like the checkout's, so its data/ and exp/ are not touched
    work = tmp_path / "recipes" / "nlu_selftrain"
    work.mkdir(parents=True)
    for name in ("run.sh", "conf", "demo"):
        subprocess.run(["cp", "-r", str(RECIPE / name), str(work / name)], check=True)
    (tmp_path / "local").symlink_to(ROOT / "local")
    env = dict(os.environ, ASRBOOT=str(Path(sys.executable).parent / "asrboot"))
    cmd = ["bash", str(work / "run.sh"), "--demo", "--nj", "1"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=580)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    exp = work / "exp" / "demo"
    report = (exp / "report.md").read_text(encoding="utf-8")
    for strategy in ("supervised only", "+ self-training, random pool", "+ relevance filter",
                     "+ relevance + paraphrase diversity", "+ relevance + submodular"):
        assert strategy in report
    assert "## Model: minilm" in report and "## Model: linear" in report and "Added examples needed" in report
    rows = list(csv.DictReader(open(exp / "results.csv", encoding="utf-8")))
    # 2 models x 2 K x 1 seed x 5 strategies x (1 + 2 rounds)
    assert len(rows) == 2 * 2 * 5 * 3
    final = [r for r in rows if r["round"] == "2"]
    for r in final:
        assert r["added"] == ("0" if r["strategy"] == "supervised" else "6"), r
        assert 0 <= float(r["new_semer"]) and 0 <= float(r["all_slot_f1"]) <= 1
    assert (exp / "learning_curves_minilm.png").stat().st_size > 10000
    run = json.loads((exp / "runs" / "minilm" / "k3" / "seed1.json").read_text(encoding="utf-8"))
    test_texts = {json.loads(line)["text"] for line in open(work / "data" / "demo" / "test.jsonl")}
    for res in run["strategies"].values():  # no test utterance is ever selected
        assert not {e["text"] for e in res["added_examples"]} & test_texts
    timing = (exp / "timing.tsv").read_text().splitlines()
    assert [t.split("\t")[0] for t in timing] == ["0 prepare", "1 encode", "2 paraphrase", "3 selftrain-minilm",
                                                   "4 selftrain-linear", "5 report"]
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and again.stdout.count("skipped") == 6, again.stdout


def run_nlu(*args):
    return CliRunner().invoke(nlu, [str(a) for a in args])


HEADER = "answerid;scenario;intent;answer_annotation;answer_from_anno;answer_from_user\n"


def test_check_reports_bad_annotation_with_file_and_line(tmp_path):
    good = tmp_path / "alarm_set.csv"
    good.write_text(HEADER + '1;alarm;set;"wake me at [time : six am]";"";""\n', encoding="utf-8")
    result = run_nlu("check", good)
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)[str(good)] == {"utterances": 1, "slots": 1, "intents": 1}
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + '1;alarm;set;"ok";"";""\n2;alarm;set;"wake me at [time six am]";"";""\n',
                   encoding="utf-8")
    result = run_nlu("check", bad)
    assert result.exit_code == 1
    assert f"Error: {bad}:3: malformed slot annotation" in result.output and "no ':'" in result.output
    nolabel = tmp_path / "devel.jsonl"
    nolabel.write_text(json.dumps({"sentence_annotation": "hello there"}) + "\n", encoding="utf-8")
    result = run_nlu("check", nolabel, "--format", "slurp")
    assert result.exit_code == 1 and f"{nolabel}:1: utterance without intent label" in result.output


def test_prepare_names_the_bad_file(tmp_path):
    root = tmp_path / "data"
    subprocess.run(["cp", "-r", str(RECIPE / "demo"), str(root)], check=True)
    bad = root / "hwu64_nlu_evaluation_data" / "kfold1_trainset" / "play_music.csv"
    lines = bad.read_text(encoding="utf-8").splitlines()
    lines[5] = lines[5].replace("[song_name : hello]", "[song_name : hello")
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_nlu("prepare", "--config", RECIPE / "conf" / "demo.yaml", "--data-root", root, "-o", tmp_path / "out")
    assert result.exit_code == 1
    assert f"{bad}:6: malformed slot annotation" in result.output and "never closed" in result.output
    assert not (tmp_path / "out" / "stats.json").exists()
    result = run_nlu("prepare", "--data-root", tmp_path / "nowhere", "-o", tmp_path / "out")
    assert result.exit_code == 2  # click: the data root must exist
