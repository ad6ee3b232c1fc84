"""Data preparation of the NLU self-training recipe ("new functionalities" setting).

From the shared corpora (paths relative to ``data_root``):

* HWU64 KFold_1 train fold: per intent a ``dev`` slice (never the test fold); for the
  existing (non-target) intents ``other_per_intent`` labelled training utterances, the rest
  go to the unlabelled pool with labels hidden; for the target intents every non-dev
  utterance is a *candidate*: each split (K, seed) labels the first K of a seeded
  permutation (nested: K=10 is part of K=30), and the others stay hidden in the pool;
* HWU64 KFold_1 test fold: the test set, used for evaluation only;
* SLURP devel/test: labelled utterances of existing intents (negatives of the relevance
  filter, pairs of the paraphrase detector); target-intent and unknown-intent ones are
  hidden in the pool;
* SLURP lm.txt and a sample of CLINC150/SNIPS/BANKING77 utterances (out-of-domain
  distractors): unlabelled pool.

The pool is deduplicated and every pool text that also occurs in test, dev or the labelled
training data is dropped, so no test utterance can be selected.
"""

from __future__ import annotations

import json
import logging
import random
from collections import Counter, defaultdict
from pathlib import Path
from typing import Dict, List, Sequence

from asrboot.io import InputError, PathLike, atomic_open
from asrboot.nlu.data import (Utterance, english_normalizer, read_hwu_dir, read_manifest, read_seq_in,
                              read_slurp_jsonl, read_text_lines, write_manifest)
from asrboot.nlu.model import bio_tags

log = logging.getLogger(__name__)
FILES = ("labels.json", "train_other.jsonl", "target_candidates.jsonl", "slurp_other.jsonl", "dev.jsonl",
         "test.jsonl", "pool.jsonl", "splits.json", "stats.json")


def _need(path: Path) -> Path:
    if not path.exists():
        raise InputError(path, None, "not found (check --data-root and the data section of the config)")
    return path


def split_key(k: int, seed: int) -> str:
    return f"k{k}_seed{seed}"


