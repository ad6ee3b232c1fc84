"""``H o LG`` for the CTC topologies of ``k2.ctc_topo``, laid out directly with tensor operations.

Composing H with an epsilon-free, arc-sorted LG pairs H states with LG states: ``(0, s)`` for every
LG state ``s`` (at the start or after a blank; id ``s``) and ``(t, s)`` for each token ``t`` on an
arc entering ``s`` (``t`` just emitted or repeated; ids after LG's). The arcs of each pair follow
from the topology, so they are written straight into place, already in k2's arc order (label, -1
last, then destination): the result equals ``k2.arc_sort(k2.connect(k2.compose(H, LG,
inner_labels="tokens")))`` up to state numbering, without k2's one-pair-at-a-time host composition.

* standard: ``(h, s)`` has a blank arc to ``(0, s)``, a self-loop on ``h`` (h > 0), an arc
  ``t -> (t, s')`` for each LG arc ``s -t-> s'`` with ``t != h``, and the final arcs of ``s``;
* modified: ``(0, s)`` has a blank self-loop, arcs ``t -> (0, s')`` and ``t -> (t, s')`` for each LG
  arc ``s -t-> s'``, and the final arcs of ``s``; ``(t, s)`` has arcs ``t -> (0, s)`` and ``t -> (t, s)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import torch

from asrboot.graph.fsautil import expand_ranges, unique_inverse

Tensor = torch.Tensor
_CHUNK = 1 << 20


@dataclass
class _LG:
    """What the layouts need of an arc-sorted, epsilon-free LG."""

    arcs: Tensor  # LG's own (src, dst, label, score bits) rows, int32
    key: Tensor  # src * base + label rank (k2 order: -1 last); non-decreasing
    splits: Tensor  # first arc of each state
    to: Tensor  # HLG state (label, dest) of each arc; the HLG final state for final arcs
    base: int
    final: int  # LG's final state = number of (0, s) states
    pair_s: Tensor  # the (t, s) states
    pair_t: Tensor


class _Arcs:
    """Output arcs, filled slot by slot; ``lg_arc``: the LG arc of each (-1 for H's own arcs)."""

    def __init__(self, count: Tensor):
        self.count = count
        self.offset = torch.cumsum(count, 0) - count
        n = int(count.sum())
        self.arcs = torch.zeros((n, 4), dtype=torch.int32)  # src, dst, label, score bits (0 = 0.0)
        self.arcs[:, 0] = torch.repeat_interleave(torch.arange(len(count), dtype=torch.int32), count)
        self.lg_arc = torch.full((n,), -1, dtype=torch.int32)

    def own(self, slot: Tensor, dst: Tensor, label: Tensor) -> None:
        """Arcs of H alone (blank, repeats): no token, no word, no score."""
        self.arcs[slot, 1], self.arcs[slot, 2] = dst.int(), label.int()

    def from_lg(self, slot: Tensor, arc: Tensor, dst: Tensor, lg: _LG) -> None:
        rows = lg.arcs[arc]
        self.arcs[slot, 1], self.arcs[slot, 2], self.arcs[slot, 3] = dst.int(), rows[:, 2], rows[:, 3]
        self.lg_arc[slot] = arc.int()


def _state_ranges(lg: _LG) -> Tuple[Tensor, Tensor, Tensor, Tensor]:
    """For every (h, s) state: LG arcs ``[a, b)`` of ``s`` and, among them, ``[lo, hi)`` labelled h
    (empty for h = 0); int32, computed in chunks to keep the peak memory down."""
    num = lg.final + len(lg.pair_s)
    a, b, lo, hi = (torch.empty(num, dtype=torch.int32) for _ in range(4))
    for first in range(0, num, _CHUNK):
        x = torch.arange(first, min(first + _CHUNK, num))
        pair = x >= lg.final
        s = torch.where(pair, lg.pair_s[(x - lg.final).clamp(min=0)], x)
        key = s * lg.base + torch.where(pair, lg.pair_t[(x - lg.final).clamp(min=0)], torch.zeros_like(x))
        a[x], b[x] = lg.splits[s].int(), lg.splits[s + 1].int()
        lo[x] = torch.where(pair, torch.searchsorted(lg.key, key), lg.splits[s]).int()
        hi[x] = torch.where(pair, torch.searchsorted(lg.key, key, right=True), lg.splits[s]).int()
    return a, b, lo, hi


def _standard(lg: _LG) -> _Arcs:
    a, b, lo, hi = _state_ranges(lg)
    pairs = torch.arange(lg.final, len(a))
    out = _Arcs(1 + (lo - a).long() + (b - hi).long() + (torch.arange(len(a)) >= lg.final).long())
    out.own(out.offset, torch.cat([torch.arange(lg.final), lg.pair_s]), torch.zeros(1))  # blank
    out.own(out.offset[pairs] + 1 + (lo[pairs] - a[pairs]).long(), pairs, lg.pair_t)  # repeat
    del pairs
    for first in range(0, len(a), _CHUNK):  # the LG arcs of each state but those labelled h
        c = slice(first, first + _CHUNK)
        ca, cb, clo, chi = a[c].long(), b[c].long(), lo[c].long(), hi[c].long()
        x, arc = expand_ranges(ca, clo - ca)  # labels below h
        out.from_lg(out.offset[first + x] + 1 + arc - ca[x], arc, lg.to[arc], lg)
        x, arc = expand_ranges(chi, cb - chi)  # labels above h, then final arcs
        skip = clo[x] - ca[x] + (first + x >= lg.final).long()
        out.from_lg(out.offset[first + x] + 1 + skip + arc - chi[x], arc, lg.to[arc], lg)
    return out


def _modified(lg: _LG) -> _Arcs:
    s = torch.arange(lg.final)
    a, b = lg.splits[: lg.final], lg.splits[1: lg.final + 1]
    first_final = torch.searchsorted(lg.key, s * lg.base + lg.base - 1)
    pairs = len(lg.pair_s)
    out = _Arcs(torch.cat([1 + 2 * (first_final - a) + (b - first_final), torch.full((pairs,), 2)]))
    out.own(out.offset[s], s, torch.zeros(1))  # blank self-loop of (0, s)
    label = lg.arcs[:, 2]
    arc = torch.nonzero(label > 0).flatten()
    src = lg.arcs[arc, 0].long()
    group = torch.searchsorted(lg.key, lg.key[arc])  # arcs with the same label: all (0, s') first
    width = torch.searchsorted(lg.key, lg.key[arc], right=True) - group
    first = out.offset[src] + 1 + 2 * (group - a[src]) + arc - group
    out.from_lg(first, arc, lg.arcs[arc, 1], lg)
    out.from_lg(first + width, arc, lg.to[arc], lg)
    arc = torch.nonzero(label < 0).flatten()
    src = lg.arcs[arc, 0].long()
    out.from_lg(out.offset[src] + 1 + 2 * (first_final[src] - a[src]) + arc - first_final[src], arc, lg.to[arc], lg)
    x = lg.final + torch.arange(pairs)
    out.own(out.offset[x], lg.pair_s, lg.pair_t)  # (t, s) -t-> (0, s)
    out.own(out.offset[x] + 1, x, lg.pair_t)  # (t, s) -t-> (t, s)
    return out


def compose_ctc_topo(LG, modified: bool = False):
    """``H o LG`` for ``H = k2.ctc_topo(max_token, modified)`` (any ``max_token`` covering LG's
    labels), with ``tokens`` (the matched LG labels) and LG's ``aux_labels``; LG must be arc-sorted
    and epsilon-free."""
    import k2

    if not LG.properties & k2.fsa_properties.ARC_SORTED:
        raise ValueError("LG must be arc-sorted")
    arcs = LG.arcs.values()
    label = arcs[:, 2].long()
    if bool((label == 0).any()):
        raise ValueError("LG has epsilon arcs; remove them first")
    base, final = int(label.max()) + 2, LG.shape[0] - 1
    emit = label > 0
    pairs, inverse = unique_inverse(arcs[:, 1].long()[emit] * base + label[emit])
    to = torch.full_like(label, final + len(pairs))
    to[emit] = final + inverse
    del inverse
    key = arcs[:, 0].long() * base + torch.where(emit, label, torch.full_like(label, base - 1))
    del label, emit
    lg = _LG(arcs, key, LG.arcs.shape().row_splits(1).long(), to, base, final, pairs // base, pairs % base)
    del key, to, pairs
    out = _modified(lg) if modified else _standard(lg)
    del lg
    fsa = k2.Fsa(out.arcs)
    lg_arc = out.lg_arc
    del out
    fsa.tokens = torch.where(lg_arc >= 0, fsa.labels, torch.zeros((), dtype=torch.int32))  # LG's label, if any
    if isinstance(LG.aux_labels, torch.Tensor):  # (int32 indexing: no 8-byte copy of the arc map)
        fsa.aux_labels = torch.index_select(torch.cat([LG.aux_labels.new_zeros(1), LG.aux_labels]), 0, lg_arc + 1)
    else:
        fsa.aux_labels = LG.aux_labels.index(lg_arc, axis=0, need_value_indexes=False)[0]
    return fsa
