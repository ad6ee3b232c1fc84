"""``asrboot decode``: decode cached CTC posteriors (greedy or k2 HLG search, n-best, LM rescoring)."""

from __future__ import annotations

import json
from pathlib import Path

import click

_FILE = click.Path(exists=True, dir_okay=False)
_DIR = click.Path(exists=True, file_okay=False)


def _cut_ids(path: str):
    """Cut ids of a lhotse manifest (.json/.jsonl[.gz]) or of a list (first field per line)."""
    from lhotse import CutSet

    from asrboot.io import read_lines

    if any(s in (".json", ".jsonl") for s in Path(path).suffixes):
        return [c.id for c in CutSet.from_file(path)]
    return [line.split()[0] for _, line in read_lines(path) if line.strip()]


def _scales(value: str):
    try:
        return [float(x) for x in value.replace(",", " ").split()] if value else None
    except ValueError:
        raise click.BadParameter(f"expected numbers like 0.3,0.5,0.7, got {value!r}") from None


@click.command("decode")
@click.option("--posteriors", required=True, type=_DIR, help="Posterior directory (asrboot am posteriors).")
@click.option("--lang", "lang_dir", type=_DIR, help="Lang directory (all methods but greedy).")
@click.option("--hlg", type=_FILE, help="Decoding graph HLG.pt.")
@click.option("--arpa", type=_FILE, help="Compile <lang>/HLG_<name>.pt from this LM instead (cached).")
@click.option("--method", type=click.Choice(["greedy", "1best", "nbest", "nbest-rescore", "whole-lattice-rescore"]),
              default="1best", show_default=True)
@click.option("--rescore-lm", type=_FILE, help="LM for rescoring: kenlm ARPA/binary (nbest-rescore), ARPA "
                                                "(whole-lattice-rescore).")
@click.option("--lm-scale", default=0.5, show_default=True, help="LM scale of the search (and of the results).")
@click.option("--lm-scales", default="", help="Sweep: results for each of these scales, e.g. 0.3,0.5,0.7.")
@click.option("-o", "--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--cuts", "cuts_file", type=_FILE, help="Decode only these cuts (manifest or id list).")
@click.option("--search-beam", default=20.0, show_default=True)
@click.option("--output-beam", default=8.0, show_default=True)
@click.option("--min-active-states", default=30, show_default=True)
@click.option("--max-active-states", default=10000, show_default=True)
@click.option("--num-paths", default=100, show_default=True, help="Paths sampled for n-best methods.")
@click.option("--nbest-scale", default=0.5, show_default=True, help="Lattice score scale when sampling paths.")
@click.option("--max-frames", default=20000, show_default=True, help="Batch size in padded frames.")
def decode(posteriors, lang_dir, hlg, arpa, method, rescore_lm, lm_scale, lm_scales, out_dir, cuts_file,
           search_beam, output_beam, min_active_states, max_active_states, num_paths, nbest_scale, max_frames):
    """Decode the cuts of a posterior directory into OUT_DIR/hyps.trn and recogs.jsonl
    (per scale OUT_DIR/lm_scale_<s>/ with --lm-scales)."""
    from asrboot.decode.decoder import DecodeOptions, decode as run
    from asrboot.decode.lattice import SearchParams

    if method != "greedy":
        if lang_dir is None:
            raise click.UsageError(f"--method {method} needs --lang")
        if (hlg is None) == (arpa is None):
            raise click.UsageError(f"--method {method} needs exactly one of --hlg and --arpa")
    if method in ("nbest-rescore", "whole-lattice-rescore") and rescore_lm is None:
        raise click.UsageError(f"--method {method} needs --rescore-lm")
    opts = DecodeOptions(method, lm_scale, _scales(lm_scales),
                         SearchParams(search_beam, output_beam, min_active_states, max_active_states),
                         num_paths, nbest_scale, max_frames)
    run(posteriors, out_dir, opts, lang_dir=lang_dir, hlg=hlg, arpa=arpa, rescore_lm=rescore_lm,
                  cut_ids=_cut_ids(cuts_file) if cuts_file else None)
    summary = json.loads((Path(out_dir) / "decode.json").read_text(encoding="utf-8"))
    click.echo(json.dumps({"cuts": summary["cuts"], "lattices_reused": summary.get("lattices_reused"),
                           "outputs": summary["outputs"]}, ensure_ascii=False))
