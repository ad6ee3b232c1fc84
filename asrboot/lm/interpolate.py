"""Linear interpolation of ARPA back-off LMs, as SRILM's ``compute-best-mix`` (EM weights on dev
text) followed by ``ngram -mix-lm -write-lm`` (one static, normalized back-off model).

Conventions:

* All inputs are first put on one closed vocabulary, the union of theirs (:func:`with_vocab`:
  the words an input lacks share its ``<unk>`` probability), as SRILM users do with a common
  ``-vocab``. Input i's probability of a word is then its back-off probability
  (:meth:`ArpaLM.logprobs`); the mixed distributions stay normalized, and the inputs' and the
  mix's perplexities count exactly the same dev tokens, so they can be compared.
* EM maximizes the dev likelihood of the *dynamic* mixture ``sum_i w_i p_i(w|h)`` computed with
  exactly these probabilities, which are also the ones the static mix gives its explicit n-grams.
  The static model backs off with recomputed weights where no input has an explicit n-gram, so
  its dev perplexity (``report["mix"]``) is close to, not equal to, the EM objective
  (``report["em_ppl"]``).
* Dev tokens that are OOV for every input (in no vocabulary, or ``<unk>`` itself) are left out
  of EM and counted, as compute-best-mix does with zero-probability words.
* Perplexity is SRILM's / kenlm's: ``10 ** (-logprob / (words - oovs + sentences))``, ``</s>``
  counted, OOV tokens (outside the common vocabulary) left out of ``logprob``. Each input's
  report also gives ``own_oovs``, its OOV count on its own vocabulary.
"""

from __future__ import annotations

import logging
import math
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
from tqdm import tqdm

from asrboot.io import InputError, PathLike, read_lines
from asrboot.lm.arpa import BOS, LOG_ZERO, UNK, ArpaLM, read_arpa, token_arrays, with_vocab, write_arpa

log = logging.getLogger(__name__)
_Maps = Tuple[np.ndarray, np.ndarray]


def _union_vocab(models: Sequence[ArpaLM]) -> List[str]:
    """Words of all models, first model's order first."""
    return list(dict.fromkeys(w for m in models for w in m.vocab))


def _on_common_vocab(models: Sequence[ArpaLM]) -> List[ArpaLM]:
    """The models on the union of their vocabularies (see :func:`with_vocab`)."""
    vocab = _union_vocab(models)
    return [with_vocab(m, vocab) for m in models]


def _maps(model: ArpaLM, vocab: Sequence[str]) -> _Maps:
    """Union id -> model id for predicted words (-1: unknown) and for history words (<unk>).

    Both arrays have one extra last entry for words outside the union vocabulary.
    """
    predicted = np.array([model.index.get(w, -1) for w in vocab] + [-1], dtype=np.int64)
    return predicted, np.where(predicted >= 0, predicted, model.unk)


def _model_probs(model: ArpaLM, maps: _Maps, context: np.ndarray, words: np.ndarray) -> np.ndarray:
    """p(word | context) under ``model`` for union-id arrays; 0 for words it does not know."""
    predicted, history = maps
    ids = predicted[words]
    known = ids >= 0
    context = np.where(context >= 0, history[context], -1)
    out = np.zeros(len(words))
    out[known] = 10.0 ** model.logprobs(context[known], ids[known])
    return out


def _token_probs(models: Sequence[ArpaLM], sentences: Sequence[Sequence[str]]) -> Tuple[np.ndarray, int]:
    """Per-token probabilities under each model (tokens x models) and the number of tokens left
    out because they are OOV for every model."""
    vocab = _union_vocab(models)
    index = {w: i for i, w in enumerate(vocab)}
    context, words = token_arrays(sentences, index, max(m.order for m in models) - 1)
    oov = (words == len(vocab)) | (words == index.get(UNK, -1))
    context, words = context[~oov], words[~oov]
    probs = np.column_stack([_model_probs(m, _maps(m, vocab), context, words) for m in models])
    return probs, int(oov.sum())


def _ppl(token_probs: np.ndarray) -> float:
    return 10.0 ** (-np.log10(token_probs).sum() / len(token_probs)) if len(token_probs) else math.nan


def _em(probs: np.ndarray, iters: int, tol: float) -> Tuple[List[float], List[dict]]:
    """EM for mixture weights from a tokens x models probability matrix."""
    if not len(probs):
        raise ValueError("no dev tokens known to any model")
    weights = np.full(probs.shape[1], 1.0 / probs.shape[1])
    history = []
    for _ in tqdm(range(iters), desc="EM", leave=False, disable=None):
        mixed = probs @ weights
        history.append({"weights": weights.tolist(), "ppl": _ppl(mixed)})
        new = weights * (probs.T @ (1.0 / mixed)) / len(mixed)
        new /= new.sum()
        converged = np.abs(new - weights).max() < tol
        weights = new
        if converged:
            break
    else:
        log.warning("EM did not converge to %g in %d iterations", tol, iters)
    history.append({"weights": weights.tolist(), "ppl": _ppl(probs @ weights)})
    return weights.tolist(), history


