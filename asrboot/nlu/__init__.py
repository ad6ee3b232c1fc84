"""NLU self-training for new intents (Cho et al., ASRU 2019): joint intent + slot models,
relevance filtering, paraphrase-based diversity selection and submodular selection.

Modules: :mod:`~asrboot.nlu.data` (``[slot : value]`` annotations, BIO, corpus readers),
:mod:`~asrboot.nlu.metrics` (intent error, slot F1, SemER), :mod:`~asrboot.nlu.encoder`
(all-MiniLM-L6-v2, feature cache), :mod:`~asrboot.nlu.model` (MiniLM joint model, linear
baseline), :mod:`~asrboot.nlu.relevance`, :mod:`~asrboot.nlu.paraphrase`,
:mod:`~asrboot.nlu.submodular`, :mod:`~asrboot.nlu.selftrain`, :mod:`~asrboot.nlu.prepare`,
:mod:`~asrboot.nlu.report`, :mod:`~asrboot.nlu.config`.  Heavy dependencies (torch,
transformers, scikit-learn) are imported only where they are used.
"""

from __future__ import annotations

from asrboot.nlu.data import (AnnotationError, Utterance, bio_from_spans, delexicalize, parse_annotation,
                              read_hwu_csv, read_hwu_dir, read_manifest, read_seq_in, read_slurp_jsonl,
                              read_text_lines, spans_from_bio, to_annotation, write_manifest)
from asrboot.nlu.metrics import NLUScores, score, score_subsets, slot_errors

__all__ = [
    "AnnotationError", "NLUScores", "Utterance", "bio_from_spans", "delexicalize", "parse_annotation", "read_hwu_csv",
    "read_hwu_dir", "read_manifest", "read_seq_in", "read_slurp_jsonl", "read_text_lines", "score", "score_subsets",
    "slot_errors", "spans_from_bio", "to_annotation", "write_manifest",
]
