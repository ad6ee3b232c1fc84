"""Lang directories: preparation (graphemes, BPE, OOV handling), the lexicon FST, and the validator."""

from __future__ import annotations

import re
from pathlib import Path

import k2
import pytest
import torch
from click.testing import CliRunner

from asrboot.cli.graph import lang as lang_cli
from asrboot.graph.lang import Lang, prepare_lang
from asrboot.graph.lexicon import add_disambig, read_lexicon
from asrboot.graph.validate import validate_lang
from asrboot.tokens import grapheme_table, read_tokens, text_units, write_tokens

WORDS = ["आज", "काम", "कामना", "नाम", "है", "कल", "था"]


@pytest.fixture
def tokens():
    return {**grapheme_table(WORDS), "<unk>": 20}


@pytest.fixture
def lang_dir(tmp_path, tokens):
    prepare_lang(tmp_path / "lang", tokens, WORDS + ["hello", "आज"])
    return tmp_path / "lang"


def _lines(path: Path):
    return path.read_text(encoding="utf-8").splitlines()


def test_prepared_lang_is_valid_and_icefall_shaped(lang_dir, tokens):
    assert validate_lang(lang_dir) == []
    words = [line.split()[0] for line in _lines(lang_dir / "words.txt")]
    assert words[:2] == ["<eps>", "<UNK>"] and words[-3:] == ["#0", "<s>", "</s>"]
    assert sorted(words[2:-3]) == sorted(WORDS) and "hello" not in words  # Latin letters: no AM units
    table = read_tokens(lang_dir / "tokens.txt")
    assert {t: i for t, i in table.items() if not t.startswith("#")} == tokens  # AM ids unchanged
    assert table["#0"] == 21 and table["#1"] == 22  # disambiguation symbols appended
    lexicon = dict(read_lexicon(lang_dir / "lexicon.txt"))
    assert lexicon["कामना"] == text_units("कामना") and lexicon["<UNK>"] == ["▁", "<unk>"]
    disambig = dict(read_lexicon(lang_dir / "lexicon_disambig.txt"))
    assert disambig["काम"] == [*text_units("काम"), "#1"]  # a prefix of कामना
    assert disambig["नाम"] == text_units("नाम")


def test_oov_policy_skip_and_no_unk_token(tmp_path, tokens):
    del tokens["<unk>"]
    prepare_lang(tmp_path / "a", tokens, WORDS + ["hello"], oov="unk")  # no AM <unk>: skipped anyway
    prepare_lang(tmp_path / "b", {**tokens, "<unk>": 20}, WORDS + ["hello"], oov="skip")
    for d in ("a", "b"):
        assert validate_lang(tmp_path / d) == []
        assert "<UNK>" not in Lang(tmp_path / d).words


def test_lexicon_fst_transduces_spellings_to_words(lang_dir):
    lang = Lang(lang_dir)
    L = k2.arc_sort(lang.load_fsa("L.pt"))
    for word in ("काम", "कामना", "है"):
        ids = [lang.tokens[u] for u in text_units(word)]
        out = k2.shortest_path(k2.create_fsa_vec([k2.compose(k2.linear_fst(ids, ids), L)]), True)
        assert [lang.id2word[int(w)] for w in out.aux_labels if w > 0] == [word]
    Ld = lang.load_fsa("L_disambig.pt")
    assert int(Ld.labels.max()) == lang.tokens["#1"] and int(L.labels.max()) <= lang.max_token_id


def test_disambiguation_of_homophones_and_prefixes():
    entries, top = add_disambig([("a", ["x", "y"]), ("b", ["x", "y"]), ("c", ["x"]), ("d", ["z"])])
    assert entries == [("a", ["x", "y", "#1"]), ("b", ["x", "y", "#2"]), ("c", ["x", "#1"]), ("d", ["z"])]
    assert top == 2


