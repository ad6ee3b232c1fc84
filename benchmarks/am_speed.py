#!/usr/bin/env python
"""Benchmark: acoustic-model real-time factor (RTF) on CPU, per torch thread count.

Audio: ``--cuts MANIFEST`` or, by default, ~60 s of espeak-ng Hindi (general sentences) made in a
temporary directory. For each thread count, the whole backend (fbank + CMVN + forward) and the
model forward alone are timed over all cuts after one warm-up cut. Run with
``OMP_WAIT_POLICY=PASSIVE`` on a shared machine (spinning OpenMP threads distort timings).

    .venv/bin/python benchmarks/am_speed.py [--am builtin] [--threads 1,2] [--cuts cuts.jsonl.gz]
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch
from lhotse import CutSet

from asrboot.am.load import load_am

SENTENCES = [
    "आज दिल्ली में मौसम साफ रहेगा और दोपहर में हल्की धूप निकलेगी",
    "प्रधानमंत्री ने कहा कि देश के हर गांव तक बिजली पहुंचाई जाएगी",
    "बच्चों ने स्कूल के मैदान में क्रिकेट खेला और शाम को घर लौट आए",
    "इस फिल्म की कहानी एक छोटे से शहर के डॉक्टर के बारे में है",
    "किसानों को इस साल अच्छी बारिश की उम्मीद है",
    "उसने बाज़ार से सब्ज़ियां और फल खरीदे",
    "रेलवे स्टेशन पर यात्रियों की भारी भीड़ देखी गई",
    "हमें अपने पर्यावरण की रक्षा करनी चाहिए",
]


def synth_cuts(out_dir: str) -> CutSet:
    from asrboot.speech.synth import SynthConfig, synthesize
    from asrboot.speech.utterances import Utterance

    utts = [Utterance(f"bench-{i}", s) for i, s in enumerate(SENTENCES * 2)]
    return synthesize(utts, out_dir, SynthConfig(voices=("hi", "hi+f4", "hi+m6")))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--am", default="builtin", help="acoustic model spec (see asrboot.am.load)")
    ap.add_argument("--threads", default="1,2", help="comma-separated torch thread counts")
    ap.add_argument("--cuts", help="lhotse cuts manifest (default: synthesized speech)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        cuts = (CutSet.from_file(args.cuts) if args.cuts else synth_cuts(tmp)).to_eager()
        audio = sum(c.duration for c in cuts)
        am = load_am(args.am)
        print(f"AM {args.am}: {len(am.tokens)} tokens, frame shift {am.frame_shift:.3f} s; "
              f"{len(cuts)} cuts, {audio:.1f} s of audio")
        print(f"{'threads':>7} | {'total s':>8} | {'RTF total':>9} | {'RTF forward':>11}")
        print("-" * 45)
        features = getattr(am, "features", None)
        for n in (int(t) for t in args.threads.split(",")):
            torch.set_num_threads(n)
            list(am.log_posteriors(CutSet.from_cuts([cuts[0]])))  # warm-up (TorchScript profiling runs)
            t0 = time.perf_counter()
            for _ in am.log_posteriors(cuts):
                pass
            total = time.perf_counter() - t0
            forward = float("nan")
            if features is not None:  # TorchScript backends: time the model on precomputed features
                feats = [features.compute(c) for c in cuts]
                t0 = time.perf_counter()
                for f in feats:
                    am._forward(f)
                forward = time.perf_counter() - t0
            print(f"{n:>7} | {total:>8.2f} | {total / audio:>9.4f} | {forward / audio:>11.4f}")


if __name__ == "__main__":
    main()
