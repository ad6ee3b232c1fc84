"""Data selection: rank general parallel pairs by closeness to the in-domain Hindi, cut, tune the cut."""

from asrboot.select.centroid import centroid_distances
from asrboot.select.cutoff import fraction_grid, select_indices, tune_top_k
from asrboot.select.embed import CharNgramEmbedder, Embedder
from asrboot.select.moore_lewis import bilingual_moore_lewis_scores, moore_lewis_scores
from asrboot.select.objective import DevPerplexity, GridResult, grid_search

__all__ = [
    "CharNgramEmbedder",
    "DevPerplexity",
    "Embedder",
    "GridResult",
    "bilingual_moore_lewis_scores",
    "centroid_distances",
    "fraction_grid",
    "grid_search",
    "moore_lewis_scores",
    "select_indices",
    "tune_top_k",
]
