"""Local Hugging Face CTC models (``AutoModelForCTC``, e.g. wav2vec2) as acoustic models.

The model's character vocabulary is mapped onto grapheme units (:mod:`asrboot.tokens`):

* the pad token (HF's CTC blank) -> ``<blk>``;
* the word delimiter ``|`` -> ``▁``. HF puts ``|`` *between* words, our units put ``▁``
  *before every* word, so one frame with ``P(▁) = 1`` is prepended to each utterance
  (``T = T_hf + 1``) and the first word gets its word start too;
* every other symbol is NFC-normalized; one that is a unit of the token table maps onto it, one
  whose NFC form is several units (a precomposed nukta letter) onto its first unit;
* symbols with no unit (``<s>``, ``</s>``, ``<unk>``, characters outside a given table) are dropped: their
  probability is added to ``<blk>``, i.e. they emit nothing. Several symbols on one unit add up.

Without ``tokens`` the table is built from the vocabulary itself (``<blk>``, ``▁``, its
letters and marks); with a lang dir's ``tokens.txt`` the columns follow that table, so posteriors
plug into its decoding graph. Rows are probability distributions (columns no symbol maps
onto get probability 0, stored as log-prob -1e4 rather than -inf).
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import numpy as np
import torch
from lhotse import CutSet
from lhotse.cut import Cut

from asrboot.io import InputError, PathLike
from asrboot.tokens import BLANK, WORD_START, grapheme_table, read_tokens

log = logging.getLogger(__name__)
LOG_ZERO = -1e4


def map_vocab(vocab: Dict[str, int], blank: str, delimiter: Optional[str],
              table: Optional[Dict[str, int]] = None) -> Tuple[Dict[str, int], np.ndarray, List[str]]:
    """``(table, column of each HF id, dropped symbols)`` per the rules of the module docstring."""
    specials = {blank, delimiter}
    chars = {unicodedata.normalize("NFC", s) for s in vocab if s not in specials}
    if table is None:
        table = grapheme_table([], extra={c[0] for c in chars if c and unicodedata.category(c[0])[0] in "LM"})
    column = np.zeros(max(vocab.values()) + 1, dtype=np.int64)
    dropped = []
    for sym, i in vocab.items():
        units = WORD_START if sym == delimiter else BLANK if sym == blank else unicodedata.normalize("NFC", sym)
        unit = units if units in (WORD_START, BLANK) else units[:1]
        if unit in table:
            column[i] = table[unit]
        else:
            column[i] = table[BLANK]
            dropped.append(sym)
    return table, column, dropped


class HuggingFaceAM:
    """``AutoModelForCTC`` + its feature extractor and tokenizer from a local directory (no downloads)."""

    def __init__(self, model_dir: PathLike, tokens: Optional[PathLike] = None):
        from transformers import AutoFeatureExtractor, AutoModelForCTC, AutoTokenizer

        model_dir = Path(model_dir)
        if not (model_dir / "config.json").is_file():
            raise InputError(model_dir / "config.json", None, "missing: not a Hugging Face model directory")
        if not any((model_dir / name).is_file() for name in ("vocab.json", "tokenizer.json")):
            raise InputError(model_dir / "vocab.json", None, "missing: the tokenizer vocabulary")
        try:
            tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
        except (OSError, ValueError, TypeError, ImportError) as e:
            raise InputError(model_dir / "vocab.json", None, f"missing or unreadable tokenizer vocabulary ({e})") from None
        if tokenizer is None or not tokenizer.get_vocab():
            raise InputError(model_dir / "vocab.json", None, "missing: the tokenizer has no vocabulary")
        self.extractor = AutoFeatureExtractor.from_pretrained(str(model_dir), local_files_only=True)
        self.model = AutoModelForCTC.from_pretrained(str(model_dir), local_files_only=True).eval()
        vocab = tokenizer.get_vocab()
        out_dim = self.model.config.vocab_size
        if max(vocab.values()) >= out_dim or len(vocab) != out_dim:
            raise InputError(model_dir / "vocab.json", None,
                             f"{len(vocab)} vocabulary entries, but the model outputs {out_dim}")
        table = read_tokens(tokens) if tokens else None
        self.tokens, column, dropped = map_vocab(vocab, tokenizer.pad_token, getattr(tokenizer, "word_delimiter_token", None),
                                                 table)
        if dropped:
            log.info("%s: %d vocabulary symbol(s) without a unit, merged into %s: %s", model_dir, len(dropped), BLANK,
                     " ".join(sorted(dropped)[:20]))
        self.merge = torch.zeros(out_dim, len(self.tokens))
        self.merge[torch.arange(out_dim), torch.from_numpy(column[:out_dim])] = 1.0
        strides = getattr(self.model.config, "conv_stride", None) or [320]
        self.frame_shift: float = float(np.prod(strides)) / self.extractor.sampling_rate

    @torch.no_grad()
    def _forward(self, audio: np.ndarray) -> np.ndarray:
        inputs = self.extractor(audio, sampling_rate=self.extractor.sampling_rate, return_tensors="pt")
        probs = self.model(inputs.input_values).logits[0].softmax(-1) @ self.merge
        start = torch.zeros(1, len(self.tokens))
        start[0, self.tokens[WORD_START]] = 1.0
        return torch.cat([start, probs]).log().clamp(min=LOG_ZERO).numpy().astype(np.float32)

    def log_posteriors(self, cuts: CutSet) -> Iterator[Tuple[Cut, np.ndarray]]:
        rate = self.extractor.sampling_rate
        for cut in cuts:
            audio = (cut if cut.sampling_rate == rate else cut.resample(rate)).load_audio()
            yield cut, self._forward(audio.mean(axis=0))