def estimate_weights(models: Sequence[ArpaLM], dev_sentences: Sequence[Sequence[str]],
                     iters: int = 200, tol: float = 1e-6) -> Tuple[List[float], List[dict]]:
    """EM interpolation weights maximizing the dev likelihood of ``sum_i w_i p_i``.

    Starts from uniform weights; stops when no weight moves by ``tol`` or after ``iters``
    steps. Returns the weights and the history ``[{"weights", "ppl"}, ...]`` (one entry per
    step, the last for the returned weights).
    """
    probs, oovs = _token_probs(_on_common_vocab(models), dev_sentences)
    log.info("EM on %d dev tokens (%d OOV for every model left out)", len(probs), oovs)
    return _em(probs, iters, tol)


def _check_weights(weights: Sequence[float], n: int) -> np.ndarray:
    w = np.asarray(weights, dtype=np.float64)
    if w.shape != (n,) or not np.isfinite(w).all() or (w < 0).any() or abs(w.sum() - 1.0) > 1e-6:
        raise ValueError(f"need {n} non-negative weights summing to 1, got {list(weights)}")
    return w / w.sum()


def mix(models: Sequence[ArpaLM], weights: Sequence[float]) -> ArpaLM:
    """One static back-off model equal to ``sum_i w_i p_i`` on the union of the inputs' n-grams.

    Vocabulary and n-grams are the unions over the inputs with non-zero weight; backoff
    weights are recomputed (:meth:`ArpaLM.recompute_backoffs`) so that every p(.|h) sums to 1.
    """
    used = [(m, w) for m, w in zip(_on_common_vocab(models), _check_weights(weights, len(models))) if w > 0]
    vocab = _union_vocab([m for m, _ in used])
    index = {w: i for i, w in enumerate(vocab)}
    maps = [_maps(m, vocab) for m, _ in used]
    to_union = [np.array([index[w] for w in m.vocab], dtype=np.int32) for m, _ in used]
    ngrams = []
    for n in tqdm(range(1, max(m.order for m, _ in used) + 1), desc="mixing", leave=False, disable=None):
        if n == 1:
            ids = np.arange(len(vocab), dtype=np.int32)[:, None]
        else:
            ids = np.unique(np.concatenate([t[m.arrays(n)[0]] for (m, _), t in zip(used, to_union)
                                            if m.order >= n]), axis=0)
        probs = sum(w * _model_probs(m, mp, ids[:, :-1], ids[:, -1]) for (m, w), mp in zip(used, maps))
        logp = np.minimum(np.log10(probs), 0.0)
        if n == 1 and BOS in index:
            logp[index[BOS]] = LOG_ZERO
        ngrams.append((ids, logp, np.zeros(len(ids))))
    lm = ArpaLM(vocab, ngrams)
    lm.recompute_backoffs()
    return lm


def read_sentences(path: PathLike) -> List[List[str]]:
    """Whitespace-tokenized non-empty lines of a text file."""
    sentences = [words for _, line in read_lines(path) for words in (line.split(),) if words]
    if not sentences:
        raise InputError(path, None, "no sentences")
    return sentences


def interpolate(arpa_paths: Sequence[PathLike], dev_text_path: PathLike, out_path: PathLike,
                weights: Optional[Sequence[float]] = None, iters: int = 200, tol: float = 1e-6) -> Dict:
    """Mix ARPA models with weights estimated by EM on dev text (unless given); write the mix.

    Returns ``{"weights", "em_iterations", "em_ppl", "dev_oovs_all_models", "inputs": [...],
    "mix": {...}}`` where inputs and mix carry path, n-gram counts and dev perplexity
    statistics (see :meth:`ArpaLM.perplexity`); ``em_ppl`` is the dynamic mixture's perplexity.
    """
    own = [read_arpa(p) for p in arpa_paths]
    models = _on_common_vocab(own)
    sentences = read_sentences(dev_text_path)
    probs, oovs = _token_probs(models, sentences)
    if weights is None:
        weights, history = _em(probs, iters, tol)
    else:
        weights, history = _check_weights(weights, len(models)).tolist(), []
    lm = mix(models, weights)
    write_arpa(lm, out_path)
    return {
        "weights": list(weights),
        "em_iterations": max(len(history) - 1, 0),
        "em_ppl": _ppl(probs @ np.asarray(weights)),
        "dev_oovs_all_models": oovs,
        "inputs": [{"path": str(p), "ngrams": o.counts, "own_oovs": o.perplexity(sentences)["oovs"],
                    **m.perplexity(sentences)} for p, o, m in zip(arpa_paths, own, models)],
        "mix": {"path": str(out_path), "ngrams": lm.counts, **lm.perplexity(sentences)},
    }