def test_bpe_lexicon(tmp_path, write_lines):
    import sentencepiece as spm

    from conftest import grammar_sentences

    text = write_lines("text.txt", grammar_sentences(3, 300))
    spm.SentencePieceTrainer.train(input=str(text), model_prefix=str(tmp_path / "bpe"), vocab_size=80,
                                   model_type="bpe", user_defined_symbols=["<blk>"], unk_id=1, bos_id=-1,
                                   eos_id=-1, character_coverage=1.0, minloglevel=2)
    sp = spm.SentencePieceProcessor(model_file=str(tmp_path / "bpe.model"))
    tokens = {sp.id_to_piece(i): i for i in range(sp.vocab_size())}
    tokens = {"<blk>": 0, **{p: i for p, i in tokens.items() if p != "<blk>"}}
    write_tokens(tokens, tmp_path / "tokens.txt")
    words = sorted({w for s in grammar_sentences(3, 300) for w in s.split()})
    report = prepare_lang(tmp_path / "lang", tmp_path / "tokens.txt", words, bpe_model=tmp_path / "bpe.model")
    assert validate_lang(tmp_path / "lang") == [] and report.words == len(words) + 1  # + <UNK>
    lexicon = dict(read_lexicon(tmp_path / "lang" / "lexicon.txt"))
    assert lexicon["मौसम"] == sp.encode("मौसम", out_type=str) and lexicon["<UNK>"][-1] == "<unk>"


def _edit(path: Path, fn):
    lines = _lines(path)
    path.write_text("\n".join(fn(lines)) + "\n", encoding="utf-8")


CORRUPTIONS = {
    # name: (file, edit, expected "file:line" or file only)
    "duplicate word id": ("words.txt", lambda ls: ls[:3] + [f"{ls[3].split()[0]} 1"] + ls[4:], "words.txt:4"),
    "unit not in tokens": ("lexicon.txt", lambda ls: ls[:2] + [ls[2] + " ज़"] + ls[3:], "lexicon.txt:3"),
    "empty pronunciation": ("lexicon.txt", lambda ls: ls[:4] + [ls[4].split()[0]] + ls[5:], "lexicon.txt:5"),
    "missing #0 token": ("tokens.txt", lambda ls: [x for x in ls if not x.startswith("#0 ")], "tokens.txt"),
    "missing #0 word": ("words.txt", lambda ls: [x for x in ls if not x.startswith("#0 ")], "words.txt"),
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_validator_names_file_and_line(lang_dir, name):
    fname, edit, where = CORRUPTIONS[name]
    _edit(lang_dir / fname, edit)
    problems = [str(p) for p in validate_lang(lang_dir)]
    assert problems, name
    assert any(re.search(re.escape(where) + r"(:|\b)", p) for p in problems), problems
    if ":" in where:
        assert any(p.split(f"{lang_dir}/")[1].startswith(where + ":") for p in problems), problems


def test_validator_checks_fsts(lang_dir):
    L = k2.Fsa.from_dict(torch.load(lang_dir / "L_disambig.pt"))
    torch.save(L.as_dict(), lang_dir / "L.pt")  # L with disambiguation labels
    problems = [str(p) for p in validate_lang(lang_dir)]
    assert problems and all("/L.pt:" in p for p in problems)
    assert any("label 22 is beyond" in p for p in problems) and any("not in words.txt: [9]" in p for p in problems)
    (lang_dir / "L_disambig.pt").write_bytes(b"junk")
    assert any("L_disambig.pt" in str(p) and "cannot load" in str(p) for p in validate_lang(lang_dir))


def test_cli_prepare_and_validate(tmp_path, tokens, write_lines):
    write_tokens(tokens, tmp_path / "am_tokens.txt")
    words = write_lines("words.txt", WORDS)
    runner = CliRunner(mix_stderr=False)
    out = tmp_path / "lang"
    result = runner.invoke(lang_cli, ["prepare", "--words", str(words), "--tokens", str(tmp_path / "am_tokens.txt"),
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output + result.stderr
    assert '"words": 8' in result.output  # 7 + <UNK>
    assert runner.invoke(lang_cli, ["validate", str(out)]).exit_code == 0
    _edit(out / "lexicon.txt", lambda ls: ls[:1] + [ls[1].split()[0]] + ls[2:])
    bad = runner.invoke(lang_cli, ["validate", str(out)])
    assert bad.exit_code == 1 and "lexicon.txt:2: empty pronunciation" in bad.stderr
    both = runner.invoke(lang_cli, ["prepare", "--tokens", str(tmp_path / "am_tokens.txt"), "--out", str(out)])
    assert both.exit_code == 2
