"""``det(L o G)`` for a chain lexicon, built directly as one prefix tree per G state.

L is the lexicon transducer of :func:`asrboot.graph.lang.lexicon_fst` (the shape of icefall's
``lexicon_to_fst_no_sil``): every spelling is a chain of token arcs leaving the loop state 0, the word
on its first arc, plus the ``#0:#0`` self-loop. G is a word acceptor (words, ``#0`` back-offs, final
arcs), deterministic on words. From a G state ``g`` the token strings of its arcs (the spellings of
each arc's word, ``#0``, ``-1`` for the final arc) all differ and none is a prefix of another (the
disambiguation symbols see to that), so determinizing ``L o G`` gives, from ``g``, the prefix tree of
those strings, whose leaves lead to the arcs' destinations. Once a string is the only one left below
a node, the rest of it is the same whatever ``g`` was: that tail is a chain shared by every G arc
with that spelling and destination (a determinized state is the set of ``(L state, G state)``
pairs still possible, here a single one). The "entry" arc into that unshared part carries the word
and G's weight. This is the graph ``k2.determinize(k2.compose(L, G))`` makes (same states and arcs),
built with sorts and scans instead.

Weights: ``none`` leaves G's weight on the entry arc; ``log`` (``tropical``) pushes it towards the
root: a tree node's potential is the log-sum (max) of the entry weights below it, a root's likewise,
and each arc gets ``weight + potential(dest) - potential(source)``, which changes every complete path
by the same constant (the start state's potential), as weight pushing does.
"""

from __future__ import annotations

import warnings
from typing import List, Tuple

import torch

from asrboot.graph.fsautil import expand_ranges, unique_inverse

Tensor = torch.Tensor
PAD = -2  # pads token strings; sorts before every label (-1 final, 0 epsilon, tokens)


def _spellings(L) -> Tuple[Tensor, Tensor, Tensor]:
    """``(word, tokens, weight)`` of every spelling in L: ``tokens`` is padded with ``PAD``."""
    arcs = L.arcs.values().long()
    src, dst, label = arcs[:, 0], arcs[:, 1], arcs[:, 2]
    words = L.aux_labels.long()
    splits = L.arcs.shape().row_splits(1).long()
    final = L.shape[0] - 1
    inner = (src > 0) & (src < final)
    if bool((splits[2:final] - splits[1:final - 1] != 1).any()) or bool((words[inner] != 0).any()) \
            or bool((dst[inner] == final).any()) or bool((words[(src == 0) & (label >= 0)] <= 0).any()):
        raise ValueError("L is not a chain lexicon (see asrboot.graph.lang.lexicon_fst)")
    current = torch.nonzero((src == 0) & (label >= 0)).flatten()
    alive = torch.arange(len(current))
    columns: List[Tuple[Tensor, Tensor]] = []
    weight = torch.zeros(len(current), dtype=torch.double)
    word = words[current]
    while len(current):
        columns.append((alive, label[current]))
        weight[alive] += L.scores[current].double()
        more = dst[current] != 0
        current, alive = splits[dst[current[more]]], alive[more]
    small = int(label.max()) < torch.iinfo(torch.int16).max
    tokens = torch.full((len(word), len(columns)), PAD, dtype=torch.int16 if small else torch.int32)
    for depth, (rows, values) in enumerate(columns):
        tokens[rows, depth] = values.to(tokens.dtype)
    return word, tokens, weight


def _lex_order(group: Tensor, tokens: Tensor) -> Tensor:
    """Permutation sorting rows by ``group`` then lexicographically by ``tokens`` (>= PAD), several
    token columns packed into each int64 sort key."""
    bits = (int(tokens.max()) - PAD + 1).bit_length()
    per_key = 63 // bits
    order = torch.arange(len(group))
    for first in reversed(range(0, tokens.shape[1], per_key)):
        key = torch.zeros(len(group), dtype=torch.long)
        for col in range(first, min(first + per_key, tokens.shape[1])):
            key = (key << bits) | (tokens[order, col].long() - PAD)
        order = order[torch.argsort(key, stable=True)]
    return order[torch.argsort(group[order], stable=True)]


