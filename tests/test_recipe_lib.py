"""``local/recipe.sh``: Kaldi-style option parsing and idempotent stages shared by the recipes."""

from __future__ import annotations

import subprocess
from pathlib import Path

LIB = Path(__file__).resolve().parents[1] / "local" / "recipe.sh"


def run_script(tmp_path, *args):
    script = tmp_path / "run.sh"
    script.write_text(f"""#!/usr/bin/env bash
# A test recipe.
set -euo pipefail
stage=0
stop_stage=100
data_dir=default
demo=false
timing={tmp_path}/timing.tsv
. {LIB}
echo "stage=$stage stop=$stop_stage data=$data_dir demo=$demo"
run_stage 1 one {tmp_path}/one.txt touch {tmp_path}/one.txt
run_stage 2 two {tmp_path}/two.txt touch {tmp_path}/two.txt
""")
    return subprocess.run(["bash", str(script), *args], capture_output=True, text=True)


def test_options_and_flags(tmp_path):
    out = run_script(tmp_path, "--stop-stage", "1", "--data-dir=/x/y", "--demo")
    assert out.returncode == 0, out.stderr
    assert "stage=0 stop=1 data=/x/y demo=true" in out.stdout
    assert (tmp_path / "one.txt").exists() and not (tmp_path / "two.txt").exists()
    assert (tmp_path / "timing.tsv").read_text().startswith("1 one\t")


def test_stages_are_skipped_when_done(tmp_path):
    assert run_script(tmp_path).returncode == 0
    again = run_script(tmp_path, "--stage", "2")
    assert "two: " in again.stdout and "exists, skipped" in again.stdout and "[stage 1]" not in again.stdout


def test_unknown_option_is_an_error(tmp_path):
    out = run_script(tmp_path, "--no-such-thing", "1")
    assert out.returncode == 2 and "unknown option --no-such-thing" in out.stderr
    out = run_script(tmp_path, "--stage")
    assert out.returncode == 2 and "needs a value" in out.stderr
