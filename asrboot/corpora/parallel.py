"""The general English–Hindi parallel pool: readers of every parallel set in ``shared/data``, and
the pool builder (normalize, de-duplicate, remove overlap with ``slurp_hi``, split off dev and held-out).

Readers yield raw :class:`Pair` objects in file order; malformed input raises
:class:`asrboot.io.InputError` naming the file and line. Formats:

* line-parallel files (``en_hi_mt_testsets``: FLORES-200 devtest, newstest2014, NTREX-128,
  Tatoeba test, TICO-19): line *i* of the English file translates line *i* of the Hindi file;
* ``manythings_hin_eng/hin.txt``: ``English<TAB>Hindi<TAB>attribution``;
* ``ud_hindi_pud/*.conllu``: ``# text = `` (Hindi) and ``# text_en = `` (English) per sentence;
* ``xquad_en_hi``: SQuAD JSON whose paragraphs are parallel. Each paragraph pair is split into
  sentences (English after ``.?!``, Hindi after ``।?!.``) and kept only when both sides have the
  same number of sentences, which are then paired in order (185 of the 240 paragraphs, ~900
  pairs); a length-based aligner would recover more but is not worth it for ~50 paragraphs;
* ``sib200_en_hi``: ``index_id<TAB>category<TAB>text`` per language, joined on ``index_id``.

Pool text is normalized for LM use (:meth:`Normalizer.for_lm` Hindi, :class:`Normalizer` English:
lowercase, no punctuation, numbers as words), which matches the SLURP-style English to translate
and the Hindi LM text the translations become. Pool files are ``id<TAB>en<TAB>hi`` TSVs with a
header, like ``slurp_hi``.
"""

from __future__ import annotations

import json
import logging
import random
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Mapping, Set, Tuple

from asrboot.corpora.slurp_hi import leakage_keys
from asrboot.io import InputError, PathLike, atomic_open, read_lines, read_tsv
from asrboot.text import Normalizer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Pair:
    id: str
    en: str
    hi: str


# ---------------------------------------------------------------------- readers
def line_parallel(en_path: PathLike, hi_path: PathLike, prefix: str) -> Iterator[Pair]:
    """Pairs of two line-aligned files; ids ``<prefix>-<line>``. Unequal line counts raise InputError."""
    for en, hi in zip_longest(read_lines(en_path), read_lines(hi_path)):
        if en is None or hi is None:
            path, (lineno, _) = (hi_path, hi) if en is None else (en_path, en)
            raise InputError(path, lineno, "more lines than its parallel file; the files are not line-aligned")
        yield Pair(f"{prefix}-{en[0]}", en[1].lstrip("\ufeff").strip(), hi[1].lstrip("\ufeff").strip())


def tab_pairs(path: PathLike, prefix: str = "manythings") -> Iterator[Pair]:
    """``English<TAB>Hindi[<TAB>attribution]`` lines (manythings.org / Anki)."""
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        fields = line.lstrip("\ufeff").split("\t")
        if len(fields) < 2 or not fields[0].strip() or not fields[1].strip():
            raise InputError(path, lineno, "expected 'English<TAB>Hindi[<TAB>attribution]'")
        yield Pair(f"{prefix}-{lineno}", fields[0].strip(), fields[1].strip())


def conllu_pairs(path: PathLike, prefix: str = "pud") -> Iterator[Pair]:
    """``# text`` (Hindi) and ``# text_en`` (English) comments of each CoNLL-U sentence block."""
    comments: Dict[str, str] = {}
    start = 0
    for lineno, line in list(read_lines(path)) + [(-1, "")]:
        if line.strip():
            start = start or lineno
        if line.startswith("#") and "=" in line:
            key, value = (part.strip() for part in line[1:].split("=", 1))
            comments[key] = value
        elif not line.strip():
            if start:
                if not comments.get("text") or not comments.get("text_en"):
                    missing = "text" if not comments.get("text") else "text_en"
                    raise InputError(path, start, f"sentence without a '# {missing} = ' comment")
                yield Pair(f"{prefix}-{comments.get('sent_id', start)}", comments["text_en"], comments["text"])
            comments, start = {}, 0


_EN_SENTENCE_END = re.compile(r"(?<=[.?!])[\"'”’)]*\s+(?=[\"“‘(\[]?[A-Z0-9])")
_HI_SENTENCE_END = re.compile(r"(?<=[।?!.|])\s+")


def split_sentences(text: str, lang: str) -> List[str]:
    """Sentences of a paragraph: English after ``.?!`` before a capital or digit; Hindi after ``।?!.|``."""
    pattern = _EN_SENTENCE_END if lang == "en" else _HI_SENTENCE_END
    return [s.strip() for s in pattern.split(text.strip()) if s.strip()]


