"""Second-pass LM rescoring: n-best lists with a kenlm model, whole lattices with a k2 ``G``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Dict, Optional

import torch

from asrboot.decode.hyp import path_word_ids
from asrboot.decode.nbest import Nbest
from asrboot.graph.fsautil import load_fsa
from asrboot.graph.hlg import compile_g
from asrboot.graph.lang import Lang
from asrboot.io import PathLike

LN10 = math.log(10.0)
_TO_KENLM = {"<UNK>": "<unk>"}


def kenlm_path_scores(nbest: Nbest, id2word: Dict[int, str], lm) -> torch.Tensor:
    """Natural-log LM score (``<s>`` ... ``</s>``) of every path's word sequence under a kenlm model."""
    from asrboot.lm.ppl import load

    model = load(lm)
    scores = []
    for seq in path_word_ids(nbest.paths):
        text = " ".join(_TO_KENLM.get(id2word[w], id2word[w]) for w in seq)
        scores.append(model.score(text, bos=True, eos=True) * LN10)
    return torch.tensor(scores, dtype=torch.float64)


def rescoring_graph(arpa: PathLike, lang: Lang, cache_dir: PathLike, max_order: Optional[int] = None):
    """``G`` (cached ``G_<n>gram.pt``) as a word acceptor for lattice rescoring: back-off arcs as
    epsilons, epsilon self-loops, arc-sorted, its scores kept as ``lm_scores``."""
    import k2

    g_path, _ = compile_g(arpa, lang, Path(cache_dir), max_order)
    G = load_fsa(g_path)
    del G.aux_labels
    G.labels = G.labels.masked_fill(G.labels >= lang.first_word_disambig, 0)
    G = k2.arc_sort(k2.add_epsilon_self_loops(k2.arc_sort(k2.create_fsa_vec([G]))))
    G.lm_scores = G.scores.clone()
    return G.requires_grad_(False)


def rescore_lattice(lattice, G):
    """Replace the first-pass LM scores of ``lattice`` by ``G``'s: the result has the same
    ``am_scores`` and ``frames`` and ``G``'s ``lm_scores`` (``scores`` = am + lm)."""
    import k2

    lat = lattice.clone()
    del lat.lm_scores
    lat.scores = lat.am_scores
    inverted = k2.invert(lat)  # word labels
    del lat
    zeros = torch.zeros(inverted.shape[0], dtype=torch.int32)
    rescored = k2.intersect_device(G, inverted, zeros, sorted_match_a=True)
    return k2.invert(k2.top_sort(k2.connect(rescored)))
