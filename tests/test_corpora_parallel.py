"""Readers of the parallel sets and of slurp_hi, and the pool builder, on tiny files in the real formats."""

from __future__ import annotations

import json

import pytest

from asrboot.corpora.parallel import (Pair, build_pool, conllu_pairs, line_parallel, read_pairs, shared_sources,
                                      sib200_pairs, split_sentences, tab_pairs, write_pairs, write_pool, xquad_pairs)
from asrboot.corpora.slurp_hi import leakage_sentences, read_en_pool, read_slurp_split, read_split
from asrboot.io import InputError

HEADER = "id\ten\thi"


@pytest.fixture
def slurp_dir(tmp_path, write_lines):
    """A slurp_hi folder: train / dev / test TSVs and an English pool."""
    d = tmp_path / "slurp_hi"
    d.mkdir()
    (d / "indomain_train.tsv").write_text(f"{HEADER}\nc1\tturn on the light\tलाइट चालू करो\n"
                                          "c2\tplay a song\tकोई गाना चलाओ\n", encoding="utf-8")
    (d / "dev.tsv").write_text(f"{HEADER}\nd1\twhat is the weather\tमौसम कैसा है\n", encoding="utf-8")
    (d / "test.tsv").write_text(f"{HEADER}\nt1\tset an alarm\tअलार्म लगा दो\n", encoding="utf-8")
    (d / "en_pool.txt").write_text("#NAME?\nwake me up at seven\n\nstop the music\n", encoding="utf-8")
    return d


def test_slurp_reader_is_hindi_only_unless_asked(slurp_dir):
    train = read_slurp_split(slurp_dir, "train")
    assert [(u.id, u.hi, u.en) for u in train] == [("c1", "लाइट चालू करो", None), ("c2", "कोई गाना चलाओ", None)]
    with_en = read_slurp_split(slurp_dir, "train", with_english_provenance=True)
    assert [u.en for u in with_en] == ["turn on the light", "play a song"]
    assert read_en_pool(slurp_dir / "en_pool.txt") == [("en_pool-2", "wake me up at seven"),
                                                       ("en_pool-4", "stop the music")]


@pytest.mark.parametrize("body, line, message", [
    ("c1\tx\tएक\nc1\ty\tदो\n", 3, "repeated id"),
    ("c1\tx\t \n", 2, "empty Hindi"),
    ("c1\tx\n", 2, "fields"),
])
def test_slurp_reader_bad_rows(tmp_path, body, line, message):
    path = tmp_path / "bad.tsv"
    path.write_text(f"{HEADER}\n{body}", encoding="utf-8")
    with pytest.raises(InputError, match=message) as err:
        read_split(path)
    assert (err.value.path, err.value.line) == (str(path), line)


def test_line_parallel_and_misalignment(write_lines):
    en = write_lines("a.en", ["\ufeffHello.", "Two"])
    hi = write_lines("a.hi", ["नमस्ते।", "दो"])
    assert list(line_parallel(en, hi, "x")) == [Pair("x-1", "Hello.", "नमस्ते।"), Pair("x-2", "Two", "दो")]
    longer = write_lines("b.hi", ["नमस्ते।", "दो", "तीन"])
    with pytest.raises(InputError, match="not line-aligned") as err:
        list(line_parallel(en, longer, "x"))
    assert (err.value.path, err.value.line) == (str(longer), 3)


def test_tab_pairs(write_lines):
    path = write_lines("hin.txt", ["\ufeffWow!\tवाह!\tCC-BY 2.0 (France) Attribution", "Help!\tबचाओ!\tCC-BY", "Oops"])
    with pytest.raises(InputError) as err:
        list(tab_pairs(path))
    assert err.value.line == 3
    ok = write_lines("ok.txt", ["\ufeffWow!\tवाह!\tCC-BY", "", "Help!\tबचाओ!\tCC-BY"])
    assert [(p.en, p.hi) for p in tab_pairs(ok)] == [("Wow!", "वाह!"), ("Help!", "बचाओ!")]


def test_conllu_pairs(write_lines):
    block = ["# sent_id = n1", "# text = राम घर गया।", "# text_en = Ram went home.", "1\tराम\t_", ""]
    path = write_lines("a.conllu", block + ["# sent_id = n2", "# text = सीता आई।", "1\tसीता\t_", ""])
    with pytest.raises(InputError, match="text_en") as err:
        list(conllu_pairs(path))
    assert err.value.line == 6
    ok = write_lines("b.conllu", block + block[:4])  # last block without a trailing blank line
    assert [(p.id, p.en, p.hi) for p in conllu_pairs(ok)] == [("pud-n1", "Ram went home.", "राम घर गया।")] * 2


