"""Joint intent classification + BIO slot filling: a fine-tuned MiniLM model and a linear baseline.

Both models share one interface: ``fit(utterances)``, ``predict(utterances) -> [Prediction]``
and ``copy()``.  Slot tags are decoded with a BIO-constrained Viterbi search (``I-x`` only
after ``B-x``/``I-x``), so every predicted tag sequence is well formed.

* :class:`NeuralNLU`: all-MiniLM-L6-v2 with its bottom layers frozen (their outputs come from
  a :class:`asrboot.nlu.encoder.FeatureStore`), the top ``finetune_layers`` layers fine-tuned,
  an intent head on the mean-pooled output and a slot head on each word's first sub-word.
  ``fit`` continues from the current weights, so self-training rounds warm-start.  With
  ``round_mode="heads"`` (default) the first fit fine-tunes layers + heads, and later fits
  (the self-training rounds) keep the fine-tuned layers fixed, cache their outputs and
  retrain the heads only: many cheap rounds on CPU.
* :class:`LinearNLU`: scikit-learn logistic regressions (SGD, one-vs-rest): intents on TF-IDF
  word 1-2-grams, slot tags on per-word window features.

Confidence of a prediction = P(intent) x min over words of P(chosen tag).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import logging
import random
from typing import Dict, List, Optional, Sequence

import numpy as np

from asrboot.nlu.data import Utterance
from asrboot.nlu.metrics import NLUScores

log = logging.getLogger(__name__)


@dataclasses.dataclass
class Prediction:
    intent: str
    tags: List[str]
    intent_prob: float
    slot_prob: float

    @property
    def confidence(self) -> float:
        return self.intent_prob * self.slot_prob


def bio_tags(slot_types: Sequence[str]) -> List[str]:
    """``["O", "B-a", "I-a", "B-b", ...]`` for the sorted slot types."""
    tags = ["O"]
    for t in sorted(set(slot_types)):
        tags += [f"B-{t}", f"I-{t}"]
    return tags


def _transitions(tags: Sequence[str]) -> np.ndarray:
    """``allowed[prev, cur]``; row ``len(tags)`` is the start state."""
    n = len(tags)
    allowed = np.ones((n + 1, n), dtype=bool)
    for j, t in enumerate(tags):
        if t.startswith("I-"):
            allowed[:, j] = False
            for i, p in enumerate(tags):
                if p in (f"B-{t[2:]}", t):
                    allowed[i, j] = True
    return allowed


def viterbi_bio(logp: np.ndarray, allowed: np.ndarray) -> List[int]:
    """Best tag indices for word log-probabilities ``logp [words, tags]`` under ``allowed``."""
    n_words, n_tags = logp.shape
    if n_words == 0:
        return []
    penalty = np.where(allowed, 0.0, -np.inf)
    score = penalty[n_tags] + logp[0]
    back = np.zeros((n_words, n_tags), dtype=np.int64)
    for w in range(1, n_words):
        cand = score[:, None] + penalty[:n_tags]
        back[w] = np.argmax(cand, axis=0)
        score = cand[back[w], np.arange(n_tags)] + logp[w]
    best = [int(np.argmax(score))]
    for w in range(n_words - 1, 0, -1):
        best.append(int(back[w, best[-1]]))
    return best[::-1]


class _TagDecoder:
    def __init__(self, tags: Sequence[str]):
        self.tags = list(tags)
        self.allowed = _transitions(self.tags)

    def decode(self, logp: np.ndarray):
        path = viterbi_bio(logp, self.allowed)
        probs = np.exp(logp[np.arange(len(path)), path]) if path else np.ones(0)
        return [self.tags[j] for j in path], float(probs.min()) if len(probs) else 1.0


def evaluate(model, utts: Sequence[Utterance]) -> NLUScores:
    preds = model.predict(utts)
    s = NLUScores()
    for u, p in zip(utts, preds):
        s.add(u.intent, u.tags, p.intent, p.tags)
    return s


# --------------------------------------------------------------------------------------------
# MiniLM joint model
# --------------------------------------------------------------------------------------------


@dataclasses.dataclass
class NeuralConfig:
    finetune_layers: int = 1  # top transformer layers trained (the rest frozen and cached)
    epochs: int = 4  # epochs of the first fit (from the pretrained weights)
    round_mode: str = "heads"  # later fits: "heads" (fine-tuned layers fixed, outputs cached) or "all"
    round_epochs: int = 10  # epochs of a later (warm-started) fit
    batch_size: int = 32
    lr: float = 1e-4  # fine-tuned transformer layers
    head_lr: float = 3e-3  # intent and slot heads
    weight_decay: float = 0.01
    dropout: float = 0.1
    slot_weight: float = 1.0

    @classmethod
    def from_dict(cls, d: Optional[Dict]) -> "NeuralConfig":
        d = dict(d or {})
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise ValueError(f"unknown model option(s): {', '.join(sorted(unknown))}")
        cfg = cls(**d)
        if cfg.round_mode not in ("heads", "all"):
            raise ValueError(f"round_mode must be 'heads' or 'all', not {cfg.round_mode!r}")
        return cfg


class NeuralNLU:
    """MiniLM joint intent/slot model over a :class:`FeatureStore` (see the module docstring)."""

    warm_start = True  # fit() continues from the current weights

    @property
    def torch(self):
        import torch

        return torch

    def __init__(self, intents: Sequence[str], tags: Sequence[str], store, config: Optional[NeuralConfig] = None,
                 seed: int = 0, minilm=None):
        import torch
        from torch import nn

        from asrboot.nlu.encoder import DIM, load_minilm

        self.config = config or NeuralConfig()
        self.intents, self.tags = list(intents), list(tags)
        self.intent_index = {x: i for i, x in enumerate(self.intents)}
        self.tag_index = {x: i for i, x in enumerate(self.tags)}
        self.store = store
        self.decoder = _TagDecoder(self.tags)
        self.seed = seed
        n_layers = 6
        expected = n_layers - self.config.finetune_layers
        if store is not None and store.layer != expected:
            raise ValueError(f"feature cache holds layer {store.layer}, but fine-tuning "
                             f"{self.config.finetune_layers} layer(s) needs layer {expected}")
        torch.manual_seed(seed)
        top = nn.ModuleList()
        if self.config.finetune_layers:
            model = minilm if minilm is not None else load_minilm()[1]
            top = copy.deepcopy(model.encoder.layer[n_layers - self.config.finetune_layers:])
        self.net = _JointNet(top, len(self.intents), len(self.tags), self.config.dropout, DIM)
        self.fits = 0
        self.heads_only = False
        self._top_cache: Dict[str, tuple] = {}

    def copy(self) -> "NeuralNLU":
        """An independent copy (the feature store and the cache of fixed-layer outputs are shared)."""
        shared = self.store, self._top_cache
        self.store, self._top_cache = None, {}
        try:
            other = copy.deepcopy(self)
        finally:
            self.store, self._top_cache = shared
        other.store, other._top_cache = shared
        return other

    def freeze_encoder(self) -> None:
        """Fix the fine-tuned layers: later fits train the heads only, on cached layer outputs."""
        self.heads_only = True
        self._top_cache = {}

    def _top_outputs(self, utts: Sequence[Utterance]):
        """Cached ``(pooled [384], words [n_words, 384])`` of the fixed fine-tuned layers, per utterance."""
        torch = self.torch
        todo = [u for u in {u.text: u for u in utts if u.text not in self._top_cache}.values()]
        if todo:
            self.net.eval()
            todo.sort(key=lambda u: len(u.tokens))
            with torch.no_grad():
                for c in range(0, len(todo), 256):
                    batch = todo[c:c + 256]
                    states, mask, pos = self._batch(batch, labels=False)
                    pooled, words = self.net.encode(states, mask, pos)
                    for b, u in enumerate(batch):
                        self._top_cache[u.text] = (pooled[b].numpy(), words[b, :len(u.tokens)].numpy())
        return [self._top_cache[u.text] for u in utts]

    def _fit_heads(self, utts: Sequence[Utterance], epochs: int, rng: random.Random) -> List[Dict[str, float]]:
        torch = self.torch
        from torch import nn

        cfg = self.config
        feats = self._top_outputs(utts)
        pooled = torch.from_numpy(np.stack([p for p, _ in feats]))
        intents = torch.tensor([self.intent_index[u.intent] for u in utts])
        words = [torch.from_numpy(w) for _, w in feats]
        tags = []
        for u in utts:
            _, first = self.store.get(u.text)
            tags.append(torch.tensor([self.tag_index[t] if first[i] >= 0 else -100 for i, t in enumerate(u.tags)]))
        params = list(self.net.intent.parameters()) + list(self.net.slot.parameters())
        opt = torch.optim.AdamW(params, lr=cfg.head_lr, weight_decay=cfg.weight_decay)
        ce = nn.CrossEntropyLoss(ignore_index=-100)
        history = []
        self.net.train()
        for epoch in range(epochs):
            order = list(range(len(utts)))
            rng.shuffle(order)
            total = 0.0
            for s in range(0, len(order), 64):
                idx = order[s:s + 64]
                loss = ce(self.net.intent(self.net.drop(pooled[idx])), intents[idx])
                w = torch.cat([words[i] for i in idx])
                t = torch.cat([tags[i] for i in idx])
                if (t >= 0).any():
                    loss = loss + cfg.slot_weight * ce(self.net.slot(self.net.drop(w)), t)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss) * len(idx)
            history.append({"epoch": epoch + 1, "loss": total / max(1, len(utts))})
        return history

    def _batch(self, utts: Sequence[Utterance], labels: bool):
        torch = self.torch
        feats = [self.store.get(u.text) for u in utts]
        t_max = max(len(s) for s, _ in feats)
        w_max = max(max(len(f) for _, f in feats), 1)
        states = np.zeros((len(utts), t_max, feats[0][0].shape[1]), dtype=np.float32)
        mask = np.zeros((len(utts), t_max), dtype=np.float32)
        pos = np.zeros((len(utts), w_max), dtype=np.int64)
        for b, (s, f) in enumerate(feats):
            states[b, :len(s)] = s
            mask[b, :len(s)] = 1
            pos[b, :len(f)] = np.maximum(f, 0)
        out = [torch.from_numpy(states), torch.from_numpy(mask), torch.from_numpy(pos)]
        if labels:
            intents = torch.tensor([self.intent_index[u.intent] for u in utts])
            tags = np.full((len(utts), w_max), -100, dtype=np.int64)
            for b, (u, (_, f)) in enumerate(zip(utts, feats)):
                for w, t in enumerate(u.tags):
                    if f[w] >= 0:
                        tags[b, w] = self.tag_index[t]
            out += [intents, torch.from_numpy(tags)]
        return out

    def _order(self, utts: Sequence[Utterance], rng: random.Random) -> List[List[int]]:
        """Shuffled mini-batches of similar length (less padding)."""
        idx = list(range(len(utts)))
        rng.shuffle(idx)
        bs = self.config.batch_size
        chunk = bs * 20
        batches = []
        for c in range(0, len(idx), chunk):
            part = sorted(idx[c:c + chunk], key=lambda i: len(utts[i].tokens))
            batches += [part[i:i + bs] for i in range(0, len(part), bs)]
        rng.shuffle(batches)
        return batches

    def fit(self, utts: Sequence[Utterance], epochs: Optional[int] = None, dev: Optional[Sequence[Utterance]] = None,
            progress: bool = False) -> List[Dict[str, float]]:
        """Train on labelled ``utts`` from the current weights; with ``dev``, keep the epoch with the best dev SemER."""
        torch = self.torch
        from torch import nn

        cfg = self.config
        utts = [u for u in utts if u.labelled]
        unknown = {u.intent for u in utts} - set(self.intent_index)
        if unknown:
            raise ValueError(f"intent(s) outside the label set: {sorted(unknown)}")
        epochs = epochs if epochs is not None else (cfg.epochs if self.fits == 0 else cfg.round_epochs)
        rng = random.Random(self.seed * 1000 + self.fits)
        torch.manual_seed(self.seed * 1000 + self.fits)
        if self.heads_only:
            self.fits += 1
            return self._fit_heads(utts, epochs, rng)
        head = [p for n, p in self.net.named_parameters() if not n.startswith("top.")]
        groups = [{"params": head, "lr": cfg.head_lr}]
        if len(self.net.top):
            groups.append({"params": list(self.net.top.parameters()), "lr": cfg.lr})
        opt = torch.optim.AdamW(groups, weight_decay=cfg.weight_decay)
        steps = max(1, epochs * ((len(utts) + cfg.batch_size - 1) // cfg.batch_size))
        warmup = max(1, steps // 10)
        sched = torch.optim.lr_scheduler.LambdaLR(
            opt, lambda s: min(1.0, (s + 1) / warmup) * max(0.05, 1 - s / steps))
        ce = nn.CrossEntropyLoss(ignore_index=-100)
        history = []
        best = None
        for epoch in range(epochs):
            self.net.train()
            batches = self._order(utts, rng)
            if progress:
                from tqdm import tqdm

                batches = tqdm(batches, desc=f"epoch {epoch + 1}/{epochs}", unit="batch", leave=False)
            total = 0.0
            for b in batches:
                states, mask, pos, intents, tags = self._batch([utts[i] for i in b], labels=True)
                il, sl = self.net(states, mask, pos)
                loss = ce(il, intents)
                if (tags >= 0).any():
                    loss = loss + cfg.slot_weight * ce(sl.reshape(-1, sl.shape[-1]), tags.reshape(-1))
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(self.net.parameters(), 5.0)
                opt.step()
                sched.step()
                total += float(loss) * len(b)
            record = {"epoch": epoch + 1, "loss": total / max(1, len(utts))}
            if dev:
                record["dev_semer"] = evaluate(self, dev).semer
                if best is None or record["dev_semer"] < best[0]:
                    best = (record["dev_semer"], copy.deepcopy(self.net.state_dict()), epoch + 1)
            history.append(record)
            log.debug("fit epoch %s", record)
        if best is not None:
            self.net.load_state_dict(best[1])
            history.append({"best_epoch": best[2], "dev_semer": best[0]})
        self.fits += 1
        if cfg.round_mode == "heads" and len(self.net.top):
            # fix the fine-tuned layers; polish the heads as every later (heads-only) fit does
            self.freeze_encoder()
            history += [dict(h, heads=True) for h in self._fit_heads(utts, cfg.round_epochs, rng)]
        return history

    def _decode(self, utt: Utterance, intent_probs: np.ndarray, tag_logp: np.ndarray) -> Prediction:
        _, first = self.store.get(utt.text)
        logp = tag_logp[:len(utt.tokens)].copy()
        logp[first < 0] = np.log(np.eye(len(self.tags))[0] + 1e-12)  # truncated words: O
        tags, slot_prob = self.decoder.decode(logp)
        k = int(np.argmax(intent_probs))
        return Prediction(self.intents[k], tags, float(intent_probs[k]), slot_prob)

    def predict(self, utts: Sequence[Utterance], batch_size: int = 256) -> List[Prediction]:
        torch = self.torch
        self.net.eval()
        if self.heads_only:
            feats = self._top_outputs(utts)
            out = []
            with torch.no_grad():
                for c in range(0, len(utts), batch_size):
                    part = feats[c:c + batch_size]
                    ip = torch.softmax(self.net.intent(torch.from_numpy(np.stack([p for p, _ in part]))), -1).numpy()
                    for b, (_, w) in enumerate(part):
                        slp = torch.log_softmax(self.net.slot(torch.from_numpy(w)), -1).numpy()
                        out.append(self._decode(utts[c + b], ip[b], slp))
            return out
        order = sorted(range(len(utts)), key=lambda i: len(utts[i].tokens))
        out: List[Optional[Prediction]] = [None] * len(utts)
        with torch.no_grad():
            for c in range(0, len(order), batch_size):
                idx = order[c:c + batch_size]
                batch = [utts[i] for i in idx]
                states, mask, pos = self._batch(batch, labels=False)
                il, sl = self.net(states, mask, pos)
                ip = torch.softmax(il, -1).numpy()
                slp = torch.log_softmax(sl, -1).numpy()
                for b, i in enumerate(idx):
                    out[i] = self._decode(batch[b], ip[b], slp[b])
        return out  # type: ignore[return-value]


@functools.lru_cache(maxsize=None)
def _joint_net_class():
    from torch import nn

    from asrboot.nlu.encoder import extended_mask

    class JointNet(nn.Module):
        def __init__(self, top, n_intents: int, n_tags: int, dropout: float, dim: int):
            super().__init__()
            self.top = top
            self.drop = nn.Dropout(dropout)
            self.intent = nn.Linear(dim, n_intents)
            self.slot = nn.Linear(dim, n_tags)

        def encode(self, states, mask, word_pos):
            """Mean-pooled and per-word (first sub-word) outputs of the fine-tuned layers."""
            h = states
            if len(self.top):
                ext = extended_mask(mask)
                for layer in self.top:
                    h = layer(h, attention_mask=ext)[0]
            m = mask.unsqueeze(-1)
            pooled = (h * m).sum(1) / m.sum(1).clamp(min=1.0)
            words = h.gather(1, word_pos.unsqueeze(-1).expand(-1, -1, h.shape[-1]))
            return pooled, words

        def forward(self, states, mask, word_pos):
            pooled, words = self.encode(states, mask, word_pos)
            return self.intent(self.drop(pooled)), self.slot(self.drop(words))

    return JointNet


def _JointNet(*args, **kwargs):
    return _joint_net_class()(*args, **kwargs)


# --------------------------------------------------------------------------------------------
# Linear baseline
# --------------------------------------------------------------------------------------------


def _shape(w: str) -> str:
    if w.isdigit():
        return "digit"
    if "'" in w:
        return "apos"
    return "len" + str(min(len(w), 8))


def _word_features(tokens: Sequence[str], i: int) -> Dict[str, float]:
    f = {"bias": 1.0, "w=" + tokens[i]: 1.0, "shape=" + _shape(tokens[i]): 1.0,
         "suf3=" + tokens[i][-3:]: 1.0, "pos=" + str(min(i, 5)): 1.0}
    for d in (-2, -1, 1, 2):
        j = i + d
        w = tokens[j] if 0 <= j < len(tokens) else ("<s>" if j < 0 else "</s>")
        f[f"w{d:+d}={w}"] = 1.0
    f["w-1w=" + (tokens[i - 1] if i else "<s>") + "_" + tokens[i]] = 1.0
    f["ww+1=" + tokens[i] + "_" + (tokens[i + 1] if i + 1 < len(tokens) else "</s>")] = 1.0
    return f


@dataclasses.dataclass
class LinearConfig:
    intent_alpha: float = 1e-5  # SGD logistic regression (one-vs-rest) on TF-IDF 1-2-grams
    intent_epochs: int = 30
    slot_alpha: float = 1e-5  # SGD logistic regression (one-vs-rest) on word-window features
    slot_epochs: int = 10

    @classmethod
    def from_dict(cls, d: Optional[Dict]) -> "LinearConfig":
        d = dict(d or {})
        unknown = set(d) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown linear-model option(s): {', '.join(sorted(unknown))}")
        return cls(**d)


class LinearNLU:
    """Fast scikit-learn baseline (see the module docstring); every ``fit`` starts from scratch."""

    warm_start = False

    def __init__(self, intents: Sequence[str], tags: Sequence[str], config: Optional[LinearConfig] = None,
                 seed: int = 0):
        self.intents, self.tags = list(intents), list(tags)
        self.config = config or LinearConfig()
        self.seed = seed
        self.decoder = _TagDecoder(self.tags)
        self.intent_clf = self.slot_clf = None

    def copy(self) -> "LinearNLU":
        return copy.deepcopy(self)

    def fit(self, utts: Sequence[Utterance], epochs=None, dev=None, progress: bool = False) -> List[Dict]:
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier
        from sklearn.pipeline import make_pipeline

        utts = [u for u in utts if u.labelled]
        cfg = self.config
        self.intent_clf = make_pipeline(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"\S+"),
            SGDClassifier(loss="log_loss", alpha=cfg.intent_alpha, max_iter=cfg.intent_epochs, tol=None,
                          random_state=self.seed))
        self.intent_clf.fit([u.text for u in utts], [u.intent for u in utts])
        feats, labels = [], []
        for u in utts:
            for i in range(len(u.tokens)):
                feats.append(_word_features(u.tokens, i))
                labels.append(u.tags[i])
        if len(set(labels)) > 1:
            self.slot_clf = make_pipeline(
                DictVectorizer(), SGDClassifier(loss="log_loss", alpha=cfg.slot_alpha, max_iter=cfg.slot_epochs,
                                                tol=None, random_state=self.seed))
            self.slot_clf.fit(feats, labels)
        else:
            self.slot_clf = None
        self._slot_cols = None
        return [{"utterances": len(utts), "words": len(labels)}]

    def predict(self, utts: Sequence[Utterance], batch_size: int = 0) -> List[Prediction]:
        if self.intent_clf is None:
            raise RuntimeError("fit the model first")
        if not utts:
            return []
        ip = self.intent_clf.predict_proba([u.text for u in utts])
        classes = list(self.intent_clf.classes_)
        feats = [_word_features(u.tokens, i) for u in utts for i in range(len(u.tokens))]
        n_tags = len(self.tags)
        word_logp = np.full((len(feats), n_tags), -1e9)
        if self.slot_clf is not None:
            probs = self.slot_clf.predict_proba(feats)
            cols = [self.tags.index(c) for c in self.slot_clf.classes_]
            word_logp[:, cols] = np.log(np.maximum(probs, 1e-12))
        else:
            word_logp[:, 0] = 0.0
        out = []
        pos = 0
        for b, u in enumerate(utts):
            logp = word_logp[pos:pos + len(u.tokens)]
            pos += len(u.tokens)
            tags, slot_prob = self.decoder.decode(logp)
            k = int(np.argmax(ip[b]))
            out.append(Prediction(classes[k], tags, float(ip[b, k]), slot_prob))
        return out
