"""Text normalization shared by LM text, lexicons, references and hypotheses."""

from __future__ import annotations

from asrboot.text.normalize import Normalizer, normalize, normalize_file, normalize_tsv
from asrboot.text.numbers import english_number, expand_numbers, hindi_number

__all__ = ["Normalizer", "english_number", "expand_numbers", "hindi_number", "normalize", "normalize_file", "normalize_tsv"]
