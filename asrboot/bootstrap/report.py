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
from asrboot.plots import pyplot, save_png

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


def _p(value) -> str:
    """A p-value as the report shows it (``<0.001`` below the bootstrap's resolution here)."""
    if value not in (None, "") and float(value) < 0.001:
        return "<0.001"
    return _f(value, ".3f")


def write_report(variants: List[Dict], dev_text: str, test_text: str, out_dir: str, mt_eval: Optional[str] = None,
                 sweep: Optional[str] = None, decode: Optional[str] = None, timing: Optional[str] = None,
                 sweep_decode: Optional[Mapping[int, str]] = None) -> List[Dict]:
    """Write ``report.md``, ``results.csv`` and ``ppl.png`` (+ ``wer.png`` with ``decode``, ``sweep.png`` with
    ``sweep``) in ``out_dir``. ``sweep_decode``: ``{size: compare-lms results.csv}`` of that size's baseline and
    combined LMs (variants named ``baseline`` and ``combined``)."""
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
                     f"{_f(r['rel_wer_reduction'], '.2f')} | {_p(r['p_value'])} |")
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
        table = sweep_table(sweep_rows, sweep_decode or {})
        md += ["", "## In-domain data-size sweep", "",
               "In-domain subset LM (baseline) vs the same LM EM-interpolated on dev with the LM of the combined "
               "translations. Perplexity: test, common vocabulary, mean over seeds. WER: test, first seed's "
               "subset, LM scale tuned on dev; p: paired bootstrap against that size's baseline.", "",
               "| in-domain sentences | seeds | ppl baseline | ppl combined | ppl rel. red. % | WER baseline | "
               "WER combined | WER rel. red. % | p |", "|---|---|---|---|---|---|---|---|---|"]
        md += [f"| {r['size']} | {r['seeds']} | {r['ppl_baseline']:.1f} | {r['ppl_combined']:.1f} | "
               f"{r['ppl_rel_reduction']:.1f} | {_f(r.get('wer_baseline'), '.2f')} | "
               f"{_f(r.get('wer_combined'), '.2f')} | {_f(r.get('wer_rel_reduction'), '.2f')} | "
               f"{_p(r.get('p_value'))} |" for r in table]
        plot_sweep(table, out / "sweep.png")
    timing_rows = [line.split("\t") for _, line in read_lines(timing)] if timing and Path(timing).exists() else []
    timing_rows = sorted((t for t in timing_rows if len(t) == 2), key=lambda t: int(t[0].split()[0]))
    if timing_rows:
        md += ["", "## Stage timing", "", "| stage | seconds |", "|---|---:|"]
        md += [f"| {t[0]} | {t[1]} |" for t in timing_rows]
        md.append(f"| total ({len(timing_rows)} timed stages) | {sum(int(t[1]) for t in timing_rows)} |")
    files = ["`results.csv` (the variants table)", "`ppl.png`"] + (["`sweep.png`"] if sweep_rows else []) \
        + (["`wer.png`", "`decode/`"] if decode else [])
    md += ["", "Files: " + ", ".join(files) + "."]
    with atomic_open(out / "report.md") as f:
        f.write("\n".join(md) + "\n")
    plot_ppl(rows, out / "ppl.png")
    if decode and Path(decode).with_suffix(".png").exists():  # compare-lms' WER plot (95% CIs)
        shutil.copyfile(Path(decode).with_suffix(".png"), out / "wer.png")
    return rows


def sweep_table(rows: List[Dict[str, str]], decoded: Mapping[int, str]) -> List[Dict]:
    """Per in-domain size: mean test perplexities (common vocabulary) over seeds, and with ``decoded[size]`` the
    WERs of that size's compare-lms run."""
    sizes = sorted({int(r["size"]) for r in rows}, reverse=True)
    if set(decoded) - set(sizes):
        raise ValueError(f"WER tables for sizes {sorted(set(decoded) - set(sizes))} that the sweep lacks {sizes}")
    table = []
    for size in sizes:
        by = {v: [float(r["test_ppl_common"]) for r in rows if int(r["size"]) == size and r["variant"] == v]
              for v in ("baseline", "combined")}
        b, c = mean(by["baseline"]), mean(by["combined"])
        row = {"size": size, "seeds": len(by["baseline"]), "ppl_baseline": b, "ppl_combined": c,
               "ppl_rel_reduction": 100 * (b - c) / b}
        if size in decoded:
            wer = {r["variant"]: r for r in _read_csv(decoded[size])}
            if not {"baseline", "combined"} <= set(wer):
                raise ValueError(f"{decoded[size]}: expected variants 'baseline' and 'combined'")
            row.update(wer_baseline=wer["baseline"]["wer"], wer_combined=wer["combined"]["wer"],
                       wer_rel_reduction=wer["combined"]["rel_wer_reduction"], p_value=wer["combined"]["p_value"])
        table.append(row)
    return table


def plot_sweep(table: List[Dict], path: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    sizes = [r["size"] for r in table]
    ax.plot(sizes, [r["ppl_rel_reduction"] for r in table], "o-", label="test perplexity")
    wer = [(r["size"], float(r["wer_rel_reduction"])) for r in table if r.get("wer_rel_reduction") not in (None, "")]
    if wer:
        ax.plot(*zip(*wer), "s-", label="test WER")
    ax.set_xscale("log")
    ax.set_xticks(sizes)
    ax.set_xticklabels([str(s) for s in sizes])
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("in-domain sentences")
    ax.set_ylabel("rel. reduction by the translations %")
    ax.legend()
    save_png(fig, path)


def plot_ppl(rows: List[Dict], path: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    x = range(len(rows))
    ax.bar([i - 0.2 for i in x], [r["dev_ppl_common"] for r in rows], 0.4, label="dev")
    ax.bar([i + 0.2 for i in x], [r["test_ppl_common"] for r in rows], 0.4, label="test")
    ax.set_xticks(list(x))
    ax.set_xticklabels([r["variant"] for r in rows], rotation=30, ha="right")
    ax.set_ylabel("perplexity (common vocabulary)")
    ax.legend()
    save_png(fig, path)
