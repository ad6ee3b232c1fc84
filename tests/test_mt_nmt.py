"""The NMT for real: a tiny MarianMT trained from scratch on a word-substitution "language", N-best
translation, Hugging Face save/load, resume, and a self-training round."""

from __future__ import annotations

import random

import pytest
import torch

from asrboot.io import InputError
from asrboot.mt import (Hypothesis, ModelConfig, NbestEntry, TrainConfig, Translator, bleu_chrf, confident, evaluate,
                        init_model, read_nbest, self_train, train_nmt, write_nbest)
from asrboot.mt.batching import encode_pairs, token_batches

EN = "turn on off the light fan music alarm set play stop kitchen bedroom please".split()
HI = "चालू बंद यह बत्ती पंखा गाना अलार्म लगाओ बजाओ रोको रसोई कमरा कृपया अभी".split()
LEXICON = dict(zip(EN, HI))
TINY = ModelConfig(d_model=64, encoder_layers=2, decoder_layers=2, heads=2, ffn_dim=128, dropout=0.0, max_positions=64)


def substitution_pairs(seed: int, n: int):
    """English word sequences and their word-by-word 'Hindi' translations."""
    rng = random.Random(seed)
    sources = [" ".join(rng.choice(EN) for _ in range(rng.randint(3, 4))) for _ in range(n)]
    return [(s, " ".join(LEXICON[w] for w in s.split())) for s in sources]


