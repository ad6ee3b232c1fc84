"""Paraphrase detection over utterance templates, and diversity selection with it.

Templates replace slot values by slot types (``play [artist_name] in the [house_place]``), so
two templates are *paraphrases* when they have the same intent and the same set of slot
types.  :func:`make_pairs` generates training pairs from labelled data:

* positives: two different templates with the same intent and slot-type set
  (``wake me up at [time]`` / ``set an alarm for [time]``), and a few identical pairs;
* negatives with the same template structure but different semantics:
  ``swap`` (one slot type replaced by another: ``set an alarm for [date]``),
  ``drop`` (one slot removed), ``near`` (the most similar template, by word overlap, among
  those with another intent or slot-type set: ``remove the alarm for [time]``), and a few
  ``random`` ones (any template with different semantics).

:class:`ParaphraseDetector` is a siamese model on the MiniLM encoder: both templates are
embedded by (frozen) all-MiniLM-L6-v2 and an MLP on ``[|u-v|, u*v, u+v]`` (symmetric) gives
P(paraphrase).

:func:`diversity_select` implements the selection of Cho et al. (ASRU 2019): from the
(relevance-filtered, self-labelled) candidates pick, one at a time, the candidate that is the
*worst* paraphrase of everything selected so far (the labelled data of its intent plus the
candidates already picked), then add it to that reference set and repeat.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import random
from collections import defaultdict
from typing import Dict, Hashable, List, Optional, Sequence, Tuple

import numpy as np

from asrboot.io import PathLike, atomic_open, atomic_path, read_jsonl
from asrboot.nlu.data import Utterance, delexicalize, spans_from_bio

log = logging.getLogger(__name__)
SemKey = Tuple[str, Tuple[str, ...]]


def semantic_key(intent: str, tags: Sequence[str]) -> SemKey:
    """``(intent, sorted slot types)``: what two paraphrases have in common."""
    return intent, tuple(sorted({s[0] for s in spans_from_bio(tags)}))


def template_of(u: Utterance) -> str:
    return delexicalize(u.tokens, u.tags or ["O"] * len(u.tokens))


@dataclasses.dataclass
class Pairs:
    a: List[str]
    b: List[str]
    label: List[int]
    kind: List[str]

    def __len__(self) -> int:
        return len(self.a)

    def counts(self) -> Dict[str, int]:
        out: Dict[str, int] = defaultdict(int)
        for k in self.kind:
            out[k] += 1
        return dict(out)


def _placeholders(template: str) -> List[int]:
    return [i for i, w in enumerate(template.split()) if w.startswith("[") and w.endswith("]")]


def make_pairs(utts: Sequence[Utterance], max_pairs: int = 20000, seed: int = 0) -> Pairs:
    """Paraphrase / non-paraphrase template pairs from labelled utterances (see the module docstring).

    About half the pairs are positives; the negatives are split between ``near`` (40%),
    ``swap`` (30%), ``drop`` (15%) and ``random`` (15%).
    """
    rng = random.Random(seed)
    sem_of: Dict[str, SemKey] = {}
    for u in utts:
        if u.labelled:
            sem_of.setdefault(template_of(u), semantic_key(u.intent, u.tags))
    templates = sorted(sem_of)
    groups: Dict[SemKey, List[str]] = defaultdict(list)
    for t in templates:
        groups[sem_of[t]].append(t)
    slot_types = sorted({s for key in groups for s in key[1]})
    pairs = Pairs([], [], [], [])

    def add(a: str, b: str, label: int, kind: str):
        pairs.a.append(a)
        pairs.b.append(b)
        pairs.label.append(label)
        pairs.kind.append(kind)

    # positives: spread evenly over the semantic groups with at least two templates
    n_pos = max_pairs // 2
    multi = [g for g in groups.values() if len(g) > 1]
    pos = set()
    attempts = 0
    while multi and len(pos) < n_pos and attempts < n_pos * 20:
        attempts += 1
        g = multi[attempts % len(multi)]
        a, b = rng.sample(g, 2)
        pos.add((min(a, b), max(a, b)))
    for a, b in sorted(pos):
        add(a, b, 1, "para")
    # a few identical pairs: a template is a paraphrase of itself
    for t in rng.sample(templates, min(len(templates), max(1, len(pos) // 20))):
        add(t, t, 1, "same")
    n_neg = max(len(pos), 1)

    # near: the most similar template (word overlap) with different semantics
    want = int(0.4 * n_neg)
    if want and len(groups) > 1:
        from sklearn.feature_extraction.text import CountVectorizer

        vec = CountVectorizer(token_pattern=r"\S+", ngram_range=(1, 2), binary=True)
        X = vec.fit_transform(templates).astype(np.float32)
        norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel()) + 1e-9
        keys = [sem_of[t] for t in templates]
        picked = rng.sample(range(len(templates)), min(want, len(templates)))
        for start in range(0, len(picked), 512):
            rows = picked[start:start + 512]
            sim = (X[rows] @ X.T).toarray() / norms[rows, None] / norms[None, :]
            for r, i in enumerate(rows):
                same = np.fromiter((k == keys[i] for k in keys), bool, len(keys))
                sim[r, same] = -1.0
                j = int(np.argmax(sim[r]))
                if sim[r, j] > 0:
                    add(templates[i], templates[j], 0, "near")
    # swap: one slot type replaced by a type the template does not have
    want = int(0.3 * n_neg)
    slotted = [t for t in templates if _placeholders(t)]
    for _ in range(want if slotted and len(slot_types) > 1 else 0):
        t = rng.choice(slotted)
        words = t.split()
        i = rng.choice(_placeholders(t))
        have = {words[j][1:-1] for j in _placeholders(t)}
        choices = [s for s in slot_types if s not in have]
        if choices:
            words[i] = f"[{rng.choice(choices)}]"
            add(t, " ".join(words), 0, "swap")
    # drop: one slot removed
    want = int(0.15 * n_neg)
    droppable = [t for t in slotted if len(t.split()) > 2]
    for _ in range(want if droppable else 0):
        t = rng.choice(droppable)
        words = t.split()
        i = rng.choice(_placeholders(t))
        add(t, " ".join(words[:i] + words[i + 1:]), 0, "drop")
    # random: any template with other semantics
    want = max(0, n_neg - sum(1 for y in pairs.label if y == 0))
    for _ in range(want if len(groups) > 1 else 0):
        a, b = rng.sample(templates, 2)
        if sem_of[a] != sem_of[b]:
            add(a, b, 0, "random")
    order = list(range(len(pairs)))
    rng.shuffle(order)
    return Pairs([pairs.a[i] for i in order], [pairs.b[i] for i in order], [pairs.label[i] for i in order],
                 [pairs.kind[i] for i in order])


class ParaphraseDetector:
    """Siamese paraphrase classifier on sentence embeddings (see the module docstring)."""

    @property
    def torch(self):
        import torch

        return torch

    def __init__(self, dim: int = 384, hidden: int = 256, dropout: float = 0.1, seed: int = 0):
        import torch
        from torch import nn

        self.dim, self.hidden, self.dropout, self.seed = dim, hidden, dropout, seed
        torch.manual_seed(seed)
        self.net = nn.Sequential(nn.Linear(3 * dim, hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(hidden, 1))

    def _features(self, a, b):
        torch = self.torch
        return torch.cat([(a - b).abs(), a * b, a + b], dim=-1)

    def fit(self, emb_a: np.ndarray, emb_b: np.ndarray, labels: Sequence[int], epochs: int = 10, lr: float = 1e-3,
            batch_size: int = 256, weight_decay: float = 1e-4) -> List[Dict[str, float]]:
        torch = self.torch
        a = torch.from_numpy(np.asarray(emb_a, np.float32))
        b = torch.from_numpy(np.asarray(emb_b, np.float32))
        y = torch.tensor(list(labels), dtype=torch.float32)
        gen = torch.Generator().manual_seed(self.seed)
        opt = torch.optim.AdamW(self.net.parameters(), lr=lr, weight_decay=weight_decay)
        loss_fn = torch.nn.BCEWithLogitsLoss()
        history = []
        for epoch in range(epochs):
            self.net.train()
            perm = torch.randperm(len(y), generator=gen)
            total = 0.0
            for s in range(0, len(y), batch_size):
                idx = perm[s:s + batch_size]
                logits = self.net(self._features(a[idx], b[idx])).squeeze(-1)
                loss = loss_fn(logits, y[idx])
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss) * len(idx)
            history.append({"epoch": epoch + 1, "loss": total / max(1, len(y))})
        return history

    def prob(self, emb_a: np.ndarray, emb_b: np.ndarray, chunk: int = 16384) -> np.ndarray:
        """P(paraphrase) of aligned pairs ``(emb_a[i], emb_b[i])``."""
        torch = self.torch
        self.net.eval()
        out = []
        with torch.no_grad():
            for s in range(0, len(emb_a), chunk):
                a = torch.from_numpy(np.asarray(emb_a[s:s + chunk], np.float32))
                b = torch.from_numpy(np.asarray(emb_b[s:s + chunk], np.float32))
                out.append(torch.sigmoid(self.net(self._features(a, b)).squeeze(-1)).numpy())
        return np.concatenate(out) if out else np.zeros(0, np.float32)

    def prob_matrix(self, A: np.ndarray, B: np.ndarray, chunk: int = 16384) -> np.ndarray:
        """``[len(A), len(B)]`` P(paraphrase) of every pair."""
        n, m = len(A), len(B)
        if not n or not m:
            return np.zeros((n, m), np.float32)
        ia, ib = np.divmod(np.arange(n * m), m)
        return self.prob(A[ia], B[ib], chunk).reshape(n, m)

    def save(self, path: PathLike) -> None:
        torch = self.torch
        with atomic_path(path) as tmp:
            torch.save({"dim": self.dim, "hidden": self.hidden, "dropout": self.dropout, "seed": self.seed,
                        "state": self.net.state_dict()}, str(tmp))

    @classmethod
    def load(cls, path: PathLike) -> "ParaphraseDetector":
        import torch

        d = torch.load(str(path), map_location="cpu")
        det = cls(d["dim"], d["hidden"], d["dropout"], d["seed"])
        det.net.load_state_dict(d["state"])
        return det


def evaluate_detector(detector: ParaphraseDetector, emb_a, emb_b, labels: Sequence[int], kinds: Sequence[str]) -> Dict:
    """Accuracy overall and per pair kind (threshold 0.5)."""
    p = detector.prob(emb_a, emb_b)
    y = np.asarray(labels)
    correct = (p >= 0.5) == (y == 1)
    out = {"pairs": int(len(y)), "accuracy": float(correct.mean()) if len(y) else float("nan")}
    for k in sorted(set(kinds)):
        m = np.array([x == k for x in kinds])
        out[f"accuracy_{k}"] = float(correct[m].mean())
    return out


def diversity_select(detector: ParaphraseDetector, cand_emb: np.ndarray, cand_groups: Sequence[Hashable],
                     ref_emb: Dict[Hashable, np.ndarray], budget: int, tie_break: Optional[np.ndarray] = None,
                     cand_keys: Optional[Sequence[str]] = None,
                     ref_keys: Optional[Dict[Hashable, Sequence[str]]] = None) -> Tuple[List[int], List[float]]:
    """Greedy "bad paraphrase first" selection.

    ``cand_groups[i]`` is the group (predicted intent) of candidate ``i``; ``ref_emb[g]`` the
    template embeddings already selected for group ``g`` (the labelled data).  Each step picks
    the candidate whose highest P(paraphrase) against its group's references is lowest
    (ties: higher ``tie_break`` first), adds it to the references, and updates the others.
    With ``cand_keys``/``ref_keys`` (the template strings), an exact duplicate counts as a
    certain paraphrase.  Returns the picked indices in order and their P(paraphrase) when picked.
    """
    n = len(cand_groups)
    maxp = np.zeros(n)
    members: Dict[Hashable, np.ndarray] = defaultdict(list)  # type: ignore[assignment]
    for i, g in enumerate(cand_groups):
        members[g].append(i)
    members = {g: np.asarray(ix) for g, ix in members.items()}
    for g, ix in members.items():
        ref = ref_emb.get(g)
        if ref is not None and len(ref):
            maxp[ix] = detector.prob_matrix(cand_emb[ix], ref).max(axis=1)
        if cand_keys is not None and ref_keys is not None:
            seen = set(ref_keys.get(g, ()))
            maxp[ix] = np.where([cand_keys[i] in seen for i in ix], 1.0, maxp[ix])
    tb = np.zeros(n) if tie_break is None else np.asarray(tie_break, dtype=np.float64)
    free = np.ones(n, dtype=bool)
    order, picked_p = [], []
    while len(order) < budget and free.any():
        key = np.where(free, maxp - 1e-6 * tb, np.inf)
        j = int(np.argmin(key))
        order.append(j)
        picked_p.append(float(maxp[j]))
        free[j] = False
        ix = members[cand_groups[j]]
        ix = ix[free[ix]]
        if len(ix):
            p = detector.prob(cand_emb[ix], np.repeat(cand_emb[j:j + 1], len(ix), axis=0))
            if cand_keys is not None:
                p = np.where([cand_keys[i] == cand_keys[j] for i in ix], 1.0, p)
            maxp[ix] = np.maximum(maxp[ix], p)
    return order, picked_p


def save_pairs(path: PathLike, pairs: Pairs) -> None:
    with atomic_open(path, "w") as f:
        for a, b, y, k in zip(pairs.a, pairs.b, pairs.label, pairs.kind):
            f.write(json.dumps({"a": a, "b": b, "label": y, "kind": k}, ensure_ascii=False) + "\n")


def load_pairs(path: PathLike) -> Pairs:
    pairs = Pairs([], [], [], [])
    for _, d in read_jsonl(path):
        pairs.a.append(d["a"])
        pairs.b.append(d["b"])
        pairs.label.append(int(d["label"]))
        pairs.kind.append(d["kind"])
    return pairs


def train_detector(utts: Sequence[Utterance], embed, max_pairs: int = 20000, hidden: int = 256, epochs: int = 15,
                   lr: float = 1e-3, heldout: float = 0.1, seed: int = 0):
    """Generate pairs from labelled ``utts``, train a detector on all but a held-out share, evaluate on it.

    ``embed`` maps templates to sentence embeddings.  Returns ``(detector, pairs, metrics)``.
    """
    pairs = make_pairs(utts, max_pairs=max_pairs, seed=seed)
    if len(set(pairs.label)) < 2:
        raise ValueError("too few labelled templates to make paraphrase and non-paraphrase pairs")
    emb_a, emb_b = embed(pairs.a), embed(pairs.b)
    n_test = int(round(heldout * len(pairs)))
    tr, te = slice(n_test, None), slice(0, n_test)
    detector = ParaphraseDetector(dim=emb_a.shape[1], hidden=hidden, seed=seed)
    history = detector.fit(emb_a[tr], emb_b[tr], pairs.label[tr], epochs=epochs, lr=lr)
    metrics = {"pairs": pairs.counts(), "train_loss": history[-1]["loss"] if history else None}
    if n_test:
        metrics["heldout"] = evaluate_detector(detector, emb_a[te], emb_b[te], pairs.label[te], pairs.kind[te])
    metrics["train"] = evaluate_detector(detector, emb_a[tr], emb_b[tr], pairs.label[tr], pairs.kind[tr])
    return detector, pairs, metrics
