"""Hypotheses from best paths (or CTC greedy), word time stamps, and the ``hyps.trn`` / ``recogs.jsonl`` files."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable, Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from asrboot.io import PathLike, atomic_open
from asrboot.tokens import WORD_START, units_to_text

Alignment = List[Tuple[str, float, float]]  # (word, start, duration), seconds from the cut start


@dataclass
class Hyp:
    """A recognised word sequence with its scores (natural log) and, when known, word time stamps."""

    words: List[str] = field(default_factory=list)
    total: Optional[float] = None  # None: no path survived the search
    am: Optional[float] = None
    lm: Optional[float] = None
    alignment: Optional[Alignment] = None

    @property
    def text(self) -> str:
        return " ".join(self.words)


def ctc_emissions(frame_labels: np.ndarray) -> List[Tuple[int, int]]:
    """``(frame, token)`` where CTC emits a token: a non-blank label unlike the previous frame's."""
    prev = np.concatenate([[0], frame_labels[:-1]])
    frames = np.nonzero((frame_labels > 0) & (frame_labels != prev))[0]
    return [(int(t), int(frame_labels[t])) for t in frames]


def word_alignment(words: Sequence[str], frame_labels: np.ndarray, emissions: Sequence[Tuple[int, int]],
                   starts_word: Callable[[int], bool], frame_shift: float) -> Optional[Alignment]:
    """Word start and duration from the emitted tokens: a word starts at a ``▁``-initial token and
    ends where the label run of its last token ends. None when tokens and words do not line up."""
    starts = [i for i, (_, tok) in enumerate(emissions) if starts_word(tok)]
    if len(starts) != len(words) or (starts and starts[0] != 0):
        return None
    out: Alignment = []
    for j, word in enumerate(words):
        last_frame, last_tok = emissions[(starts[j + 1] if j + 1 < len(starts) else len(emissions)) - 1]
        end = last_frame + 1
        while end < len(frame_labels) and frame_labels[end] == last_tok:
            end += 1
        begin = emissions[starts[j]][0]
        out.append((word, round(begin * frame_shift, 4), round((end - begin) * frame_shift, 4)))
    return out


def path_word_ids(paths) -> List[List[int]]:
    """The word ids (``aux_labels`` > 0) along each linear FSA of ``paths``."""
    import k2

    arcs = paths.arcs.shape().remove_axis(1)  # [path][arc]
    aux = paths.aux_labels
    if isinstance(aux, torch.Tensor):
        words = k2.RaggedTensor(arcs, aux)
    else:
        words = k2.RaggedTensor(arcs.compose(aux.shape), aux.values).remove_axis(1)
    return words.remove_values_leq(0).tolist()


class HypMaker:
    """Turns token ids / best-path FSAs into :class:`Hyp` for one token and word table."""

    def __init__(self, id2token: Dict[int, str], id2word: Dict[int, str], frame_shift: float):
        self.id2token, self.id2word, self.frame_shift = id2token, id2word, frame_shift

    def _starts_word(self, tok: int) -> bool:
        return self.id2token.get(tok, "").startswith(WORD_START)

    def greedy(self, log_probs: np.ndarray) -> Hyp:
        """CTC greedy search: best token per frame, repeats merged, blanks dropped."""
        labels = log_probs.argmax(axis=1)
        emissions = ctc_emissions(labels)
        words = units_to_text(self.id2token[t] for _, t in emissions).split()
        am = float(log_probs[np.arange(len(labels)), labels].sum())
        return Hyp(words, am, am, 0.0, word_alignment(words, labels, emissions, self._starts_word, self.frame_shift))

    def from_paths(self, paths, owners: Sequence[int], num_utts: int, lm_scale: float,
                   lm_override: Optional[torch.Tensor] = None) -> List[Hyp]:
        """Hypotheses of ``num_utts`` utterances from linear FSAs ``paths``; path i belongs to
        utterance ``owners[i]``. Utterances without a (non-empty) path get an empty :class:`Hyp`.
        ``lm_override``: per-path LM scores to report instead of the summed ``lm_scores``."""
        import k2

        hyps = [Hyp() for _ in range(num_utts)]
        arc_shape = paths.arcs.shape().remove_axis(1)
        splits = arc_shape.row_splits(1).tolist()
        am = k2.RaggedTensor(arc_shape, paths.am_scores.double()).sum().tolist()
        lm = (lm_override if lm_override is not None else
              k2.RaggedTensor(arc_shape, paths.lm_scores.double()).sum()).tolist()
        labels = paths.labels.numpy()
        frames = paths.frames.numpy()
        tokens = paths.tokens.numpy() if hasattr(paths, "tokens") else None
        word_ids = path_word_ids(paths)
        for i, utt in enumerate(owners):
            a, b = splits[i], splits[i + 1]
            if a == b:
                continue
            keep = (frames[a:b] > 0) & (labels[a:b] >= 0)
            frame_labels = np.zeros(int(frames[a:b].max()), dtype=np.int64)
            frame_labels[frames[a:b][keep] - 1] = labels[a:b][keep]
            if tokens is None:
                emissions = ctc_emissions(frame_labels)
            else:
                emitting = keep & (tokens[a:b] > 0)
                emissions = [(int(f) - 1, int(t)) for f, t in zip(frames[a:b][emitting], tokens[a:b][emitting])]
            words = [self.id2word[w] for w in word_ids[i]]
            hyps[utt] = Hyp(words, am[i] + lm_scale * lm[i], am[i], lm[i],
                            word_alignment(words, frame_labels, emissions, self._starts_word, self.frame_shift))
        return hyps


def write_trn(items: Iterable[Tuple[str, Hyp]], path: PathLike) -> None:
    """SCTK ``trn``: ``word word ... (utterance-id)`` per line."""
    with atomic_open(path) as f:
        for utt, hyp in items:
            f.write(" ".join([*hyp.words, f"({utt})"]) + "\n")


def write_recogs(items: Iterable[Tuple[str, Hyp, Optional[str]]], path: PathLike) -> None:
    """JSON lines ``{id, hyp, [ref], scores: {total, am, lm}, words: [{symbol, start, duration}]}``."""
    with atomic_open(path) as f:
        for utt, hyp, ref in items:
            rec = {"id": utt, "hyp": hyp.text}
            if ref is not None:
                rec["ref"] = ref
            rec["scores"] = {"total": hyp.total, "am": hyp.am, "lm": hyp.lm}
            if hyp.alignment is not None:
                rec["words"] = [{"symbol": w, "start": s, "duration": d} for w, s, d in hyp.alignment]
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")