def _scatter(init: Tensor, index: Tensor, values: Tensor, reduce: str) -> Tensor:
    """``init.scatter_reduce(0, index, values, reduce)`` (without torch 1.13's "beta" warning)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return init.scatter_reduce(0, index, values, reduce)


def _reduce_into(potential: Tensor, values: Tensor, index: Tensor, pushing: str) -> None:
    """``potential[i]`` = log-sum (``log``) or max (``tropical``) of the ``values`` at ``index == i``."""
    top = _scatter(torch.full_like(potential, -float("inf")), index, values, "amax")[index]
    if pushing == "log":
        total = torch.zeros_like(potential).scatter_add_(0, index, torch.exp(values - top))
        top = top + torch.log(total[index])
    potential[index] = top


class _Rows:
    """The token strings of G's arcs, one row per (arc, spelling), sorted by G state then string."""

    def __init__(self, L, G):
        spell_word, spell_tokens, spell_weight = _spellings(L)
        by_word = torch.argsort(spell_word, stable=True)
        g = G.arcs.values()
        gsrc, gdst, glab = g[:, 0].long(), g[:, 1].long(), g[:, 2].long()
        word_splits = torch.searchsorted(spell_word[by_word], torch.arange(int(glab.max()) + 2))
        count = torch.ones_like(glab)
        is_word = glab > 0
        count[is_word] = word_splits[glab[is_word] + 1] - word_splits[glab[is_word]]
        arc, k = expand_ranges(torch.zeros_like(count), count)  # G arc x spelling of its word (or itself)
        spelled = is_word[arc]
        spelling = by_word[(word_splits[glab[arc].clamp(min=0)] + k).clamp(max=len(by_word) - 1)]
        tokens = torch.full((len(arc), spell_tokens.shape[1]), PAD, dtype=spell_tokens.dtype)
        tokens[spelled] = spell_tokens[spelling[spelled]]
        tokens[~spelled, 0] = glab[arc[~spelled]].to(tokens.dtype)  # -1 (final) or 0 (epsilon)
        weight = G.scores[arc].double() + torch.where(spelled, spell_weight[spelling],
                                                      torch.zeros((), dtype=torch.double))
        order = _lex_order(gsrc[arc], tokens)
        self.g_final = G.shape[0] - 1
        arc = arc[order]
        self.src, self.word, self.weight = gsrc[arc], glab[arc], weight[order]
        self.tokens = tokens[order]
        self.spelling = torch.where(spelled, spelling, -1)[order]
        self.length = (self.tokens != PAD).sum(1)
        self.target = gdst[arc]  # G state; G's final state for final arcs


def _shared_prefixes(rows: _Rows) -> Tensor:
    """Length of the prefix each row shares with the row above (0 across G states)."""
    same = torch.zeros(len(rows.src), dtype=torch.bool)
    same[1:] = rows.src[1:] == rows.src[:-1]
    mismatch = torch.ones(len(rows.src), rows.tokens.shape[1] + 1, dtype=torch.uint8)
    mismatch[1:, :-1] = (rows.tokens[1:] != rows.tokens[:-1]).to(torch.uint8)
    lcp = torch.where(same, mismatch.argmax(1), torch.zeros_like(rows.length))
    if bool((same[1:] & ((lcp[1:] >= rows.length[1:]) | (lcp[1:] >= rows.length[:-1]))).any()):
        raise ValueError("two arcs of a G state have equal or prefix token strings: is L without "
                         "disambiguation symbols?")
    return lcp


