"""Centroid selection: cosine distance of each candidate sentence to the in-domain centroid."""

from __future__ import annotations

from typing import Optional, Sequence

import numpy as np

from asrboot.select.embed import CharNgramEmbedder, Embedder


def centroid_distances(indomain: Sequence[str], candidates: Sequence[str],
                       embedder: Optional[Embedder] = None) -> np.ndarray:
    """``1 - cos(candidate, centroid)`` per candidate (0 = in-domain direction, lower is more in-domain).

    The embedder (default :class:`CharNgramEmbedder`) is fitted on in-domain + candidate text; the
    centroid is the L2-normalized mean of the in-domain embeddings.
    """
    if not indomain or not candidates:
        raise ValueError("need in-domain and candidate sentences")
    embedder = (embedder or CharNgramEmbedder()).fit(list(indomain) + list(candidates))
    centroid = embedder.embed(indomain).mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    return 1.0 - embedder.embed(candidates) @ centroid
