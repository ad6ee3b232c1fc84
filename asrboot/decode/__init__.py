"""Decoding cached CTC posteriors with k2: greedy, HLG 1-best / n-best, n-best and whole-lattice LM rescoring."""

from __future__ import annotations

from asrboot.decode.decoder import METHODS, DecodeOptions, decode
from asrboot.decode.hyp import Hyp
from asrboot.decode.lattice import SearchParams

__all__ = ["METHODS", "DecodeOptions", "Hyp", "SearchParams", "decode"]
