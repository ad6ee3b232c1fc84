"""Compare LM variants by the WER of one acoustic model: ``asrboot compare-lms``.

The acoustic model runs once per cut set (:func:`cached_posteriors`, under ``out/posteriors`` or a
cache shared between comparisons). Each variant gets a lang dir spelled from its ARPA vocabulary
and an HLG; its LM scale is tuned on the dev cuts (a sweep over cached lattices), the test cuts are
decoded at that scale, and the variant is scored against the first (baseline) one. Written to ``out``::

    results.md, results.csv, results.png     the comparison table and a WER bar plot (95% CIs)
    posteriors/{dev,test}/                   the cached AM outputs
    <variant>/lang, HLG.pt, dev/, test/      lang dir, graph, decodes (errs.txt per test decode)
    greedy/                                  the no-LM reference (CTC greedy)

Perplexities are on the test references: ``ppl`` on each LM's own vocabulary (OOVs left out,
SRILM convention) and ``ppl_common`` on the union of all variants' vocabularies (each LM's
unknown words share its ``<unk>`` mass, :func:`asrboot.lm.arpa.with_vocab`), so that the
variants' perplexities count the same tokens.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from lhotse import CutSet

from asrboot.am.posteriors import PosteriorSet, compute_posteriors
from asrboot.decode.decoder import DecodeOptions, decode
from asrboot.decode.lattice import SearchParams
from asrboot.graph.hlg import compile_hlg
from asrboot.graph.lang import prepare_lang
from asrboot.graph.lexicon import words_from_arpa
from asrboot.stamp import clear_stamp, inputs_hash, is_fresh, write_stamp
from asrboot.io import PathLike, atomic_open
from asrboot.plots import pyplot, save_png
from asrboot.score import bootstrap_ci, paired_bootstrap, score

log = logging.getLogger(__name__)
DEFAULT_SCALES = (0.3, 0.5, 0.7, 0.9, 1.1, 1.3, 1.6)


@dataclass
class Row:
    """One line of the comparison table (WERs in %)."""

    variant: str
    lm: str
    lm_scale: Optional[float]
    dev_wer: float
    wer: float
    wer_low: float
    wer_high: float
    cer: float
    ppl: Optional[float] = None
    ppl_common: Optional[float] = None
    oov_rate: Optional[float] = None
    rel_wer_reduction: Optional[float] = None
    p_value: Optional[float] = None


def parse_variants(spec: str) -> List[Tuple[str, Path]]:
    """``base=a.arpa,mixed=b.arpa`` -> ``[("base", a.arpa), ("mixed", b.arpa)]`` (order kept)."""
    variants = []
    for item in spec.split(","):
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise ValueError(f"expected NAME=ARPA in --lms, got {item!r}")
        variants.append((name.strip(), Path(path.strip())))
    names = [n for n, _ in variants]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate variant names in --lms: {names}")
    return variants


def cached_posteriors(am_spec: str, cuts_path: PathLike, out_dir: PathLike) -> PosteriorSet:
    """Posteriors of ``cuts_path`` under ``am_spec``, computed only when the cuts or the spec changed."""
    from asrboot.am.load import load_am

    out_dir = Path(out_dir)
    key = inputs_hash([cuts_path], {"am": am_spec})
    if is_fresh(out_dir, key):
        return PosteriorSet(out_dir)
    clear_stamp(out_dir)
    ps = compute_posteriors(load_am(am_spec), CutSet.from_file(cuts_path), out_dir, spec=am_spec)
    write_stamp(out_dir, key, {"am": am_spec, "cuts": str(cuts_path)})
    return ps


def references(ps: PosteriorSet) -> Dict[str, str]:
    """``{cut id: reference text}`` from the cuts' supervisions."""
    return {c.id: " ".join(s.text for s in c.supervisions if s.text) for c in ps.cuts}


def _hyps(results, scale) -> Dict[str, str]:
    return {cid: h.text for cid, h in results[scale].items()}


def _lang_and_graph(name: str, arpa: Path, tokens: Dict[str, int], out: Path) -> Tuple[Path, Path]:
    lang = out / name / "lang"
    key = inputs_hash([arpa], {"tokens": tokens})
    if not is_fresh(lang, key):
        clear_stamp(lang)
        report = prepare_lang(lang, tokens, words_from_arpa(arpa))
        if report.skipped:
            log.warning("%s: %d LM words cannot be spelled with the AM tokens, e.g. %s", name, len(report.skipped),
                        report.skipped[:5])
        write_stamp(lang, key, {"arpa": str(arpa)})
    hlg = out / name / "HLG.pt"
    compile_hlg(lang, arpa, hlg)
    return lang, hlg


def _perplexities(variants: Sequence[Tuple[str, Path]], test_text: List[str]) -> Dict[str, dict]:
    from asrboot.lm.arpa import read_arpa, with_vocab
    from asrboot.lm.ppl import perplexity

    sentences = [t.split() for t in test_text]
    models = {name: read_arpa(arpa) for name, arpa in variants}
    union = sorted({w for m in models.values() for w in m.vocab})
    out = {}
    for name, arpa in variants:
        own = perplexity(arpa, test_text)
        common = with_vocab(models[name], union).perplexity(sentences)
        out[name] = {"ppl": own.ppl, "oov_rate": own.oov_rate, "ppl_common": common["ppl"]}
    return out


