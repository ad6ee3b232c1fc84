"""English->Hindi NMT for LM bootstrapping: tokenizer + MarianMT from scratch, training, N-best
translation, self-training, BLEU/chrF, N-best rescoring and filtering with the in-domain LM."""

from asrboot.mt.evaluate import bleu_chrf, evaluate
from asrboot.mt.lm_filter import keep_mask, per_word_scores, tune_threshold
from asrboot.mt.model import ModelConfig, init_model, new_model
from asrboot.mt.rescore import NbestFeatures, choose, nbest_features, nmt_best, tune_rescoring
from asrboot.mt.selftrain import confident, self_train
from asrboot.mt.tokenizer import load_tokenizer, train_tokenizer
from asrboot.mt.train import TrainConfig, TrainReport, train_nmt
from asrboot.mt.translate import Hypothesis, NbestEntry, Translator, read_nbest, write_nbest

__all__ = [
    "Hypothesis",
    "ModelConfig",
    "NbestEntry",
    "NbestFeatures",
    "TrainConfig",
    "TrainReport",
    "Translator",
    "bleu_chrf",
    "choose",
    "nmt_best",
    "confident",
    "evaluate",
    "init_model",
    "keep_mask",
    "load_tokenizer",
    "nbest_features",
    "new_model",
    "per_word_scores",
    "read_nbest",
    "self_train",
    "train_nmt",
    "train_tokenizer",
    "tune_rescoring",
    "tune_threshold",
    "write_nbest",
]
