"""Order-preserving parallel map over worker processes, with a progress bar."""

from __future__ import annotations

import contextlib
from concurrent.futures import ProcessPoolExecutor
from typing import Callable, Iterator, List, Sequence, TypeVar

import torch
from tqdm import tqdm

T = TypeVar("T")
R = TypeVar("R")


def _init_worker() -> None:
    torch.set_num_threads(1)


@contextlib.contextmanager
def _one_torch_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def parallel_map(fn: Callable[[T], R], items: Sequence[T], jobs: int = 1, desc: str = "") -> List[R]:
    """``[fn(x) for x in items]``, in ``jobs`` processes when ``jobs > 1``; ``fn`` must be picklable.

    Each job runs torch single-threaded: small per-utterance tensors gain nothing from
    threads, and ``jobs`` processes already share the cores.
    """
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    with contextlib.ExitStack() as stack:
        if jobs == 1:
            stack.enter_context(_one_torch_thread())
            mapped = map(fn, items)
        else:
            pool = stack.enter_context(ProcessPoolExecutor(max_workers=jobs, initializer=_init_worker))
            mapped = pool.map(fn, items, chunksize=max(1, min(16, len(items) // (4 * jobs))))
        return list(tqdm(mapped, total=len(items), desc=desc, unit="utt", disable=None))
