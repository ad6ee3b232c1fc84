"""Greedy (best-path) CTC decoding of log-posteriors, and its CER/WER against the cuts' transcripts."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional, Tuple

import kaldialign
import numpy as np

from asrboot.io import PathLike
from asrboot.tokens import BLANK, units_to_text


def greedy_text(log_probs: np.ndarray, id2sym: Dict[int, str]) -> str:
    """Best path of ``(T, V)`` log-posteriors: argmax per frame, repeats merged, blanks dropped."""
    best = np.asarray(log_probs).argmax(axis=-1)
    keep = np.ones(len(best), dtype=bool)
    keep[1:] = best[1:] != best[:-1]
    return units_to_text(id2sym[int(i)] for i in best[keep] if id2sym[int(i)] != BLANK)


def char_errors(ref: str, hyp: str) -> int:
    """Character edit distance, spaces ignored (the CER convention used in reports)."""
    return kaldialign.edit_distance(list(ref.replace(" ", "")), list(hyp.replace(" ", "")))["total"]


def word_errors(ref: str, hyp: str) -> int:
    return kaldialign.edit_distance(ref.split(), hyp.split())["total"]


def score_posteriors(post_dir: PathLike, name: Optional[str] = None) -> Tuple[Dict[str, str], dict]:
    """Greedy hypotheses of a posterior directory and their score (:mod:`asrboot.score`, 95% bootstrap CIs).

    References are the cuts' supervision texts; the report names the evaluation condition
    (cut field ``custom["condition"]``, ``clean`` when absent) and the set (``name``, default: the directory name).
    """
    from asrboot.am.posteriors import PosteriorSet
    from asrboot.score.bootstrap import bootstrap_ci
    from asrboot.score.result import score

    post = PosteriorSet(post_dir)
    id2sym = {i: s for s, i in post.tokens.items()}
    refs, hyps, conditions = {}, {}, set()
    for cut, logp in post:
        refs[cut.id] = " ".join(s.text or "" for s in cut.supervisions)
        hyps[cut.id] = greedy_text(logp, id2sym)
        conditions.add((cut.custom or {}).get("condition", "clean"))
    result = score(refs, hyps, lang="hi")
    summary = result.summary()
    report = {"set": name or Path(post_dir).name, "condition": ",".join(sorted(conditions)), "am": post.meta.get("am", ""),
              "utterances": summary["utterances"], "cer": summary["cer"], "wer": summary["wer"],
              "cer_ci95": bootstrap_ci(result, unit="char"), "wer_ci95": bootstrap_ci(result, unit="word"),
              "ref_chars": summary["ref_chars"], "ref_words": summary["ref_words"],
              "hours": round(sum(c.duration for c in post.cuts) / 3600, 4)}
    return hyps, report
