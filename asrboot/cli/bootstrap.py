"""``asrboot bootstrap``: glue of ``recipes/hindi_lm_bootstrap`` (LM variants, data-size sweep, NMT evaluation,
report)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click

_FILE = click.Path(exists=True, dir_okay=False)


def _ints(value: str):
    return [int(x) for x in value.replace(",", " ").split()]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
def bootstrap() -> None:
    """Glue of recipes/hindi_lm_bootstrap: LM variants, data-size sweep, NMT evaluation, report."""


@bootstrap.command("lm-variants")
@click.argument("specs", nargs=-1, required=True, metavar="NAME=TEXT[,TEXT...]...")
@click.option("--indomain", required=True, type=_FILE, help="In-domain ARPA (the baseline, mixed into every variant).")
@click.option("--dev", "dev_text", required=True, type=_FILE, help="Normalized dev text (EM weights).")
@click.option("-o", "--out-dir", required=True, type=click.Path(file_okay=False),
              help="Writes NAME.arpa, NAME.json, variants.json.")
@click.option("--baseline", default="indomain", show_default=True, help="Name of the in-domain-only variant.")
@click.option("--order", default=3, show_default=True)
def lm_variants_cmd(specs, indomain, dev_text, out_dir, baseline, order):
    """One LM per variant: a 3-gram on each of its texts, EM-interpolated with --indomain on --dev."""
    from asrboot.bootstrap.variants import build_variants

    try:
        variants = build_variants(indomain, specs, dev_text, out_dir, order=order, baseline=baseline)
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    click.echo(json.dumps([{k: v[k] for k in ("name", "weights")} for v in variants], ensure_ascii=False))


@bootstrap.command("general-text")
@click.option("--data-dir", type=click.Path(exists=True, file_okay=False),
              help="shared/data: read its general Hindi sets (asrboot.corpora.readers).")
@click.option("--text", "text_path", type=_FILE, help="Or: a raw general Hindi text file, one sentence a line.")
@click.option("--exclude", multiple=True, type=_FILE, help="Normalized texts (dev, test) whose sentences are dropped.")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False))
def general_text_cmd(data_dir, text_path, exclude, out):
    """Normalized, de-duplicated general Hindi LM text, without dev/test sentences."""
    from asrboot.bootstrap.general import general_text

    if (data_dir is None) == (text_path is None):
        raise click.UsageError("give exactly one of --data-dir and --text")
    click.echo(json.dumps(general_text(out, data_dir=data_dir, text=text_path, exclude=exclude)))


@bootstrap.command("check-am")
@click.argument("spec")
def check_am_cmd(spec):
    """Exit 3 naming the missing model.pt when SPEC is a built-in model directory without one (builtin, builtin:DIR).

    Other specs are not checked here (compare-lms reports their errors)."""
    from pathlib import Path

    import asrboot

    scheme, _, path = spec.partition(":")
    if scheme != "builtin":
        return
    model_dir = Path(path) if path else Path(asrboot.__file__).resolve().parent / "models" / "hindi_grapheme_ctc"
    if not (model_dir / "model.pt").exists():
        click.echo(f"no built-in AM: {model_dir / 'model.pt'} does not exist", err=True)
        raise SystemExit(3)
    click.echo(str(model_dir))


@bootstrap.command("lms-arg")
@click.argument("variants_json", type=_FILE)
def lms_arg_cmd(variants_json):
    """Print NAME=ARPA,... of VARIANTS_JSON for `asrboot compare-lms --lms`."""
    from asrboot.bootstrap.variants import lms_argument, read_variants

    click.echo(lms_argument(read_variants(variants_json)))


@bootstrap.command("sweep")
@click.option("--train", "train_text", required=True, type=_FILE, help="Normalized in-domain train text.")
@click.option("--combined", "combined_text", required=True, type=_FILE, help="Hindi text of the combined variant.")
@click.option("--dev", "dev_text", required=True, type=_FILE)
@click.option("--test", "test_text", required=True, type=_FILE)
@click.option("--sizes", default="1500,375,150", show_default=True)
@click.option("--seeds", default="1,2,3", show_default=True)
@click.option("-o", "--out-dir", required=True, type=click.Path(file_okay=False), help="Writes sweep.csv.")
def sweep_cmd(train_text, combined_text, dev_text, test_text, sizes, seeds, out_dir):
    """In-domain data-size sweep: subset LM vs subset LM + combined translations (test ppl)."""
    from asrboot.bootstrap.sweep import run_sweep

    try:
        rows = run_sweep(train_text, combined_text, dev_text, test_text, _ints(sizes), _ints(seeds), out_dir)
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    click.echo(f"{len(rows)} rows -> {out_dir}/sweep.csv")


@bootstrap.command("mt-eval")
@click.argument("models", nargs=-1, required=True, metavar="NAME=MODEL_DIR...")
@click.option("--heldout", required=True, type=_FILE, help="Held-out pair TSV (mt pool's heldout.tsv).")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="JSON {name: {bleu, chrf}}.")
@click.option("--beam", default=5, show_default=True)
@click.option("--threads", type=int, help="torch CPU threads [$ASRBOOT_THREADS or 2].")
def mt_eval_cmd(models, heldout, out, beam, threads):
    """BLEU and chrF of every NMT model on the held-out pool slice."""
    from asrboot.bootstrap.mteval import evaluate_models

    pairs = []
    for m in models:
        name, sep, path = m.partition("=")
        if not sep:
            raise click.UsageError(f"{m!r}: expected NAME=MODEL_DIR")
        pairs.append((name, path))
    click.echo(json.dumps(evaluate_models(pairs, heldout, out, beam=beam, threads=threads), indent=1))


@bootstrap.command("report")
@click.option("--variants", "variants_json", required=True, type=_FILE, help="lm-variants' variants.json.")
@click.option("--dev", "dev_text", required=True, type=_FILE)
@click.option("--test", "test_text", required=True, type=_FILE)
@click.option("--mt-eval", type=_FILE, help="mt-eval's JSON.")
@click.option("--sweep", type=_FILE, help="sweep.csv.")
@click.option("--decode", type=_FILE, help="compare-lms' results.csv: adds the WER columns and wer.png.")
@click.option("--sweep-decode", multiple=True, metavar="SIZE=RESULTS_CSV",
              help="compare-lms' results.csv of one sweep size (variants 'baseline' and 'combined'; repeatable).")
@click.option("--timing", type=click.Path(dir_okay=False), help="The recipe's timing.tsv.")
@click.option("-o", "--out-dir", required=True, type=click.Path(file_okay=False))
def report_cmd(variants_json, dev_text, test_text, mt_eval, sweep, decode, sweep_decode, timing, out_dir):
    """Write report.md, results.csv, ppl.png (wer.png with --decode, sweep.png with --sweep)."""
    from asrboot.bootstrap.report import write_report
    from asrboot.bootstrap.variants import read_variants

    sweep_wer = {}
    for item in sweep_decode:
        size, sep, path = item.partition("=")
        if not sep or not size.isdigit() or not Path(path).is_file():
            raise click.BadParameter(f"{item!r}: expected SIZE=RESULTS_CSV of an existing file",
                                     param_hint="--sweep-decode")
        sweep_wer[int(size)] = path
    try:
        write_report(read_variants(variants_json), dev_text, test_text, out_dir, mt_eval=mt_eval, sweep=sweep,
                     decode=decode, timing=timing, sweep_decode=sweep_wer)
    except ValueError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{out_dir}/report.md")


def main() -> None:
    logging.basicConfig(level="INFO", format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    bootstrap(prog_name="asrboot bootstrap")


if __name__ == "__main__":
    main()
