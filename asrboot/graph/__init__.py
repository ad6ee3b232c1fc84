"""k2 decoding graphs: lang directories (lexicon, L), G from ARPA LMs, and HLG for CTC models."""

from __future__ import annotations

from asrboot.graph.hlg import compile_g, compile_hlg
from asrboot.graph.lang import Lang, prepare_lang
from asrboot.graph.lexicon import words_from_arpa, words_from_list
from asrboot.graph.validate import validate_lang

__all__ = ["Lang", "compile_g", "compile_hlg", "prepare_lang", "validate_lang", "words_from_arpa", "words_from_list"]
