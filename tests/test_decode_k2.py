"""Decoding hand-built CTC posteriors with k2: greedy, HLG 1-best, n-best, rescoring, sweeps, files, CLI.

The toy AM "hears" ``आज ?ाम है`` where the first unit of the middle word is ambiguous between क and
न: in ``utt1`` न is slightly more likely (0.5 vs 0.45), in ``utt2`` क is. LM ``A`` prefers
``आज काम है``, LM ``B`` (and its 4-gram ``B4``) ``आज नाम है``.
"""

from __future__ import annotations

import json
import math
import re

import pytest
from click.testing import CliRunner
from lhotse import CutSet
from lhotse.testing.dummies import dummy_cut

from asrboot.am.posteriors import PosteriorSet, compute_posteriors
from asrboot.cli.decode import decode as decode_cli
from asrboot.decode import DecodeOptions, decode
from asrboot.decode.hyp import ctc_emissions, path_word_ids
from asrboot.decode.lattice import SearchParams, intersect, load_graph, set_lm_scale
from asrboot.decode.nbest import nbest
from asrboot.graph.hlg import compile_hlg
from asrboot.graph.lang import Lang, prepare_lang
from asrboot.io import InputError
from asrboot.lm.ppl import load
from asrboot.lm.train import train_lm
from asrboot.tokens import text_units

