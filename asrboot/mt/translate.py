"""Beam-search translation with N-best lists and per-hypothesis scores, for any local HF seq2seq directory.

Scores are natural-log probabilities under the model: ``logprob`` is the sum over the hypothesis
tokens (``</s>`` included), from ``compute_transition_scores``; ``score`` is the length-normalized
score beam search ranks by (Hugging Face ``sequences_scores``: ``logprob / length ** length_penalty``,
length = generated tokens, ``</s>`` included; greedy search computes the same). Sources are sorted
by length and batched under a token budget; results come back in input order. Hypotheses whose
decoded text repeats a better one (two segmentations of one string) are dropped, so an N-best
list can be shorter than N.

N-best files are JSON lines: ``{"id", "source", "nbest": [{"text", "score", "logprob"}, ...]}``,
best first.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import List, Optional, Sequence

import torch
from tqdm import tqdm

from asrboot.io import InputError, PathLike, atomic_open, read_jsonl
from asrboot.mt.tokenizer import load_tokenizer
from asrboot.threads import set_threads


@dataclass(frozen=True)
class Hypothesis:
    text: str
    score: float
    logprob: float


@dataclass(frozen=True)
class NbestEntry:
    id: str
    source: str
    nbest: List[Hypothesis]


class Translator:
    """A seq2seq model and its tokenizer; :meth:`load` reads a local Hugging Face directory."""

    def __init__(self, model, tokenizer):
        self.model, self.tokenizer = model, tokenizer
        positions = getattr(model.config, "max_position_embeddings", 512)
        self.max_source, self.max_target = min(tokenizer.model_max_length, positions), positions - 1

    @classmethod
    def load(cls, model_dir: PathLike, threads: Optional[int] = None) -> "Translator":
        from transformers import AutoModelForSeq2SeqLM

        set_threads(threads)
        model = AutoModelForSeq2SeqLM.from_pretrained(str(model_dir), local_files_only=True)
        return cls(model.eval(), load_tokenizer(model_dir))

    def _batches(self, sources: Sequence[str], max_tokens: int) -> List[List[int]]:
        encoded = self.tokenizer(list(sources), truncation=True, max_length=self.max_source)["input_ids"]
        lengths = [len(ids) for ids in encoded]
        order = sorted(range(len(sources)), key=lambda i: lengths[i])
        batches, batch = [], []
        for i in order:
            if batch and (len(batch) + 1) * lengths[i] > max_tokens:
                batches.append(batch)
                batch = []
            batch.append(i)
        return batches + [batch] if batch else batches

    @torch.inference_mode()
    def translate(self, sources: Sequence[str], beam: int = 5, nbest: int = 1, max_tokens: int = 1500,
                  max_len_a: float = 2.0, max_len_b: int = 10, length_penalty: float = 1.0,
                  progress: bool = True) -> List[List[Hypothesis]]:
        """N-best lists (best first, at most ``nbest`` each) for ``sources``, in input order.

        ``beam`` 1 is greedy search (``nbest`` must then be 1). Output length is limited to
        ``max_len_a * source tokens + max_len_b`` and to the model's positions. ``max_tokens`` bounds a batch's padded
        source tokens.
        """
        if not 1 <= nbest <= beam:
            raise ValueError(f"need 1 <= nbest <= beam, got nbest={nbest}, beam={beam}")
        results: List[List[Hypothesis]] = [[] for _ in sources]
        bar = tqdm(total=len(sources), desc="translating", unit=" sent", disable=not progress or None)
        for batch in self._batches(sources, max_tokens):
            enc = self.tokenizer([sources[i] for i in batch], return_tensors="pt", padding=True,
                                 truncation=True, max_length=self.max_source)
            max_new = min(int(max_len_a * enc["input_ids"].shape[1] + max_len_b), self.max_target)
            out = self.model.generate(**enc, num_beams=beam, num_return_sequences=nbest, do_sample=False,
                                      max_new_tokens=max_new, length_penalty=length_penalty,
                                      output_scores=True, return_dict_in_generate=True)
            for i, hyps in zip(batch, self._hypotheses(out, beam, nbest, length_penalty)):
                results[i] = hyps
            bar.update(len(batch))
        bar.close()
        return results

    def _hypotheses(self, out, beam: int, nbest: int, length_penalty: float) -> List[List[Hypothesis]]:
        steps = self.model.compute_transition_scores(out.sequences, out.scores, out.beam_indices if beam > 1 else None,
                                                     normalize_logits=beam == 1)
        generated = out.sequences[:, 1:]  # after the decoder start token
        eos = generated == self.tokenizer.eos_token_id
        valid = (eos.long().cumsum(dim=1) - eos.long()) == 0  # up to and including the first </s>
        logprobs = steps.masked_fill(~valid, 0.0).sum(dim=1)
        if beam > 1:
            scores = out.sequences_scores
        else:
            lengths = valid.sum(dim=1).clamp(min=1).to(logprobs.dtype)
            scores = logprobs / lengths ** length_penalty
        texts = self.tokenizer.batch_decode(out.sequences, skip_special_tokens=True)
        lists = []
        for start in range(0, len(texts), nbest):
            hyps, seen = [], set()
            for j in sorted(range(start, start + nbest), key=lambda j: -float(scores[j])):
                text = " ".join(texts[j].split())
                if text not in seen:
                    seen.add(text)
                    hyps.append(Hypothesis(text, float(scores[j]), float(logprobs[j])))
            lists.append(hyps)
        return lists


def write_nbest(path: PathLike, entries: Sequence[NbestEntry]) -> None:
    """Write N-best lists as JSON lines (atomically)."""
    with atomic_open(path) as f:
        for e in entries:
            f.write(json.dumps({"id": e.id, "source": e.source, "nbest": [asdict(h) for h in e.nbest]},
                               ensure_ascii=False) + "\n")


def read_nbest(path: PathLike) -> List[NbestEntry]:
    """N-best JSON lines; malformed lines raise InputError (file:line)."""
    entries = []
    for lineno, obj in read_jsonl(path):
        try:
            hyps = [Hypothesis(str(h["text"]), float(h["score"]), float(h["logprob"])) for h in obj["nbest"]]
            entries.append(NbestEntry(str(obj["id"]), str(obj["source"]), hyps))
        except (KeyError, TypeError, ValueError) as e:
            raise InputError(path, lineno, f"expected {{id, source, nbest: [{{text, score, logprob}}]}}: {e}") from None
    return entries
