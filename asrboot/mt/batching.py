"""Tokenized parallel examples and dynamic batches bounded by a token budget."""

from __future__ import annotations

import logging
import random
from typing import List, Sequence, Tuple

import torch

log = logging.getLogger(__name__)
Example = Tuple[List[int], List[int]]


def encode_pairs(tokenizer, sources: Sequence[str], targets: Sequence[str], max_len: int = 128,
                 chunk: int = 2000) -> List[Example]:
    """``(source ids, target ids)`` per pair (both ending in ``</s>``); pairs with a side longer
    than ``max_len`` tokens are dropped and counted in the log."""
    if len(sources) != len(targets):
        raise ValueError("sources and targets differ in length")
    examples: List[Example] = []
    for start in range(0, len(sources), chunk):
        enc = tokenizer(list(sources[start:start + chunk]), text_target=list(targets[start:start + chunk]))
        examples.extend(zip(enc["input_ids"], enc["labels"]))
    kept = [e for e in examples if len(e[0]) <= max_len and len(e[1]) <= max_len]
    if len(kept) < len(examples):
        log.info("dropped %d of %d pairs longer than %d tokens", len(examples) - len(kept), len(examples), max_len)
    return kept


def token_batches(examples: Sequence[Example], max_tokens: int, seed: int = None) -> List[List[int]]:
    """Index batches of similar-length examples with ``size * longest side <= max_tokens``.

    With a ``seed`` the examples are shuffled before the (stable) length sort, so equal-length
    examples and the batch order vary between epochs; without one the order is deterministic.
    """
    order = list(range(len(examples)))
    rng = random.Random(seed) if seed is not None else None
    if rng:
        rng.shuffle(order)
    order.sort(key=lambda i: max(len(examples[i][0]), len(examples[i][1])))
    batches, batch, longest = [], [], 0
    for i in order:
        length = max(len(examples[i][0]), len(examples[i][1]))
        if batch and (len(batch) + 1) * max(longest, length) > max_tokens:
            batches.append(batch)
            batch, longest = [], 0
        batch.append(i)
        longest = max(longest, length)
    if batch:
        batches.append(batch)
    if rng:
        rng.shuffle(batches)
    return batches


def collate(examples: Sequence[Example], pad_id: int) -> dict:
    """Padded ``input_ids``, ``attention_mask`` and ``labels`` (padding ``-100``) tensors."""
    src_len = max(len(s) for s, _ in examples)
    tgt_len = max(len(t) for _, t in examples)
    input_ids = torch.full((len(examples), src_len), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), tgt_len), -100, dtype=torch.long)
    for row, (src, tgt) in enumerate(examples):
        input_ids[row, :len(src)] = torch.tensor(src)
        labels[row, :len(tgt)] = torch.tensor(tgt)
    return {"input_ids": input_ids, "attention_mask": (input_ids != pad_id).long(), "labels": labels}
