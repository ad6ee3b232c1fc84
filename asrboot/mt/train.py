"""Train or fine-tune a seq2seq model from a local Hugging Face directory on ``(english, hindi)`` pairs.

AdamW (betas 0.9/0.98), inverse-square-root schedule with linear warm-up, label-smoothed
cross-entropy, gradient clipping, dynamic batches bounded by tokens
(:func:`asrboot.mt.batching.token_batches`), fixed seeds. Every ``eval_every`` steps: dev loss
(token-level NLL, no smoothing) and, with ``bleu_sentences``, greedy dev BLEU/chrF; the best
model by ``metric`` is saved to ``out_dir`` (HF directory with tokenizer files), the latest state to
``out_dir/checkpoint`` (model + ``trainer_state.pt``: optimizer, schedule, position, history) so an
interrupted run can ``resume``. Stops at ``max_steps`` / ``max_epochs`` / ``max_minutes`` or after ``patience``
evaluations without improvement. The same function fine-tunes (self-training, or any external
seq2seq export): training always starts from the model in ``init_dir``.
"""

from __future__ import annotations

import json
import logging
import math
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from tqdm import tqdm

from asrboot.io import PathLike, atomic_open
from asrboot.mt.batching import Example, collate, encode_pairs, token_batches
from asrboot.mt.evaluate import bleu_chrf
from asrboot.mt.tokenizer import load_tokenizer
from asrboot.mt.translate import Translator
from asrboot.threads import set_threads

log = logging.getLogger(__name__)
Pairs = Sequence[Tuple[str, str]]
STATE = "trainer_state.pt"


@dataclass
class TrainConfig:
    lr: float = 7e-4
    warmup_steps: int = 1000
    label_smoothing: float = 0.1
    max_tokens: int = 4096
    max_len: int = 128
    max_steps: Optional[int] = None
    max_epochs: Optional[float] = 20
    max_minutes: Optional[float] = None
    eval_every: int = 500
    patience: int = 5
    metric: str = "loss"
    bleu_sentences: int = 200
    clip_norm: float = 1.0
    weight_decay: float = 0.0
    seed: int = 0
    threads: Optional[int] = None

    def __post_init__(self):
        if self.metric not in ("loss", "bleu"):
            raise ValueError("metric must be 'loss' or 'bleu'")
        if self.metric == "bleu" and self.bleu_sentences <= 0:
            raise ValueError("metric 'bleu' needs bleu_sentences > 0")
        if self.max_steps is None and self.max_epochs is None and self.max_minutes is None:
            raise ValueError("set max_steps, max_epochs or max_minutes")


@dataclass
class TrainReport:
    steps: int
    epochs: float
    best_step: int
    best: Dict[str, float]
    stopped: str
    elapsed_s: float
    train_examples: int
    dev_examples: int
    history: List[Dict[str, float]] = field(default_factory=list)


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _loss(model, batch: dict, smoothing: float) -> Tuple[torch.Tensor, int]:
    """Summed (label-smoothed) token cross-entropy of a batch, and its number of target tokens."""
    labels = batch["labels"]
    decoder_input_ids = model.prepare_decoder_input_ids_from_labels(labels=labels)
    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"],
                   decoder_input_ids=decoder_input_ids).logits
    loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.size(-1)), labels.view(-1), ignore_index=-100,
                                             label_smoothing=smoothing, reduction="sum")
    return loss, int((labels != -100).sum())


@torch.inference_mode()
def dev_loss(model, examples: Sequence[Example], pad_id: int, max_tokens: int) -> float:
    """Mean token NLL (natural log, no smoothing) of ``examples`` under ``model`` in eval mode."""
    total, tokens = 0.0, 0
    for batch in token_batches(examples, max_tokens):
        loss, n = _loss(model, collate([examples[i] for i in batch], pad_id), 0.0)
        total, tokens = total + float(loss), tokens + n
    return total / max(tokens, 1)


