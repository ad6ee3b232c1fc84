"""Train n-gram LMs with KenLM's ``lmplz`` (modified Kneser-Ney) and convert them with ``build_binary``.

Input files hold one normalized sentence per line; ``lmplz`` adds ``<s>``/``</s>`` itself, so the
text must not contain them. Empty lines are skipped. ``<unk>`` always gets probability mass
(``lmplz`` interpolates unigrams with the uniform distribution).
"""

from __future__ import annotations

import logging
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence

from tqdm import tqdm

from asrboot.io import InputError, PathLike, atomic_path, read_lines
from asrboot.lm.tools import kenlm_binary

log = logging.getLogger(__name__)
RESERVED = {"<s>", "</s>"}


@dataclass
class TrainReport:
    arpa: str
    binary: Optional[str]
    order: int
    sentences: int
    tokens: int
    ngrams: Dict[int, int] = field(default_factory=dict)
    discount_fallback: bool = False


def arpa_counts(path: PathLike) -> Dict[int, int]:
    """N-gram counts from the ``\\data\\`` header of an ARPA file."""
    counts: Dict[int, int] = {}
    for lineno, line in read_lines(path):
        m = re.match(r"ngram (\d+)=(\d+)$", line.strip())
        if m:
            counts[int(m.group(1))] = int(m.group(2))
        elif line.startswith("\\1-grams:"):
            break
    if not counts:
        raise InputError(path, None, "no '\\data\\' header with 'ngram N=count' lines")
    return counts


def _write_corpus(text_files: Sequence[PathLike], out, errors: str) -> tuple:
    sentences = tokens = 0
    for path in text_files:
        for lineno, line in tqdm(read_lines(path, errors=errors), desc=f"reading {Path(path).name}",
                                 unit=" lines", leave=False, disable=None):
            words = line.split()
            if not words:
                continue
            bad = RESERVED.intersection(words)
            if bad:
                raise InputError(path, lineno, f"reserved token {sorted(bad)[0]} in LM training text")
            out.write(" ".join(words) + "\n")
            sentences += 1
            tokens += len(words)
    if not sentences:
        raise InputError(text_files[0] if text_files else "<no files>", None, "no sentences to train on")
    return sentences, tokens


def _lmplz(args: List[str], corpus: Path, arpa: Path) -> subprocess.CompletedProcess:
    with open(corpus, "rb") as fin, open(arpa, "wb") as fout:
        return subprocess.run(args, stdin=fin, stdout=fout, stderr=subprocess.PIPE)


def train_lm(
    text_files: Sequence[PathLike],
    arpa_path: PathLike,
    order: int = 3,
    prune: Optional[Sequence[int]] = None,
    discount_fallback: str = "auto",
    limit_vocab_file: Optional[PathLike] = None,
    binary: Optional[str] = None,
    memory: str = "1G",
    errors: str = "strict",
) -> TrainReport:
    """Train an ``order``-gram ARPA LM on ``text_files``.

    prune: lmplz count thresholds per order (e.g. ``[0, 0, 1]`` drops singleton 3-grams).
    discount_fallback: ``"auto"`` retries with ``--discount_fallback`` only when lmplz cannot
        estimate Kneser-Ney discounts (tiny or deduplicated corpora); ``"always"`` / ``"never"``.
    limit_vocab_file: keep only n-grams whose words are all in this whitespace-separated vocabulary.
    binary: also write a KenLM binary next to the ARPA (``"probing"`` or ``"trie"``), path ``*.bin``.
    memory: lmplz's sorting memory (``-S``: ``1G``, ``20%``); more than that spills to disk.
    """
    if discount_fallback not in ("auto", "always", "never"):
        raise ValueError("discount_fallback must be auto, always or never")
    if binary not in (None, "probing", "trie"):
        raise ValueError("binary must be None, 'probing' or 'trie'")
    arpa_path = Path(arpa_path)
    arpa_path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=arpa_path.parent, prefix=".lmplz.") as tmp:
        corpus = Path(tmp) / "corpus.txt"
        with open(corpus, "w", encoding="utf-8") as f:
            sentences, tokens = _write_corpus(text_files, f, errors)
        args = [kenlm_binary("lmplz"), "-o", str(order), "-S", memory, "-T", tmp]
        if prune:
            args += ["--prune", *map(str, prune)]
        if limit_vocab_file:
            args += ["--limit_vocab_file", str(limit_vocab_file)]
        fallback = discount_fallback == "always"
        with atomic_path(arpa_path) as tmp_arpa:
            proc = _lmplz(args + (["--discount_fallback"] if fallback else []), corpus, tmp_arpa)
            if proc.returncode and discount_fallback == "auto" and b"discount_fallback" in proc.stderr:
                log.warning("%s: Kneser-Ney discounts out of range (small corpus); retrying with "
                            "--discount_fallback", arpa_path)
                fallback = True
                proc = _lmplz(args + ["--discount_fallback"], corpus, tmp_arpa)
            if proc.returncode:
                raise RuntimeError(f"lmplz failed for {arpa_path}:\n{proc.stderr.decode(errors='replace')[-2000:]}")
    bin_path = None
    if binary:
        bin_path = str(arpa_path.with_suffix(".bin"))
        build_binary(arpa_path, bin_path, binary)
    report = TrainReport(str(arpa_path), bin_path, order, sentences, tokens, arpa_counts(arpa_path), fallback)
    log.info("trained %d-gram LM %s on %d sentences / %d tokens: %s", order, arpa_path, sentences, tokens,
             report.ngrams)
    return report


def build_binary(arpa_path: PathLike, bin_path: PathLike, structure: str = "probing") -> None:
    """Convert an ARPA file into a KenLM binary (``probing`` hash tables or a smaller ``trie``; exact scores)."""
    with atomic_path(bin_path) as tmp:
        args = [kenlm_binary("build_binary"), structure, str(arpa_path), str(tmp)]
        proc = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if proc.returncode:
            raise RuntimeError(f"build_binary failed for {arpa_path}:\n{proc.stderr.decode(errors='replace')[-2000:]}")


def write_vocab(words: Iterable[str], path: PathLike) -> None:
    """Write a vocabulary file usable as ``limit_vocab_file`` (one word per line)."""
    with atomic_path(path) as tmp:
        Path(tmp).write_text("".join(f"{w}\n" for w in sorted(set(words))), encoding="utf-8")
