"""Recipe configuration (YAML): defaults, loading, validation."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Dict

from asrboot.io import InputError, PathLike

STRATEGIES = ("supervised", "random", "relevance", "relevance+paraphrase", "relevance+submodular")

DEFAULTS: Dict[str, Any] = {
    "targets": ["alarm_set", "play_radio", "transport_ticket", "cooking_recipe", "email_sendemail"],
    "ks": [10, 30, 100],
    "seeds": [1, 2, 3],
    "data": {
        "hwu": "hwu64_nlu_evaluation_data",  # kfold1_trainset/, kfold1_testset/
        "slurp": "slurp_text",  # devel.jsonl, test.jsonl (labelled), lm.txt (unlabelled)
        "dnnc": "intent_benchmarks_dnnc",  # out-of-domain distractors (seq.in)
        "distractor_sets": ["CLINC150", "SNIPS", "BANKING77"],
        "distractors_per_set": 2000,
        "dev_per_intent": 5,  # dev slice of HWU train, per intent (never the test fold)
        "dev_per_target": 10,
        "other_per_intent": 25,  # labelled training utterances per existing (non-target) intent
        "split_seed": 0,
    },
    "encoder": {"max_length": 32, "batch_size": 64},
    "model": {"finetune_layers": 1, "epochs": 5, "round_mode": "heads", "round_epochs": 10, "batch_size": 32,
              "lr": 2e-4, "head_lr": 3e-3},
    "linear": {},
    "relevance": {"ngram_max": 3, "C": 1.0, "top_n": 400, "threshold": None},
    "paraphrase": {"max_pairs": 20000, "hidden": 256, "epochs": 15, "lr": 1e-3, "heldout": 0.1},
    "submodular": {"kind": "ngram", "ngram_max": 3, "concave": "sqrt"},
    "selftrain": {"strategies": list(STRATEGIES), "rounds": 4, "per_round": 50, "conf_threshold": 0.7,
                  "candidates": 1000},
    "report": {"reference": "relevance", "metric": "semer"},
}


_FREE_SECTIONS = ("model", "linear")


def _merge(base: Dict, over: Dict, where: str = "") -> Dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if k not in base:
            raise KeyError(f"unknown option {where}{k}")
        if k in _FREE_SECTIONS and isinstance(v, dict):  # options checked by the model's config class
            out[k] = {**base[k], **v}
        elif isinstance(base[k], dict) and base[k] and isinstance(v, dict):
            out[k] = _merge(base[k], v, f"{where}{k}.")
        else:
            out[k] = v
    return out


def load_config(path: PathLike | None = None, **overrides) -> Dict[str, Any]:
    """Defaults updated by the YAML file at ``path`` and by keyword ``overrides`` (top-level keys)."""
    import yaml

    cfg = copy.deepcopy(DEFAULTS)
    if path is not None:
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            raise InputError(path, mark.line + 1 if mark else None, f"not valid YAML: {e}") from None
        if not isinstance(data, dict):
            raise InputError(path, None, "expected a mapping of options")
        try:
            cfg = _merge(cfg, data)
        except KeyError as e:
            raise InputError(path, None, str(e.args[0])) from None
    for k, v in overrides.items():
        if v is not None:
            cfg[k] = v
    bad = [s for s in cfg["selftrain"]["strategies"] if s not in STRATEGIES]
    if bad:
        raise InputError(path or "<config>", None, f"unknown strategy {bad[0]!r} (choose from {', '.join(STRATEGIES)})")
    if len(set(cfg["targets"])) != len(cfg["targets"]) or not cfg["targets"]:
        raise InputError(path or "<config>", None, "targets must be a non-empty list of distinct intents")
    return cfg