from toy_asr import ARRAYS, LM_TEXT, RIVAL, TARGET, TOKENS, WORDS, ArrayAM


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("decode")
    cuts = CutSet.from_cuts([dummy_cut(i).with_id(k) for i, k in enumerate(ARRAYS)])
    compute_posteriors(ArrayAM(ARRAYS), cuts, root / "post")
    for name, lines in LM_TEXT.items():
        (root / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        train_lm([root / f"{name}.txt"], root / f"{name}.arpa", order=3)
    train_lm([root / "B.txt"], root / "B4.arpa", order=4)
    prepare_lang(root / "lang", TOKENS, WORDS)
    for name in LM_TEXT:
        compile_hlg(root / "lang", root / f"{name}.arpa", root / f"HLG_{name}.pt")
    return root


def run(world, out, method="1best", lm="A", **kw):
    opts = DecodeOptions(method=method, **{k: v for k, v in kw.items() if k not in ("rescore_lm", "cut_ids")})
    rescore = kw.get("rescore_lm")
    return decode(world / "post", world / out, opts, lang_dir=world / "lang", hlg=world / f"HLG_{lm}.pt",
                  rescore_lm=world / rescore if rescore else None, cut_ids=kw.get("cut_ids"))


def texts(results, scale):
    return {cid: h.text for cid, h in results[scale].items()}


def test_greedy_returns_the_raw_units(world):
    ps = PosteriorSet(world / "post")
    labels = ps.load(next(c for c in ps.cuts if c.id == "utt1")).argmax(axis=1)
    id2token = {i: t for t, i in TOKENS.items()}
    assert [id2token[t] for _, t in ctc_emissions(labels)] == text_units(RIVAL)
    res = decode(world / "post", world / "greedy", DecodeOptions(method="greedy"))
    assert texts(res, 0.5) == {"utt1": RIVAL, "utt2": TARGET, "none": "ा"}
    hyp = res[0.5]["utt1"]
    assert hyp.lm == 0 and hyp.alignment == [("आज", 0.08, 0.32), ("नाम", 0.44, 0.44), ("है", 0.92, 0.32)]


def test_1best_with_a_matching_lm_returns_the_target(world):
    res = run(world, "1best_A", lm_scale=1.0)
    assert texts(res, 1.0) == {"utt1": TARGET, "utt2": TARGET, "none": ""}
    hyp = res[1.0]["utt1"]
    assert hyp.total == pytest.approx(hyp.am + hyp.lm) and hyp.lm < 0 and hyp.am < 0
    assert [w for w, _, _ in hyp.alignment] == TARGET.split()
    assert res[1.0]["none"].total is None  # no path: empty hypothesis, no crash


def test_a_competing_lm_flips_the_ambiguous_word(world):
    assert texts(run(world, "1best_B", lm="B", lm_scale=1.0), 1.0)["utt2"] == RIVAL  # acoustics say काम
    assert texts(run(world, "1best_A2", lm="A", lm_scale=1.0), 1.0)["utt2"] == TARGET


def test_lm_scale_moves_from_acoustics_to_lm(world):
    res = run(world, "sweep", lm_scale=1.0, lm_scales=[0.0, 2.0])
    assert res[0.0]["utt1"].text == RIVAL and res[2.0]["utt1"].text == TARGET
    low, high = res[0.0]["utt1"], res[2.0]["utt1"]
    assert low.am > high.am and high.lm > low.lm


def test_sweep_reuses_the_stored_lattices(world):
    first = run(world, "reuse", lm_scale=1.0, lm_scales=[0.0, 2.0])
    info = json.loads((world / "reuse" / "decode.json").read_text())
    assert info["lattices_reused"] is False and (world / "reuse" / "lattices" / "00000.pt").is_file()
    again = run(world, "reuse", lm_scale=1.0, lm_scales=[0.5, 2.0])
    assert json.loads((world / "reuse" / "decode.json").read_text())["lattices_reused"] is True
    assert again[2.0]["utt1"].total == pytest.approx(first[2.0]["utt1"].total)
    searched = run(world, "direct", lm_scale=2.0)  # searching at 2.0 gives what re-weighting gave
    assert searched[2.0]["utt1"].text == again[2.0]["utt1"].text
    assert searched[2.0]["utt1"].total == pytest.approx(again[2.0]["utt1"].total, abs=1e-4)
    run(world, "reuse", lm_scale=0.7)  # another search scale: searched again
    assert json.loads((world / "reuse" / "decode.json").read_text())["lattices_reused"] is False


def test_nbest_lists_contain_the_1best(world):
    lang = Lang(world / "lang")
    ps = PosteriorSet(world / "post")
    batch = [ps.load(c) for c in ps.cuts if c.id in ("utt1", "utt2")]
    lattice = set_lm_scale(intersect(load_graph(world / "HLG_A.pt"), batch, 1.0, SearchParams()), 0.3)
    nb = nbest(lattice, num_paths=50, nbest_scale=1.0)
    seqs = [[lang.id2word[w] for w in ids] for ids in path_word_ids(nb.paths)]
    owners = nb.owners.tolist()
    for utt in (0, 1):
        mine = [" ".join(s) for s, o in zip(seqs, owners) if o == utt]
        assert len(mine) >= 2 and {TARGET, RIVAL} <= set(mine)
    res = run(world, "nbest", method="nbest", lm_scale=1.0, lm_scales=[0.0, 1.0], num_paths=50)
    onebest = run(world, "1best_A", lm_scale=1.0, lm_scales=[0.0, 1.0])
    for s in (0.0, 1.0):
        assert texts(res, s) == texts(onebest, s)
        assert res[s]["utt1"].total == pytest.approx(onebest[s]["utt1"].total, abs=1e-4)


def test_nbest_rescoring_with_kenlm_changes_the_hypothesis(world):
    res = run(world, "nbest_rescore", method="nbest-rescore", rescore_lm="B4.arpa", lm_scale=1.0,
              lm_scales=[0.0, 1.0])
    assert texts(res, 0.0)["utt2"] == TARGET and texts(res, 1.0)["utt2"] == RIVAL  # first pass said TARGET
    hyp = res[1.0]["utt2"]
    assert hyp.lm == pytest.approx(load(world / "B4.arpa").score(RIVAL) * math.log(10), abs=1e-4)
    assert hyp.total == pytest.approx(hyp.am + hyp.lm)


def test_whole_lattice_rescoring_agrees_with_nbest_rescoring(world):
    res = run(world, "wlr", method="whole-lattice-rescore", rescore_lm="B4.arpa", lm_scale=1.0, lm_scales=[0.0, 1.0])
    ref = run(world, "nbest_rescore", method="nbest-rescore", rescore_lm="B4.arpa", lm_scale=1.0,
              lm_scales=[0.0, 1.0])
    assert texts(res, 1.0) == {"utt1": RIVAL, "utt2": RIVAL, "none": ""}
    for s in (0.0, 1.0):
        for utt in ("utt1", "utt2"):
            assert res[s][utt].text == ref[s][utt].text
            assert res[s][utt].total == pytest.approx(ref[s][utt].total, abs=1e-3)
            assert [w for w, _, _ in res[s][utt].alignment] == res[s][utt].words
    assert (world / "wlr" / "G_4gram.pt").is_file()


def test_output_files(world):
    run(world, "files", lm_scale=1.0, lm_scales=[0.5, 1.0])
    ids = [c.id for c in PosteriorSet(world / "post").cuts]
    for s in ("0.5", "1"):
        d = world / "files" / f"lm_scale_{s}"
        trn = (d / "hyps.trn").read_text(encoding="utf-8").splitlines()
        parsed = [re.fullmatch(r"(.*?) ?\(([^()]+)\)", line).groups() for line in trn]
        assert [u for _, u in parsed] == ids
        recs = [json.loads(line) for line in (d / "recogs.jsonl").read_text(encoding="utf-8").splitlines()]
        assert [r["id"] for r in recs] == ids and [r["hyp"] for r in recs] == [t for t, _ in parsed]
        for r in recs:
            assert set(r["scores"]) == {"total", "am", "lm"}
            starts = [w["start"] for w in r.get("words", [])]
            assert starts == sorted(starts) and all(w["duration"] > 0 for w in r.get("words", []))
            assert [w["symbol"] for w in r.get("words", [])] == r["hyp"].split()


def test_tokens_must_match_the_posteriors(world, tmp_path):
    prepare_lang(tmp_path / "lang", {**TOKENS, "x": len(TOKENS)}, WORDS)
    with pytest.raises(InputError, match="tokens.txt"):
        decode(world / "post", tmp_path / "out", DecodeOptions(), lang_dir=tmp_path / "lang",
               hlg=world / "HLG_A.pt")


def test_cli_decode(world, tmp_path):
    (tmp_path / "ids.txt").write_text("utt2\n", encoding="utf-8")
    common = ["--posteriors", str(world / "post"), "--lang", str(world / "lang")]
    result = CliRunner().invoke(decode_cli, [*common, "--arpa", str(world / "B.arpa"), "--lm-scales", "0,1.5",
                                             "--lm-scale", "1", "--cuts", str(tmp_path / "ids.txt"),
                                             "--out-dir", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["cuts"] == 1 and (world / "lang" / "HLG_B.pt").is_file()
    assert (tmp_path / "out" / "lm_scale_0" / "hyps.trn").read_text(encoding="utf-8") == f"{TARGET} (utt2)\n"
    assert (tmp_path / "out" / "lm_scale_1.5" / "hyps.trn").read_text(encoding="utf-8") == f"{RIVAL} (utt2)\n"
    greedy = CliRunner().invoke(decode_cli, ["--posteriors", str(world / "post"), "--method", "greedy",
                                             "--out-dir", str(tmp_path / "greedy")])
    assert greedy.exit_code == 0 and (tmp_path / "greedy" / "hyps.trn").is_file()
    missing = CliRunner().invoke(decode_cli, [*common, "--method", "nbest-rescore", "--hlg",
                                              str(world / "HLG_A.pt"), "--out-dir", str(tmp_path / "x")])
    assert missing.exit_code == 2 and "--rescore-lm" in missing.output
