"""Self-training for new intents, with relevance filtering and diversity selection.

One run = one split (K labelled utterances per target intent, one seed) and one NLU model
(``minilm`` or ``linear``).  The supervised model (round 0) is trained on the labelled data;
then, for every strategy, ``rounds`` rounds of:

1. candidates from the unlabelled pool (at most ``candidates``):
   ``random``: a random sample; ``relevance*``: the relevance filter's kept utterances
   (top-N per target intent and/or above a threshold), best first;
2. the current model labels them (intent + slots, with a confidence); those with
   confidence >= ``conf_threshold`` are eligible;
3. ``per_round`` eligible utterances are added to the training data with their predicted
   labels: ``random`` and ``relevance`` take them in candidate order,
   ``relevance+paraphrase`` by :func:`asrboot.nlu.paraphrase.diversity_select` (worst
   paraphrase of the labelled + already added data first), ``relevance+submodular`` by
   greedy submodular maximization conditioned on the labelled + added data;
4. the model is retrained on labelled + added data and evaluated (the neural model
   warm-starts from the previous round and, by default, retrains its heads only: see
   :class:`asrboot.nlu.model.NeuralNLU`; the linear model refits from scratch).

``supervised`` runs the same rounds adding nothing, so every strategy gets the same training
schedule.  All strategies add the same number of utterances per round, so their learning
curves are compared at equal numbers of added examples.  The hidden labels of the pool
(``oracle_intent``) are read only to report how precise each selection was.
"""

from __future__ import annotations

import json
import logging
import random
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence

import numpy as np

from asrboot.io import PathLike, atomic_open
from asrboot.nlu.data import Utterance, delexicalize
from asrboot.nlu.metrics import score_subsets
from asrboot.nlu.relevance import TargetRelevance

log = logging.getLogger(__name__)


def evaluate_subsets(model, utts: Sequence[Utterance], targets: Sequence[str]) -> Dict[str, Dict[str, float]]:
    preds = model.predict(utts)
    return score_subsets([(u.intent, u.tags) for u in utts], [(p.intent, p.tags) for p in preds], targets)


def _metrics_brief(scores: Dict[str, Dict[str, float]]) -> Dict[str, float]:
    out = {}
    for split in ("new", "all", "other"):
        for m in ("intent_error_rate", "slot_f1", "semer"):
            out[f"{split}_{m}"] = scores[split][m]
    return out