def compare_lms(
    dev: PosteriorSet,
    test: PosteriorSet,
    variants: Sequence[Tuple[str, Path]],
    out_dir: PathLike,
    lm_scales: Sequence[float] = DEFAULT_SCALES,
    method: str = "1best",
    search: SearchParams = SearchParams(),
    lang: str = "hi",
    bootstrap: int = 1000,
    seed: int = 0,
) -> List[Row]:
    """Compare ``variants`` on cached dev/test posteriors; write the tables and plot into ``out_dir``."""
    out = Path(out_dir)
    dev_refs, test_refs = references(dev), references(test)
    mid = sorted(lm_scales)[len(lm_scales) // 2]

    greedy = decode(test.root, out / "greedy", DecodeOptions(method="greedy"))
    g = score(test_refs, _hyps(greedy, next(iter(greedy))), lang=lang)
    g.write_errs(out / "greedy" / "errs.txt")
    g_ci = bootstrap_ci(g, bootstrap, seed)
    rows = [Row("greedy (no LM)", "-", None, float("nan"), 100 * g.wer, 100 * g_ci[0], 100 * g_ci[1], 100 * g.cer)]

    ppls = _perplexities(variants, list(test_refs.values()))
    baseline = None
    for name, arpa in variants:
        lang_dir, hlg = _lang_and_graph(name, arpa, test.tokens, out)
        sweep = decode(dev.root, out / name / "dev", DecodeOptions(method=method, lm_scale=mid,
                                                                   lm_scales=list(lm_scales), search=search),
                       lang_dir=lang_dir, hlg=hlg)
        dev_wer = {s: score(dev_refs, _hyps(sweep, s), lang=lang).wer for s in sweep}
        best = min(dev_wer, key=lambda s: (dev_wer[s], s))
        log.info("%s: dev WER by LM scale %s -> %g", name, {s: round(100 * w, 2) for s, w in dev_wer.items()}, best)
        tested = decode(test.root, out / name / "test", DecodeOptions(method=method, lm_scale=best, search=search),
                        lang_dir=lang_dir, hlg=hlg)
        result = score(test_refs, _hyps(tested, best), lang=lang)
        result.write_errs(out / name / "test" / "errs.txt")
        low, high = bootstrap_ci(result, bootstrap, seed)
        row = Row(name, str(arpa), best, 100 * dev_wer[best], 100 * result.wer, 100 * low, 100 * high,
                  100 * result.cer, **ppls[name])
        if baseline is None:
            baseline = result
        else:
            row.rel_wer_reduction = 100 * (baseline.wer - result.wer) / baseline.wer if baseline.wer else None
            row.p_value = paired_bootstrap(baseline, result, bootstrap, seed)["p_value"]
        rows.append(row)
    write_results(rows, out, info={"am": test.meta.get("am", "?"), "method": method, "dev": str(dev.root),
                                    "test": str(test.root), "test_utterances": len(test_refs),
                                    "lm_scales": list(lm_scales)})
    return rows


def _fmt(value, spec: str) -> str:
    return "-" if value is None or value != value else format(value, spec)


def write_results(rows: List[Row], out: Path, info: dict) -> None:
    """``results.csv``, ``results.md`` and the ``results.png`` bar plot."""
    with atomic_open(out / "results.csv", "w") as f:
        writer = csv.DictWriter(f, fieldnames=list(asdict(rows[0])))
        writer.writeheader()
        writer.writerows(asdict(r) for r in rows)
    lines = [
        f"# LM comparison: {info['test_utterances']} test utterances, AM `{info['am']}`, method `{info['method']}`",
        "",
        f"LM scale tuned on dev (`{info['dev']}`) over {info['lm_scales']}; test: `{info['test']}`. "
        "WER 95% CI: utterance bootstrap. p: paired bootstrap, that the variant beats the first LM variant. "
        "ppl: own vocabulary (OOVs left out); ppl common: on the union of the variants' vocabularies.",
        "",
        "| variant | LM scale | dev WER % | test WER % | 95% CI | CER % | rel. WER red. % | p | ppl | ppl common | OOV % |",
        "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(
            f"| {r.variant} | {_fmt(r.lm_scale, 'g')} | {_fmt(r.dev_wer, '.2f')} | {r.wer:.2f} | "
            f"[{r.wer_low:.2f}, {r.wer_high:.2f}] | {r.cer:.2f} | {_fmt(r.rel_wer_reduction, '.2f')} | "
            f"{_fmt(r.p_value, '.3f')} | {_fmt(r.ppl, '.1f')} | {_fmt(r.ppl_common, '.1f')} | "
            f"{_fmt(None if r.oov_rate is None else 100 * r.oov_rate, '.2f')} |"
        )
    with atomic_open(out / "results.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    plot_wer(rows, out / "results.png")


def plot_wer(rows: List[Row], path: Path) -> None:
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(1.2 + 1.1 * len(rows), 4))
    x = range(len(rows))
    errors = [[r.wer - r.wer_low for r in rows], [r.wer_high - r.wer for r in rows]]
    ax.bar(x, [r.wer for r in rows], yerr=errors, capsize=4, color=["#999999"] + ["#4477aa"] * (len(rows) - 1))
    ax.set_xticks(list(x))
    ax.set_xticklabels([r.variant for r in rows], rotation=30, ha="right")
    ax.set_ylabel("test WER % (95% CI)")
    save_png(fig, path, dpi=120)
