"""Helpers for building graphs: Fsa files, ragged labels, vectorised index tricks, step timing."""

from __future__ import annotations

import ctypes
import logging
import resource
import time
from dataclasses import dataclass
from typing import List, Tuple

import torch

from asrboot.io import PathLike, atomic_path

log = logging.getLogger(__name__)


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_mb: float  # process high-water mark when the step ended


class StepTimer:
    """Records the duration and memory high-water mark of consecutive steps."""

    def __init__(self) -> None:
        self.steps: List[Step] = []
        self._t = time.perf_counter()

    def done(self, name: str, detail: str = "") -> None:
        release_heap()
        now = time.perf_counter()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.steps.append(Step(name, now - self._t, rss))
        log.info("%s: %.1f s, peak RSS %.0f MB %s", name, now - self._t, rss, detail)
        self._t = now


def release_heap() -> None:
    """Return freed heap memory to the OS (glibc only), so the next step's peak starts low."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def plain_if_single(labels):
    """A ragged tensor with at most one value per row as a 1-D tensor (0 for empty rows)."""
    splits = labels.shape.row_splits(1)
    lengths = splits[1:] - splits[:-1]
    if lengths.numel() and int(lengths.max()) > 1:
        return labels
    flat = torch.zeros(lengths.numel(), dtype=torch.int32)
    flat[lengths == 1] = labels.values
    return flat


def load_fsa(path: PathLike):
    import k2

    return k2.Fsa.from_dict(torch.load(path))


def save_fsa(fsa, path: PathLike) -> None:
    with atomic_path(path) as tmp:
        torch.save(fsa.as_dict(), tmp)


def expand_ranges(start: torch.Tensor, count: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """``(item, member)`` for every member ``start[item] + k``, ``0 <= k < count[item]``."""
    item = torch.repeat_interleave(torch.arange(len(count)), count)
    offset = torch.arange(len(item)) - torch.repeat_interleave(torch.cumsum(count, 0) - count, count)
    return item, start[item] + offset


def unique_inverse(key: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Sorted distinct values of ``key`` and the index of each element among them (``torch.unique``,
    faster)."""
    ordered, order = torch.sort(key)
    new = torch.ones(len(key), dtype=torch.bool)
    new[1:] = ordered[1:] != ordered[:-1]
    inverse = torch.empty_like(order)
    inverse[order] = torch.cumsum(new, 0) - 1
    return ordered[new], inverse
