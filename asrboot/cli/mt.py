"""``asrboot select`` (data selection) and ``asrboot mt`` (parallel pool, NMT, N-best, rescoring, filtering).

File formats: pair files are ``id<TAB>en<TAB>hi`` TSVs with a header (the ``slurp_hi`` format);
N-best files are JSON lines ``{"id", "source", "nbest": [{"text", "score", "logprob"}]}``; text
outputs hold one normalized sentence per line. Every command prints a JSON report on stdout.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

import click

from asrboot.io import atomic_open, read_lines

_FILE = click.Path(exists=True, dir_okay=False)
_DIR = click.Path(exists=True, file_okay=False)


def _floats(value: str) -> List[float]:
    return [float(x) for x in value.replace(",", " ").split()]


def _echo(report) -> None:
    click.echo(json.dumps(report, ensure_ascii=False, indent=1))


def _write_text(path: str, sentences: Sequence[str]) -> None:
    with atomic_open(path) as f:
        f.writelines(f"{s}\n" for s in sentences)


def _hindi_lines(path: str) -> List[str]:
    """LM-normalized Hindi of a ``slurp_hi``-style TSV (``hi`` column) or of a text file (one per line)."""
    from asrboot.corpora.slurp_hi import read_split
    from asrboot.text import Normalizer

    norm = Normalizer.for_lm("hi")
    raw = [u.hi for u in read_split(path)] if path.endswith(".tsv") else [line for _, line in read_lines(path)]
    return [s for s in map(norm, raw) if s]


def _english_input(path: str, normalize: bool) -> List[Tuple[str, str]]:
    """``(id, English)``: the ``id``/``en`` columns of a pair TSV, or the lines of a text file (``en_pool.txt``)."""
    from asrboot.corpora.parallel import read_pairs
    from asrboot.corpora.slurp_hi import read_en_pool
    from asrboot.text import Normalizer

    items = [(p.id, p.en) for p in read_pairs(path)] if path.endswith(".tsv") else read_en_pool(path)
    norm = Normalizer(lang="en")
    return [(i, norm(s)) for i, s in items] if normalize else items


def _pairs(paths: Sequence[str]) -> List[Tuple[str, str]]:
    from asrboot.corpora.parallel import read_pairs

    return [(p.en, p.hi) for path in paths for p in read_pairs(path)]


def _objective(indomain_arpa: str, dev_path: str, vocab, workdir: str):
    from asrboot.select.objective import DevPerplexity

    return DevPerplexity(indomain_arpa, _hindi_lines(dev_path), vocab, workdir)


# ---------------------------------------------------------------------- select
@click.group("select")
def select() -> None:
    """Select general parallel pairs close to the in-domain Hindi."""


@select.command("pairs")
@click.option("--pool", "pool_path", required=True, type=_FILE, help="Candidate pairs (id/en/hi TSV).")
@click.option("--slurp-dir", required=True, type=_DIR,
              help="slurp_hi folder: in-domain train (Hindi), dev (for --tune), en_pool.txt (for bilingual).")
@click.option("--method", type=click.Choice(["centroid", "moore-lewis", "bilingual"]), default="moore-lewis",
              show_default=True, help="Embedding distance to the in-domain centroid, or cross-entropy difference.")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="Selected pairs TSV, best first.")
@click.option("--top-k", type=int, help="Keep the k best pairs.")
@click.option("--threshold", type=float, help="Keep pairs with score <= this (cosine distance or H_in - H_gen).")
@click.option("--tune", is_flag=True, help="Choose top-k on slurp dev perplexity (LM of the selected Hindi "
                                           "interpolated with the in-domain LM).")
@click.option("--fractions", default="0.05,0.1,0.2,0.3,0.5,0.7,1.0", show_default=True,
              help="With --tune: candidate top-k sizes as fractions of the pool.")
@click.option("--scores", "scores_path", type=click.Path(dir_okay=False),
              help="Also write 'id<TAB>score' of every candidate.")
@click.option("--workdir", type=click.Path(file_okay=False), help="LMs and temporary files [OUT's folder/select_work].")
@click.option("--order", default=3, show_default=True, help="N-gram order of the Moore-Lewis and tuning LMs.")
@click.option("--dims", default=256, show_default=True, help="Centroid: embedding dimensions.")
@click.option("--seed", default=0, show_default=True)
def select_pairs(pool_path, slurp_dir, method, out, top_k, threshold, tune, fractions, scores_path, workdir,
                 order, dims, seed):
    """Score every pair of --pool by closeness to the in-domain Hindi and keep the best."""
    from asrboot.corpora.parallel import read_pairs, write_pairs
    from asrboot.corpora.slurp_hi import EN_POOL, read_en_pool, read_slurp_split
    from asrboot.select import (CharNgramEmbedder, bilingual_moore_lewis_scores, centroid_distances, fraction_grid,
                                moore_lewis_scores, select_indices, tune_top_k)
    from asrboot.select.objective import train_text_lm
    from asrboot.text import Normalizer

    if not tune and top_k is None and threshold is None:
        raise click.UsageError("give --top-k, --threshold or --tune")
    workdir = Path(workdir or Path(out).parent / "select_work")
    pool = read_pairs(pool_path)
    hi = [p.hi for p in pool]
    indomain = [s for s in map(Normalizer.for_lm("hi"), (u.hi for u in read_slurp_split(slurp_dir, "train"))) if s]
    if method == "centroid":
        scores = centroid_distances(indomain, hi, CharNgramEmbedder(dims=dims, seed=seed))
    elif method == "moore-lewis":
        scores = moore_lewis_scores(indomain, hi, workdir / "moore_lewis", order=order, seed=seed)
    else:
        norm_en = Normalizer(lang="en")
        english = [norm_en(s) for _, s in read_en_pool(Path(slurp_dir) / EN_POOL)]
        scores = bilingual_moore_lewis_scores(indomain, english, hi, [p.en for p in pool], workdir / "bilingual",
                                              order=order, seed=seed)
    report = {"method": method, "candidates": len(pool)}
    if tune:
        arpa = train_text_lm(indomain, workdir / "indomain.arpa", order)
        objective = _objective(str(arpa), str(Path(slurp_dir) / "dev.tsv"),
                               {w for s in hi for w in s.split()}, str(workdir))
        result = tune_top_k(scores, hi, fraction_grid(len(hi), _floats(fractions)), objective)
        top_k, report["tuning"] = int(result.best["top_k"]), result.table
    keep = select_indices(scores, top_k=top_k, threshold=threshold)
    write_pairs(out, [pool[i] for i in keep])
    if scores_path:
        with atomic_open(scores_path) as f:
            f.write("id\tscore\n")
            f.writelines(f"{pool[i].id}\t{scores[i]:.6f}\n" for i in select_indices(scores, top_k=len(pool)))
    report.update(top_k=top_k, threshold=threshold, selected=len(keep), out=out)
    _echo(report)


# ---------------------------------------------------------------------- mt
@click.group("mt")
def mt() -> None:
    """English->Hindi NMT: parallel pool, training, N-best translation, rescoring and filtering."""


@mt.command("pool")
@click.option("--slurp-dir", required=True, type=_DIR, help="slurp_hi folder: its sentences are removed from the pool.")
@click.option("--data-dir", type=_DIR, help="shared/data folder: read every parallel set in it.")
@click.option("--line-parallel", "extra", multiple=True, type=(_FILE, _FILE), metavar="EN HI",
              help="Extra line-aligned English and Hindi files (repeatable).")
@click.option("-o", "--out-dir", required=True, type=click.Path(file_okay=False),
              help="Writes train.tsv, dev.tsv, heldout.tsv, report.json.")
@click.option("--dev-size", default=500, show_default=True, help="Pairs for NMT early stopping.")
@click.option("--heldout-size", default=500, show_default=True, help="Pairs for BLEU/chrF.")
@click.option("--seed", default=0, show_default=True)
def pool_cmd(slurp_dir, data_dir, extra, out_dir, dev_size, heldout_size, seed):
    """Build the de-duplicated, leakage-free EN-HI pool and split off dev and held-out pairs."""
    from asrboot.corpora.parallel import build_pool, line_parallel, shared_sources, write_pool
    from asrboot.corpora.slurp_hi import leakage_sentences

    if not data_dir and not extra:
        raise click.UsageError("give --data-dir and/or --line-parallel")
    sources = shared_sources(data_dir) if data_dir else {}
    for en, hi in extra:
        sources[Path(en).stem] = line_parallel(en, hi, Path(en).stem)
    pool = build_pool(sources, leakage_sentences(slurp_dir), dev_size, heldout_size, seed)
    write_pool(pool, out_dir)
    _echo(pool.report)


@mt.command("init")
@click.option("--pairs", "pair_files", multiple=True, required=True, type=_FILE,
              help="Pair TSVs whose both sides train the joint vocabulary (repeatable).")
@click.option("--text", "text_files", multiple=True, type=_FILE,
              help="Extra normalized monolingual text for the vocabulary, e.g. in-domain Hindi (repeatable).")
@click.option("-o", "--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--vocab-size", default=8000, show_default=True)
@click.option("--spm-type", type=click.Choice(["unigram", "bpe"]), default="unigram", show_default=True)
@click.option("--d-model", default=256, show_default=True)
@click.option("--layers", default=3, show_default=True, help="Encoder and decoder layers (each).")
@click.option("--heads", default=4, show_default=True)
@click.option("--ffn-dim", default=1024, show_default=True)
@click.option("--dropout", default=0.1, show_default=True)
@click.option("--seed", default=0, show_default=True)
def init_cmd(pair_files, text_files, out_dir, vocab_size, spm_type, d_model, layers, heads, ffn_dim, dropout, seed):
    """Train the joint sentencepiece vocabulary and save a fresh MarianMT model (HF directory)."""
    from asrboot.mt.model import ModelConfig, init_model

    texts = [s for en, hi in _pairs(pair_files) for s in (en, hi)]
    texts += [line for path in text_files for _, line in read_lines(path)]
    config = ModelConfig(d_model=d_model, encoder_layers=layers, decoder_layers=layers, heads=heads,
                         ffn_dim=ffn_dim, dropout=dropout)
    model, tokenizer = init_model(texts, out_dir, config, vocab_size, spm_type, seed)
    _echo({"out_dir": out_dir, "vocab": len(tokenizer), "parameters": sum(p.numel() for p in model.parameters())})


def _train_options(fn):
    options = [
        click.option("--lr", default=7e-4, show_default=True, help="Peak learning rate."),
        click.option("--warmup", default=1000, show_default=True, help="Warm-up steps (then inverse sqrt)."),
        click.option("--max-tokens", default=4096, show_default=True, help="Batch size in (padded) tokens."),
        click.option("--max-len", default=128, show_default=True,
                     help="Drop training pairs with a side longer than this many subword tokens."),
        click.option("--max-steps", type=int, help="Stop after this many updates."),
        click.option("--max-epochs", type=float, help="Stop after this many epochs."),
        click.option("--max-minutes", type=float, help="Stop after this much training time."),
        click.option("--eval-every", default=500, show_default=True, help="Steps between dev evaluations."),
        click.option("--patience", default=5, show_default=True,
                     help="Evaluations without improvement before stopping."),
        click.option("--metric", type=click.Choice(["loss", "bleu"]), default="loss", show_default=True,
                     help="Dev metric that picks the best model."),
        click.option("--bleu-sentences", default=200, show_default=True,
                     help="Dev pairs translated for BLEU (0: none)."),
        click.option("--seed", default=0, show_default=True),
        click.option("--threads", type=int, help="torch CPU threads [$ASRBOOT_THREADS or 2]."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _train_config(default_epochs: Optional[float], lr, warmup, max_tokens, max_len, max_steps, max_epochs,
                  max_minutes, eval_every, patience, metric, bleu_sentences, seed, threads):
    from asrboot.mt.train import TrainConfig

    if max_epochs is None and max_steps is None and max_minutes is None:
        max_epochs = default_epochs
    return TrainConfig(lr=lr, warmup_steps=warmup, max_tokens=max_tokens, max_len=max_len, max_steps=max_steps,
                       max_epochs=max_epochs, max_minutes=max_minutes, eval_every=eval_every, patience=patience,
                       metric=metric, bleu_sentences=bleu_sentences, seed=seed, threads=threads)


@mt.command("train")
@click.argument("init_dir", type=_DIR)
@click.option("--train", "train_files", multiple=True, required=True, type=_FILE, help="Pair TSVs (repeatable).")
@click.option("--dev", "dev_file", required=True, type=_FILE, help="Dev pair TSV (from the pool, not slurp test).")
@click.option("-o", "--out-dir", required=True, type=click.Path(file_okay=False), help="Best model (HF directory).")
@click.option("--resume", is_flag=True, help="Continue the interrupted run in OUT_DIR/checkpoint.")
@_train_options
def train_cmd(init_dir, train_files, dev_file, out_dir, resume, **options):
    """Train (or fine-tune) the seq2seq model in INIT_DIR on --train pairs (default 20 epochs)."""
    from asrboot.mt.train import train_nmt

    report = train_nmt(init_dir, _pairs(train_files), _pairs([dev_file]), out_dir, _train_config(20, **options),
                       resume=resume)
    _echo({k: v for k, v in report.__dict__.items() if k != "history"})


@mt.command("translate")
@click.argument("model_dir", type=_DIR)
@click.argument("input_path", metavar="INPUT", type=_FILE)
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="N-best JSON lines.")
@click.option("--beam", default=5, show_default=True)
@click.option("--nbest", default=5, show_default=True)
@click.option("--max-tokens", default=1500, show_default=True, help="Source tokens per batch.")
@click.option("--normalize/--no-normalize", default=True, show_default=True,
              help="Normalize the English first (our models are trained on normalized text).")
@click.option("--threads", type=int, help="torch CPU threads [$ASRBOOT_THREADS or 2].")
def translate_cmd(model_dir, input_path, out, beam, nbest, max_tokens, normalize, threads):
    """Translate INPUT (pair TSV or English lines) with MODEL_DIR (any local HF seq2seq directory)."""
    import time

    from asrboot.mt.translate import NbestEntry, Translator, write_nbest

    items = _english_input(input_path, normalize)
    translator = Translator.load(model_dir, threads)
    start = time.monotonic()
    nbests = translator.translate([s for _, s in items], beam=beam, nbest=nbest, max_tokens=max_tokens)
    seconds = time.monotonic() - start
    write_nbest(out, [NbestEntry(i, s, h) for (i, s), h in zip(items, nbests)])
    _echo({"sentences": len(items), "seconds": round(seconds, 1),
           "seconds_per_1000": round(1000 * seconds / max(len(items), 1), 1), "out": out})


@mt.command("eval")
@click.argument("model_dir", type=_DIR)
@click.argument("pairs_file", metavar="PAIRS", type=_FILE)
@click.option("--beam", default=5, show_default=True)
@click.option("--threads", type=int, help="torch CPU threads [$ASRBOOT_THREADS or 2].")
def eval_cmd(model_dir, pairs_file, beam, threads):
    """BLEU and chrF of MODEL_DIR's 1-best translations of the held-out PAIRS."""
    from asrboot.mt.evaluate import evaluate
    from asrboot.mt.translate import Translator

    _echo(evaluate(Translator.load(model_dir, threads), _pairs([pairs_file]), beam=beam))


