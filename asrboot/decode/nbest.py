"""N-best lists from lattices (icefall's ``Nbest``, word level): sample paths, keep distinct word
sequences, and find the best path of the lattice for each sequence."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Nbest:
    """``paths``: one linear FSA per distinct word sequence (the lattice's best path for it, token
    labels, word ``aux_labels`` and all lattice attributes); ``shape``: ragged ``[utt][path]``."""

    paths: object
    shape: object

    @property
    def owners(self) -> torch.Tensor:
        """The utterance of every path."""
        return self.shape.row_ids(1)

    def path_sums(self, values: torch.Tensor) -> torch.Tensor:
        """Per-path sums of a per-arc attribute (double)."""
        import k2

        return k2.RaggedTensor(self.paths.arcs.shape().remove_axis(1), values.double()).sum()

    def argmax(self, path_scores: torch.Tensor) -> torch.Tensor:
        """Index of the best path of every utterance (-1 for an utterance without paths)."""
        import k2

        return k2.RaggedTensor(self.shape, path_scores.contiguous()).argmax()


def word_sequences(lattice, num_paths: int, nbest_scale: float):
    """Distinct word sequences of ``num_paths`` paths drawn from each lattice with scores scaled
    by ``nbest_scale`` (smaller: more diverse); ragged ``[utt][seq][word]``."""
    import k2

    saved = lattice.scores.clone()
    lattice.scores = saved * nbest_scale
    paths = k2.random_paths(lattice, use_double_scores=True, num_paths=num_paths)
    lattice.scores = saved
    if isinstance(lattice.aux_labels, torch.Tensor):
        words = k2.ragged.index(lattice.aux_labels, paths)
    else:
        words = lattice.aux_labels.index(paths)
        words = words.remove_axis(words.num_axes - 2)
    unique, _, _ = words.remove_values_leq(0).unique(need_num_repeats=False, need_new2old_indexes=False)
    return unique


def nbest(lattice, num_paths: int = 100, nbest_scale: float = 0.5) -> Nbest:
    """Sample an n-best list and give each word sequence its best path in ``lattice`` (current scores)."""
    import k2

    seqs = word_sequences(lattice, num_paths, nbest_scale)
    shape = seqs.shape.get_layer(0)
    word_fsas = k2.add_epsilon_self_loops(k2.linear_fsa(seqs.remove_axis(0)))
    inverted = k2.arc_sort(k2.invert(lattice))  # word labels, token aux_labels
    found = k2.intersect_device(inverted, word_fsas, b_to_a_map=shape.row_ids(1), sorted_match_a=True)
    best = k2.shortest_path(k2.top_sort(k2.connect(found)), use_double_scores=True)
    return Nbest(k2.invert(best), shape)