def test_xquad_sentence_alignment(tmp_path):
    def squad(path, contexts):
        paragraphs = [{"context": c, "qas": []} for c in contexts]
        path.write_text(json.dumps({"data": [{"title": "t", "paragraphs": paragraphs}]}, ensure_ascii=False),
                        encoding="utf-8")
        return path

    en = squad(tmp_path / "en.json", ["The U.S. team won. It scored 3.5 points! Fans cheered.", "One. Two."])
    hi = squad(tmp_path / "hi.json", ["अमेरिकी टीम जीती। उसने 3.5 अंक बनाए! प्रशंसकों ने खुशी मनाई।", "एक दो।"])
    assert split_sentences("The U.S. team won. It scored 3.5 points!", "en") == ["The U.S. team won.",
                                                                                 "It scored 3.5 points!"]
    pairs = list(xquad_pairs(en, hi))  # second paragraph: 2 vs 1 sentences, dropped
    assert [(p.en, p.hi) for p in pairs] == [("The U.S. team won.", "अमेरिकी टीम जीती।"),
                                             ("It scored 3.5 points!", "उसने 3.5 अंक बनाए!"),
                                             ("Fans cheered.", "प्रशंसकों ने खुशी मनाई।")]
    (tmp_path / "bad.json").write_text('{"data": [', encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        list(xquad_pairs(en, tmp_path / "bad.json"))


def test_sib200_join(tmp_path):
    for lang, texts in (("eng_Latn", ["Rain fell.", "Sun rose."]), ("hin_Deva", ["बारिश हुई।", "सूरज निकला।"])):
        (tmp_path / lang).mkdir()
        for split in ("train", "dev", "test"):
            rows = [f"{i}\tscience\t{t}" for i, t in enumerate(texts if split == "train" else [])]
            text = "index_id\tcategory\ttext\n" + "".join(r + "\n" for r in rows)
            (tmp_path / lang / f"{split}.tsv").write_text(text, encoding="utf-8")
    assert [(p.en, p.hi) for p in sib200_pairs(tmp_path)] == [("Rain fell.", "बारिश हुई।"),
                                                               ("Sun rose.", "सूरज निकला।")]
    hindi = tmp_path / "hin_Deva" / "train.tsv"
    hindi.write_text("index_id\tcategory\ttext\n0\tscience\tबारिश हुई।\n", encoding="utf-8")
    with pytest.raises(InputError, match="no Hindi row") as err:
        list(sib200_pairs(tmp_path))
    assert err.value.line == 3


def test_pool_removes_overlap_duplicates_and_splits(slurp_dir, tmp_path):
    general = [Pair(f"g{i}", f"Sentence number {i} is about rivers.", f"वाक्य {i} नदियों के बारे में है।")
               for i in range(40)]
    planted = [
        Pair("leak-hi", "Completely different English.", "मौसम कैसा है?"),          # Hindi of slurp dev
        Pair("leak-en", "Wake me up at SEVEN!", "मुझे सात बजे उठाओ"),                 # English of en_pool
        Pair("leak-variant", "Another text.", "लाइट चालू करो।"),                       # train Hindi + punctuation
        Pair("dup", "Sentence number 3 is about rivers!", "कुछ और"),                # English duplicate of g3
        Pair("empty", "...", "कुछ"),
        Pair("script", "Some English words", "il faut bien le faire"),
    ]
    pool = build_pool({"general": general, "extra": planted}, leakage_sentences(slurp_dir), dev_size=5,
                      heldout_size=5, seed=1)
    assert pool.report["sources"]["extra"] == {"read": 6, "empty": 1, "wrong_script": 1, "overlap": 3,
                                               "duplicate": 1, "kept": 0}
    assert pool.report["total"]["kept"] == 40 and pool.report["splits"] == {"train": 30, "dev": 5, "heldout": 5}
    ids = [p.id for p in pool.train + pool.dev + pool.heldout]
    assert sorted(ids) == sorted(p.id for p in general)
    by_id = {p.id: p for p in pool.train + pool.dev + pool.heldout}
    assert by_id["g0"] == Pair("g0", "sentence number zero is about rivers", "वाक्य शून्य नदियों के बारे में है")
    again = build_pool({"general": general}, leakage_sentences(slurp_dir), dev_size=5, heldout_size=5, seed=1)
    assert again.heldout == pool.heldout  # fixed seed, same slice
    write_pool(pool, tmp_path / "pool")
    assert read_pairs(tmp_path / "pool" / "heldout.tsv") == pool.heldout
    assert json.loads((tmp_path / "pool" / "report.json").read_text())["splits"]["train"] == 30


def test_pairs_io_errors(tmp_path):
    path = tmp_path / "p.tsv"
    write_pairs(path, [Pair("a", "one", "एक")])
    with open(path, "a", encoding="utf-8") as f:
        f.write("b\t\tदो\n")
    with pytest.raises(InputError) as err:
        read_pairs(path)
    assert err.value.line == 3
    with pytest.raises(ValueError, match="tab"):
        write_pairs(path, [Pair("a", "one\ttwo", "एक")])


def test_real_pool_sources(shared_data):
    pool = build_pool(shared_sources(shared_data), leakage_sentences(shared_data / "slurp_hi"))
    read = {name: counts["read"] for name, counts in pool.report["sources"].items()}
    assert read["flores200_devtest"] == 1012 and read["newstest2014"] == 2507 and read["tico19_test"] == 2100
    assert read["ntrex128"] == 1997 and read["tatoeba_test"] == 5000 and read["ud_hindi_pud"] == 1000
    assert read["manythings"] == 2778 and read["sib200"] == 1004 and 800 < read["xquad"] < 1000
    assert pool.report["total"]["overlap"] > 0 and pool.report["total"]["duplicate"] > 0
    assert len(pool.heldout) == 500 and len(pool.train) > 10000
