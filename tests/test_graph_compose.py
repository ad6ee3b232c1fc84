"""The directly laid-out graph steps equal k2's: det(L o G) as prefix trees, and H o LG."""

from __future__ import annotations

import k2
import pytest
import torch

from asrboot.graph.ctc import compose_ctc_topo
from asrboot.graph.fsautil import load_fsa
from asrboot.graph.hlg import compile_g
from asrboot.graph.lang import Lang, prepare_lang
from asrboot.graph.lexicon import words_from_arpa
from asrboot.graph.lg import lexicon_tries
from asrboot.lm.train import train_lm
from asrboot.tokens import grapheme_table, text_units

from conftest import grammar_sentences, zipf_sentences

PUSHING = {"none": k2.DeterminizeWeightPushingType.kNoWeightPushing,
           "log": k2.DeterminizeWeightPushingType.kLogWeightPushing}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("compose")
    sentences = zipf_sentences(11, 400) + grammar_sentences(12, 300) + ["काम है", "कामना है", "काम काम है"]
    (root / "text.txt").write_text("\n".join(sentences) + "\n", encoding="utf-8")
    train_lm([root / "text.txt"], root / "lm.arpa", order=3)
    words = words_from_arpa(root / "lm.arpa")
    prepare_lang(root / "lang", grapheme_table(words), words)
    lang = Lang(root / "lang")
    G = load_fsa(compile_g(root / "lm.arpa", lang, root)[0])
    del G.aux_labels
    return lang, G, sentences[:40] + sentences[-3:]


def _lg_reference(lang, G, pushing):
    L = k2.arc_sort(lang.load_fsa("L_disambig.pt"))
    return k2.connect(k2.determinize(k2.connect(k2.compose(L, k2.arc_sort(G))), PUSHING[pushing]))


def _lg_ready(lang, LG, ragged=False):
    """Disambiguation symbols and epsilons removed, as compile_hlg does."""
    LG.labels = LG.labels.masked_fill(LG.labels >= lang.first_token_disambig, 0)
    aux = LG.aux_labels  # ragged after k2.determinize, a tensor from lexicon_tries
    values = aux.values if isinstance(aux, k2.RaggedTensor) else aux
    values = values.masked_fill(values >= lang.first_word_disambig, 0)
    LG.aux_labels = k2.RaggedTensor(aux.shape, values) if isinstance(aux, k2.RaggedTensor) else values
    LG = k2.remove_epsilon(LG)
    LG.aux_labels = LG.aux_labels.remove_values_eq(0)
    LG = k2.arc_sort(k2.connect(LG))
    if not ragged:
        LG.aux_labels = torch.tensor([r[0] if r else 0 for r in LG.aux_labels.tolist()], dtype=torch.int32)
    return LG


def _path(graph, labels):
    """Total (log) score, best (tropical) score and best words of a label sequence through ``graph``."""
    lattice = k2.create_fsa_vec([k2.intersect(graph, k2.linear_fsa(labels), treat_epsilons_specially=False)])
    best = k2.shortest_path(lattice, True)
    aux = best.aux_labels
    words = (aux.values if isinstance(aux, k2.RaggedTensor) else aux).tolist()
    return (round(float(lattice.get_tot_scores(True, True)), 4), round(float(lattice.get_tot_scores(True, False)), 4),
            [w for w in words if w > 0])


def _ctc_sequences(lang, sentence):
    ids = [lang.tokens[u] for u in text_units(sentence)]
    return [[x for i in ids for x in (i, i, 0)], [x for i in ids for x in (0, i)], ids + [ids[-1]] * 2]


@pytest.mark.parametrize("pushing", ["none", "log"])
def test_prefix_trees_equal_determinized_lexicon_composition(world, pushing):
    lang, G, sentences = world
    ref = _lg_reference(lang, G, pushing)
    trie = lexicon_tries(lang.load_fsa("L_disambig.pt"), G, pushing)
    assert (trie.num_arcs, trie.shape[0]) == (ref.num_arcs, ref.shape[0])
    H = k2.arc_sort(k2.ctc_topo(lang.max_token_id))
    mine, theirs = (k2.arc_sort(k2.compose(H, _lg_ready(lang, x), inner_labels="tokens")) for x in (trie, ref))
    offsets = []
    for sentence in sentences:
        labels = [x for i in [lang.tokens[u] for u in text_units(sentence)] for x in (i, 0)]
        a, b = _path(mine, labels), _path(theirs, labels)
        assert a[2] == b[2] == [lang.words[w] for w in sentence.split()]
        offsets += [a[0] - b[0], a[1] - b[1]]  # pushing moves every path by the same constant
    assert max(offsets) - min(offsets) < 2e-3 and (pushing == "log" or max(map(abs, offsets)) < 2e-3)


def test_prefix_trees_need_disambiguation_symbols(world):
    lang, G, _ = world
    with pytest.raises(ValueError, match="disambiguation"):
        lexicon_tries(lang.load_fsa("L.pt"), G)  # काम is a prefix of कामना


@pytest.mark.parametrize("modified", [False, True])
@pytest.mark.parametrize("ragged", [False, True])
def test_ctc_composition_equals_k2_compose(world, modified, ragged):
    lang, G, sentences = world
    LG = _lg_ready(lang, _lg_reference(lang, G, "log"), ragged)
    mine = compose_ctc_topo(LG, modified)
    H = k2.ctc_topo(lang.max_token_id, modified=modified)
    ref = k2.arc_sort(k2.connect(k2.compose(H, LG, inner_labels="tokens")))
    assert mine.properties & k2.fsa_properties.ARC_SORTED
    assert (mine.num_arcs, mine.shape[0]) == (ref.num_arcs, ref.shape[0])

    def arcs(fsa):
        aux = [tuple(x) for x in fsa.aux_labels.tolist()] if ragged else fsa.aux_labels.tolist()
        return sorted(zip(fsa.labels.tolist(), fsa.tokens.tolist(), aux, [round(x, 4) for x in fsa.scores.tolist()]))

    assert arcs(mine) == arcs(ref)
    for sentence in sentences[:15]:
        for labels in _ctc_sequences(lang, sentence):
            assert _path(mine, labels) == _path(ref, labels)
