"""Perplexity, OOV rate and per-sentence log-probabilities of an n-gram LM (kenlm Python module).

Conventions follow SRILM's ``ngram -ppl``: log10 probabilities; every sentence scores its words
and ``</s>``; words outside the LM vocabulary (OOVs) are counted and left out of the perplexity,
``ppl = 10 ** (-logprob / (words - oovs + sentences))``; ``ppl1`` leaves ``</s>`` out.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Iterable, Iterator, Union

import kenlm

from asrboot.io import PathLike


@dataclass(frozen=True)
class SentenceScore:
    """Log10 probability of one sentence (with ``</s>``); ``logprob_known`` leaves OOV tokens out."""

    logprob: float
    logprob_known: float
    words: int
    oovs: int

    @property
    def per_word(self) -> float:
        """Average log10 probability per token, ``</s>`` included (OOVs scored as ``<unk>``)."""
        return self.logprob / (self.words + 1)


@dataclass(frozen=True)
class PplReport:
    sentences: int
    words: int
    oovs: int
    logprob: float
    ppl: float
    ppl1: float

    @classmethod
    def from_counts(cls, sentences: int, words: int, oovs: int, logprob: float) -> "PplReport":
        """Perplexities from totals (``logprob``: log10 sum over the non-OOV tokens, ``</s>`` included)."""
        denom = words - oovs + sentences
        ppl = 10 ** (-logprob / denom) if denom else math.nan
        # ppl1 leaves </s> out of the count but not out of the log-probability, as SRILM does.
        ppl1 = 10 ** (-logprob / (words - oovs)) if words > oovs else math.nan
        return cls(sentences, words, oovs, logprob, ppl, ppl1)

    @property
    def oov_rate(self) -> float:
        return self.oovs / self.words if self.words else 0.0

    def as_dict(self) -> dict:
        return {**asdict(self), "oov_rate": self.oov_rate}


def load(lm: Union[PathLike, kenlm.Model]) -> kenlm.Model:
    """A kenlm model from an ARPA or KenLM-binary path (a loaded model is returned as is)."""
    return lm if isinstance(lm, kenlm.Model) else kenlm.Model(str(lm))


def score_sentence(model: kenlm.Model, sentence: str) -> SentenceScore:
    total = known = 0.0
    oovs = 0
    tokens = sentence.split()
    for logprob, _, oov in model.full_scores(" ".join(tokens), bos=True, eos=True):
        total += logprob
        if oov:
            oovs += 1
        else:
            known += logprob
    return SentenceScore(total, known, len(tokens), oovs)


def score_sentences(lm: Union[PathLike, kenlm.Model], sentences: Iterable[str]) -> Iterator[SentenceScore]:
    """Per-sentence scores, in order (empty sentences score ``</s>`` alone)."""
    model = load(lm)
    for s in sentences:
        yield score_sentence(model, s)


def perplexity(lm: Union[PathLike, kenlm.Model], sentences: Iterable[str]) -> PplReport:
    n = words = oovs = 0
    logprob = 0.0
    for s in score_sentences(lm, sentences):
        n += 1
        words += s.words
        oovs += s.oovs
        logprob += s.logprob_known
    return PplReport.from_counts(n, words, oovs, logprob)
