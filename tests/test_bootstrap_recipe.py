"""recipes/hindi_lm_bootstrap end to end on its hand-written --demo corpus (CI; ~2 min on 2 idle cores, no AM),
and the ``asrboot bootstrap`` glue (asrboot/bootstrap) on small hand-made inputs."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from asrboot.bootstrap.sweep import subset
from asrboot.bootstrap.variants import parse_spec
from asrboot.cli.bootstrap import bootstrap

ROOT = Path(__file__).resolve().parents[1]
RECIPE = ROOT / "recipes" / "hindi_lm_bootstrap"
BUILTIN_DIR = ROOT / "asrboot" / "models" / "hindi_grapheme_ctc"
HAVE_BUILTIN_AM = (BUILTIN_DIR / "model.pt").exists()
VARIANTS = ["indomain", "raw", "selection", "selftrain", "rescore", "filter", "combined", "general", "moore_lewis"]
LM_STAGES = 28  # stages 0-27 (LM side + its report); 28-32 synthesize, decode and report WER


def recipe_copy(root: Path):
    """A copy of the recipe in a tree like the checkout's under ``root`` (so the checkout's data/ and exp/ are not
    touched), and the environment that runs it with this interpreter's asrboot."""
    work = root / "recipes" / "hindi_lm_bootstrap"
    work.mkdir(parents=True)
    for name in ("run.sh", "demo"):
        subprocess.run(["cp", "-r", str(RECIPE / name), str(work / name)], check=True)
    (root / "local").symlink_to(ROOT / "local")
    return work, dict(os.environ, ASRBOOT=str(Path(sys.executable).parent / "asrboot"))


@pytest.mark.timeout(1200)  # ~2 min on 2 idle cores (LM side); NMT is CPU-bound, so allow for busy ones
def test_demo_recipe_end_to_end(tmp_path):
    """CI: ./run.sh --demo, every stage, then again (every stage skipped: idempotent)."""
    work, env = recipe_copy(tmp_path)
    cmd = ["bash", str(work / "run.sh"), "--demo", "--nj", "1"]
    # the AM is decided now (a snapshot of the built-in model, or a missing one), not when the recipe reaches decoding
    if HAVE_BUILTIN_AM:
        subprocess.run(["cp", "-r", str(BUILTIN_DIR), str(tmp_path / "am")], check=True)
        cmd += ["--am", f"builtin:{tmp_path / 'am'}"]
    else:
        cmd += ["--am", f"builtin:{tmp_path / 'no_model'}"]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=1100)
    log = out.stdout[-3000:] + out.stderr[-3000:]
    if HAVE_BUILTIN_AM:
        assert out.returncode == 0, log
    else:  # the LM side and its report are done, then the decode stages stop with a clear message
        assert out.returncode == 3, log
        assert "no built-in AM" in out.stderr and "no_model/model.pt does not exist" in out.stderr, log
    exp = work / "exp" / "demo"
    report = (exp / "report.md").read_text(encoding="utf-8")
    for label in ("in-domain only (baseline)", "+ raw translations", "+ selection (centroid)",
                  "+ self-training fine-tune", "+ N-best rescoring", "+ LM filtering", "all combined",
                  "general-Hindi LM", "Moore-Lewis", "## NMT on the held-out pool slice", "## In-domain data-size sweep"):
        assert label in report, label
    rows = {r["variant"]: r for r in csv.DictReader(open(exp / "results.csv", encoding="utf-8"))}
    assert list(rows) == VARIANTS
    base = rows["indomain"]
    assert float(base["weight_indomain"]) == 1.0
    for name in VARIANTS:
        r = rows[name]
        assert 0 <= float(r["dev_oov_rate"]) <= 1 and float(r["dev_ppl_common"]) > 1, r
    # translations supply constructions the small in-domain set lacks: lower dev perplexity (same tokens counted)
    for name in ("raw", "selection", "combined", "general"):
        assert float(rows[name]["dev_ppl_common"]) < float(base["dev_ppl_common"]), (name, rows[name], base)
        assert float(rows[name]["weight_indomain"]) < 1
    assert (exp / "ppl.png").stat().st_size > 5000
    mt = json.loads((exp / "mt" / "eval.json").read_text(encoding="utf-8"))
    assert set(mt) == {"raw", "centroid", "moore_lewis", "selftrain"}
    assert all(0 <= s["bleu"] <= 100 and 0 <= s["chrf"] <= 100 for s in mt.values())
    sweep = list(csv.DictReader(open(exp / "sweep" / "sweep.csv", encoding="utf-8")))
    assert {int(r["size"]) for r in sweep} == {200, 100, 50} and len(sweep) == 3 * 2 * 2
    # never test or dev text in LM or NMT training data
    heldout = {line.strip() for f in ("dev.txt", "test.txt") for line in open(work / "data" / "demo" / f)}
    for name in ("train.txt",):
        assert not heldout & {line.strip() for line in open(work / "data" / "demo" / name)}
    pool_hi = {r["hi"] for r in csv.DictReader(open(work / "data" / "demo" / "pool" / "train.tsv"), delimiter="\t")}
    assert not heldout & pool_hi
    timing = [t.split("\t")[0] for t in (exp / "timing.tsv").read_text().splitlines()]
    stages = [int(t.split()[0]) for t in timing]
    if HAVE_BUILTIN_AM:
        assert stages == list(range(33))
        for name in VARIANTS:
            assert rows[name]["wer"] != "", rows[name]
        assert "test WER" in report and (exp / "wer.png").exists()
        for size in (200, 100, 50):  # the sweep by WER: each size's baseline vs combined, decoded
            wer = {r["variant"]: r for r in csv.DictReader(open(exp / "sweep" / f"decode_n{size}" / "results.csv"))}
            assert 0 <= float(wer["combined"]["wer"]) <= 100 and wer["combined"]["p_value"] != "", wer
            assert f"| {size} | 2 |" in report
        assert (exp / "sweep.png").stat().st_size > 5000
    else:
        assert stages == list(range(LM_STAGES))
        assert "not decoded yet" in report
    again = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == out.returncode, again.stdout[-2000:] + again.stderr[-2000:]
    assert again.stdout.count("skipped") == len(stages), again.stdout


