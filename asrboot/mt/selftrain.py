"""Self-training: fine-tune the NMT on its own translations of the English in-domain pool.

One round: translate the pool with the current model (1-best), keep the confident translations
(NMT confidence = the length-normalized log-probability ``score``; ``min_score`` and/or
``top_fraction``), add them to the real training pairs, fine-tune the current model on the union
(:func:`asrboot.mt.train.train_nmt`, usually a few epochs at a lower learning rate), and continue
from the fine-tuned model. Round ``r`` is written to ``out_dir/round<r>`` (model directory +
``synthetic.tsv``, the pairs it added).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

from asrboot.corpora.parallel import Pair, write_pairs
from asrboot.io import PathLike
from asrboot.mt.train import TrainConfig, train_nmt
from asrboot.mt.translate import Hypothesis, Translator

log = logging.getLogger(__name__)


def confident(hypotheses: Sequence[Hypothesis], min_score: Optional[float] = None,
              top_fraction: Optional[float] = None) -> List[int]:
    """Indices of the hypotheses to keep: ``score >= min_score`` and among the ``top_fraction`` best scores.

    With neither option every index is kept; ties at the fraction's cut are broken by input order.
    """
    scores = np.array([h.score for h in hypotheses])
    keep = np.ones(len(scores), dtype=bool)
    if min_score is not None:
        keep &= scores >= min_score
    if top_fraction is not None:
        if not 0 < top_fraction <= 1:
            raise ValueError("top_fraction must be in (0, 1]")
        best = np.argsort(-scores, kind="stable")[:int(round(top_fraction * len(scores)))]
        keep &= np.isin(np.arange(len(scores)), best)
    return np.flatnonzero(keep).tolist()


def self_train(model_dir: PathLike, train_pairs: Sequence[Tuple[str, str]], dev_pairs: Sequence[Tuple[str, str]],
               english: Sequence[Tuple[str, str]], out_dir: PathLike, config: TrainConfig, rounds: int = 1,
               min_score: Optional[float] = None, top_fraction: Optional[float] = None,
               beam: int = 5) -> Tuple[Path, List[Dict]]:
    """Run ``rounds`` self-training rounds from ``model_dir`` on the ``(id, english)`` in-domain pool.

    Returns the last round's model directory and one report per round (translated, added,
    mean score of the added pairs, best dev metrics).
    """
    current, reports = Path(model_dir), []
    for r in range(1, rounds + 1):
        round_dir = Path(out_dir) / f"round{r}"
        hyps = Translator.load(current, config.threads).translate([en for _, en in english], beam=beam)
        best = [h[0] if h else Hypothesis("", -np.inf, -np.inf) for h in hyps]
        kept = [i for i in confident(best, min_score, top_fraction) if best[i].text]
        synthetic = [Pair(english[i][0], english[i][1], best[i].text) for i in kept]
        write_pairs(round_dir / "synthetic.tsv", synthetic)
        report = train_nmt(current, list(train_pairs) + [(p.en, p.hi) for p in synthetic], dev_pairs, round_dir, config)
        reports.append({"round": r, "translated": len(english), "added": len(synthetic),
                        "mean_score": float(np.mean([best[i].score for i in kept])) if kept else None,
                        "best": report.best, "steps": report.steps})
        log.info("self-training round %d: added %d of %d translations; best %s", r, len(synthetic), len(english),
                 report.best)
        current = round_dir
    return current, reports