class _Trainer:
    def __init__(self, init_dir: PathLike, train_pairs: Pairs, dev_pairs: Pairs, out_dir: PathLike,
                 config: TrainConfig, resume: bool):
        from transformers import AutoModelForSeq2SeqLM

        self.config, self.out_dir = config, Path(out_dir)
        set_threads(config.threads)
        _seed_everything(config.seed)
        self.tokenizer = load_tokenizer(init_dir)
        self.pad = self.tokenizer.pad_token_id
        if not train_pairs or not dev_pairs:
            raise ValueError("need training and dev pairs")
        self.train = encode_pairs(self.tokenizer, *zip(*train_pairs), max_len=config.max_len)
        self.dev = encode_pairs(self.tokenizer, *zip(*dev_pairs), max_len=config.max_len)
        if not self.train or not self.dev:
            raise ValueError("no training or dev pairs within the length limit")
        self.dev_bleu = list(dev_pairs)[:config.bleu_sentences]
        checkpoint = self.out_dir / "checkpoint"
        if resume and not (checkpoint / STATE).is_file():
            raise FileNotFoundError(f"no checkpoint to resume from in {checkpoint}")
        self.resumed = resume
        self.model = AutoModelForSeq2SeqLM.from_pretrained(str(checkpoint if self.resumed else init_dir),
                                                           local_files_only=True)
        self.optimizer = torch.optim.AdamW(self.model.parameters(), lr=config.lr, betas=(0.9, 0.98), eps=1e-9,
                                           weight_decay=config.weight_decay)
        warmup = max(config.warmup_steps, 1)
        self.schedule = torch.optim.lr_scheduler.LambdaLR(
            self.optimizer, lambda step: min((step + 1) / warmup, math.sqrt(warmup / (step + 1))))
        self.interval = [0.0, 0]  # label-smoothed loss and target tokens since the last evaluation
        self.state = {"step": 0, "epoch": 0, "batch": 0, "best": None, "best_step": 0, "bad_evals": 0, "history": []}

    def load_checkpoint(self) -> None:
        saved = torch.load(self.out_dir / "checkpoint" / STATE)
        self.optimizer.load_state_dict(saved["optimizer"])
        self.schedule.load_state_dict(saved["schedule"])
        self.state = saved["state"]
        torch.set_rng_state(saved["torch_rng"])
        log.info("resumed from step %d", self.state["step"])

    def _save_checkpoint(self) -> None:
        tmp = self.out_dir / "checkpoint.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        self.model.save_pretrained(str(tmp))
        torch.save({"optimizer": self.optimizer.state_dict(), "schedule": self.schedule.state_dict(),
                    "state": self.state, "torch_rng": torch.get_rng_state()}, tmp / STATE)
        shutil.rmtree(self.out_dir / "checkpoint", ignore_errors=True)
        tmp.rename(self.out_dir / "checkpoint")

    def evaluate(self) -> bool:
        """Dev metrics; saves the model when it is the best so far. Returns whether to stop early."""
        cfg, state = self.config, self.state
        self.model.eval()
        row = {"step": state["step"], "epoch": state["epoch"] + state["batch"] / max(len(self.batches), 1),
               "lr": self.schedule.get_last_lr()[0], "train_loss": self.interval[0] / max(self.interval[1], 1),
               "dev_loss": dev_loss(self.model, self.dev, self.pad, cfg.max_tokens)}
        self.interval = [0.0, 0]
        if self.dev_bleu:
            hyps = Translator(self.model, self.tokenizer).translate([e for e, _ in self.dev_bleu], beam=1,
                                                                    progress=False)
            row.update({f"dev_{k}": v for k, v in bleu_chrf([h[0].text for h in hyps],
                                                            [r for _, r in self.dev_bleu]).items() if k != "sentences"})
        self.model.train()
        value = row["dev_loss"] if cfg.metric == "loss" else -row["dev_bleu"]
        improved = state["best"] is None or value < state["best"]
        if improved:
            state.update(best=value, best_step=state["step"], bad_evals=0)
            self.model.save_pretrained(str(self.out_dir))
            self.tokenizer.save_pretrained(str(self.out_dir))
        else:
            state["bad_evals"] += 1
        state["history"].append(row)
        log.info("step %d: %s%s", state["step"], {k: round(v, 4) for k, v in row.items() if k != "step"},
                 " (best)" if improved else "")
        self._save_checkpoint()
        return state["bad_evals"] >= cfg.patience

    def run(self) -> TrainReport:
        if self.resumed:
            self.load_checkpoint()
        cfg, state = self.config, self.state
        start = time.monotonic()
        self.model.train()
        bar = tqdm(desc="training", unit=" step", initial=state["step"], total=cfg.max_steps, disable=None)
        stopped = ""
        while not stopped:
            self.batches = token_batches(self.train, cfg.max_tokens, seed=cfg.seed + state["epoch"])
            for index in range(state["batch"], len(self.batches)):
                batch = collate([self.train[i] for i in self.batches[index]], self.pad)
                loss, tokens = _loss(self.model, batch, cfg.label_smoothing)
                self.optimizer.zero_grad()
                (loss / tokens).backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.clip_norm)
                self.optimizer.step()
                self.schedule.step()
                state["step"] += 1
                state["batch"] = index + 1
                self.interval = [self.interval[0] + float(loss), self.interval[1] + tokens]
                bar.update(1)
                bar.set_postfix(loss=f"{float(loss) / tokens:.3f}", epoch=state["epoch"])
                stopped = self._limit_reached(start)
                if stopped or state["step"] % cfg.eval_every == 0:
                    if self.evaluate() and not stopped:
                        stopped = f"no improvement in {cfg.patience} evaluations"
                if stopped:
                    break
            if state["batch"] == len(self.batches):
                state["epoch"], state["batch"] = state["epoch"] + 1, 0
        bar.close()
        report = TrainReport(state["step"], state["history"][-1]["epoch"], state["best_step"],
                             next(r for r in state["history"] if r["step"] == state["best_step"]), stopped,
                             time.monotonic() - start, len(self.train), len(self.dev), state["history"])
        with atomic_open(self.out_dir / "train_report.json") as f:
            json.dump({"config": asdict(cfg), **asdict(report)}, f, indent=2)
        log.info("training stopped (%s) at step %d; best step %d: %s", stopped, report.steps, report.best_step,
                 report.best)
        return report

    def _limit_reached(self, start: float) -> str:
        cfg, state = self.config, self.state
        if cfg.max_steps is not None and state["step"] >= cfg.max_steps:
            return f"max_steps {cfg.max_steps}"
        if cfg.max_epochs is not None and state["epoch"] + state["batch"] / len(self.batches) >= cfg.max_epochs:
            return f"max_epochs {cfg.max_epochs}"
        if cfg.max_minutes is not None and time.monotonic() - start >= 60 * cfg.max_minutes:
            return f"max_minutes {cfg.max_minutes}"
        return ""


def train_nmt(init_dir: PathLike, train_pairs: Pairs, dev_pairs: Pairs, out_dir: PathLike,
              config: TrainConfig = TrainConfig(), resume: bool = False) -> TrainReport:
    """Train the model of ``init_dir`` on ``train_pairs``; best model to ``out_dir`` (see module doc).

    ``resume``: continue the interrupted run whose state is in ``out_dir/checkpoint`` (same data
    and config) instead of starting from ``init_dir``.
    """
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    return _Trainer(init_dir, train_pairs, dev_pairs, out_dir, config, resume).run()
