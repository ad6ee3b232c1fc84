"""The bootstrap recipe's report: ``report.md``, ``results.csv`` and ``ppl.png`` (every LM variant's perplexity and
OOV rate on dev and test, BLEU/chrF of every NMT, the data-size sweep, stage timing), and once ``compare-lms``
has run, its WER columns and ``wer.png``.

Perplexities: ``ppl`` on each LM's own vocabulary (OOVs left out, SRILM convention) and ``ppl_common`` on the
union of all variants' vocabularies (:func:`asrboot.lm.arpa.with_vocab`), so that variants count the same tokens.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from statistics import mean
from typing import Dict, List, Mapping, Optional, Sequence

from asrboot.io import atomic_open, read_lines

WER_FIELDS = ["lm_scale", "dev_wer", "wer", "wer_low", "wer_high", "cer", "rel_wer_reduction", "p_value"]


def perplexities(arpas: Mapping[str, "str | Path"], sentences: Sequence[str]) -> Dict[str, dict]:
    """``{name: {ppl, oov_rate, ppl_common}}`` of each ARPA on ``sentences`` (normalized text lines)."""
    from asrboot.lm.arpa import read_arpa, with_vocab

    tokens = [s.split() for s in sentences if s.split()]
    models = {name: read_arpa(arpa) for name, arpa in arpas.items()}
    union = sorted({w for m in models.values() for w in m.vocab})
    out = {}
    for name, model in models.items():
        own = model.perplexity(tokens)
        common = with_vocab(model, union).perplexity(tokens)
        out[name] = {"ppl": own["ppl"], "oov_rate": own["oov_rate"], "ppl_common": common["ppl"]}
    return out


def _lines(path: str) -> List[str]:
    return [line for _, line in read_lines(path) if line.strip()]


def _read_csv(path: Optional[str]) -> List[Dict[str, str]]:
    if not path:
        return []
    with open(path, encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _f(value, fmt: str = ".1f") -> str:
    if value in (None, ""):
        return "–"
    try:
        return format(float(value), fmt)
    except ValueError:
        return str(value)


def write_report(variants: List[Dict], dev_text: str, test_text: str, out_dir: str, mt_eval: Optional[str] = None,
                 sweep: Optional[str] = None, decode: Optional[str] = None, timing: Optional[str] = None) -> List[Dict]:
    """Write ``report.md``, ``results.csv`` and ``ppl.png`` (+ ``wer.png`` with ``decode``) in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    arpas = {v["name"]: v["arpa"] for v in variants}
    dev, test = perplexities(arpas, _lines(dev_text)), perplexities(arpas, _lines(test_text))
    wer = {r["variant"]: r for r in _read_csv(decode)}
    if decode:
        missing = [v["name"] for v in variants if v["name"] not in wer]
        if missing:
            raise ValueError(f"{decode}: no WER for variants {missing}")
    rows = []
    for v in variants:
        n = v["name"]
        row = {"variant": n, "label": v["label"], "weight_indomain": round(v["weights"][0], 4),
               "translated_sentences": sum(v.get("sentences", [])),
               "dev_ppl": round(dev[n]["ppl"], 3), "dev_ppl_common": round(dev[n]["ppl_common"], 3),
               "dev_oov_rate": round(dev[n]["oov_rate"], 5), "test_ppl": round(test[n]["ppl"], 3),
               "test_ppl_common": round(test[n]["ppl_common"], 3), "test_oov_rate": round(test[n]["oov_rate"], 5)}
        if decode:
            row.update({k: wer[n].get(k, "") for k in WER_FIELDS})
        rows.append(row)
    with atomic_open(out / "results.csv") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    md = ["# Hindi LM bootstrapping with machine translation", ""]
    md += ["## LM variants", "",
           "Each variant: a 3-gram LM on its Hindi text, EM-interpolated with the in-domain LM on dev "
           "(weights and thresholds tuned on dev only). `ppl`: own vocabulary (OOVs left out); "
           "`ppl (common)`: the union vocabulary of all variants, comparable across rows.", ""]
    head = "| variant | in-domain weight | sentences | dev ppl | dev ppl (common) | dev OOV % | test ppl | " \
           "test ppl (common) | test OOV % |"
    if decode:
        head += " LM scale | dev WER | test WER | 95% CI | CER | rel. WER red. % | p |"
    md += [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        line = (f"| {r['label']} | {r['weight_indomain']:.3f} | {r['translated_sentences']} | {r['dev_ppl']:.1f} | "
                f"{r['dev_ppl_common']:.1f} | {100 * r['dev_oov_rate']:.2f} | {r['test_ppl']:.1f} | "
                f"{r['test_ppl_common']:.1f} | {100 * r['test_oov_rate']:.2f} |")
        if decode:
            line += (f" {_f(r['lm_scale'], 'g')} | {_f(r['dev_wer'], '.2f')} | {_f(r['wer'], '.2f')} | "
                     f"[{_f(r['wer_low'], '.2f')}, {_f(r['wer_high'], '.2f')}] | {_f(r['cer'], '.2f')} | "
                     f"{_f(r['rel_wer_reduction'], '.2f')} | {_f(r['p_value'], '.3f')} |")
        md.append(line)
    if not decode:
        md += ["", "WER: not decoded yet (stage compare-lms; see the recipe's header)."]
    if mt_eval:
        with open(mt_eval, encoding="utf-8") as f:
            scores = json.load(f)
        md += ["", "## NMT on the held-out pool slice", "", "| model | BLEU | chrF |", "|---|---|---|"]
        md += [f"| {name} | {_f(s.get('bleu'), '.2f')} | {_f(s.get('chrf'), '.2f')} |" for name, s in scores.items()]
    sweep_rows = _read_csv(sweep)
    if sweep_rows:
        md += ["", "## In-domain data-size sweep", "",
               "Test perplexity (common vocabulary), mean over seeds: in-domain subset LM vs the same LM "
               "interpolated with the combined translations.", "",
               "| in-domain sentences | seeds | baseline | combined | rel. reduction % |", "|---|---|---|---|---|"]
        for size in sorted({int(r["size"]) for r in sweep_rows}, reverse=True):
            by = {v: [float(r["test_ppl_common"]) for r in sweep_rows if int(r["size"]) == size and r["variant"] == v]
                  for v in ("baseline", "combined")}
            b, c = mean(by["baseline"]), mean(by["combined"])
            md.append(f"| {size} | {len(by['baseline'])} | {b:.1f} | {c:.1f} | {100 * (b - c) / b:.1f} |")
    timing_rows = [line.split("\t") for _, line in read_lines(timing)] if timing and Path(timing).exists() else []
    if timing_rows:
        md += ["", "## Stage timing", "", "| stage | seconds |", "|---|---|"]
        md += [f"| {t[0]} | {t[1]} |" for t in timing_rows if len(t) == 2]
    md += ["", "Files: `results.csv` (this table), `ppl.png`" + (", `wer.png`, `decode/`" if decode else "") + "."]
    with atomic_open(out / "report.md") as f:
        f.write("\n".join(md) + "\n")
    plot_ppl(rows, out / "ppl.png")
    if decode:
        png = Path(decode).with_suffix(".png")
        if png.exists():
            shutil.copyfile(png, out / "wer.png")
        else:
            plot_wer(rows, out / "wer.png")
    return rows


def plot_ppl(rows: List[Dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [r["dev_ppl_common"] for r in rows], 0.4, label="dev")
    ax.bar([i + 0.2 for i in x], [r["test_ppl_common"] for r in rows], 0.4, label="test")
    ax.set_xticks(list(x))
    ax.set_xticklabels([r["variant"] for r in rows], rotation=30, ha="right")
    ax.set_ylabel("perplexity (common vocabulary)")
    ax.legend()
    fig.tight_layout()
    with atomic_open(path, "wb", encoding=None) as f:
        fig.savefig(f, format="png", dpi=100)
    plt.close(fig)


def plot_wer(rows: List[Dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5))
    ax.bar(range(len(rows)), [float(r["wer"]) for r in rows])
    ax.set_xticks(list(range(len(rows))))
    ax.set_xticklabels([r["variant"] for r in rows], rotation=30, ha="right")
    ax.set_ylabel("test WER %")
    fig.tight_layout()
    with atomic_open(path, "wb", encoding=None) as f:
        fig.savefig(f, format="png", dpi=100)
    plt.close(fig)
