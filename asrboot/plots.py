"""Report plots without a display: pyplot on the Agg backend, and an atomic PNG writer."""

from __future__ import annotations

from asrboot.io import PathLike, atomic_path


def pyplot():
    """``matplotlib.pyplot`` on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_png(fig, path: PathLike, dpi: int = 100) -> None:
    """Lay ``fig`` out tightly, write it to ``path`` as PNG (temp file + rename) and close it."""
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=dpi, format="png")
    pyplot().close(fig)