class SelfTrainer:
    """Runs all strategies of one split (see the module docstring)."""

    def __init__(self, config: Dict, model_factory: Callable[[], object], labelled: Sequence[Utterance],
                 pool: Sequence[Utterance], dev: Sequence[Utterance], test: Sequence[Utterance],
                 targets: Sequence[str], seed: int, relevance_negatives: Sequence[Utterance] = (),
                 detector=None, embed_templates: Optional[Callable[[Sequence[str]], np.ndarray]] = None,
                 sentence_embeddings: Optional[Callable[[Sequence[str]], np.ndarray]] = None,
                 ensure_features: Optional[Callable[[Sequence[str]], object]] = None, progress: bool = False):
        self.cfg = config
        self.st = config["selftrain"]
        self.model_factory = model_factory
        self.labelled = list(labelled)
        labelled_texts = {u.text for u in self.labelled}
        self.pool = [u for u in pool if u.text not in labelled_texts]
        self.dev, self.test = list(dev), list(test)
        self.targets = list(targets)
        self.seed = seed
        self.detector = detector
        self.embed_templates = embed_templates
        self.sentence_embeddings = sentence_embeddings
        self.ensure_features = ensure_features or (lambda texts: None)
        self.progress = progress
        rcfg = config["relevance"]
        self.relevance = TargetRelevance(self.targets, rcfg["ngram_max"], rcfg["C"], seed)
        neg = [u for u in relevance_negatives if u.text not in labelled_texts]
        self.relevance.fit([u.text for u in self.labelled + neg], [u.intent for u in self.labelled + neg])
        self.rel_scores = self.relevance.scores([u.text for u in self.pool])
        self.rel_best = self.rel_scores.max(axis=1) if len(self.pool) else np.zeros(0)
        self.rel_kept = self.relevance.keep(self.rel_scores, rcfg["top_n"], rcfg["threshold"])

    # ---------------------------------------------------------------------------------------
    def _candidates(self, strategy: str, available: np.ndarray, rng: random.Random) -> List[int]:
        cap = self.st["candidates"]
        if strategy == "random":
            idx = [i for i in range(len(self.pool)) if available[i]]
            return rng.sample(idx, min(cap, len(idx)))
        return [i for i in self.rel_kept if available[i]][:cap]

    def _label(self, model, strategy: str, cands: List[int]):
        """Predictions for the candidates and the positions of the confident ones.

        Random candidates are labelled in chunks, in their random order, only until enough
        are confident (what they would be picked from anyway); the others are labelled all.
        """
        budget, tau = self.st["per_round"], self.st["conf_threshold"]
        chunk = len(cands) if strategy != "random" else max(4 * budget, 50)
        preds, ok = [], []
        for start in range(0, len(cands), chunk):
            part = cands[start:start + chunk]
            self.ensure_features([self.pool[i].text for i in part])
            for p in model.predict([self.pool[i] for i in part]):
                if p.confidence >= tau:
                    ok.append(len(preds))
                preds.append(p)
            if strategy == "random" and len(ok) >= budget:
                break
        return preds, ok

    def _choose(self, strategy: str, cands: List[int], preds, added: List[Utterance], budget: int) -> List[int]:
        """Positions (into ``cands``) of the utterances to add, in selection order."""
        if strategy in ("random", "relevance"):
            return list(range(min(budget, len(cands))))
        reference = [u for u in self.labelled if u.intent in self.targets] + added
        if strategy == "relevance+submodular":
            from asrboot.nlu.submodular import select_submodular

            scfg = self.cfg["submodular"]
            texts = [self.pool[i].text for i in cands]
            emb = ref_emb = None
            if scfg["kind"] == "facility":
                emb = self.sentence_embeddings(texts)
                ref_emb = self.sentence_embeddings([u.text for u in reference])
            return select_submodular(texts, budget, [u.text for u in reference], scfg["kind"], emb, ref_emb,
                                     scfg["ngram_max"], scfg["concave"])
        if strategy == "relevance+paraphrase":
            from asrboot.nlu.paraphrase import diversity_select, template_of

            if self.detector is None or self.embed_templates is None:
                raise ValueError("relevance+paraphrase needs the paraphrase detector (run the paraphrase stage)")
            cand_t = [delexicalize(self.pool[i].tokens, p.tags) for i, p in zip(cands, preds)]
            groups = [p.intent for p in preds]
            refs: Dict[str, List[str]] = {}
            for u in self.labelled + added:
                if u.intent in set(groups):
                    refs.setdefault(u.intent, []).append(template_of(u))
            refs = {g: list(dict.fromkeys(t)) for g, t in refs.items()}
            ref_emb = {g: self.embed_templates(t) for g, t in refs.items()}
            order, _ = diversity_select(self.detector, self.embed_templates(cand_t), groups, ref_emb, budget,
                                        tie_break=self.rel_best[cands], cand_keys=cand_t, ref_keys=refs)
            return order
        raise ValueError(f"unknown strategy {strategy!r}")

    def _evaluate(self, model) -> Dict[str, float]:
        return _metrics_brief(evaluate_subsets(model, self.test, self.targets))

    # ---------------------------------------------------------------------------------------
    def run(self, strategies: Sequence[str]) -> Dict:
        t0 = time.time()
        base = self.model_factory()
        history = base.fit(self.labelled, dev=self.dev)
        base_eval = self._evaluate(base)
        dev_eval = _metrics_brief(evaluate_subsets(base, self.dev, self.targets))
        result = {
            "seed": self.seed, "labelled": len(self.labelled), "pool": len(self.pool),
            "relevance_kept": len(self.rel_kept),
            "relevance_kept_target_precision": _precision([self.pool[i] for i in self.rel_kept], self.targets),
            "base_fit": history, "base_dev": dev_eval, "base_seconds": time.time() - t0, "strategies": {},
        }
        log.info("supervised: new SemER %.3f, all SemER %.3f", base_eval["new_semer"], base_eval["all_semer"])
        for strategy in strategies:
            t1 = time.time()
            rng = random.Random(self.seed * 7919 + sum(map(ord, strategy)))
            model = base.copy()
            available = np.ones(len(self.pool), dtype=bool)
            added: List[Utterance] = []
            rounds = [dict(round=0, added=0, **base_eval)]
            for r in range(1, self.st["rounds"] + 1):
                info: Dict[str, float] = {}
                if strategy != "supervised":
                    cands = self._candidates(strategy, available, rng)
                    preds, ok = self._label(model, strategy, cands)
                    chosen = self._choose(strategy, [cands[j] for j in ok], [preds[j] for j in ok], added,
                                          self.st["per_round"])
                    new = []
                    for c in chosen:
                        i, p = cands[ok[c]], preds[ok[c]]
                        available[i] = False
                        u = self.pool[i]
                        new.append(Utterance(u.uid, list(u.tokens), p.intent, list(p.tags), u.source, u.oracle_intent))
                    added += new
                    info = {"candidates": len(preds), "confident": len(ok), "new": len(new),
                            **_selection_stats(new, self.targets)}
                model.fit(self.labelled + added)
                rounds.append(dict(round=r, added=len(added), **info, **self._evaluate(model)))
                log.info("%s round %d: +%d, new SemER %.3f, all SemER %.3f", strategy, r, len(added),
                         rounds[-1]["new_semer"], rounds[-1]["all_semer"])
            result["strategies"][strategy] = {"rounds": rounds, "seconds": time.time() - t1,
                                              "added_examples": [u.to_dict() for u in added]}
        result["seconds"] = time.time() - t0
        return result


