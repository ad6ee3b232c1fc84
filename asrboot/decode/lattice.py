"""First-pass search over ``HLG`` and the lattice conventions the other decoding steps rely on.

A lattice here is the FsaVec of ``k2.intersect_dense_pruned`` (token labels, word ``aux_labels``)
with three more per-arc attributes:

* ``am_scores``: acoustic log-probabilities, ``lm_scores``: the graph's (unscaled) LM scores, so
  that ``scores = am_scores + lm_scale * lm_scores`` can be re-weighted for any LM scale;
* ``frames``: 1 + the index of the frame the arc consumes (0 for arcs that consume none, which
  inverting, composing and re-inverting a lattice can create).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np
import torch

from asrboot.graph.fsautil import load_fsa
from asrboot.io import PathLike


@dataclass(frozen=True)
class SearchParams:
    """Pruning of ``k2.intersect_dense_pruned`` (icefall's defaults)."""

    search_beam: float = 20.0
    output_beam: float = 8.0
    min_active_states: int = 30
    max_active_states: int = 10000

    def as_dict(self) -> dict:
        return asdict(self)


def load_graph(path: PathLike):
    """An HLG (or any token->word graph) ready for search; its scores are kept as ``lm_scores``."""
    graph = load_fsa(path)
    if not hasattr(graph, "lm_scores"):
        graph.lm_scores = graph.scores.clone()
    return graph.requires_grad_(False)


def set_lm_scale(fsa, lm_scale: float):
    """Set ``fsa.scores`` to ``am_scores + lm_scale * lm_scores`` (in place; returns ``fsa``)."""
    fsa.scores = fsa.am_scores + lm_scale * fsa.lm_scores
    return fsa


def arc_frames(lattice) -> torch.Tensor:
    """1 + the frame index of every arc of a lattice whose arcs each consume one frame."""
    unit = lattice.clone()
    unit.scores = torch.ones_like(unit.scores)
    depth = unit.get_forward_scores(use_double_scores=True, log_semiring=False)
    return depth[lattice.arcs.shape().row_ids(2).long()].to(torch.int32) + 1


def intersect(graph, log_probs: Sequence[np.ndarray], lm_scale: float, params: SearchParams):
    """Lattices of a batch of ``(T_i, V)`` log-posteriors given in order of decreasing ``T_i``.

    ``graph.scores`` are set to ``lm_scale * graph.lm_scores`` for the search; the i-th lattice
    belongs to the i-th array.
    """
    import k2

    lengths = [len(x) for x in log_probs]
    if lengths != sorted(lengths, reverse=True):
        raise ValueError("posteriors must come in order of decreasing length")
    batch = torch.zeros(len(log_probs), lengths[0], log_probs[0].shape[1])
    for i, x in enumerate(log_probs):
        batch[i, : len(x)] = torch.from_numpy(x)
    segments = torch.tensor([[i, 0, n] for i, n in enumerate(lengths)], dtype=torch.int32)
    graph.scores = graph.lm_scores * lm_scale
    lattice = k2.intersect_dense_pruned(graph, k2.DenseFsaVec(batch, segments), params.search_beam,
                                        params.output_beam, params.min_active_states, params.max_active_states)
    lattice.am_scores = lattice.scores - lm_scale * lattice.lm_scores
    lattice.frames = arc_frames(lattice)
    return lattice
