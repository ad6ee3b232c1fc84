"""``asrboot text``: text normalization."""

from __future__ import annotations

import json

import click


@click.group()
def text() -> None:
    """Text normalization shared by LM text, lexicons, references and hypotheses."""


@text.command("normalize")
@click.argument("in_path", type=click.Path(exists=True, dir_okay=False))
@click.argument("out_path", type=click.Path(dir_okay=False))
@click.option("--lang", type=click.Choice(["hi", "en"]), default="hi", show_default=True)
@click.option("--mode", type=click.Choice(["lm", "scoring"]), default="lm", show_default=True,
              help="Defaults for the spelling-variant mapping: off for LM text, on for scoring.")
@click.option("--variants/--no-variants", default=None, help="Override the mode's spelling-variant mapping.")
@click.option("--latin", type=click.Choice(["keep", "drop"]), default="keep", show_default=True,
              help="Latin-script tokens in Hindi text.")
@click.option("--errors", type=click.Choice(["strict", "skip"]), default="strict", show_default=True,
              help="Non-UTF-8 lines: fail naming file and line, or skip and count them.")
@click.option("--column", help="IN_PATH is a TSV with a header: normalize this column.")
@click.option("--id-column", help="With --column: write Kaldi text lines 'id text' using this column as id.")
def normalize_cmd(in_path, out_path, lang, mode, variants, latin, errors, column, id_column):
    """Normalize IN_PATH into OUT_PATH, one output line per input line (or TSV row)."""
    from asrboot.text import Normalizer, normalize_file, normalize_tsv

    if variants is None:
        variants = mode == "scoring"
    normalizer = Normalizer(lang, variants=variants, latin=latin)
    if column:
        stats = normalize_tsv(in_path, out_path, normalizer, column, id_column, errors=errors)
    elif id_column:
        raise click.UsageError("--id-column needs --column")
    else:
        stats = normalize_file(in_path, out_path, normalizer, errors=errors)
    click.echo(json.dumps(stats, ensure_ascii=False))