def lexicon_tries(L, G, pushing: str = "log"):
    """``det(L o G)`` (tokens -> words) as per-state prefix trees; see the module docstring."""
    import k2

    rows = _Rows(L, G)
    n = len(rows.src)
    lcp = _shared_prefixes(rows)
    below = torch.zeros_like(lcp)
    below[:-1] = lcp[1:]  # prefix shared with the row below (0 across G states: lcp is 0 there)
    unique_from = torch.maximum(lcp, below)  # deeper than this, the string is this row's alone

    # states: G's (roots of the trees), tree nodes (prefixes shared by rows), chains (a spelling's
    # unshared rest, shared by all rows with that spelling and target), the final state
    g_final = rows.g_final
    tree_nodes = unique_from - lcp  # this row creates the tree nodes of depths lcp+1 .. unique_from
    tree_first = g_final + torch.cumsum(tree_nodes, 0) - tree_nodes
    chained = torch.nonzero(unique_from + 1 < rows.length).flatten()
    keys, chain_of = unique_inverse(rows.target[chained] * (int(rows.spelling.max()) + 1) + rows.spelling[chained])
    chain_from = _scatter(torch.full((len(keys),), rows.tokens.shape[1]), chain_of, unique_from[chained],
                          "amin")  # chain states: depths chain_from+1 .. length-1
    chain_row = torch.zeros(len(keys), dtype=torch.long).scatter_(0, chain_of, chained)  # any row of the chain
    chain_states = rows.length[chain_row] - 1 - chain_from
    chain_first = g_final + int(tree_nodes.sum()) + torch.cumsum(chain_states, 0) - chain_states
    final = g_final + int(tree_nodes.sum()) + int(chain_states.sum())
    target = torch.where(rows.target == g_final, torch.full_like(rows.target, final), rows.target)

    def tree_node(row: Tensor, depth: Tensor) -> Tensor:
        """The state after ``depth`` tokens of ``row`` (a root, or a tree node), depth <= unique_from."""
        out = torch.where(depth == 0, rows.src[row], tree_first[row] + depth - lcp[row] - 1)
        inherited = torch.nonzero((depth > 0) & (depth <= lcp[row])).flatten()
        index = torch.arange(n)
        for d in torch.unique(depth[inherited]).tolist():  # made by the last row above with lcp < d
            creator = torch.cummax(torch.where(lcp < d, index, torch.zeros_like(index)), 0).values
            at = inherited[depth[inherited] == d]
            j = creator[row[at]]
            out[at] = tree_first[j] + d - lcp[j] - 1
        return out

    # tree arcs (depths lcp+1 .. unique_from) and each row's entry arc (depth unique_from + 1)
    t_row, t_depth = expand_ranges(lcp + 1, tree_nodes)
    e_row = torch.arange(n)
    e_depth = unique_from + 1
    a_row, a_depth = torch.cat([t_row, e_row]), torch.cat([t_depth, e_depth])
    del t_row, t_depth
    is_entry = torch.cat([torch.zeros(len(a_row) - n, dtype=torch.bool), torch.ones(n, dtype=torch.bool)])
    a_src = tree_node(a_row, a_depth - 1)
    entry_dst = target.clone()  # the destination itself, or the chain of the unshared rest
    entry_dst[chained] = chain_first[chain_of] + unique_from[chained] - chain_from[chain_of]
    a_dst = torch.cat([tree_first[a_row[~is_entry]] + a_depth[~is_entry] - lcp[a_row[~is_entry]] - 1, entry_dst])
    a_label = rows.tokens[a_row, a_depth - 1].long()
    a_word = torch.where(is_entry, rows.word[a_row], torch.zeros_like(a_row))
    a_weight = torch.where(is_entry, rows.weight[a_row], torch.zeros((), dtype=torch.double))

    # chain arcs: depths chain_from+2 .. length, the last into the target
    c_key, c_depth = expand_ranges(chain_from + 2, chain_states)
    c_row = chain_row[c_key]
    c_src = chain_first[c_key] + c_depth - 2 - chain_from[c_key]
    c_dst = torch.where(c_depth == rows.length[c_row], target[c_row], c_src + 1)
    c_label = rows.tokens[c_row, c_depth - 1].long()

    weights = _push(a_src, a_dst, a_weight, a_depth, is_entry, c_src, c_dst, final, pushing)
    src, dst = torch.cat([a_src, c_src]), torch.cat([a_dst, c_dst])
    order = torch.argsort(src, stable=True)
    fsa = k2.Fsa(torch.stack([src[order].int(), dst[order].int(), torch.cat([a_label, c_label])[order].int(),
                              weights[order].float().view(torch.int32)], 1))
    fsa.aux_labels = torch.cat([a_word, torch.zeros_like(c_src)])[order].int()
    return fsa


def _push(a_src: Tensor, a_dst: Tensor, a_weight: Tensor, a_depth: Tensor, is_entry: Tensor, c_src: Tensor,
          c_dst: Tensor, final: int, pushing: str) -> Tensor:
    """Weights of the tree/entry arcs then the chain arcs: G's weight on entry arcs (``none``), or
    pushed with potentials (module docstring); chain states have potential 0."""
    if pushing == "none":
        return torch.cat([a_weight, torch.zeros(len(c_src), dtype=torch.double)])
    potential = torch.zeros(final + 1, dtype=torch.double)  # stays 0 for chain states and the final state
    for d in range(int(a_depth.max()), 0, -1):  # a node's arcs all have the same depth: children first
        at = torch.nonzero(a_depth == d).flatten()
        _reduce_into(potential, torch.where(is_entry[at], a_weight[at], potential[a_dst[at]]), a_src[at], pushing)
    return torch.cat([a_weight + potential[a_dst] - potential[a_src], potential[c_dst] - potential[c_src]])