def _squad_paragraphs(path: PathLike) -> List[str]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return [p["context"] for article in data["data"] for p in article["paragraphs"]]
    except json.JSONDecodeError as e:
        raise InputError(path, e.lineno, f"not valid JSON: {e.msg}") from None
    except (KeyError, TypeError) as e:
        raise InputError(path, None, f"not SQuAD JSON (data/paragraphs/context): missing {e}") from None


def xquad_pairs(en_json: PathLike, hi_json: PathLike, prefix: str = "xquad") -> Iterator[Pair]:
    """Sentence pairs of the parallel XQuAD paragraphs whose sentence counts match (see module doc)."""
    en_paras, hi_paras = _squad_paragraphs(en_json), _squad_paragraphs(hi_json)
    if len(en_paras) != len(hi_paras):
        raise InputError(hi_json, None, f"{len(hi_paras)} paragraphs, {en_json} has {len(en_paras)}")
    kept = 0
    for p, (en, hi) in enumerate(zip(en_paras, hi_paras)):
        en_s, hi_s = split_sentences(en, "en"), split_sentences(hi, "hi")
        if len(en_s) == len(hi_s):
            kept += 1
            yield from (Pair(f"{prefix}-{p}-{i}", e, h) for i, (e, h) in enumerate(zip(en_s, hi_s)))
    log.info("xquad: %d of %d paragraphs have matching sentence counts", kept, len(en_paras))


def sib200_pairs(sib_dir: PathLike, prefix: str = "sib200") -> Iterator[Pair]:
    """SIB-200 ``{eng_Latn,hin_Deva}/{train,dev,test}.tsv`` joined on ``index_id``."""
    sib_dir = Path(sib_dir)
    for split in ("train", "dev", "test"):
        sides = []
        for lang in ("eng_Latn", "hin_Deva"):
            path = sib_dir / lang / f"{split}.tsv"
            rows = {}
            for lineno, row in read_tsv(path):
                if "index_id" not in row or "text" not in row:
                    raise InputError(path, 1, "expected columns index_id, category, text")
                rows[row["index_id"]] = (row["text"].strip(), lineno, path)
            sides.append(rows)
        en_rows, hi_rows = sides
        for index, (en, lineno, path) in en_rows.items():
            if index not in hi_rows:
                raise InputError(path, lineno, f"index_id {index} has no Hindi row in {split}.tsv")
            yield Pair(f"{prefix}-{index}", en, hi_rows[index][0])


SourceFn = Callable[[Path], Iterator[Pair]]
_TESTSETS = "en_hi_mt_testsets"
# name -> reader of that set under a shared/data folder; the order decides which duplicate is kept.
SHARED_SOURCES: Dict[str, SourceFn] = {
    "flores200_devtest": lambda d: line_parallel(d / _TESTSETS / "flores200_devtest/eng_Latn.devtest",
                                                 d / _TESTSETS / "flores200_devtest/hin_Deva.devtest", "flores"),
    "newstest2014": lambda d: line_parallel(d / _TESTSETS / "newstest2014/newstest2014.en",
                                            d / _TESTSETS / "newstest2014/newstest2014.hi", "newstest2014"),
    "ntrex128": lambda d: line_parallel(d / _TESTSETS / "ntrex128_newstest2019/newstest2019-src.en.txt",
                                        d / _TESTSETS / "ntrex128_newstest2019/newstest2019-ref.hi.txt", "ntrex"),
    "tatoeba_test": lambda d: line_parallel(d / _TESTSETS / "tatoeba_test/tatoeba-test-v2021-08-07.en",
                                            d / _TESTSETS / "tatoeba_test/tatoeba-test-v2021-08-07.hi", "tatoeba"),
    "tico19_test": lambda d: line_parallel(d / _TESTSETS / "tico19_test/tico19-test.en",
                                           d / _TESTSETS / "tico19_test/tico19-test.hi", "tico19"),
    "manythings": lambda d: tab_pairs(d / "manythings_hin_eng/hin.txt"),
    "ud_hindi_pud": lambda d: (p for f in sorted((d / "ud_hindi_pud").glob("*.conllu")) for p in conllu_pairs(f)),
    "xquad": lambda d: xquad_pairs(d / "xquad_en_hi/xquad.en.json", d / "xquad_en_hi/xquad.hi.json"),
    "sib200": lambda d: sib200_pairs(d / "sib200_en_hi"),
}


def shared_sources(data_dir: PathLike) -> Dict[str, Iterator[Pair]]:
    """Every parallel set of a ``shared/data`` folder, by name (lazy readers)."""
    return {name: fn(Path(data_dir)) for name, fn in SHARED_SOURCES.items()}


# ---------------------------------------------------------------------- the pool
def script_share(text: str, script: str) -> float:
    """Fraction of the letters of ``text`` whose Unicode name starts with ``script`` (e.g. ``DEVANAGARI``)."""
    letters = [ch for ch in text if unicodedata.category(ch)[0] in "LM"]
    return sum(unicodedata.name(ch, "").startswith(script) for ch in letters) / len(letters) if letters else 0.0