def run_bootstrap(*args):
    return CliRunner().invoke(bootstrap, [str(a) for a in args])


def _write(path: Path, lines):
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


def test_lm_variants_sweep_and_report(tmp_path):
    indomain = _write(tmp_path / "train.txt", ["अलार्म लगाओ", "गाना बजाओ", "लाइट बंद करो", "अलार्म बंद करो"] * 5)
    translated = _write(tmp_path / "mt.txt", ["मौसम बताओ", "गाना बंद करो", "अलार्म लगाओ सुबह"] * 5)
    dev = _write(tmp_path / "dev.txt", ["गाना बंद करो", "मौसम बताओ"])
    test = _write(tmp_path / "test.txt", ["लाइट बंद करो", "मौसम बताओ"])
    from asrboot.lm.train import train_lm

    train_lm([indomain], tmp_path / "in.arpa", order=3)
    result = run_bootstrap("lm-variants", "--indomain", tmp_path / "in.arpa", "--dev", dev, "-o", tmp_path / "v",
                           f"raw={translated}", f"both={translated},{indomain}")
    assert result.exit_code == 0, result.output
    variants = json.loads((tmp_path / "v" / "variants.json").read_text(encoding="utf-8"))
    assert [v["name"] for v in variants] == ["indomain", "raw", "both"]
    assert len(variants[2]["weights"]) == 3 and abs(sum(variants[1]["weights"]) - 1) < 1e-6
    result = run_bootstrap("lms-arg", tmp_path / "v" / "variants.json")
    assert result.output.strip().startswith("indomain=") and ",raw=" in result.output
    result = run_bootstrap("sweep", "--train", indomain, "--combined", translated, "--dev", dev, "--test", test,
                           "--sizes", "10,5", "--seeds", "1,2", "-o", tmp_path / "sweep")
    assert result.exit_code == 0, result.output
    assert len(list(csv.DictReader(open(tmp_path / "sweep" / "sweep.csv")))) == 2 * 2 * 2
    result = run_bootstrap("report", "--variants", tmp_path / "v" / "variants.json", "--dev", dev, "--test", test,
                           "--sweep", tmp_path / "sweep" / "sweep.csv", "-o", tmp_path / "exp")
    assert result.exit_code == 0, result.output
    report = (tmp_path / "exp" / "report.md").read_text(encoding="utf-8")
    assert "+ raw translations" in report and "| 10 | 2 |" in report and "not decoded yet" in report
    # a decode table that lacks a variant is an error, not a silent gap
    wer = tmp_path / "results.csv"
    wer.write_text("variant,lm_scale,dev_wer,wer,wer_low,wer_high,cer,rel_wer_reduction,p_value\n"
                   "indomain,0.5,20,21,18,24,9,,\n", encoding="utf-8")
    result = run_bootstrap("report", "--variants", tmp_path / "v" / "variants.json", "--dev", dev, "--test", test,
                           "--decode", wer, "-o", tmp_path / "exp2")
    assert result.exit_code != 0 and "no WER for variants" in result.output
    # the sweep by WER: one compare-lms table per size; its numbers reach the sweep table and plot
    header = "variant,lm_scale,dev_wer,wer,wer_low,wer_high,cer,rel_wer_reduction,p_value\n"
    (tmp_path / "n10.csv").write_text(header + "baseline,0.5,20,30,27,33,9,,\ncombined,0.7,18,27,24,30,8,10.0,0.004\n")
    (tmp_path / "n5.csv").write_text(header + "baseline,0.5,25,40,37,43,12,,\n")
    args = ["report", "--variants", tmp_path / "v" / "variants.json", "--dev", dev, "--test", test,
            "--sweep", tmp_path / "sweep" / "sweep.csv", "--sweep-decode", f"10={tmp_path / 'n10.csv'}"]
    timing = tmp_path / "timing.tsv"  # a re-run stage is appended last: the report lists stages in order
    timing.write_text("0 norm-train\t1\n10 mt-train\t500\n2 norm-test\t3\n", encoding="utf-8")
    result = run_bootstrap(*args, "--timing", timing, "-o", tmp_path / "exp3")
    assert result.exit_code == 0, result.output
    report = (tmp_path / "exp3" / "report.md").read_text(encoding="utf-8")
    assert "| 30.00 | 27.00 | 10.00 | 0.004 |" in report and (tmp_path / "exp3" / "sweep.png").exists()
    assert "| 0 norm-train | 1 |\n| 2 norm-test | 3 |\n| 10 mt-train | 500 |\n| total (3 timed stages) | 504 |" in report
    assert [line for line in report.splitlines() if line.startswith("| 5 | 2 |")][0].endswith("| – | – | – | – |")
    result = run_bootstrap(*args, "--sweep-decode", f"5={tmp_path / 'n5.csv'}", "-o", tmp_path / "exp4")
    assert result.exit_code != 0 and "expected variants 'baseline' and 'combined'" in result.output
    result = run_bootstrap(*args, "--sweep-decode", f"7={tmp_path / 'n10.csv'}", "-o", tmp_path / "exp6")
    assert result.exit_code != 0 and "sizes [7] that the sweep lacks" in result.output
    result = run_bootstrap(*args, "--sweep-decode", "five=x.csv", "-o", tmp_path / "exp5")
    assert result.exit_code == 2 and "SIZE=RESULTS_CSV" in result.output


