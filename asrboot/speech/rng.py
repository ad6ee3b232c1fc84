"""Seeded random generators derived from names, so results depend on neither job count nor order."""

from __future__ import annotations

import hashlib

import numpy as np


def rng_for(seed: int, *names: str) -> np.random.Generator:
    """A generator determined by ``seed`` and ``names`` (e.g. a purpose and an utterance id)."""
    digest = hashlib.sha256("\x1f".join([str(seed), *names]).encode("utf-8")).digest()
    return np.random.default_rng(int.from_bytes(digest[:8], "little"))