@mt.command("self-train")
@click.argument("model_dir", type=_DIR)
@click.option("--train", "train_files", multiple=True, required=True, type=_FILE, help="Real pair TSVs (repeatable).")
@click.option("--dev", "dev_file", required=True, type=_FILE, help="Dev pair TSV.")
@click.option("--english", "english_path", required=True, type=_FILE,
              help="English in-domain text to translate (en_pool.txt, or a pair TSV's en column).")
@click.option("-o", "--out-dir", required=True, type=click.Path(file_okay=False), help="Writes round1/, round2/ ...")
@click.option("--rounds", default=1, show_default=True)
@click.option("--min-score", type=float, help="Keep translations with length-normalized log-prob >= this.")
@click.option("--top-fraction", type=float, help="Keep this fraction of the most confident translations.")
@click.option("--beam", default=5, show_default=True)
@_train_options
def self_train_cmd(model_dir, train_files, dev_file, english_path, out_dir, rounds, min_score, top_fraction, beam,
                   **options):
    """Fine-tune MODEL_DIR on its confident translations of --english plus the real pairs (2 epochs a round)."""
    from asrboot.mt.selftrain import self_train

    final, reports = self_train(model_dir, _pairs(train_files), _pairs([dev_file]),
                                _english_input(english_path, normalize=True), out_dir, _train_config(2, **options),
                                rounds, min_score, top_fraction, beam)
    _echo({"model": str(final), "rounds": reports})


