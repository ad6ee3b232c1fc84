"""Scoring: WER/CER after the shared scoring normalizer, icefall-style error reports,
bootstrap confidence intervals and paired significance tests.

Typical use::

    refs, hyps = read_transcripts("ref.txt"), read_transcripts("hyp.trn")
    result = score(refs, hyps, lang="hi")
    print(result.wer, bootstrap_ci(result))
    result.write_errs("errs.txt")
"""

from __future__ import annotations

from asrboot.score.bootstrap import bootstrap_ci, paired_bootstrap, sign_test
from asrboot.score.result import ScoreResult, UttScore, check_ids, score
from asrboot.score.transcripts import read_transcripts, write_transcripts

__all__ = [
    "ScoreResult",
    "UttScore",
    "bootstrap_ci",
    "check_ids",
    "paired_bootstrap",
    "read_transcripts",
    "score",
    "sign_test",
    "write_transcripts",
]
