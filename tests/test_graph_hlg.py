"""G and HLG compilation: the graph transduces CTC label sequences into words with the LM's scores,
and compilation is skipped when its inputs are unchanged."""

from __future__ import annotations

import json
import math

import k2
import pytest
import torch
from click.testing import CliRunner

from asrboot.cli.graph import graph as graph_cli
from asrboot.graph.hlg import compile_hlg, load_fsa
from asrboot.graph.lang import Lang, prepare_lang
from asrboot.lm.ppl import load
from asrboot.lm.train import train_lm
from asrboot.tokens import grapheme_table, text_units

SENTENCES = ["आज काम है"] * 6 + ["कल काम था", "आज नाम है", "कामना है", "नाम था", "कल था"]
WORDS = sorted({w for s in SENTENCES for w in s.split()})


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("hlg")
    (root / "a.txt").write_text("\n".join(SENTENCES) + "\n", encoding="utf-8")
    train_lm([root / "a.txt"], root / "lm.arpa", order=3)
    prepare_lang(root / "lang", grapheme_table(WORDS), WORDS)
    return root


def _ctc_labels(lang: Lang, sentence: str):
    """Frame labels of a CTC alignment of ``sentence``: every unit twice, a blank after each."""
    ids = [lang.tokens[u] for u in text_units(sentence)]
    return [x for i in ids for x in (i, i, 0)]


def _transduce(HLG, lang: Lang, sentence: str):
    """Best path of HLG over the frame labels of ``sentence``: (words, graph score)."""
    frames = k2.linear_fsa(_ctc_labels(lang, sentence))
    path = k2.shortest_path(k2.create_fsa_vec([k2.intersect(HLG, frames, treat_epsilons_specially=False)]), True)
    words = [lang.id2word[int(w)] for w in path.aux_labels if w > 0]
    return words, float(path.scores.sum())


@pytest.mark.parametrize("pushing", ["none", "log"])
def test_hlg_transduces_ctc_labels_with_lm_scores(world, pushing):
    lang = Lang(world / "lang")
    report = compile_hlg(world / "lang", world / "lm.arpa", world / pushing / "HLG.pt", pushing=pushing)
    HLG = load_fsa(report.path)
    assert HLG.properties & k2.fsa_properties.ARC_SORTED
    assert int(HLG.labels.max()) == lang.max_token_id  # no disambiguation symbols left
    assert int(HLG.aux_labels.max()) < lang.first_word_disambig and hasattr(HLG, "tokens")
    kenlm = load(world / "lm.arpa")
    scores = {}
    for sentence in ("आज काम है", "कल काम था", "कामना है"):
        words, scores[sentence] = _transduce(HLG, lang, sentence)
        assert words == sentence.split()
        if pushing == "none":  # the path's weights are exactly the LM's (ln) probability
            assert scores[sentence] == pytest.approx(kenlm.score(sentence) * math.log(10), abs=1e-3)
    lm_diff = (kenlm.score("आज काम है") - kenlm.score("कामना है")) * math.log(10)
    assert scores["आज काम है"] - scores["कामना है"] == pytest.approx(lm_diff, abs=1e-3)  # pushing keeps ratios


def test_hlg_is_cached_until_an_input_changes(world, tmp_path):
    out = tmp_path / "HLG.pt"
    first = compile_hlg(world / "lang", world / "lm.arpa", out)
    assert first.compiled and first.num_arcs > 0 and (tmp_path / "G_3gram.pt").is_file()
    stamp = json.loads((tmp_path / "HLG.pt.json").read_text())
    assert stamp["num_arcs"] == first.num_arcs and len(stamp["hash"]) == 32
    mtime = out.stat().st_mtime_ns
    assert not compile_hlg(world / "lang", world / "lm.arpa", out).compiled
    assert out.stat().st_mtime_ns == mtime
    assert compile_hlg(world / "lang", world / "lm.arpa", out, modified=True).compiled  # options count
    (tmp_path / "b.txt").write_text("\n".join(SENTENCES[6:] * 3) + "\n", encoding="utf-8")
    arpa = tmp_path / "lm.arpa"
    arpa.write_bytes((world / "lm.arpa").read_bytes())
    assert compile_hlg(world / "lang", arpa, out, modified=True).compiled is False  # same content, other path
    train_lm([tmp_path / "b.txt"], arpa, order=3)
    again = compile_hlg(world / "lang", arpa, out, modified=True)
    assert again.compiled and json.loads((tmp_path / "HLG.pt.json").read_text())["hash"] != stamp["hash"]


def test_oov_ngrams_are_dropped_from_g(world, tmp_path):
    """An LM with words outside the lang dir still compiles; those words never come out."""
    (tmp_path / "c.txt").write_text("\n".join(SENTENCES + ["आज नया काम है"] * 3) + "\n", encoding="utf-8")
    train_lm([tmp_path / "c.txt"], tmp_path / "c.arpa", order=3)
    report = compile_hlg(world / "lang", tmp_path / "c.arpa", tmp_path / "HLG.pt")
    lang = Lang(world / "lang")
    assert _transduce(load_fsa(report.path), lang, "आज काम है")[0] == ["आज", "काम", "है"]


def test_cli_hlg(world, tmp_path):
    args = ["hlg", "--lang", str(world / "lang"), "--arpa", str(world / "lm.arpa"), "--out", str(tmp_path / "HLG.pt")]
    first = CliRunner().invoke(graph_cli, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["compiled"] is True
    assert json.loads(CliRunner().invoke(graph_cli, args).output)["compiled"] is False
    assert torch.load(tmp_path / "HLG.pt")["arcs"].shape[1] == 4
