"""Result table of the NLU self-training recipe: CSV, Markdown report, PNG learning curves."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from asrboot.io import PathLike, atomic_open
from asrboot.nlu.config import STRATEGIES
from asrboot.plots import pyplot, save_png

METRICS = ("intent_error_rate", "slot_f1", "semer")
SHORT = {"intent_error_rate": "IntErr", "slot_f1": "SlotF1", "semer": "SemER"}


def load_runs(runs_dir: PathLike) -> List[Dict]:
    runs = []
    for path in sorted(Path(runs_dir).glob("*/k*/seed*.json")):
        runs.append(json.loads(path.read_text(encoding="utf-8")))
    return runs


def long_rows(runs: Sequence[Dict]) -> List[Dict]:
    rows = []
    for run in runs:
        for strategy, res in run["strategies"].items():
            for r in res["rounds"]:
                row = {"model": run["model"], "k": run["k"], "seed": run["seed"], "strategy": strategy}
                row.update(r)
                rows.append(row)
    return rows


def _mean_sd(values: Sequence[float]) -> Tuple[float, float]:
    v = np.asarray([x for x in values if x is not None and not math.isnan(x)], dtype=float)
    if not len(v):
        return float("nan"), float("nan")
    return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def _fmt(mean: float, sd: float, pct: bool = True) -> str:
    if math.isnan(mean):
        return "–"
    s = 100.0 if pct else 1.0
    return f"{mean * s:.1f} ± {sd * s:.1f}"


def curves(rows: Sequence[Dict], metric: str) -> Dict[Tuple[str, int, str], Tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``(model, k, strategy) -> (mean added, mean metric, sd metric)`` per round."""
    by: Dict[Tuple[str, int, str], Dict[int, List[Dict]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        by[(r["model"], r["k"], r["strategy"])][r["round"]].append(r)
    out = {}
    for key, rounds in by.items():
        xs, ms, sds = [], [], []
        for rnd in sorted(rounds):
            rs = rounds[rnd]
            xs.append(np.mean([x["added"] for x in rs]))
            m, sd = _mean_sd([x[metric] for x in rs])
            ms.append(m)
            sds.append(sd)
        out[key] = (np.asarray(xs), np.asarray(ms), np.asarray(sds))
    return out


def data_to_reach(x: np.ndarray, y: np.ndarray, target: float) -> Optional[float]:
    """Smallest (linearly interpolated) number of added examples at which ``y <= target``; None if never."""
    if not len(y):
        return None
    if y[0] <= target + 1e-12:
        return float(x[0])
    for i in range(1, len(y)):
        if y[i] <= target + 1e-12:
            if y[i - 1] == y[i]:
                return float(x[i])
            return float(x[i - 1] + (x[i] - x[i - 1]) * (y[i - 1] - target) / (y[i - 1] - y[i]))
    return None


def write_report(runs_dir: PathLike, out_dir: PathLike, config: Dict, stats: Optional[Dict] = None,
                 timing: Optional[PathLike] = None, extra: Optional[Dict] = None) -> Dict[str, Path]:
    runs = load_runs(runs_dir)
    if not runs:
        raise FileNotFoundError(f"{runs_dir}: no run results (run the selftrain stage first)")
    out = Path(out_dir)
    rows = long_rows(runs)
    columns = ["model", "k", "seed", "strategy", "round", "added"] + [
        f"{s}_{m}" for s in ("new", "all", "other") for m in METRICS] + [
        "candidates", "confident", "new", "sel_oracle_target", "sel_pred_target", "sel_pseudo_intent_acc",
        "sel_distinct_templates"]
    csv_path = out / "results.csv"
    with atomic_open(csv_path, "w") as f:
        w = csv.DictWriter(f, fieldnames=columns, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({c: (f"{r[c]:.6g}" if isinstance(r.get(c), float) else r.get(c, "")) for c in columns})

    models = sorted({r["model"] for r in runs}, key=lambda m: (m != "minilm", m))
    ks = sorted({r["k"] for r in runs})
    strategies = [s for s in STRATEGIES if any(s in r["strategies"] for r in runs)]
    seeds = sorted({r["seed"] for r in runs})
    rounds = max(r["round"] for r in rows)
    per_round = runs[0].get("per_round")
    ref = config["report"]["reference"]
    metric = config["report"]["metric"]
    threshold = config["relevance"]["threshold"]
    names = {"supervised": "supervised only", "random": "+ self-training, random pool",
             "relevance": "+ relevance filter", "relevance+paraphrase": "+ relevance + paraphrase diversity",
             "relevance+submodular": "+ relevance + submodular"}

    lines = ["# NLU self-training for new intents: results", ""]
    test_size = f" ({stats.get('test')} utterances, {stats.get('test_target')} of the new intents)" if stats else ""
    lines += [f"New intents: {', '.join(runs[0]['targets'])}; K labelled utterances each. Test: the test fold"
              f"{test_size}, never used for training or selection. Seeds: {', '.join(map(str, seeds))} "
              f"(mean ± sd over seeds).",
              f"Self-training: {rounds} rounds x {per_round} added utterances "
              f"(confidence >= {config['selftrain']['conf_threshold']}, at most {config['selftrain']['candidates']} "
              f"candidates a round); relevance filter keeps top {config['relevance']['top_n']} per target intent"
              f"{'' if threshold is None else f' above {threshold}'}.",
              "All numbers in %. *new* = test utterances of the new intents, *all* = the whole test fold.", ""]
    if stats:
        lines += ["Data: " + ", ".join(f"{k} {v}" for k, v in stats.items() if not isinstance(v, dict)), ""]

    for model in models:
        lines += [f"## Model: {model}", "", f"### At equal numbers of added examples (after round {rounds})", ""]
        header = ["K", "strategy", "added"] + [f"new {SHORT[m]}" for m in METRICS] + [
            f"all {SHORT[m]}" for m in METRICS] + ["new-intent share of picks*"]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for k in ks:
            for s in strategies:
                final = [r for r in rows if r["model"] == model and r["k"] == k and r["strategy"] == s
                         and r["round"] == rounds]
                if not final:
                    continue
                added = np.mean([r["added"] for r in final])
                cells = [str(k), names.get(s, s), f"{added:.0f}"]
                for split in ("new", "all"):
                    for m in METRICS:
                        cells.append(_fmt(*_mean_sd([r[f"{split}_{m}"] for r in final])))
                precision = []
                for run in runs:
                    if run["model"] == model and run["k"] == k and s in run["strategies"]:
                        ex = run["strategies"][s]["added_examples"]
                        known = [e["oracle_intent"] in run["targets"] for e in ex if e.get("oracle_intent")]
                        if known:
                            precision.append(np.mean(known))
                cells.append(_fmt(*_mean_sd(precision)) if precision else "–")
                lines.append("| " + " | ".join(cells) + " |")
        lines += ["", "\\* share of the added utterances whose hidden label is a new intent, among those with a "
                  "hidden label (HWU64/SLURP/DNNC; SLURP lm.txt lines have none).", "",
                  f"### Added examples needed to reach the same new-intent {SHORT[metric]}", "",
                  f"Target: the {SHORT[metric]} on the new intents that *{names.get(ref, ref)}* reaches after "
                  f"{rounds} rounds (mean over seeds); interpolated on the mean learning curves. "
                  "'> N' = not reached within the added examples tried. In brackets: relative to the "
                  "reference. Curves of single rounds are noisy; the last table (mean over all rounds) is steadier.",
                  ""]
        cv = curves([r for r in rows if r["model"] == model], f"new_{metric}")
        header = ["K", "target " + SHORT[metric]] + [names.get(s, s) for s in strategies if s != "supervised"]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for k in ks:
            if (model, k, ref) not in cv:
                continue
            target = cv[(model, k, ref)][1][-1]
            cells = [str(k), f"{100 * target:.1f}"]
            base_need = data_to_reach(cv[(model, k, ref)][0], cv[(model, k, ref)][1], target)
            for s in strategies:
                if s == "supervised":
                    continue
                x, y, _ = cv.get((model, k, s), (np.zeros(0), np.zeros(0), None))
                need = data_to_reach(x, y, target)
                if need is None:
                    cells.append(f"> {x[-1]:.0f}" if len(x) else "–")
                else:
                    ratio = f" ({need / base_need:.2f}x)" if base_need else ""
                    cells.append(f"{need:.0f}{ratio}")
            lines.append("| " + " | ".join(cells) + " |")
        lines += ["", f"### Mean over rounds 1-{rounds} (area under the learning curve / {rounds})", ""]
        header = ["K"] + [f"{names.get(s, s)}: new {SHORT[metric]}" for s in strategies]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for k in ks:
            cells = [str(k)]
            for s in strategies:
                per_seed = defaultdict(list)
                for r in rows:
                    if r["model"] == model and r["k"] == k and r["strategy"] == s and r["round"] > 0:
                        per_seed[r["seed"]].append(r[f"new_{metric}"])
                cells.append(_fmt(*_mean_sd([float(np.mean(v)) for v in per_seed.values()])))
            lines.append("| " + " | ".join(cells) + " |")
        lines += [""]
        png = out / f"learning_curves_{model}.png"
        plot_curves(rows, model, ks, strategies, names, png)
        lines += [f"![learning curves]({png.name})", ""]

    lines += ["## Components", ""]
    for model in models:
        mr = [r for r in runs if r["model"] == model]
        kept, prec = _mean_sd([r["relevance_kept"] for r in mr]), _mean_sd(
            [r["relevance_kept_target_precision"] for r in mr])
        secs = _mean_sd([r["seconds"] for r in mr])
        lines += [f"- {model}: relevance filter keeps {kept[0]:.0f} pool utterances per run, "
                  f"{100 * prec[0]:.1f}% of them new-intent ones (among those with a hidden label); "
                  f"{secs[0]:.0f} s per (K, seed) run with all strategies"]
    for k, v in (extra or {}).items():
        lines += [f"- {k}: `{json.dumps(v)}`"]
    lines += [""]
    if timing and Path(timing).is_file():
        lines += ["## Time per stage", "", "| stage | seconds |", "|---|---|"]
        for line in Path(timing).read_text(encoding="utf-8").splitlines():
            if line.strip():
                name, _, sec = line.partition("\t")
                lines.append(f"| {name} | {sec} |")
        lines += [""]
    md = out / "report.md"
    with atomic_open(md) as f:
        f.write("\n".join(lines))
    return {"report": md, "csv": csv_path}


def plot_curves(rows: Sequence[Dict], model: str, ks: Sequence[int], strategies: Sequence[str], names: Dict,
                path: Path) -> None:
    plt = pyplot()
    panels = [("new_semer", "new intents: SemER (%)"), ("new_intent_error_rate", "new intents: intent error (%)"),
              ("all_semer", "all intents: SemER (%)")]
    fig, axes = plt.subplots(len(ks), len(panels), figsize=(4.2 * len(panels), 3.0 * len(ks)), squeeze=False)
    mrows = [r for r in rows if r["model"] == model]
    for a, k in enumerate(ks):
        for b, (metric, title) in enumerate(panels):
            ax = axes[a][b]
            cv = curves([r for r in mrows if r["k"] == k], metric)
            for s in strategies:
                if (model, k, s) not in cv:
                    continue
                x, m, sd = cv[(model, k, s)]
                if s == "supervised":
                    x = np.arange(len(m)) * (max(r["added"] for r in mrows if r["k"] == k) / max(1, len(m) - 1))
                line, = ax.plot(x, 100 * m, marker="o", ms=3, label=names.get(s, s),
                                linestyle="--" if s == "supervised" else "-")
                ax.fill_between(x, 100 * (m - sd), 100 * (m + sd), alpha=0.15, color=line.get_color())
            ax.set_title(f"K={k}: {title}", fontsize=9)
            ax.set_xlabel("added pseudo-labelled utterances", fontsize=8)
            ax.grid(alpha=0.3)
    axes[0][0].legend(fontsize=7)
    save_png(fig, path, dpi=110)
