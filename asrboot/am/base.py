"""The acoustic-model contract every backend implements."""

from __future__ import annotations

from typing import Dict, Iterator, Tuple

import numpy as np
from lhotse import CutSet
from lhotse.cut import Cut

try:
    from typing import Protocol
except ImportError:  # pragma: no cover
    from typing_extensions import Protocol


class AcousticModel(Protocol):
    """Turns cuts into per-cut CTC log-posteriors.

    ``tokens``: symbol -> id of the posterior columns (``<blk>`` is 0, see :mod:`asrboot.tokens`).
    ``frame_shift``: seconds between posterior frames (after subsampling).
    """

    tokens: Dict[str, int]
    frame_shift: float

    def log_posteriors(self, cuts: CutSet) -> Iterator[Tuple[Cut, np.ndarray]]:
        """Yield ``(cut, log_probs)`` with ``log_probs`` float32 of shape ``(T, len(tokens))``."""
        ...
