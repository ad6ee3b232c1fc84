"""The dev objective shared by every tuning step of the recipe (selection cut, N-best rescoring
weights, LM-filter threshold): perplexity on in-domain dev text of an LM built from the candidate
text, interpolated with the in-domain LM.

Each call trains a small KenLM model on the candidate sentences, puts it and the in-domain LM on
one fixed closed vocabulary (:func:`asrboot.lm.arpa.with_vocab`) and estimates the interpolation
weight by EM on dev (:func:`asrboot.lm.interpolate.estimate_weights`); the objective is the EM
mixture's dev perplexity. The fixed vocabulary (in-domain LM words + every word any candidate can
contribute) makes every grid point count exactly the same dev tokens, so more selected text cannot
look better or worse merely by changing which dev words are OOV (perplexities are therefore
comparable within one tuning problem, not across problems with different vocabularies). 1-2 s per
call for ~15k sentences. :func:`grid_search` evaluates such an objective over a parameter grid.
"""

from __future__ import annotations

import logging
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Sequence

from asrboot.io import PathLike
from asrboot.lm.arpa import read_arpa, with_vocab
from asrboot.lm.interpolate import estimate_weights
from asrboot.lm.train import train_lm

log = logging.getLogger(__name__)


def train_text_lm(sentences: Sequence[str], arpa_path: PathLike, order: int = 3) -> Path:
    """Train an ARPA LM on in-memory sentences (text written next to it, ``*.txt``).

    lmplz's sorting memory is sized to the text (64 MB-1 GB): reserving the default 1 GB costs
    ~1 s per call, which dominates the many small LMs that selection and tuning train.
    """
    arpa_path = Path(arpa_path)
    text = arpa_path.with_suffix(".txt")
    text.parent.mkdir(parents=True, exist_ok=True)
    text.write_text("".join(f"{s}\n" for s in sentences), encoding="utf-8")
    memory_mb = min(1024, max(64, 40 * text.stat().st_size // 2 ** 20))
    train_lm([text], arpa_path, order=order, memory=f"{memory_mb}M")
    return arpa_path


class DevPerplexity:
    """Callable ``objective(sentences) -> dev perplexity`` (lower is better); see the module doc.

    ``vocab`` must hold every word of any candidate sentence; ``interpolate=False`` scores the
    candidate LM alone. Candidates without a single word score ``inf``. ``history`` records
    ``{"sentences", "ppl", "weight"}`` per call
    (``weight``: the candidate LM's interpolation weight).
    """

    def __init__(self, indomain_arpa: PathLike, dev_sentences: Sequence[str], vocab: Iterable[str],
                 workdir: PathLike, order: int = 3, interpolate: bool = True):
        self.dev = [s.split() for s in dev_sentences if s.split()]
        if not self.dev:
            raise ValueError("no dev sentences")
        indomain = read_arpa(indomain_arpa)
        self.vocab = set(vocab) | set(indomain.vocab)
        self.indomain = with_vocab(indomain, self.vocab)
        self.workdir, self.order, self.interpolate = Path(workdir), order, interpolate
        self.history: List[dict] = []

    def __call__(self, sentences: Sequence[str]) -> float:
        unknown = {w for s in sentences for w in s.split()} - self.vocab
        if unknown:
            raise ValueError(f"{len(unknown)} candidate words outside the objective's vocabulary, "
                             f"e.g. {sorted(unknown)[:3]}")
        if not any(s.split() for s in sentences):
            log.warning("objective: no words in %d candidate sentences", len(sentences))
            self.history.append({"sentences": len(sentences), "ppl": math.inf, "weight": 0.0})
            return math.inf
        self.workdir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.workdir, prefix=".objective.") as tmp:
            candidate = with_vocab(read_arpa(train_text_lm(sentences, Path(tmp) / "lm.arpa", self.order)), self.vocab)
        if self.interpolate:
            weights, history = estimate_weights([self.indomain, candidate], self.dev)
            ppl, weight = history[-1]["ppl"], weights[1]
        else:
            ppl, weight = candidate.perplexity(self.dev)["ppl"], 1.0
        self.history.append({"sentences": len(sentences), "ppl": ppl, "weight": weight})
        log.info("objective: %d sentences -> dev ppl %.2f (weight %.3f)", len(sentences), ppl, weight)
        return ppl


@dataclass
class GridResult:
    """The best grid point (its parameters and ``objective``) and every point evaluated, in order."""

    best: Dict[str, float]
    table: List[Dict[str, float]] = field(default_factory=list)


def grid_search(points: Sequence[Dict[str, float]], evaluate: Callable[[Dict[str, float]], float],
                rtol: float = 1e-4) -> GridResult:
    """``evaluate`` every parameter dict (lower is better).

    Objectives within ``rtol`` (relative) of the minimum count as ties, which go to the earlier
    point, so list grids from the least to the most aggressive setting: when a candidate LM gets
    no interpolation weight every point scores the in-domain LM alone, and the first point wins.
    """
    if not points:
        raise ValueError("empty grid")
    table = []
    for point in points:
        table.append({**point, "objective": evaluate(point)})
        log.info("grid point %s", table[-1])
    lowest = min(row["objective"] for row in table)
    return GridResult(next(row for row in table if row["objective"] <= lowest + rtol * abs(lowest)), table)
