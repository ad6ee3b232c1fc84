"""A small MarianMT transformer, built from scratch on the joint vocabulary and saved as a Hugging Face directory.

Defaults (d_model 256, 3+3 layers, 4 heads, FFN 1024, shared embeddings, sinusoidal positions,
swish) give ~9M parameters with an 8k vocabulary: small enough to train on 2 CPU cores within a
recipe's budget. The directory holds ``config.json``, the weights, ``generation_config.json`` and
the tokenizer files, so it loads with ``AutoModelForSeq2SeqLM`` / ``AutoTokenizer``, like any other
local seq2seq export (opus-mt, IndicTrans2 …) the rest of :mod:`asrboot.mt` accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from asrboot.io import PathLike
from asrboot.mt.tokenizer import train_tokenizer


@dataclass
class ModelConfig:
    d_model: int = 256
    encoder_layers: int = 3
    decoder_layers: int = 3
    heads: int = 4
    ffn_dim: int = 1024
    dropout: float = 0.1
    max_positions: int = 256


def new_model(tokenizer, config: ModelConfig, seed: int = 0):
    """A randomly initialized ``MarianMTModel`` for ``tokenizer`` (shared, tied embeddings)."""
    from transformers import GenerationConfig, MarianConfig, MarianMTModel

    vocab = len(tokenizer)
    pad, eos = tokenizer.pad_token_id, tokenizer.eos_token_id
    hf_config = MarianConfig(
        vocab_size=vocab, decoder_vocab_size=vocab, d_model=config.d_model,
        encoder_layers=config.encoder_layers, decoder_layers=config.decoder_layers,
        encoder_attention_heads=config.heads, decoder_attention_heads=config.heads,
        encoder_ffn_dim=config.ffn_dim, decoder_ffn_dim=config.ffn_dim, dropout=config.dropout,
        attention_dropout=config.dropout, activation_function="swish", max_position_embeddings=config.max_positions,
        scale_embedding=True, share_encoder_decoder_embeddings=True, tie_word_embeddings=True,
        init_std=config.d_model ** -0.5,
        pad_token_id=pad, eos_token_id=eos, decoder_start_token_id=pad, forced_eos_token_id=None)
    torch.manual_seed(seed)
    model = MarianMTModel(hf_config)
    model.generation_config = GenerationConfig(
        decoder_start_token_id=pad, pad_token_id=pad, eos_token_id=eos, forced_eos_token_id=eos,
        bad_words_ids=[[pad]], num_beams=5, max_length=config.max_positions)
    return model


def init_model(texts: Sequence[str], out_dir: PathLike, config: ModelConfig = ModelConfig(),
               vocab_size: int = 8000, spm_type: str = "unigram", seed: int = 0):
    """Train the joint tokenizer on ``texts`` (both languages), build a fresh model, save both to ``out_dir``."""
    tokenizer = train_tokenizer(texts, out_dir, vocab_size=vocab_size, model_type=spm_type, seed=seed)
    model = new_model(tokenizer, config, seed)
    model.save_pretrained(str(out_dir))
    return model, tokenizer