def _precision(utts: Sequence[Utterance], targets: Sequence[str]) -> float:
    """Share of new-intent utterances among those with a hidden label (SLURP lm.txt lines have none)."""
    known = [u.oracle_intent in targets for u in utts if u.oracle_intent is not None]
    return float(np.mean(known)) if known else float("nan")


def _selection_stats(added: Sequence[Utterance], targets: Sequence[str]) -> Dict[str, float]:
    """How good a round's picks were, by the hidden labels (analysis only)."""
    known = [u for u in added if u.oracle_intent is not None and ":" not in u.oracle_intent]
    to_target = [u for u in added if u.intent in targets]
    return {
        "sel_oracle_target": _precision(added, targets),
        "sel_pred_target": len(to_target) / len(added) if added else float("nan"),
        "sel_pseudo_intent_acc": (float(np.mean([u.intent == u.oracle_intent for u in known])) if known
                                  else float("nan")),
        "sel_distinct_templates": len({delexicalize(u.tokens, u.tags) for u in added}),
    }


def run_grid(config: Dict, data_dir: PathLike, out_dir: PathLike, model_kind: str = "minilm",
             features: Optional[PathLike] = None, paraphrase_dir: Optional[PathLike] = None,
             progress: bool = True) -> List[Path]:
    """Every (K, seed) of the config; a run whose result file exists is skipped (resumable)."""
    from asrboot.nlu.prepare import Prepared

    data = Prepared(data_dir)
    out = Path(out_dir) / model_kind
    strategies = config["selftrain"]["strategies"]
    todo = [(k, s) for k in config["ks"] for s in config["seeds"]
            if not (out / f"k{k}" / f"seed{s}.json").exists()]
    written = [out / f"k{k}" / f"seed{s}.json" for k in config["ks"] for s in config["seeds"]]
    if not todo:
        return written
    store = minilm = detector = embed = sent = None
    needs_encoder = model_kind == "minilm" or "relevance+paraphrase" in strategies or (
        "relevance+submodular" in strategies and config["submodular"]["kind"] == "facility")
    if needs_encoder:
        from asrboot.nlu.encoder import EmbeddingCache, FeatureStore, MiniLMEncoder
        from asrboot.threads import set_threads

        set_threads()
        encoder = MiniLMEncoder(max_length=config["encoder"]["max_length"], batch_size=config["encoder"]["batch_size"])
        minilm = encoder.model
        embed = EmbeddingCache(encoder)
        sent = embed
    if model_kind == "minilm":
        if features is None:
            raise ValueError("the minilm model needs the feature cache (run the encode stage)")
        store = FeatureStore.load(features)
    if "relevance+paraphrase" in strategies:
        from asrboot.nlu.paraphrase import ParaphraseDetector

        if paraphrase_dir is None:
            raise ValueError("relevance+paraphrase needs the paraphrase detector (run the paraphrase stage)")
        detector = ParaphraseDetector.load(Path(paraphrase_dir) / "detector.pt")

    from tqdm import tqdm

    for k, seed in tqdm(todo, desc=f"self-training ({model_kind})", unit="run", disable=not progress):
        labelled = data.train_other + data.labelled_targets(k, seed)

        def factory(seed=seed):
            if model_kind == "minilm":
                from asrboot.nlu.model import NeuralConfig, NeuralNLU

                return NeuralNLU(data.intents, data.tags, store, NeuralConfig.from_dict(config["model"]), seed, minilm)
            if model_kind == "linear":
                from asrboot.nlu.model import LinearConfig, LinearNLU

                return LinearNLU(data.intents, data.tags, LinearConfig.from_dict(config["linear"]), seed)
            raise ValueError(f"unknown model {model_kind!r} (minilm or linear)")

        ensure = None
        if store is not None:
            def ensure(texts):
                return store.extend(encoder, texts)

        trainer = SelfTrainer(config, factory, labelled, data.pool, data.dev, data.test, data.targets, seed,
                              relevance_negatives=data.slurp_other, detector=detector, embed_templates=embed,
                              sentence_embeddings=sent, ensure_features=ensure)
        n_cached = len(store) if store is not None else 0
        result = trainer.run(strategies)
        if store is not None and len(store) > n_cached:
            store.save(features)  # pool texts encoded on the way, kept for the next runs
            log.info("feature cache: %d texts (+%d)", len(store), len(store) - n_cached)
        result.update(model=model_kind, k=k, targets=data.targets, per_round=config["selftrain"]["per_round"])
        path = out / f"k{k}" / f"seed{seed}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        with atomic_open(path) as f:
            json.dump(result, f, indent=1)
    return written