def prepare(config: Dict, data_root: PathLike, out_dir: PathLike) -> Dict:
    """Write the recipe's data directory (see :data:`FILES`); return the statistics."""
    dcfg = config["data"]
    root, out = Path(data_root), Path(out_dir)
    norm = english_normalizer()
    rng = random.Random(dcfg["split_seed"])
    targets = list(config["targets"])

    hwu = _need(root / dcfg["hwu"])
    train = read_hwu_dir(_need(hwu / "kfold1_trainset"), norm, "hwu")
    test = read_hwu_dir(_need(hwu / "kfold1_testset"), norm, "hwu_test")
    intents = sorted({u.intent for u in train} | {u.intent for u in test})
    missing = [t for t in targets if t not in intents]
    if missing:
        raise InputError(hwu, None, f"target intent(s) {missing} not among the HWU64 intents")
    slot_types = sorted({s[0] for u in train + test for s in u.spans})

    by_intent: Dict[str, List[Utterance]] = defaultdict(list)
    for u in train:
        by_intent[u.intent].append(u)
    dev, train_other, candidates, pool = [], [], [], []
    for intent in intents:
        items = list(by_intent[intent])
        rng.shuffle(items)
        n_dev = dcfg["dev_per_target"] if intent in targets else dcfg["dev_per_intent"]
        dev += items[:n_dev]
        rest = items[n_dev:]
        if intent in targets:
            candidates += rest
            pool += [u.hidden() for u in rest]
        else:
            train_other += rest[:dcfg["other_per_intent"]]
            pool += [u.hidden() for u in rest[dcfg["other_per_intent"]:]]
    if min(Counter(u.intent for u in candidates)[t] for t in targets) < max(config["ks"]):
        raise InputError(hwu, None, f"fewer than K={max(config['ks'])} candidate utterances for a target intent")

    slurp_other: List[Utterance] = []
    slurp_dir = root / dcfg["slurp"]
    for name in ("devel.jsonl", "test.jsonl"):
        for u in read_slurp_jsonl(_need(slurp_dir / name), norm, "slurp"):
            if u.intent in intents and u.intent not in targets:
                slurp_other.append(u)
            else:
                pool.append(u.hidden())
    pool += read_text_lines(_need(slurp_dir / "lm.txt"), norm, "slurp_lm")
    for name in dcfg["distractor_sets"]:
        base = _need(root / dcfg["dnnc"] / name)
        utts = []
        for split in sorted(p for p in base.iterdir() if (p / "seq.in").is_file()):
            if split.name.startswith("train_"):  # few-shot subsets repeat the train split
                continue
            for u in read_seq_in(split, norm, f"dnnc_{name}_{split.name}"):
                u.oracle_intent = f"{name}:{u.oracle_intent}" if u.oracle_intent else None
                utts.append(u)
        utts = list({u.text: u for u in utts}.values())
        rng.shuffle(utts)
        pool += utts[:dcfg["distractors_per_set"]]

    blocked = {u.text for u in test} | {u.text for u in dev} | {u.text for u in train_other}
    seen, deduped = set(), []
    dropped = Counter()
    for u in pool:
        if u.text in blocked:
            dropped["in_test_dev_or_train"] += 1
        elif u.text in seen:
            dropped["duplicate"] += 1
        else:
            seen.add(u.text)
            deduped.append(u)
    pool = deduped
    # SLURP labelled utterances must not repeat test utterances either
    slurp_other = [u for u in slurp_other if u.text not in {x.text for x in test}]

    splits: Dict[str, Dict[str, List[str]]] = {}
    cand_by_intent = defaultdict(list)
    for u in candidates:
        cand_by_intent[u.intent].append(u)
    for seed in config["seeds"]:
        srng = random.Random(1000 + seed)
        perm = {t: srng.sample(cand_by_intent[t], len(cand_by_intent[t])) for t in targets}
        for k in config["ks"]:
            splits[split_key(k, seed)] = {t: [u.uid for u in perm[t][:k]] for t in targets}

    out.mkdir(parents=True, exist_ok=True)
    write_manifest(out / "train_other.jsonl", train_other)
    write_manifest(out / "target_candidates.jsonl", candidates)
    write_manifest(out / "slurp_other.jsonl", slurp_other)
    write_manifest(out / "dev.jsonl", dev)
    write_manifest(out / "test.jsonl", test)
    write_manifest(out / "pool.jsonl", pool)
    with atomic_open(out / "splits.json") as f:
        json.dump(splits, f, indent=1)
    with atomic_open(out / "labels.json") as f:
        json.dump({"intents": intents, "slot_types": slot_types, "tags": bio_tags(slot_types), "targets": targets},
                  f, indent=1)
    stats = {
        "hwu_train": len(train), "test": len(test), "dev": len(dev), "train_other": len(train_other),
        "target_candidates": len(candidates), "slurp_other": len(slurp_other), "pool": len(pool),
        "pool_by_source": dict(Counter(u.source.rsplit("_", 1)[0] if u.source.startswith("dnnc") else u.source
                                       for u in pool)),
        "pool_target_hidden": sum(u.oracle_intent in targets for u in pool),
        "pool_dropped": dict(dropped), "intents": len(intents), "slot_types": len(slot_types),
        "test_target": sum(u.intent in targets for u in test),
    }
    with atomic_open(out / "stats.json") as f:
        json.dump(stats, f, indent=1)
    return stats


class Prepared:
    """The prepared data directory, loaded."""

    def __init__(self, data_dir: PathLike):
        d = Path(data_dir)
        for name in FILES:
            _need(d / name)
        labels = json.loads((d / "labels.json").read_text(encoding="utf-8"))
        self.intents: List[str] = labels["intents"]
        self.tags: List[str] = labels["tags"]
        self.targets: List[str] = labels["targets"]
        self.train_other = read_manifest(d / "train_other.jsonl")
        self.candidates = read_manifest(d / "target_candidates.jsonl")
        self.slurp_other = read_manifest(d / "slurp_other.jsonl")
        self.dev = read_manifest(d / "dev.jsonl")
        self.test = read_manifest(d / "test.jsonl")
        self.pool = read_manifest(d / "pool.jsonl")
        self.splits = json.loads((d / "splits.json").read_text(encoding="utf-8"))
        self.stats = json.loads((d / "stats.json").read_text(encoding="utf-8"))

    def labelled_targets(self, k: int, seed: int) -> List[Utterance]:
        key = split_key(k, seed)
        if key not in self.splits:
            raise KeyError(f"no split {key} in the prepared data (re-run the prepare stage with these ks/seeds)")
        by_id = {u.uid: u for u in self.candidates}
        return [by_id[i] for t in self.targets for i in self.splits[key][t]]

    def texts(self, pool: bool = False) -> List[str]:
        """Distinct texts of the labelled, dev and test data (and, with ``pool``, of the pool)."""
        utts: Sequence[Utterance] = self.train_other + self.candidates + self.dev + self.test
        if pool:
            utts = list(utts) + self.pool
        return list(dict.fromkeys(u.text for u in utts))
