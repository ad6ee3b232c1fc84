"""BLEU/chrF of several NMT models on the held-out pool slice (one JSON for the report)."""

from __future__ import annotations

import json
from typing import Dict, Optional, Sequence, Tuple

from asrboot.io import atomic_open


def evaluate_models(models: Sequence[Tuple[str, str]], heldout: str, out: str, beam: int = 5,
                    threads: Optional[int] = None) -> Dict[str, Dict[str, float]]:
    """``{name: {bleu, chrf, ...}}`` of each ``(name, model_dir)`` on the held-out pairs TSV, written to ``out``."""
    from asrboot.corpora.parallel import read_pairs
    from asrboot.mt.evaluate import evaluate
    from asrboot.mt.translate import Translator

    pairs = [(p.en, p.hi) for p in read_pairs(heldout)]
    scores = {name: evaluate(Translator.load(path, threads), pairs, beam=beam, progress=False) for name, path in models}
    with atomic_open(out) as f:
        json.dump(scores, f, ensure_ascii=False, indent=1)
    return scores
