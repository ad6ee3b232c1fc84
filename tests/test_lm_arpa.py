"""ARPA reading/writing/querying: hand-checked values, malformed files, roundtrip, kenlm agreement."""

from __future__ import annotations

import math
import random

import kenlm
import pytest

from asrboot.io import InputError
from asrboot.lm.arpa import ArpaLM, read_arpa, write_arpa

from asrboot.lm.train import build_binary
from conftest import train_arpa

TINY = """\\data\\
ngram 1=5
ngram 2=4
ngram 3=2

\\1-grams:
-1.0\t<unk>\t0
-99\t<s>\t-0.5
-0.5\t</s>\t0
-0.6\ta\t-0.3
-0.7\tb\t-0.2

\\2-grams:
-0.3\t<s> a\t-0.1
-0.4\ta b\t-0.2
-0.5\tb </s>
-0.6\ta </s>

\\3-grams:
-0.2\t<s> a b
-0.1\ta b </s>

\\end\\
"""
TINY_LINES = TINY.splitlines()


def random_sentences(seed: int, n_words: int):
    rng = random.Random(seed)
    vocab = [f"w{i}" for i in range(30)] + ["घर", "पानी", "किताब", "नदी", "बादल"]
    successors = {w: rng.sample(vocab, 4) for w in vocab}
    lines, total = [" ".join(vocab)], len(vocab)
    while total < n_words:
        sentence = [rng.choice(vocab[:8])]
        while len(sentence) < 12 and rng.random() < 0.85:
            sentence.append(rng.choice(successors[sentence[-1]]))
        lines.append(" ".join(sentence))
        total += len(sentence)
    return lines


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    directory = tmp_path_factory.mktemp("arpa")
    lines = random_sentences(1, 6000)
    return train_arpa(lines[: len(lines) * 4 // 5], directory, "train"), lines[len(lines) * 4 // 5:]


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.arpa"
    path.write_text(TINY, encoding="utf-8")
    return read_arpa(path)


# -------------------------------------------------------------------- queries (values by hand)
def test_tiny_structure(tiny):
    assert tiny.order == 3 and tiny.counts == [5, 4, 2]
    assert tiny.get(["a", "b"]) == (-0.4, -0.2)
    assert tiny.get(["b", "a"]) is None
    assert tiny.as_dicts()[2] == {("<s>", "a", "b"): (-0.2, 0.0), ("a", "b", "</s>"): (-0.1, 0.0)}


@pytest.mark.parametrize("word, history, expected", [
    ("b", ("<s>", "a"), -0.2),           # explicit trigram
    ("b", ("x", "a"), -0.4),             # unknown history word: bigram a b
    ("a", ("b",), -0.2 - 0.6),           # bow(b) + p(a)
    ("b", ("a", "a"), -0.4),             # "a a" is no history: p(b|a), explicit
    ("</s>", ("<s>", "b"), -0.5),        # bigram b </s>; "<s> b" is no history
    ("a", ("<s>", "a"), -0.1 + -0.3 + -0.6),  # bow(<s> a) + bow(a) + p(a)
    ("zzz", (), -1.0),                   # unknown word scores as <unk>
])
def test_tiny_logprob(tiny, word, history, expected):
    assert tiny.logprob(word, history) == pytest.approx(expected)


def test_tiny_sentence_and_perplexity(tiny):
    # <s> a b </s>: p(a|<s>) = -0.3, p(b|<s> a) = -0.2, p(</s>|a b) = -0.1
    assert tiny.sentence_logprob(["a", "b"]) == pytest.approx(-0.6)
    assert tiny.sentence_logprob(["a", "b"], bos=False, eos=False) == pytest.approx(-0.6 - 0.4)
    stats = tiny.perplexity([["a", "b"], ["zzz"]])
    # zzz is an OOV: left out; </s> after it: p(</s>|<unk>) = -0.5
    assert stats["oovs"] == 1 and stats["words"] == 3
    assert stats["logprob"] == pytest.approx(-0.6 - 0.5)
    assert stats["ppl"] == pytest.approx(10 ** (1.1 / (3 - 1 + 2)))


def test_no_unk_scores_minus_inf(tmp_path):
    text = TINY.replace("ngram 1=5", "ngram 1=4").replace("-1.0\t<unk>\t0\n", "")
    (tmp_path / "closed.arpa").write_text(text, encoding="utf-8")
    lm = read_arpa(tmp_path / "closed.arpa")
    assert lm.logprob("zzz", ("a",)) == -math.inf
    assert lm.logprob("b", ("zzz", "a")) == pytest.approx(-0.4)


# -------------------------------------------------------------------- malformed input
def _edit(lines, index, new):
    out = list(lines)
    if new is None:
        del out[index]
    else:
        out[index] = new
    return out


MALFORMED = {
    "header count": (lambda L: _edit(L, 2, "ngram 2=5"), 3),
    "header count too small": (lambda L: _edit(L, 3, "ngram 3=1"), 4),
    "missing end": (lambda L: L[:-1], len(TINY_LINES) - 1),
    "non-numeric prob": (lambda L: _edit(L, 9, "-0.6x\ta\t-0.3"), 10),
    "non-numeric backoff": (lambda L: _edit(L, 10, "-0.7\tb\tbad"), 11),
    "nan backoff": (lambda L: _edit(L, 10, "-0.7\tb\tnan"), 11),
    "wrong field count": (lambda L: _edit(L, 14, "-0.4\ta b a b"), 15),
    "too few fields": (lambda L: _edit(L, 15, "-0.5"), 16),
    "backoff on highest order": (lambda L: _edit(L, 20, "-0.1\ta b </s>\t-0.1"), 21),
    "missing section": (lambda L: L[:12] + L[18:], 13),
    "history absent": (lambda L: _edit(L, 20, "-0.1\tb a b"), 21),
    "word not a unigram": (lambda L: _edit(L, 16, "-0.6\ta zz"), 17),
    "duplicate n-gram": (lambda L: _edit(L, 16, "-0.6\ta b"), 17),
    "duplicate unigram": (lambda L: _edit(L, 10, "-0.7\ta\t-0.2"), 11),
    "bad header line": (lambda L: _edit(L, 2, "ngram two=4"), 3),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed(tmp_path, case):
    edit, line = MALFORMED[case]
    path = tmp_path / "bad.arpa"
    path.write_text("\n".join(edit(TINY_LINES)) + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_arpa(path)
    assert err.value.line == line, str(err.value)
    assert str(err.value).startswith(f"{path}:{line}: ")


def test_missing_data_header(tmp_path):
    path = tmp_path / "bad.arpa"
    path.write_text("\n".join(TINY_LINES[1:]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="data"):
        read_arpa(path)


def test_space_separated_fields(tmp_path):
    path = tmp_path / "spaces.arpa"
    path.write_text(TINY.replace("\t", "  "), encoding="utf-8")
    (tmp_path / "tabs.arpa").write_text(TINY, encoding="utf-8")
    assert read_arpa(path).as_dicts() == read_arpa(tmp_path / "tabs.arpa").as_dicts()


# -------------------------------------------------------------------- real lmplz models
def test_roundtrip(trained, tmp_path):
    arpa, _ = trained
    lm = read_arpa(arpa)
    assert "घर" in lm.index and lm.get(["<s>"]) is not None
    write_arpa(lm, tmp_path / "out.arpa")
    again = read_arpa(tmp_path / "out.arpa")
    assert again.counts == lm.counts
    assert again.as_dicts() == lm.as_dicts()
    write_arpa(again, tmp_path / "out2.arpa")
    assert (tmp_path / "out2.arpa").read_bytes() == (tmp_path / "out.arpa").read_bytes()


def test_kenlm_agrees_on_written_file(trained, tmp_path):
    arpa, held_out = trained
    lm = read_arpa(arpa)
    write_arpa(lm, tmp_path / "out.arpa")
    model = kenlm.Model(str(tmp_path / "out.arpa"))
    sentences = held_out[:200] + ["घर अनजान w1 w2", "w3 <unk> w5", ""]
    for s in sentences:
        words = s.split()
        for bos, eos in ((True, True), (False, False), (True, False)):
            assert lm.sentence_logprob(words, bos, eos) == pytest.approx(model.score(s, bos=bos, eos=eos), abs=1e-4)
    stats = lm.perplexity([s.split() for s in sentences])
    known = [lp for s in sentences for lp, _, oov in model.full_scores(s) if not oov]
    assert stats["oovs"] == 2
    assert stats["logprob"] == pytest.approx(sum(known), abs=1e-3)


@pytest.mark.parametrize("kind", ["probing", "trie"])
def test_build_binary_loads_written_file(trained, tmp_path, kind):
    arpa, held_out = trained
    lm = read_arpa(arpa)
    write_arpa(lm, tmp_path / "out.arpa")
    build_binary(tmp_path / "out.arpa", tmp_path / "out.bin", kind)
    model = kenlm.Model(str(tmp_path / "out.bin"))
    for s in held_out[:50]:
        assert lm.sentence_logprob(s.split()) == pytest.approx(model.score(s), abs=1e-4)


def test_built_model_is_normalized(trained):
    lm = read_arpa(trained[0])
    vocab = [w for w in lm.vocab if w != "<s>"]
    rng = random.Random(3)
    histories = [()] + rng.sample([words for words, _, _ in lm.ngrams(2)], 20)
    histories += [tuple(rng.choice(vocab[2:]) for _ in range(rng.randint(1, 2))) for _ in range(20)]
    for h in histories:
        total = sum(10 ** lm.logprob(w, h) for w in vocab)
        assert total == pytest.approx(1.0, abs=1e-4), h


def test_constructor_rejects_orphan():
    with pytest.raises(ValueError, match="history"):
        ArpaLM(["a", "b"], [([[0], [1]], [-0.3, -0.3], [0, 0]), ([[0, 1]], [-0.1], [0]),
                            ([[1, 1, 0]], [-0.1], [0])])
