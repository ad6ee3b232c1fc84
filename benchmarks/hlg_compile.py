#!/usr/bin/env python
"""Benchmark: time and peak memory of building a lang dir, G and HLG for a ~20k-word 3-gram.

Each stage runs in a fresh child process, so its peak RSS (its own and its subprocesses', e.g.
lmplz) is measured cleanly. Text: by default generated Zipf/Markov sentences over ~20k Devanagari
pseudo-words, sized for ~1.5M n-grams; ``--shared`` uses the normalized Hindi sentences of
``../shared/data`` (Common Voice, HiNER, discourse) instead, vocabulary limited to ``--vocab``.

    .venv/bin/python benchmarks/hlg_compile.py [--tokens 1800000] [--shared] [--modified] [--icefall] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import resource
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
_CONSONANTS = "कखगघचछजझटठडढतथदधनपफबभमयरलवशषसह"
_VOWEL_SIGNS = ["", "ा", "ि", "ी", "ु", "ू", "े", "ै", "ो", "ौ", "ं"]


def pseudo_words(n: int, seed: int = 0) -> list:
    """``n`` distinct Devanagari pseudo-words of 2-4 syllables."""
    rng = np.random.default_rng(seed)
    words: set = set()
    while len(words) < n:
        k = int(rng.integers(2, 5))
        words.add("".join(_CONSONANTS[rng.integers(len(_CONSONANTS))] + _VOWEL_SIGNS[rng.integers(len(_VOWEL_SIGNS))]
                          for _ in range(k)))
    return sorted(words)


def generate(path: Path, tokens: int, vocab: int, seed: int = 1) -> None:
    """Zipf-distributed words with first-order Markov structure (each word prefers a few successors)."""
    rng = np.random.default_rng(seed)
    words = pseudo_words(vocab)
    unigram = 1.0 / np.arange(1, vocab + 1)
    unigram /= unigram.sum()
    successors = rng.choice(vocab, size=(vocab, 8), p=unigram)
    starts = rng.choice(vocab, size=tokens, p=unigram).tolist()
    follow = (rng.random(tokens) < 0.6).tolist()
    picks = rng.integers(8, size=tokens).tolist()
    succ = successors.tolist()
    lengths = rng.integers(3, 15, size=tokens // 3).tolist()
    lines, pos = [], 0
    for length in lengths:
        if pos + length > tokens:
            break
        sent = [starts[pos]]
        for i in range(pos + 1, pos + length):
            sent.append(succ[sent[-1]][picks[i]] if follow[i] else starts[i])
        lines.append(" ".join(words[i] for i in sent))
        pos += length
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def shared_text(path: Path) -> None:
    """Normalized Hindi sentences of the shared data sets (one per line)."""
    from asrboot.text import Normalizer

    norm = Normalizer.for_lm("hi", latin="drop")
    raw = (SHARED / "common_voice_hi_sentences" / "sentence-collector.txt").read_text(encoding="utf-8").splitlines()
    stories = json.loads((SHARED / "hindi_discourse_midas" / "discourse_dataset.json").read_text(encoding="utf-8"))
    raw += [s["Sentence"] for s in stories.values()]
    sent: list = []
    for line in (SHARED / "hiner_validation" / "validation.conll").read_text(encoding="utf-8").splitlines():
        if line.strip():
            sent.append(line.split()[0])
        elif sent:
            raw.append(" ".join(sent))
            sent = []
    lines = [t for t in map(norm, raw) if t]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _measured(fn, *args):
    t = time.perf_counter()
    result = fn(*args)
    seconds = time.perf_counter() - t
    peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return result, seconds, peak_kb / 1024


def run_stage(fn, *args):
    with cf.ProcessPoolExecutor(max_workers=1) as pool:
        return pool.submit(_measured, fn, *args).result()


def make_text(work: str, shared: bool, tokens: int, vocab: int) -> str:
    text = Path(work) / "text.txt"
    shared_text(text) if shared else generate(text, tokens, vocab)
    return f"{sum(1 for _ in open(text, encoding='utf-8')):,} sentences"


def train(work: str, vocab: int) -> str:
    from asrboot.lm.train import train_lm, write_vocab

    text = Path(work) / "text.txt"
    counts = Counter(w for line in open(text, encoding="utf-8") for w in line.split())
    write_vocab([w for w, _ in counts.most_common(vocab)], Path(work) / "vocab.txt")
    r = train_lm([text], Path(work) / "lm.arpa", order=3, limit_vocab_file=Path(work) / "vocab.txt")
    return f"{sum(r.ngrams.values()):,} n-grams ({', '.join(f'{n:,}' for n in r.ngrams.values())})"


def lang(work: str) -> str:
    from asrboot.graph.lang import prepare_lang
    from asrboot.graph.lexicon import words_from_arpa
    from asrboot.tokens import grapheme_table

    words = words_from_arpa(Path(work) / "lm.arpa")
    r = prepare_lang(Path(work) / "lang", grapheme_table(words), words)
    return f"{r.words:,} words, #0..#{r.max_disambig}"


def graph_g(work: str) -> str:
    from asrboot.graph.hlg import compile_g
    from asrboot.graph.lang import Lang

    _, r = compile_g(Path(work) / "lm.arpa", Lang(Path(work) / "lang"), Path(work) / "graph", force=True)
    return f"{r.num_arcs:,} arcs"


def graph_hlg(work: str, modified: bool, pushing: str, threads: int):
    from asrboot.graph.hlg import compile_hlg

    r = compile_hlg(Path(work) / "lang", Path(work) / "lm.arpa", Path(work) / "graph" / "HLG.pt", modified=modified,
                    pushing=pushing, force=True, num_threads=threads)
    return f"{r.num_arcs:,} arcs", r.steps


def icefall_baseline(work: str):
    """For comparison: the straightforward recipe of icefall's ``compile_hlg.py`` on the same L and G."""
    import k2
    import torch

    from asrboot.graph.lang import Lang

    lang = Lang(Path(work) / "lang")
    L = k2.arc_sort(lang.load_fsa("L_disambig.pt"))
    G = k2.arc_sort(k2.Fsa.from_dict(torch.load(Path(work) / "graph" / "G_3gram.pt")))
    LG = k2.connect(k2.determinize(k2.connect(k2.compose(L, G))))
    LG.labels[LG.labels >= lang.first_token_disambig] = 0
    LG.__dict__["_properties"] = None
    LG.aux_labels.values[LG.aux_labels.values >= lang.first_word_disambig] = 0
    LG = k2.connect(k2.remove_epsilon(LG))
    LG.aux_labels = LG.aux_labels.remove_values_eq(0)
    LG = k2.arc_sort(LG)
    HLG = k2.arc_sort(k2.connect(k2.compose(k2.ctc_topo(lang.max_token_id), LG, inner_labels="tokens")))
    torch.save(HLG.as_dict(), Path(work) / "graph" / "HLG_icefall.pt")
    return f"{HLG.num_arcs:,} arcs"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, default=1_800_000, help="generated text size (tokens)")
    ap.add_argument("--vocab", type=int, default=20_000)
    ap.add_argument("--shared", action="store_true", help="use ../shared/data Hindi text instead of generated text")
    ap.add_argument("--modified", action="store_true", help="modified CTC topology")
    ap.add_argument("--pushing", default="log", choices=["none", "log", "tropical"])
    ap.add_argument("--threads", type=int, default=1, help="torch threads while building HLG")
    ap.add_argument("--icefall", action="store_true", help="also time icefall's straightforward recipe")
    ap.add_argument("--workdir", help="keep files here (default: a temporary directory)")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or tmp
        Path(work).mkdir(parents=True, exist_ok=True)
        rows = [("text", *run_stage(make_text, work, args.shared, args.tokens, args.vocab)),
                ("lmplz 3-gram", *run_stage(train, work, args.vocab)),
                ("lang dir (L, L_disambig)", *run_stage(lang, work)),
                ("G (arpa2fst -> k2)", *run_stage(graph_g, work))]
        (what, steps), seconds, peak = run_stage(graph_hlg, work, args.modified, args.pushing, args.threads)
        rows.append((f"HLG (modified={args.modified}, pushing={args.pushing})", what, seconds, peak))
        if args.icefall:
            rows.append(("HLG, icefall compile_hlg.py recipe", *run_stage(icefall_baseline, work)))
        print(f"\n{'stage':42s} {'result':40s} {'seconds':>8s} {'peak RSS MB':>12s}")
        for name, result, sec, mb in rows:
            print(f"{name:42s} {result:40s} {sec:8.1f} {mb:12.0f}")
        print("\nHLG steps (peak RSS = high-water mark of the HLG process at the end of the step):")
        for s in steps:
            print(f"  {s.name:40s} {s.seconds:8.1f} s {s.peak_rss_mb:10.0f} MB")


if __name__ == "__main__":
    main()
