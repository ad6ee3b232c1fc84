"""``asrboot lang``: lang directories (lexicon, symbol tables, L); ``asrboot graph``: G and HLG with k2."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

_FILE = click.Path(exists=True, dir_okay=False)
_DIR = click.Path(exists=True, file_okay=False)


@click.group()
def lang() -> None:
    """Lang directories for k2 decoding (icefall layout)."""


@lang.command("prepare")
@click.option("--words", "words_file", type=_FILE, help="Word list (one per line; a words.txt works too).")
@click.option("--arpa", type=_FILE, help="Take the vocabulary of this ARPA LM instead.")
@click.option("--tokens", required=True, type=_FILE, help="The AM's tokens.txt (<blk> 0).")
@click.option("-o", "--out", required=True, type=click.Path(file_okay=False), help="Lang directory to write.")
@click.option("--bpe-model", type=_FILE, help="Spell words with this sentencepiece model (default: graphemes).")
@click.option("--oov", type=click.Choice(["unk", "skip"]), default="unk", show_default=True,
              help="Words with units outside tokens.txt: left out, with <UNK> in the lexicon when the AM has "
                   "an <unk> token (unk), or just left out (skip).")
def prepare_cmd(words_file, arpa, tokens, out, bpe_model, oov):
    """Write tokens.txt, words.txt, lexicon(_disambig).txt, L.pt and L_disambig.pt."""
    from asrboot.graph.lang import prepare_lang
    from asrboot.graph.lexicon import words_from_arpa, words_from_list

    if (words_file is None) == (arpa is None):
        raise click.UsageError("give exactly one of --words and --arpa")
    words = words_from_list(words_file) if words_file else words_from_arpa(arpa)
    report = prepare_lang(out, tokens, words, bpe_model=bpe_model, oov=oov)
    click.echo(json.dumps({**asdict(report), "skipped": len(report.skipped),
                           "skipped_examples": report.skipped[:10]}, ensure_ascii=False))


@lang.command("validate")
@click.argument("lang_dir", type=_DIR)
def validate_cmd(lang_dir):
    """Check LANG_DIR like Kaldi's validate_lang.pl; problems (file:line: message) go to stderr."""
    from asrboot.graph.validate import validate_lang

    problems = validate_lang(lang_dir)
    for p in problems:
        click.echo(str(p), err=True)
    if problems:
        raise click.ClickException(f"{lang_dir}: {len(problems)} problem(s)")
    click.echo(f"{lang_dir}: OK")


@click.group()
def graph() -> None:
    """Decoding graphs (G, HLG) compiled with k2."""


@graph.command("hlg")
@click.option("--lang", "lang_dir", required=True, type=_DIR, help="Lang directory.")
@click.option("--arpa", required=True, type=_FILE, help="ARPA LM (G); G_<n>gram.pt is cached next to --out.")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="Output HLG.pt.")
@click.option("--max-order", type=int, help="Use n-grams up to this order only.")
@click.option("--modified/--standard", default=False, show_default=True, help="CTC topology of H.")
@click.option("--pushing", type=click.Choice(["log", "none", "tropical"]), default="log", show_default=True,
              help="Weight pushing when determinizing LG.")
@click.option("--force", is_flag=True, help="Recompile even if HLG.pt.json says the inputs are unchanged.")
@click.option("--threads", default=1, show_default=True, help="torch threads while building.")
def hlg_cmd(lang_dir, arpa, out, max_order, modified, pushing, force, threads):
    """Compile HLG.pt (skipped when lang dir, ARPA and options are unchanged)."""
    from asrboot.graph.hlg import compile_hlg

    report = compile_hlg(lang_dir, arpa, out, max_order=max_order, modified=modified, pushing=pushing, force=force,
                         num_threads=threads)
    click.echo(json.dumps(asdict(report), ensure_ascii=False))
