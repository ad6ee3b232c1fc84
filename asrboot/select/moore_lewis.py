"""Cross-entropy difference selection: Moore & Lewis (2010) and its bilingual form (Axelrod et al. 2011).

Score of a candidate ``s``: ``H_in(s) - H_gen(s)``, per-token cross-entropies (negative log10
probability per word, ``</s>`` included) under an in-domain LM and a general LM; lower is more
in-domain. As in Moore & Lewis:

* the general LM is trained on a random sample of the candidate pool with about as many tokens
  as the in-domain text, so neither LM wins merely by having seen more data;
* both LMs share one vocabulary, the words seen at least ``min_count`` times in the in-domain
  text; every other token becomes ``<oov>`` (an ordinary word to KenLM, which forbids ``<unk>``
  in training text) in training and scored text alike.

Cross-fitting: two disjoint samples A and B give two general LMs; a candidate in A is scored by
the LM of B and vice versa (others by the mean of both), so no candidate is judged by an LM that
was trained on it. The bilingual score adds the Hindi-side and English-side differences, the
English in-domain LM being trained on the English in-domain pool (``en_pool``).
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path
from typing import List, Sequence, Set, Tuple

import numpy as np

from asrboot.io import PathLike
from asrboot.lm.ppl import load, score_sentence
from asrboot.select.objective import train_text_lm

log = logging.getLogger(__name__)
OOV = "<oov>"


def shared_vocab(indomain: Sequence[str], min_count: int = 2) -> Set[str]:
    """Words occurring at least ``min_count`` times in the in-domain text."""
    counts = Counter(w for s in indomain for w in s.split())
    return {w for w, c in counts.items() if c >= min_count}


def _map_oov(sentences: Sequence[str], vocab: Set[str]) -> List[str]:
    return [" ".join(w if w in vocab else OOV for w in s.split()) for s in sentences]


def _cross_entropies(arpa: Path, sentences: Sequence[str]) -> np.ndarray:
    model = load(arpa)
    return np.array([-score_sentence(model, s).per_word for s in sentences])


def _samples(candidates: Sequence[str], tokens: int, seed: int) -> Tuple[np.ndarray, np.ndarray]:
    """Two disjoint random index sets of the candidates, each with about ``tokens`` tokens."""
    order = np.random.RandomState(seed).permutation(len(candidates))
    lengths = np.array([len(candidates[i].split()) + 1 for i in order])
    if lengths.sum() < 2 * tokens:
        log.warning("candidate pool (%d tokens) smaller than twice the in-domain text (%d tokens): "
                    "general LMs trained on half of it each", lengths.sum(), tokens)
        tokens = lengths.sum() // 2
    cut = int(np.searchsorted(np.cumsum(lengths), tokens)) + 1
    cut2 = int(np.searchsorted(np.cumsum(lengths[cut:]), tokens)) + 1 + cut
    return order[:cut], order[cut:cut2]


def moore_lewis_scores(indomain: Sequence[str], candidates: Sequence[str], workdir: PathLike,
                       order: int = 3, min_count: int = 2, seed: int = 0) -> np.ndarray:
    """``H_in - H_gen`` per candidate (lower is more in-domain); LMs are written under ``workdir``."""
    if not indomain or not candidates:
        raise ValueError("need in-domain and candidate sentences")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    vocab = shared_vocab(indomain, min_count)
    indomain, candidates = _map_oov(indomain, vocab), _map_oov(candidates, vocab)
    h_in = _cross_entropies(train_text_lm(indomain, workdir / "indomain.arpa", order), candidates)
    a, b = _samples(candidates, sum(len(s.split()) + 1 for s in indomain), seed)
    h_a = _cross_entropies(train_text_lm([candidates[i] for i in a], workdir / "general_a.arpa", order), candidates)
    h_b = _cross_entropies(train_text_lm([candidates[i] for i in b], workdir / "general_b.arpa", order), candidates)
    h_gen = (h_a + h_b) / 2
    h_gen[a], h_gen[b] = h_b[a], h_a[b]
    log.info("Moore-Lewis: vocabulary %d words, general samples %d + %d of %d candidates",
             len(vocab), len(a), len(b), len(candidates))
    return h_in - h_gen


def bilingual_moore_lewis_scores(indomain_hi: Sequence[str], indomain_en: Sequence[str],
                                 candidates_hi: Sequence[str], candidates_en: Sequence[str],
                                 workdir: PathLike, order: int = 3, min_count: int = 2, seed: int = 0) -> np.ndarray:
    """Sum of the Hindi-side and English-side cross-entropy differences (Axelrod et al. 2011)."""
    if len(candidates_hi) != len(candidates_en):
        raise ValueError("candidate sides differ in length")
    workdir = Path(workdir)
    return (moore_lewis_scores(indomain_hi, candidates_hi, workdir / "hi", order, min_count, seed)
            + moore_lewis_scores(indomain_en, candidates_en, workdir / "en", order, min_count, seed))