@mt.command("rescore")
@click.argument("nbest_file", metavar="NBEST", type=_FILE)
@click.option("--lm", "lm_path", required=True, type=_FILE, help="In-domain LM (ARPA or KenLM binary).")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False),
              help="Chosen translations, one per line (empty ones left out).")
@click.option("--lm-weight", default=0.0, show_default=True, help="w in nmt + w*lm + b*words.")
@click.option("--length-bonus", default=0.0, show_default=True, help="b in nmt + w*lm + b*words.")
@click.option("--tune-dev", type=_FILE,
              help="Tune w and b on this in-domain dev set (slurp TSV or normalized Hindi lines); --lm must be ARPA.")
@click.option("--lm-weights", default="0,0.1,0.25,0.5,1", show_default=True, help="With --tune-dev: grid of w.")
@click.option("--length-bonuses", default="0,1,2", show_default=True, help="With --tune-dev: grid of b.")
@click.option("--workdir", type=click.Path(file_okay=False), help="Temporary LMs [OUT's folder/rescore_work].")
def rescore_cmd(nbest_file, lm_path, out, lm_weight, length_bonus, tune_dev, lm_weights, length_bonuses, workdir):
    """Pick one translation per source from NBEST by NMT + in-domain LM score."""
    from asrboot.mt.rescore import choose, nbest_features, tune_rescoring
    from asrboot.mt.translate import read_nbest

    feats = nbest_features(read_nbest(nbest_file), lm_path)
    report = {"sources": len(feats.texts)}
    if tune_dev:
        objective = _objective(lm_path, tune_dev, feats.vocabulary(), workdir or str(Path(out).parent / "rescore_work"))
        result = tune_rescoring(feats, objective, _floats(lm_weights), _floats(length_bonuses))
        lm_weight, length_bonus, report["tuning"] = result.best["lm_weight"], result.best["length_bonus"], result.table
    chosen = choose(feats, lm_weight, length_bonus)
    _write_text(out, [c for c in chosen if c])
    report.update(lm_weight=lm_weight, length_bonus=length_bonus,
                  changed_from_nmt_best=sum(c != t[0] for c, t in zip(chosen, feats.texts)),
                  empty=sum(not c for c in chosen), out=out)
    _echo(report)