def config(**overrides) -> TrainConfig:
    base = dict(lr=3e-3, warmup_steps=40, max_tokens=300, max_steps=120, max_epochs=None, eval_every=50,
                bleu_sentences=20, threads=1, seed=0)
    return TrainConfig(**{**base, **overrides})


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A tiny model trained for 120 steps (~10 s on one core): (init dir, model dir, report, train, dev)."""
    root = tmp_path_factory.mktemp("nmt")
    train, dev = substitution_pairs(0, 550), substitution_pairs(1, 50)
    init_model([s for pair in train for s in pair], root / "init", TINY, vocab_size=80)
    report = train_nmt(root / "init", train, dev, root / "model", config())
    return root / "init", root / "model", report, train, dev


def test_training_learns_the_substitution(trained):
    _, model_dir, report, train, dev = trained
    losses = [row["dev_loss"] for row in report.history]
    assert report.steps == 120 and report.stopped == "max_steps 120"
    assert losses[-1] < 0.5 * losses[0] and report.best["dev_loss"] == min(losses)
    assert (model_dir / "train_report.json").is_file() and (model_dir / "checkpoint" / "trainer_state.pt").is_file()
    translator = Translator.load(model_dir, threads=1)
    sources = [en for en, _ in train[:20]]
    greedy = [h[0].text for h in translator.translate(sources, beam=1, progress=False)]
    references = [hi for _, hi in train[:20]]
    assert bleu_chrf(greedy, references)["chrf"] > 75
    assert sum(g == r for g, r in zip(greedy, references)) >= 8  # most others stop a word early or late
    aligned = [(a, b) for g, r in zip(greedy, references) for a, b in zip(g.split(), r.split())]
    assert sum(a == b for a, b in aligned) >= 0.9 * len(aligned)
    assert evaluate(translator, dev, beam=3, progress=False)["chrf"] > 60


def test_nbest_is_distinct_sorted_and_scored(trained):
    _, model_dir, _, train, _ = trained
    translator = Translator.load(model_dir, threads=1)
    sources = [en for en, _ in train[:6]]
    nbests = translator.translate(sources, beam=6, nbest=4, progress=False)
    for source, hyps in zip(sources, nbests):
        texts = [h.text for h in hyps]
        assert len(texts) == len(set(texts)) >= 3
        assert [h.score for h in hyps] == sorted((h.score for h in hyps), reverse=True)
        for h in hyps:
            assert h.logprob < 0
            # score = logprob / tokens (</s> included) for length_penalty 1
            tokens = len(translator.tokenizer(text_target=h.text)["input_ids"])
            assert h.score == pytest.approx(h.logprob / tokens, rel=1e-3)
    # batched translation equals one-by-one translation (padding does not leak into scores)
    single = translator.translate(sources[:1], beam=6, nbest=4, progress=False)[0]
    assert [h.text for h in single] == [h.text for h in nbests[0]]
    assert single[0].score == pytest.approx(nbests[0][0].score, abs=1e-4)
    with pytest.raises(ValueError):
        translator.translate(sources, beam=2, nbest=3)


@pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")
def test_saved_directory_loads_through_auto_classes(trained):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer, MarianMTModel, MarianTokenizer

    _, model_dir, _, train, _ = trained
    model = AutoModelForSeq2SeqLM.from_pretrained(str(model_dir), local_files_only=True)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    assert isinstance(model, MarianMTModel) and isinstance(tokenizer, MarianTokenizer)
    assert model.config.share_encoder_decoder_embeddings and model.config.d_model == 64
    batch = tokenizer([train[0][0]], return_tensors="pt")
    out = model.generate(**batch, num_beams=1, max_new_tokens=20)
    ours = Translator.load(model_dir, threads=1).translate([train[0][0]], beam=1, progress=False)[0][0].text
    assert tokenizer.decode(out[0], skip_special_tokens=True) == ours


def test_nbest_jsonl_roundtrip_and_errors(tmp_path):
    entries = [NbestEntry("u1", "play music", [Hypothesis("गाना बजाओ", -0.1, -0.4), Hypothesis("गाना", -0.9, -1.8)])]
    write_nbest(tmp_path / "n.jsonl", entries)
    assert read_nbest(tmp_path / "n.jsonl") == entries
    (tmp_path / "bad.jsonl").write_text((tmp_path / "n.jsonl").read_text() + '{"id": "u2", "source": "x"}\n',
                                        encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_nbest(tmp_path / "bad.jsonl")
    assert err.value.line == 2


def test_token_batches_respect_the_budget():
    examples = [([1] * n, [1] * (n % 7 + 1)) for n in range(1, 60)]
    batches = token_batches(examples, max_tokens=100, seed=3)
    assert sorted(i for b in batches for i in b) == list(range(len(examples)))
    for b in batches:
        assert len(b) * max(max(len(examples[i][0]), len(examples[i][1])) for i in b) <= 100
    assert token_batches(examples, 100) == token_batches(examples, 100)  # no seed: deterministic order


def test_confidence_filter_semantics():
    hyps = [Hypothesis(str(i), s, s) for i, s in enumerate([-0.5, -2.0, -0.1, -1.0])]
    assert confident(hyps) == [0, 1, 2, 3]
    assert confident(hyps, min_score=-1.0) == [0, 2, 3]
    assert confident(hyps, top_fraction=0.5) == [0, 2]
    assert confident(hyps, min_score=-0.2, top_fraction=0.5) == [2]


def test_resume_continues_from_the_checkpoint(trained, tmp_path):
    init_dir, _, _, train, dev = trained
    first = train_nmt(init_dir, train, dev, tmp_path / "m", config(max_steps=10, eval_every=5, bleu_sentences=0))
    assert first.steps == 10
    resumed = train_nmt(init_dir, train, dev, tmp_path / "m", config(max_steps=14, eval_every=5, bleu_sentences=0),
                        resume=True)
    assert resumed.steps == 14 and [r["step"] for r in resumed.history] == [5, 10, 14]
    with pytest.raises(FileNotFoundError):
        train_nmt(init_dir, train, dev, tmp_path / "other", config(max_steps=1), resume=True)


def test_self_training_round_adds_pairs_and_changes_the_model(trained, tmp_path):
    from transformers import AutoModelForSeq2SeqLM

    _, model_dir, _, train, dev = trained
    english = [(f"pool-{i}", en) for i, (en, _) in enumerate(substitution_pairs(5, 40))]
    final, reports = self_train(model_dir, train[:100], dev, english, tmp_path / "st",
                                config(max_steps=None, max_epochs=1, lr=5e-4, warmup_steps=1, bleu_sentences=0),
                                top_fraction=0.5)
    assert final == tmp_path / "st" / "round1"
    assert reports[0]["added"] == 20 and reports[0]["translated"] == 40
    synthetic = (final / "synthetic.tsv").read_text(encoding="utf-8").splitlines()
    assert synthetic[0] == "id\ten\thi" and len(synthetic) == 21
    before = AutoModelForSeq2SeqLM.from_pretrained(str(model_dir), local_files_only=True).state_dict()
    after = AutoModelForSeq2SeqLM.from_pretrained(str(final), local_files_only=True).state_dict()
    assert any(not torch.equal(before[k], after[k]) for k in before)


def test_encode_pairs_drops_overlong_pairs(trained):
    from asrboot.mt import load_tokenizer

    init_dir, _, _, _, _ = trained
    tokenizer = load_tokenizer(init_dir)
    examples = encode_pairs(tokenizer, ["play music", " ".join(["play"] * 50)], ["गाना बजाओ", "बजाओ"], max_len=20)
    assert len(examples) == 1 and examples[0][0][-1] == tokenizer.eos_token_id
