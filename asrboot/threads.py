"""CPU thread count for torch, shared by every command that trains or runs a network."""

from __future__ import annotations

import os
from typing import Optional


def set_threads(n: Optional[int] = None) -> None:
    """Limit torch to ``n`` CPU threads (default: ``$ASRBOOT_THREADS`` or 2)."""
    import torch

    torch.set_num_threads(int(n or os.environ.get("ASRBOOT_THREADS", 2)))
