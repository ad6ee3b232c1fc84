#!/usr/bin/env python
"""Benchmark: build time and peak memory of KenLM 3-grams, EM interpolation and entropy pruning.

Each step runs in a fresh child process so its peak RSS (the child's own and its subprocesses',
e.g. lmplz) is measured cleanly. Text: ``--text FILE ...`` (normalized, one sentence per line)
or, by default, ~1M tokens of generated Zipf/Markov text over a 20k-word vocabulary.

    .venv/bin/python benchmarks/lm_build.py [--tokens 1000000] [--text a.txt b.txt] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def generate(path: Path, tokens: int, vocab: int, seed: int) -> None:
    """Zipf-distributed words with first-order Markov structure (each word prefers a few successors)."""
    rng = np.random.default_rng(seed)
    ranks = np.arange(1, vocab + 1)
    unigram = 1.0 / ranks
    unigram /= unigram.sum()
    successors = rng.choice(vocab, size=(vocab, 8), p=unigram)
    words = [f"w{i}" for i in range(vocab)]
    out, n = [], 0
    while n < tokens:
        length = int(rng.integers(3, 15))
        w = int(rng.choice(vocab, p=unigram))
        sent = [w]
        for _ in range(length - 1):
            w = int(successors[w, rng.integers(8)]) if rng.random() < 0.7 else int(rng.choice(vocab, p=unigram))
            sent.append(w)
        out.append(" ".join(words[i] for i in sent))
        n += length
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _measured(fn, *args):
    t = time.perf_counter()
    result = fn(*args)
    seconds = time.perf_counter() - t
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return result, seconds, peak_kb / 1024


def run_step(fn, *args):
    with cf.ProcessPoolExecutor(max_workers=1) as pool:
        return pool.submit(_measured, fn, *args).result()


def train(text, arpa):
    from asrboot.lm.train import train_lm

    r = train_lm([text], arpa, order=3, binary="probing")
    return f"{sum(r.ngrams.values()):,} n-grams from {r.tokens:,} tokens"


def interpolate(a, b, dev, out):
    from asrboot.lm.interpolate import interpolate as mix

    r = mix([a, b], dev, out)
    return f"weights {', '.join(f'{w:.3f}' for w in r['weights'])}; dev ppl {r['inputs'][0]['ppl']:.1f} / " \
           f"{r['inputs'][1]['ppl']:.1f} -> {r['mix']['ppl']:.1f}; {sum(r['mix']['ngrams']):,} n-grams"


def prune(arpa, out):
    from asrboot.lm.prune import prune_file

    r = prune_file(arpa, out, target_ngrams=sum(_counts(arpa)) // 2)
    return f"{sum(r['ngrams_before']):,} -> {sum(r['ngrams_after']):,} n-grams"


def _counts(arpa):
    from asrboot.lm.train import arpa_counts

    return arpa_counts(arpa).values()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, default=1_000_000)
    ap.add_argument("--text", nargs="*", help="Normalized training text(s); default: generated")
    ap.add_argument("--workdir", type=Path)
    args = ap.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="asrboot-lm-bench."))
    work.mkdir(parents=True, exist_ok=True)
    big, small, dev = work / "big.txt", work / "small.txt", work / "dev.txt"
    if args.text:
        lines = [l for p in args.text for l in Path(p).read_text(encoding="utf-8").splitlines() if l.strip()]
        rng = np.random.default_rng(0)
        rng.shuffle(lines)
        big.write_text("\n".join(lines[: int(len(lines) * 0.7)]) + "\n", encoding="utf-8")
        small.write_text("\n".join(lines[int(len(lines) * 0.7):-2000]) + "\n", encoding="utf-8")
        dev.write_text("\n".join(lines[-2000:]) + "\n", encoding="utf-8")
    else:
        generate(big, args.tokens, 20_000, seed=1)
        generate(small, args.tokens // 3, 20_000, seed=2)
        generate(dev, 20_000, 20_000, seed=3)
    steps = [
        ("lmplz 3-gram + build_binary (big)", train, big, work / "big.arpa"),
        ("lmplz 3-gram + build_binary (small)", train, small, work / "small.arpa"),
        ("EM interpolation -> static ARPA", interpolate, work / "big.arpa", work / "small.arpa", dev, work / "mix.arpa"),
        ("entropy pruning to 50%", prune, work / "mix.arpa", work / "mix.pruned.arpa"),
    ]
    print(f"workdir: {work}")
    print(f"| step | seconds | peak RSS (MB) | result |\n|---|---:|---:|---|")
    for name, fn, *fargs in steps:
        result, seconds, peak = run_step(fn, *fargs)
        print(f"| {name} | {seconds:.1f} | {peak:.0f} | {result} |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