@dataclass
class Pool:
    """Normalized, de-duplicated, leakage-free pairs split into train / dev / held-out."""

    train: List[Pair]
    dev: List[Pair]
    heldout: List[Pair]
    report: Dict = field(default_factory=dict)


def build_pool(sources: Mapping[str, Iterable[Pair]], leakage: Tuple[Set[str], Set[str]],
               dev_size: int = 500, heldout_size: int = 500, seed: int = 0) -> Pool:
    """Normalize every pair, drop the unusable ones, and split off ``dev`` and ``heldout`` at random.

    A pair is dropped, in this order, when a side normalizes to nothing (``empty``), when fewer
    than half of the Hindi side's letters are Devanagari or of the English side's are Latin
    (``wrong_script``: the test sets hold a few untranslated or French lines), when its
    Hindi or English side is in ``leakage`` (:func:`asrboot.corpora.slurp_hi.leakage_sentences`,
    ``overlap``), or when its Hindi or English side was already seen (``duplicate``; first
    occurrence in source order wins, so no sentence of either language occurs twice and the
    held-out slice shares no sentence with train). Keys use the scoring normalizers; stored text
    uses the LM normalizers. ``report`` gives these counts per source and the split sizes.
    """
    norm_hi, norm_en = Normalizer.for_lm("hi"), Normalizer(lang="en")
    key_hi, key_en = leakage_keys()
    leak_hi, leak_en = leakage
    seen_hi: Set[str] = set()
    seen_en: Set[str] = set()
    kept: List[Pair] = []
    report: Dict[str, Dict[str, int]] = {}
    for name, pairs in sources.items():
        counts = Counter(read=0, empty=0, wrong_script=0, overlap=0, duplicate=0, kept=0)
        for pair in pairs:
            counts["read"] += 1
            en, hi = norm_en(pair.en), norm_hi(pair.hi)
            ken, khi = key_en(en), key_hi(hi)
            if not ken or not khi:
                counts["empty"] += 1
            elif script_share(hi, "DEVANAGARI") < 0.5 or script_share(en, "LATIN") < 0.5:
                counts["wrong_script"] += 1
            elif khi in leak_hi or ken in leak_en:
                counts["overlap"] += 1
            elif khi in seen_hi or ken in seen_en:
                counts["duplicate"] += 1
            else:
                seen_hi.add(khi)
                seen_en.add(ken)
                kept.append(Pair(pair.id, en, hi))
                counts["kept"] += 1
        report[name] = dict(counts)
        log.info("%s: %s", name, dict(counts))
    if dev_size + heldout_size >= len(kept):
        raise ValueError(f"only {len(kept)} pairs: too few for dev {dev_size} + held-out {heldout_size}")
    order = list(range(len(kept)))
    random.Random(seed).shuffle(order)
    dev_ids, held_ids = set(order[:dev_size]), set(order[dev_size:dev_size + heldout_size])
    pool = Pool([p for i, p in enumerate(kept) if i not in dev_ids and i not in held_ids],
                [p for i, p in enumerate(kept) if i in dev_ids],
                [p for i, p in enumerate(kept) if i in held_ids])
    totals = Counter()
    for counts in report.values():
        totals.update(counts)
    pool.report = {"sources": report, "total": dict(totals), "seed": seed,
                   "splits": {"train": len(pool.train), "dev": len(pool.dev), "heldout": len(pool.heldout)}}
    return pool


POOL_FILES = {"train": "train.tsv", "dev": "dev.tsv", "heldout": "heldout.tsv"}


def write_pairs(path: PathLike, pairs: Iterable[Pair]) -> None:
    """Write an ``id<TAB>en<TAB>hi`` TSV with a header (atomically)."""
    with atomic_open(path) as f:
        f.write("id\ten\thi\n")
        for p in pairs:
            if any("\t" in s or "\n" in s for s in (p.id, p.en, p.hi)):
                raise ValueError(f"pair {p.id!r} contains a tab or newline")
            f.write(f"{p.id}\t{p.en}\t{p.hi}\n")


def read_pairs(path: PathLike) -> List[Pair]:
    """Pairs of an ``id<TAB>en<TAB>hi`` TSV; an empty field raises InputError (file:line)."""
    pairs = []
    for lineno, row in read_tsv(path):
        if not all(row.get(c, "").strip() for c in ("id", "en", "hi")):
            raise InputError(path, lineno, "expected non-empty id, en and hi columns")
        pairs.append(Pair(row["id"].strip(), row["en"].strip(), row["hi"].strip()))
    return pairs


def write_pool(pool: Pool, out_dir: PathLike) -> None:
    """``train.tsv``, ``dev.tsv``, ``heldout.tsv`` and ``report.json`` under ``out_dir``."""
    out_dir = Path(out_dir)
    for split, name in POOL_FILES.items():
        write_pairs(out_dir / name, getattr(pool, split))
    with atomic_open(out_dir / "report.json") as f:
        json.dump(pool.report, f, indent=2)
