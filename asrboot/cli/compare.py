"""``asrboot compare-lms``: WER of LM variants with one acoustic model."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("compare-lms")
@click.option("--am", "am_spec", default="builtin", show_default=True, help="Acoustic model spec (see `asrboot am`).")
@click.option("--dev", "dev_cuts", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Dev cuts (lhotse manifest): the LM scale of each variant is tuned on them.")
@click.option("--test", "test_cuts", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Test cuts (lhotse manifest): the reported WER.")
@click.option("--lms", required=True, help="Variants as NAME=ARPA,...; the first is the baseline.")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--lm-scales", default="0.3,0.5,0.7,0.9,1.1,1.3,1.6", show_default=True)
@click.option("--method", type=click.Choice(["1best", "nbest"]), default="1best", show_default=True)
@click.option("--search-beam", default=20.0, show_default=True)
@click.option("--output-beam", default=8.0, show_default=True)
@click.option("--max-active-states", default=10000, show_default=True)
@click.option("--lang", type=click.Choice(["hi", "en"]), default="hi", show_default=True)
@click.option("--bootstrap", default=1000, show_default=True, help="Bootstrap replicates for CIs and p-values.")
@click.option("--posteriors-dir", type=click.Path(file_okay=False),
              help="AM outputs cache, shareable between comparisons on the same cuts [OUT_DIR/posteriors].")
def compare_lms_command(am_spec, dev_cuts, test_cuts, lms, out_dir, lm_scales, method, search_beam, output_beam,
                        max_active_states, lang, bootstrap, posteriors_dir):
    """Decode dev and test with every LM variant and write results.md, results.csv and results.png."""
    from asrboot.compare import cached_posteriors, compare_lms, parse_variants
    from asrboot.decode.lattice import SearchParams

    out = Path(out_dir)
    try:
        variants = parse_variants(lms)
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--lms")
    for name, arpa in variants:
        if not arpa.is_file():
            raise click.BadParameter(f"{name}: no such ARPA file {arpa}", param_hint="--lms")
    cache = Path(posteriors_dir) if posteriors_dir else out / "posteriors"
    dev = cached_posteriors(am_spec, dev_cuts, cache / "dev")
    test = cached_posteriors(am_spec, test_cuts, cache / "test")
    search = SearchParams(search_beam=search_beam, output_beam=output_beam, max_active_states=max_active_states)
    compare_lms(dev, test, variants, out, [float(s) for s in lm_scales.split(",")], method, search, lang,
                bootstrap)
    click.echo((out / "results.md").read_text(encoding="utf-8"))
