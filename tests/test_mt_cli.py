"""``asrboot select`` / ``asrboot mt`` commands through click's test runner, on small generated files."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from asrboot.cli.mt import mt, select
from asrboot.corpora.parallel import Pair, read_pairs, write_pairs
from asrboot.lm.train import train_lm
from asrboot.mt import Hypothesis, NbestEntry, write_nbest
from asrboot.text import Normalizer

from conftest import grammar_sentences, zipf_sentences
from test_mt_nmt import substitution_pairs
from test_select_ranking import news_sentences


def run(group, *args):
    result = CliRunner().invoke(group, [str(a) for a in args], catch_exceptions=False)
    return result


def report(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.output[result.output.index("{"):])


@pytest.fixture
def slurp_dir(tmp_path):
    d = tmp_path / "slurp_hi"
    d.mkdir()
    for name, seed, n in (("indomain_train.tsv", 1, 200), ("dev.tsv", 2, 60), ("test.tsv", 3, 60)):
        rows = "".join(f"{name[0]}{i}\tenglish {i}\t{s}\n" for i, s in enumerate(grammar_sentences(seed, n)))
        (d / name).write_text("id\ten\thi\n" + rows, encoding="utf-8")
    (d / "en_pool.txt").write_text("turn on the light\nplay music\nset an alarm\n" * 5, encoding="utf-8")
    return d


@pytest.mark.parametrize("group", [select, mt])
def test_every_command_has_help(group):
    for name in group.commands:
        result = run(group, name, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_pool_and_select(tmp_path, slurp_dir, write_lines):
    norm = Normalizer.for_lm("hi")
    in_domain, off = [norm(s) for s in grammar_sentences(7, 30)], news_sentences(8, 90)
    hindi = in_domain + off + [norm(grammar_sentences(2, 1)[0])]  # the last one is a slurp dev sentence
    english = [f"sentence {i}" for i in range(len(hindi))]
    en, hi = write_lines("g.en", english), write_lines("g.hi", hindi)
    pool = report(run(mt, "pool", "--slurp-dir", slurp_dir, "--line-parallel", en, hi, "-o", tmp_path / "pool",
                      "--dev-size", 5, "--heldout-size", 5))
    assert pool["total"]["overlap"] >= 1 and pool["splits"]["train"] == pool["total"]["kept"] - 10
    train = tmp_path / "pool" / "train.tsv"
    pooled = {p.hi for split in ("train", "dev", "heldout") for p in read_pairs(tmp_path / "pool" / f"{split}.tsv")}
    assert hindi[-1] not in pooled
    out = report(run(select, "pairs", "--pool", train, "--slurp-dir", slurp_dir, "--top-k", 20, "-o",
                     tmp_path / "sel.tsv", "--scores", tmp_path / "scores.tsv"))
    selected = read_pairs(tmp_path / "sel.tsv")
    assert out["selected"] == 20 and sum(p.hi in in_domain for p in selected) >= 18
    scores = (tmp_path / "scores.tsv").read_text(encoding="utf-8").splitlines()
    assert scores[0] == "id\tscore" and len(scores) == pool["splits"]["train"] + 1
    tuned = report(run(select, "pairs", "--pool", train, "--slurp-dir", slurp_dir, "--method", "centroid", "--tune",
                       "--fractions", "0.2,1.0", "-o", tmp_path / "tuned.tsv", "--workdir", tmp_path / "work"))
    n = pool["splits"]["train"]
    assert [row["top_k"] for row in tuned["tuning"]] == [n, round(0.2 * n)]
    assert tuned["selected"] == tuned["top_k"]
    assert run(select, "pairs", "--pool", train, "--slurp-dir", slurp_dir, "-o", tmp_path / "x.tsv").exit_code != 0


def test_init_train_translate_eval(tmp_path):
    pairs = [Pair(f"p{i}", en, hi) for i, (en, hi) in enumerate(substitution_pairs(0, 120))]
    write_pairs(tmp_path / "train.tsv", pairs[:100])
    write_pairs(tmp_path / "dev.tsv", pairs[100:])
    init = report(run(mt, "init", "--pairs", tmp_path / "train.tsv", "-o", tmp_path / "init", "--vocab-size", 60,
                      "--d-model", 32, "--layers", 1, "--heads", 2, "--ffn-dim", 64))
    assert init["vocab"] <= 60 and init["parameters"] > 0
    trained = report(run(mt, "train", tmp_path / "init", "--train", tmp_path / "train.tsv",
                         "--dev", tmp_path / "dev.tsv",
                         "-o", tmp_path / "model", "--max-steps", 6, "--eval-every", 3, "--max-tokens", 300,
                         "--bleu-sentences", 0, "--threads", 1))
    assert trained["steps"] == 6 and trained["best_step"] in (3, 6)
    (tmp_path / "en.txt").write_text("Play music!\n\n#NAME?\nstop the fan\n", encoding="utf-8")
    out = report(run(mt, "translate", tmp_path / "model", tmp_path / "en.txt", "-o", tmp_path / "n.jsonl",
                     "--beam", 3, "--nbest", 2, "--threads", 1))
    lines = [json.loads(line) for line in (tmp_path / "n.jsonl").read_text(encoding="utf-8").splitlines()]
    assert out["sentences"] == 2 and [(x["id"], x["source"]) for x in lines] == [("en_pool-1", "play music"),
                                                                                 ("en_pool-4", "stop the fan")]
    assert all(1 <= len(x["nbest"]) <= 2 and set(x["nbest"][0]) == {"text", "score", "logprob"} for x in lines)
    scores = report(run(mt, "eval", tmp_path / "model", tmp_path / "dev.tsv", "--beam", 2, "--threads", 1))
    assert set(scores) == {"bleu", "chrf", "sentences"} and scores["sentences"] == 20


def test_rescore_and_filter_commands(tmp_path, write_lines):
    lm = train_lm([write_lines("in.txt", grammar_sentences(1, 60))], tmp_path / "in.arpa").arpa
    dev = write_lines("dev.txt", grammar_sentences(2, 80))
    good, bad = grammar_sentences(7, 30), zipf_sentences(8, 30)
    write_nbest(tmp_path / "n.jsonl", [NbestEntry(str(i), "src", [Hypothesis(b, -0.2, -1.0), Hypothesis(g, -0.3, -1.2)])
                                       for i, (g, b) in enumerate(zip(good, bad))])
    plain = report(run(mt, "rescore", tmp_path / "n.jsonl", "--lm", lm, "-o", tmp_path / "plain.txt"))
    assert plain["changed_from_nmt_best"] == 0
    assert (tmp_path / "plain.txt").read_text(encoding="utf-8").splitlines() == bad
    tuned = report(run(mt, "rescore", tmp_path / "n.jsonl", "--lm", lm, "-o", tmp_path / "best.txt", "--tune-dev", dev,
                       "--lm-weights", "0,1", "--length-bonuses", "0"))
    assert tuned["lm_weight"] == 1.0 and tuned["changed_from_nmt_best"] == 30 and len(tuned["tuning"]) == 2
    text = write_lines("mixed.txt", good + bad)
    kept = report(run(mt, "lm-filter", text, "--lm", lm, "-o", tmp_path / "kept.txt", "--tune-dev", dev,
                      "--quantiles", "0,0.5"))
    assert kept["kept"] == 30 and kept["kept_fraction"] == 0.5
    assert set((tmp_path / "kept.txt").read_text(encoding="utf-8").splitlines()) == set(good)
    assert run(mt, "lm-filter", text, "--lm", lm, "-o", tmp_path / "k.txt").exit_code != 0
