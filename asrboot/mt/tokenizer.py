"""The joint English+Hindi sentencepiece vocabulary, wrapped as a Hugging Face ``MarianTokenizer``.

One sentencepiece model (unigram or BPE) is trained on both sides, so source and target share
one vocabulary and the model can share its embeddings. It is saved the way Marian/opus-mt
exports are (``source.spm`` = ``target.spm``, ``vocab.json`` mapping every piece to its
sentencepiece id, ``tokenizer_config.json``), so ``AutoTokenizer.from_pretrained(dir)`` returns
a ``MarianTokenizer`` and ``generate``/``decode`` work unchanged. Special ids: ``<pad>`` 0 (also
the decoder start, as in Marian), ``</s>`` 1, ``<unk>`` 2; no ``<s>``. Text is expected to be
normalized already, so sentencepiece's own normalization is off (``identity``).
"""

from __future__ import annotations

import json
import random
import tempfile
import warnings
from pathlib import Path
from typing import Sequence

import sentencepiece as spm

from asrboot.io import PathLike

SPECIAL = {"pad": 0, "eos": 1, "unk": 2}


def quiet_marian_tokenizer_warnings() -> None:
    """MarianTokenizer warns on every load when sacremoses is absent; its punctuation normalizer
    is irrelevant for normalized text."""
    warnings.filterwarnings("ignore", message="Recommended: pip install sacremoses")


def train_tokenizer(texts: Sequence[str], out_dir: PathLike, vocab_size: int = 8000, model_type: str = "unigram",
                    character_coverage: float = 0.9999, max_sentences: int = 1_000_000, seed: int = 0):
    """Train the joint sentencepiece model on ``texts`` (both languages) and save the tokenizer in ``out_dir``.

    ``vocab_size`` is a soft limit (tiny corpora get fewer pieces). Returns the loaded tokenizer.
    """
    from transformers import MarianTokenizer

    if model_type not in ("unigram", "bpe"):
        raise ValueError("model_type must be unigram or bpe")
    lines = [t for t in texts if t.strip()]
    if not lines:
        raise ValueError("no text to train the tokenizer on")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out_dir, prefix=".spm.") as tmp:
        corpus = Path(tmp) / "corpus.txt"
        random.Random(seed).shuffle(lines)
        corpus.write_text("".join(f"{t}\n" for t in lines[:max_sentences]), encoding="utf-8")
        prefix = Path(tmp) / "joint"
        spm.SentencePieceTrainer.train(
            input=str(corpus), model_prefix=str(prefix), vocab_size=vocab_size, model_type=model_type,
            character_coverage=character_coverage, hard_vocab_limit=False, normalization_rule_name="identity",
            pad_id=SPECIAL["pad"], eos_id=SPECIAL["eos"], unk_id=SPECIAL["unk"], bos_id=-1,
            pad_piece="<pad>", eos_piece="</s>", unk_piece="<unk>", num_threads=2, minloglevel=2)
        model = spm.SentencePieceProcessor(model_file=f"{prefix}.model")
        vocab = Path(tmp) / "vocab.json"
        vocab.write_text(json.dumps({model.id_to_piece(i): i for i in range(model.get_piece_size())},
                                    ensure_ascii=False), encoding="utf-8")
        quiet_marian_tokenizer_warnings()
        tokenizer = MarianTokenizer(f"{prefix}.model", f"{prefix}.model", str(vocab), model_max_length=512)
        tokenizer.save_pretrained(str(out_dir))
    return load_tokenizer(out_dir)


def load_tokenizer(model_dir: PathLike):
    """``AutoTokenizer`` of a local directory (ours, or any Hugging Face seq2seq export)."""
    from transformers import AutoTokenizer

    quiet_marian_tokenizer_warnings()
    return AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
