"""``asrboot score``: WER/CER with bootstrap confidence intervals, optionally a paired test."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Dict, Optional, Tuple

import click

from asrboot.io import InputError, atomic_open

if TYPE_CHECKING:
    from asrboot.score import ScoreResult

_PATH = click.Path(exists=True, dir_okay=False)


def _score_file(refs: Dict[str, str], ref: str, hyp: str, fmt: Optional[str], options: dict) -> ScoreResult:
    """Read and score one hypothesis file; errors name ``ref`` and ``hyp``."""
    from asrboot.score import read_transcripts, score

    return score(refs, read_transcripts(hyp, fmt), ref_name=ref, hyp_name=hyp, **options)


def _describe(result: ScoreResult, n_boot: int, seed: int) -> Tuple[str, Dict[str, object]]:
    """Printable WER/CER lines (with 95% CIs when ``n_boot``) and the summary dict."""
    from asrboot.score import bootstrap_ci
    from asrboot.score.report import rate_lines

    summary, lines = result.summary(), rate_lines(result)
    if n_boot:
        for i, (rate, unit) in enumerate((("wer", "word"), ("cer", "char"))):
            low, high = bootstrap_ci(result, n=n_boot, seed=seed, unit=unit)
            summary[f"{rate}_ci95"] = [low, high]
            lines[i] += f"  95% CI [{100 * low:.2f}, {100 * high:.2f}]"
    return "\n".join(lines), summary


def _compare(a: ScoreResult, b: ScoreResult, n_boot: int, seed: int) -> Tuple[str, Dict[str, object]]:
    """Printable paired-bootstrap and sign-test line for B vs A, and their results."""
    from asrboot.score import paired_bootstrap, sign_test

    paired, sign = paired_bootstrap(a, b, n=n_boot, seed=seed), sign_test(a, b)
    low, high = paired["delta_ci"]
    line = (f"B vs A: delta WER {100 * paired['delta_wer']:+.2f} 95% CI [{100 * low:+.2f}, {100 * high:+.2f}], "
            f"P(B better) {paired['poi']:.3f}, p {paired['p_value']:.3f} (paired bootstrap, {n_boot} replicates); "
            f"sign test: B better on {sign['better']}, worse on {sign['worse']} utterances, p {sign['p_value']:.3g}")
    return line, {"paired_bootstrap": paired, "sign_test": sign}


def _write_outputs(out_dir: Path, results: Dict[str, ScoreResult], report: Dict[str, object]) -> None:
    """errs.txt, ref.trn, hyp.trn (and errs_b.txt, hyp_b.trn for system B), wer.json.

    ``results`` maps a file-name suffix (``""`` for A, ``"_b"`` for B) to a result.
    """
    from asrboot.score import write_transcripts

    first = next(iter(results.values()))
    write_transcripts(out_dir / "ref.trn", {u.uttid: " ".join(u.ref) for u in first.utts})
    for suffix, result in results.items():
        result.write_errs(out_dir / f"errs{suffix}.txt")
        write_transcripts(out_dir / f"hyp{suffix}.trn", {u.uttid: " ".join(u.hyp) for u in result.utts})
    with atomic_open(out_dir / "wer.json", "w") as f:
        json.dump(report, f, ensure_ascii=False, indent=2)
        f.write("\n")


@click.command("score")
@click.option("--ref", required=True, type=_PATH, help="Reference transcripts (Kaldi text or .trn).")
@click.option("--hyp", required=True, type=_PATH, help="Hypotheses of system A.")
@click.option("--hyp-b", type=_PATH, help="Hypotheses of system B: adds a paired test of B against A.")
@click.option("--format", "fmt", type=click.Choice(["kaldi", "trn"]),
              help="Input format [default: trn for *.trn files, else kaldi].")
@click.option("--lang", type=click.Choice(["hi", "en"]), default="hi", show_default=True)
@click.option("--out-dir", type=click.Path(file_okay=False),
              help="Write errs.txt, ref.trn, hyp.trn and wer.json here (errs_b.txt, hyp_b.trn for B).")
@click.option("--allow-missing", is_flag=True, help="Score references without a hypothesis as all deletions.")
@click.option("--no-normalize", is_flag=True, help="Only split on whitespace (no scoring normalizer).")
@click.option("--bootstrap", "n_boot", type=click.IntRange(min=0), default=1000, show_default=True,
              help="Bootstrap replicates for the 95% CIs and the paired test (0: none).")
@click.option("--seed", type=int, default=0, show_default=True, help="Bootstrap random seed.")
def score_command(ref, hyp, hyp_b, fmt, lang, out_dir, allow_missing, no_normalize, n_boot, seed):
    """Score HYP (and HYP_B) against REF: WER and CER after the scoring normalizer.

    With --hyp-b, B is compared with A by a paired bootstrap (p = fraction of replicates
    in which B is not better than A) and an utterance-level sign test.
    """
    from asrboot.score import read_transcripts

    options = {"lang": lang, "normalize": not no_normalize, "allow_missing": allow_missing}
    try:
        refs = read_transcripts(ref, fmt)
        results = {"": _score_file(refs, ref, hyp, fmt, options)}
        if hyp_b:
            results["_b"] = _score_file(refs, ref, hyp_b, fmt, options)
    except InputError as e:
        raise click.ClickException(str(e)) from e
    text, report = _describe(results[""], n_boot, seed)
    if hyp_b:
        text_b, report["b"] = _describe(results["_b"], n_boot, seed)
        text = f"A: {hyp}\n{text}\nB: {hyp_b}\n{text_b}"
        if n_boot:
            line, report["comparison"] = _compare(results[""], results["_b"], n_boot, seed)
            text += "\n" + line
    click.echo(text)
    if out_dir:
        _write_outputs(Path(out_dir), results, report)