def test_bad_specs_and_sizes(tmp_path):
    assert parse_spec("a=x.txt,y.txt") == ("a", ["x.txt", "y.txt"])
    with pytest.raises(ValueError):
        parse_spec("nospec")
    assert subset(["a", "b", "c", "d"], 2, 1) == subset(["a", "b", "c", "d"], 2, 1)
    with pytest.raises(ValueError, match="sweep size 5 > 4"):
        subset(["a", "b", "c", "d"], 5, 1)


def test_general_text_drops_dev_test_sentences_and_duplicates(tmp_path):
    raw = _write(tmp_path / "general.txt", ["आज मौसम अच्छा है।", "गाना बजाओ", "आज मौसम अच्छा है", "", "5 किताबें"])
    dev = _write(tmp_path / "dev.txt", ["गाना बजाओ"])
    result = run_bootstrap("general-text", "--text", raw, "--exclude", dev, "-o", tmp_path / "out.txt")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"read": 5, "empty": 1, "excluded": 1, "duplicate": 1, "kept": 2}
    lines = (tmp_path / "out.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "आज मौसम अच्छा है" and len(lines) == 2 and "गाना बजाओ" not in lines
    result = run_bootstrap("general-text", "-o", tmp_path / "x.txt")
    assert result.exit_code == 2 and "exactly one of" in result.output


def test_decode_stages_stop_clearly_without_the_am(tmp_path):
    """Without model.pt (the built-in AM not trained yet) the decode stages say so and exit 3 (the LM side ran before)."""
    work, env = recipe_copy(tmp_path)
    missing = tmp_path / "untrained"
    out = subprocess.run(["bash", str(work / "run.sh"), "--demo", "--stage", "28", "--am", f"builtin:{missing}"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 3, out.stdout + out.stderr
    assert f"{missing}/model.pt does not exist" in out.stderr and "decoding stages not run" in out.stderr
    assert not (work / "data" / "demo" / "audio").exists()
    out = subprocess.run(["bash", str(work / "run.sh"), "--demo", "--stage", "28", "--decode=false"],
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "decoding off" in out.stdout, out.stdout + out.stderr
