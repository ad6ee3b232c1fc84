"""``asrboot lm``: train, evaluate, interpolate and prune n-gram LMs."""

from __future__ import annotations

import json

import click

from asrboot.io import read_lines


def _sentences(path: str, errors: str = "strict"):
    return (line for _, line in read_lines(path, errors=errors))


def _ints(value: str):
    return [int(x) for x in value.replace(",", " ").split()] if value else None


@click.group()
def lm() -> None:
    """N-gram language models (KenLM engine)."""


@lm.command("train")
@click.argument("text_files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out", "arpa", required=True, type=click.Path(dir_okay=False), help="Output ARPA file.")
@click.option("--order", default=3, show_default=True, help="N-gram order.")
@click.option("--prune", default="", help="lmplz count thresholds per order, e.g. '0 0 1'.")
@click.option("--discount-fallback", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True, help="Use KenLM's fallback discounts (auto: only when estimation fails).")
@click.option("--limit-vocab-file", type=click.Path(exists=True, dir_okay=False),
              help="Keep only n-grams whose words are all in this vocabulary.")
@click.option("--binary", type=click.Choice(["probing", "trie"]), help="Also write a KenLM binary (*.bin).")
@click.option("--memory", default="1G", show_default=True, help="lmplz sorting memory (-S), e.g. 4G or 20%.")
@click.option("--errors", type=click.Choice(["strict", "skip"]), default="strict", show_default=True,
              help="Non-UTF-8 lines: fail naming file and line, or skip and count them.")
def train_cmd(text_files, arpa, order, prune, discount_fallback, limit_vocab_file, binary, memory, errors):
    """Train an ARPA LM from normalized TEXT_FILES (one sentence per line)."""
    from asrboot.lm.train import train_lm

    report = train_lm(text_files, arpa, order=order, prune=_ints(prune), discount_fallback=discount_fallback,
                      limit_vocab_file=limit_vocab_file, binary=binary, memory=memory, errors=errors)
    click.echo(json.dumps(report.__dict__, ensure_ascii=False))


@lm.command("ppl")
@click.argument("lm_path", metavar="LM", type=click.Path(exists=True, dir_okay=False))
@click.argument("text_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--per-sentence", type=click.Path(dir_okay=False),
              help="Also write per-sentence log10 probabilities (TSV: logprob, words, oovs, sentence).")
def ppl_cmd(lm_path, text_file, per_sentence):
    """Perplexity and OOV rate of LM (ARPA or binary) on TEXT_FILE."""
    from asrboot.io import atomic_open
    from asrboot.lm.ppl import load, perplexity, score_sentence

    model = load(lm_path)
    if per_sentence:
        with atomic_open(per_sentence) as f:
            f.write("logprob\twords\toovs\tsentence\n")
            for s in _sentences(text_file):
                sc = score_sentence(model, s)
                f.write(f"{sc.logprob:.4f}\t{sc.words}\t{sc.oovs}\t{s}\n")
    r = perplexity(model, _sentences(text_file))
    click.echo(f"{text_file}: {r.sentences} sentences, {r.words} words, {r.oovs} OOVs ({100 * r.oov_rate:.2f}%)")
    click.echo(f"logprob= {r.logprob:.2f} ppl= {r.ppl:.2f} ppl1= {r.ppl1:.2f}")


@lm.command("interpolate")
@click.argument("arpas", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--dev", "dev_text", required=True, type=click.Path(exists=True, dir_okay=False),
              help="Normalized dev text on which the weights are estimated (EM).")
@click.option("-o", "--out", "out_arpa", required=True, type=click.Path(dir_okay=False), help="Mixed ARPA.")
@click.option("--weights", default="", help="Fixed weights (comma-separated) instead of EM.")
@click.option("--report", type=click.Path(dir_okay=False), help="Also write the report as JSON.")
def interpolate_cmd(arpas, dev_text, out_arpa, weights, report):
    """Linearly interpolate ARPAS into one static backoff ARPA (weights by EM on --dev)."""
    from asrboot.io import atomic_open
    from asrboot.lm.interpolate import interpolate

    fixed = [float(w) for w in weights.split(",")] if weights else None
    result = interpolate(arpas, dev_text, out_arpa, weights=fixed)
    click.echo("dev perplexity on the common (union) vocabulary; own OOVs: on the model's own vocabulary")
    click.echo(f"{'model':<40} {'weight':>8} {'ngrams':>10} {'dev ppl':>9} {'OOVs':>6} {'own OOVs':>9}")
    rows = [(i["path"], w, i) for w, i in zip(result["weights"], result["inputs"])]
    for path, w, info in rows + [(result["mix"]["path"], 1.0, result["mix"])]:
        own = info.get("own_oovs", info["oovs"])
        click.echo(f"{path:<40} {w:>8.4f} {sum(info['ngrams']):>10} {info['ppl']:>9.2f} {info['oovs']:>6} {own:>9}")
    if report:
        with atomic_open(report) as f:
            json.dump(result, f, indent=2, ensure_ascii=False)


@lm.command("prune")
@click.argument("in_arpa", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--out", "out_arpa", required=True, type=click.Path(dir_okay=False))
@click.option("--threshold", type=float, help="Prune n-grams whose removal raises relative entropy less than this.")
@click.option("--target-ngrams", type=int, help="Choose the threshold that leaves about this many n-grams.")
def prune_cmd(in_arpa, out_arpa, threshold, target_ngrams):
    """Entropy-based (Stolcke) pruning of IN_ARPA."""
    from asrboot.lm.prune import prune_file

    if (threshold is None) == (target_ngrams is None):
        raise click.UsageError("give exactly one of --threshold and --target-ngrams")
    click.echo(json.dumps(prune_file(in_arpa, out_arpa, threshold=threshold, target_ngrams=target_ngrams)))