@mt.command("onebest")
@click.argument("nbest_file", metavar="NBEST", type=_FILE)
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False),
              help="Translations, one per line (empty ones left out).")
def onebest_cmd(nbest_file, out):
    """The NMT's 1-best translation per source of NBEST (the beam's top hypothesis; no LM)."""
    from asrboot.mt.rescore import nmt_best
    from asrboot.mt.translate import read_nbest

    texts = nmt_best(read_nbest(nbest_file))
    _write_text(out, [t for t in texts if t])
    _echo({"sources": len(texts), "empty": sum(not t for t in texts), "out": out})


@mt.command("lm-filter")
@click.argument("text_file", metavar="TEXT", type=_FILE)
@click.option("--lm", "lm_path", required=True, type=_FILE, help="In-domain LM (ARPA or KenLM binary).")
@click.option("-o", "--out", required=True, type=click.Path(dir_okay=False), help="Kept sentences.")
@click.option("--threshold", type=float, help="Keep sentences whose per-word log10 LM probability is >= this.")
@click.option("--tune-dev", type=_FILE,
              help="Tune the threshold on this in-domain dev set (slurp TSV or normalized Hindi lines); "
                   "--lm must be ARPA.")
@click.option("--quantiles", default="0,0.05,0.1,0.2,0.3,0.4,0.5", show_default=True,
              help="With --tune-dev: thresholds at these quantiles of the scores.")
@click.option("--workdir", type=click.Path(file_okay=False), help="Temporary LMs [OUT's folder/filter_work].")
def lm_filter_cmd(text_file, lm_path, out, threshold, tune_dev, quantiles, workdir):
    """Drop sentences of TEXT that the in-domain LM finds improbable."""
    from asrboot.mt.lm_filter import keep_mask, per_word_scores, tune_threshold

    if (threshold is None) == (tune_dev is None):
        raise click.UsageError("give exactly one of --threshold and --tune-dev")
    sentences = [line for _, line in read_lines(text_file) if line.strip()]
    scores = per_word_scores(sentences, lm_path)
    report = {"sentences": len(sentences)}
    if tune_dev:
        vocab = {w for s in sentences for w in s.split()}
        objective = _objective(lm_path, tune_dev, vocab, workdir or str(Path(out).parent / "filter_work"))
        result = tune_threshold(sentences, scores, objective, _floats(quantiles))
        threshold, report["tuning"] = result.best["threshold"], result.table
    kept = [s for s, k in zip(sentences, keep_mask(scores, threshold)) if k]
    _write_text(out, kept)
    report.update(threshold=threshold, kept=len(kept), kept_fraction=len(kept) / max(len(sentences), 1), out=out)
    _echo(report)
