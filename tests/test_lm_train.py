"""lmplz-based training: real KenLM binaries on small generated corpora."""

from __future__ import annotations

import kenlm
import pytest

from asrboot.io import InputError
from asrboot.lm.ppl import perplexity
from asrboot.lm.train import arpa_counts, train_lm

from conftest import grammar_sentences, zipf_sentences


def _unigrams(arpa):
    words, inside = set(), False
    for line in open(arpa, encoding="utf-8"):
        if line.startswith("\\1-grams:"):
            inside = True
        elif line.startswith("\\"):
            inside = False
        elif inside and line.strip():
            words.add(line.split("\t")[1].strip())
    return words


def test_train_3gram_with_boundaries_and_binary(tmp_path, write_lines):
    text = write_lines("train.txt", grammar_sentences(1, 2000) + ["", "   "])
    report = train_lm([text], tmp_path / "lm.arpa", order=3, binary="probing")
    assert report.sentences == 2000  # blank lines skipped
    assert report.ngrams == arpa_counts(report.arpa) and set(report.ngrams) == {1, 2, 3}
    vocab = _unigrams(report.arpa)
    assert {"<s>", "</s>", "<unk>"} <= vocab
    arpa, binary = kenlm.Model(report.arpa), kenlm.Model(report.binary)
    sentence = grammar_sentences(1, 1)[0]
    assert arpa.score(sentence) == pytest.approx(binary.score(sentence), abs=1e-4)
    # sentence boundaries are modelled: a real sentence beats the same words scrambled
    assert arpa.score(sentence) > arpa.score(" ".join(reversed(sentence.split())))


def test_discount_fallback_only_when_needed(tmp_path, write_lines):
    tiny = write_lines("tiny.txt", ["एक दो तीन", "दो तीन चार"])
    with pytest.raises(RuntimeError, match="discount"):
        train_lm([tiny], tmp_path / "never.arpa", discount_fallback="never")
    assert not (tmp_path / "never.arpa").exists()
    assert train_lm([tiny], tmp_path / "auto.arpa").discount_fallback
    big = write_lines("big.txt", zipf_sentences(2, 3000))
    assert not train_lm([big], tmp_path / "big.arpa").discount_fallback


def test_prune_and_limit_vocab(tmp_path, write_lines):
    text = write_lines("train.txt", grammar_sentences(3, 3000))
    full = train_lm([text], tmp_path / "full.arpa")
    pruned = train_lm([text], tmp_path / "pruned.arpa", prune=[0, 1, 2])
    assert pruned.ngrams[3] < full.ngrams[3]
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("गाना\nचलाओ\nमेरा\n", encoding="utf-8")
    limited = train_lm([text], tmp_path / "limited.arpa", limit_vocab_file=vocab)
    assert _unigrams(limited.arpa) == {"<s>", "</s>", "<unk>", "गाना", "चलाओ", "मेरा"}


def test_bad_training_text(tmp_path, write_lines):
    text = write_lines("bad.txt", ["एक दो", "तीन <s> चार"])
    with pytest.raises(InputError, match=r"bad\.txt:2: reserved token <s>"):
        train_lm([text], tmp_path / "x.arpa")
    raw = tmp_path / "latin1.txt"
    raw.write_bytes("एक दो\n".encode() + b"caf\xe9\n")
    with pytest.raises(InputError, match=r"latin1\.txt:2: not valid UTF-8"):
        train_lm([raw], tmp_path / "x.arpa")
    assert not (tmp_path / "x.arpa").exists()


def test_perplexity_conventions(tmp_path, write_lines):
    text = write_lines("train.txt", grammar_sentences(4, 2000))
    model = kenlm.Model(train_lm([text], tmp_path / "lm.arpa").arpa)
    dev = grammar_sentences(4, 50) + ["गाना अज्ञातशब्द चलाओ"]  # seen words + one OOV
    report = perplexity(model, dev)
    # recompute by hand from kenlm's per-token scores (SRILM: OOV tokens left out)
    logprob = sum(p for s in dev for p, _, oov in model.full_scores(s) if not oov)
    words = sum(len(s.split()) for s in dev)
    assert report.oovs == 1 and report.words == words and report.sentences == len(dev)
    assert report.logprob == pytest.approx(logprob)
    assert report.ppl == pytest.approx(10 ** (-logprob / (words - 1 + len(dev))))
    assert report.ppl1 > report.ppl
    assert report.oov_rate == pytest.approx(1 / words)
    # in-grammar text is far more probable than text of another language model's world
    assert perplexity(model, ["मौसम मौसम मौसम लाइट लाइट"]).ppl > report.ppl
