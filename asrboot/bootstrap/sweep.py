"""In-domain data-size sweep: the in-domain LM on random subsets of the in-domain train text (fixed seeds)
against the same subset LM EM-interpolated (on dev) with the LM of the combined translations."""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Dict, List, Sequence

from asrboot.io import InputError, atomic_open, read_lines
from asrboot.lm.interpolate import interpolate, read_sentences
from asrboot.lm.train import train_lm

from asrboot.bootstrap.report import perplexities

FIELDS = ["size", "seed", "variant", "weight_indomain", "dev_ppl", "test_ppl", "test_ppl_common", "test_oov_rate"]


def subset(lines: Sequence[str], size: int, seed: int) -> List[str]:
    """``size`` lines drawn without replacement with ``random.Random(seed)``, in their original order."""
    if size > len(lines):
        raise ValueError(f"sweep size {size} > {len(lines)} in-domain train sentences")
    keep = sorted(random.Random(seed).sample(range(len(lines)), size))
    return [lines[i] for i in keep]


def run_sweep(train_text: str, combined_text: str, dev_text: str, test_text: str, sizes: Sequence[int],
              seeds: Sequence[int], out_dir: str, order: int = 3) -> List[Dict]:
    """Write ``OUT_DIR/sweep.csv`` (:data:`FIELDS`; variants ``baseline`` and ``combined``) and return its rows."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    lines = [line for _, line in read_lines(train_text) if line.strip()]
    if not lines:
        raise InputError(train_text, None, "no sentences")
    combined_arpa = out / "combined_text.arpa"
    train_lm([combined_text], combined_arpa, order=order)
    dev = [s for s in read_sentences(dev_text)]
    test = [" ".join(s) for s in read_sentences(test_text)]
    rows: List[Dict] = []
    for size in sizes:
        for seed in seeds:
            stem = out / f"n{size}_seed{seed}"
            with atomic_open(f"{stem}.txt") as f:
                f.write("".join(s + "\n" for s in subset(lines, size, seed)))
            base = Path(f"{stem}.baseline.arpa")
            train_lm([f"{stem}.txt"], base, order=order)
            mixed = Path(f"{stem}.combined.arpa")
            report = interpolate([base, combined_arpa], dev_text, mixed)
            test_ppl = perplexities({"baseline": base, "combined": mixed}, test)
            dev_ppl = perplexities({"baseline": base, "combined": mixed}, [" ".join(s) for s in dev])
            for variant, weight in (("baseline", 1.0), ("combined", report["weights"][0])):
                rows.append({"size": size, "seed": seed, "variant": variant, "weight_indomain": round(weight, 4),
                             "dev_ppl": round(dev_ppl[variant]["ppl"], 3),
                             "test_ppl": round(test_ppl[variant]["ppl"], 3),
                             "test_ppl_common": round(test_ppl[variant]["ppl_common"], 3),
                             "test_oov_rate": round(test_ppl[variant]["oov_rate"], 5)})
    with atomic_open(out / "sweep.csv") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    return rows
