"""CTC training of the built-in model on precomputed fbank cuts, resumable from checkpoints.

Everything is loaded into memory once (float16 features), batches are duration-sorted and
drawn in a seeded order per epoch, so a resumed run replays exactly the batches it has not
seen yet. ``exp_dir`` holds ``tokens.txt``, ``features.json`` (with the CMVN statistics of the
training cuts), ``checkpoint-<step>.pt`` files and ``train.log``.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import random
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from lhotse import CutSet

from asrboot.am.features import FeatureSpec
from asrboot.am.greedy import char_errors, greedy_text
from asrboot.am.model import CtcBiLstm, ModelConfig, num_parameters
from asrboot.io import PathLike
from asrboot.tokens import BLANK, read_tokens, text_units, write_tokens

log = logging.getLogger(__name__)


@dataclasses.dataclass
class TrainConfig:
    """Optimisation settings; ``max_minutes`` counts training time over all resumed runs."""

    max_duration: float = 40.0  # seconds of (padded) audio per batch
    lr: float = 1e-3
    warmup_steps: int = 100
    lr_decay: float = 0.85  # per epoch, from decay_from_epoch on
    decay_from_epoch: int = 3
    max_epochs: int = 100
    max_steps: Optional[int] = None
    max_minutes: Optional[float] = None
    save_every_minutes: float = 5.0
    keep_checkpoints: int = 3
    grad_clip: float = 5.0
    spec_augment: bool = True
    max_valid: int = 60  # validation cuts decoded at each checkpoint
    seed: int = 0
    threads: int = 2


@dataclasses.dataclass
class Example:
    id: str
    feats: torch.Tensor  # (T, F) float16, normalized
    targets: torch.Tensor  # (U,) int64
    text: str


def cmvn_stats(cuts: CutSet, max_cuts: int = 2000, seed: int = 0) -> Tuple[List[float], List[float]]:
    """Global per-bin mean and standard deviation of the features of (a sample of) ``cuts``."""
    cuts = list(cuts)
    random.Random(seed).shuffle(cuts)
    total, sq, n = 0.0, 0.0, 0
    for cut in cuts[:max_cuts]:
        f = cut.load_features().astype(np.float64)
        total, sq, n = total + f.sum(0), sq + (f * f).sum(0), n + len(f)
    mean = total / n
    std = np.sqrt(np.maximum(sq / n - mean * mean, 1e-8))
    return mean.tolist(), std.tolist()


def load_examples(cuts: CutSet, tokens: Dict[str, int], spec: FeatureSpec) -> List[Example]:
    """Features (CMVN applied) and token-id targets of every cut with a transcript."""
    out = []
    for cut in cuts:
        text = " ".join(s.text for s in cut.supervisions if s.text)
        units = text_units(text)
        unknown = sorted({u for u in units if u not in tokens})
        if unknown:
            raise ValueError(f"cut {cut.id}: units not in the token table: {unknown}")
        feats = torch.from_numpy(spec.normalize(cut.load_features())).to(torch.float16)
        if not units or (len(feats) + 3) // 4 < len(units):
            log.warning("skipping cut %s: %d frames for %d units", cut.id, len(feats), len(units))
            continue
        out.append(Example(cut.id, feats, torch.tensor([tokens[u] for u in units]), text))
    return out


def make_batches(examples: Sequence[Example], max_duration: float, frame_shift: float) -> List[List[int]]:
    """Indices grouped into batches of similar length whose padded size stays under ``max_duration``."""
    order = sorted(range(len(examples)), key=lambda i: len(examples[i].feats))
    max_frames = max_duration / frame_shift
    batches: List[List[int]] = []
    for i in order:
        if batches and len(examples[i].feats) * (len(batches[-1]) + 1) <= max_frames:
            batches[-1].append(i)
        else:
            batches.append([i])
    return batches


def collate(examples: Sequence[Example]) -> Tuple[torch.Tensor, torch.Tensor]:
    lengths = torch.tensor([len(e.feats) for e in examples])
    feats = torch.zeros(len(examples), int(lengths.max()), examples[0].feats.shape[1])
    for i, e in enumerate(examples):
        feats[i, : len(e.feats)] = e.feats.float()
    return feats, lengths


def spec_augment(feats: torch.Tensor, lengths: torch.Tensor, rng: random.Random) -> torch.Tensor:
    """Light SpecAugment in place: 2 frequency masks (<= 10 bins) and 2 time masks (<= 5% of frames, <= 25)."""
    for i in range(len(feats)):
        for _ in range(2):
            w = rng.randint(0, 10)
            f0 = rng.randint(0, feats.shape[2] - w)
            feats[i, :, f0:f0 + w] = 0
            n = int(lengths[i])
            w = rng.randint(0, min(25, n // 20))
            t0 = rng.randint(0, n - w)
            feats[i, t0:t0 + w] = 0
    return feats


class Trainer:
    """Trains :class:`CtcBiLstm` on examples, checkpointing to ``exp_dir``."""

    def __init__(self, exp_dir: PathLike, model_cfg: ModelConfig, cfg: TrainConfig,
                 train: List[Example], valid: List[Example], tokens: Dict[str, int], frame_shift: float = 0.01):
        self.exp_dir, self.model_cfg, self.cfg = Path(exp_dir), model_cfg, cfg
        self.train_set, self.valid_set, self.tokens = train, valid[:cfg.max_valid], tokens
        self.id2sym = {i: s for s, i in tokens.items()}
        self.batches = make_batches(train, cfg.max_duration, frame_shift)
        torch.manual_seed(cfg.seed)
        self.model = CtcBiLstm(model_cfg)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=cfg.lr)
        self.ctc = torch.nn.CTCLoss(blank=tokens[BLANK], reduction="sum", zero_infinity=True)
        self.step = self.epoch = self.batch_idx = 0
        self.elapsed = 0.0
        self.history: List[dict] = []
        self.data_info: dict = {"train_cuts": len(train), "valid_cuts": len(self.valid_set),
                                "train_hours": round(sum(len(e.feats) for e in train) * frame_shift / 3600, 3)}

    # ---- checkpoints -------------------------------------------------------------------
    def checkpoints(self) -> List[Path]:
        return sorted(self.exp_dir.glob("checkpoint-*.pt"), key=lambda p: int(p.stem.split("-")[1]))

    def save(self) -> Path:
        path = self.exp_dir / f"checkpoint-{self.step}.pt"
        state = {"model": self.model.state_dict(), "optimizer": self.optimizer.state_dict(),
                 "model_config": dataclasses.asdict(self.model_cfg), "train_config": dataclasses.asdict(self.cfg),
                 "step": self.step, "epoch": self.epoch, "batch_idx": self.batch_idx, "elapsed": self.elapsed,
                 "history": self.history, "data": self.data_info}
        tmp = path.with_suffix(".tmp")
        torch.save(state, tmp)
        tmp.replace(path)
        for old in self.checkpoints()[:-self.cfg.keep_checkpoints]:
            old.unlink()
        log.info("saved %s", path)
        return path

    def resume(self) -> bool:
        """Load the latest checkpoint of ``exp_dir``; False when there is none."""
        ckpts = self.checkpoints()
        if not ckpts:
            return False
        state = torch.load(ckpts[-1], map_location="cpu")
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.step, self.epoch, self.batch_idx = state["step"], state["epoch"], state["batch_idx"]
        self.elapsed, self.history = state["elapsed"], state["history"]
        log.info("resumed from %s (epoch %d, batch %d, step %d)", ckpts[-1], self.epoch, self.batch_idx, self.step)
        return True

    # ---- training ----------------------------------------------------------------------
    def lr_at(self, step: int, epoch: int) -> float:
        """Linear warm-up, then constant; with a time budget, a cosine decay to 5% over its last 60%,
        otherwise ``lr_decay`` per epoch from ``decay_from_epoch`` on."""
        c = self.cfg
        warm = min(1.0, (step + 1) / c.warmup_steps)
        if c.max_minutes:
            frac = min(1.0, self.elapsed / (60 * c.max_minutes))
            decay = 1.0 if frac < 0.4 else 0.05 + 0.475 * (1 + math.cos(math.pi * (frac - 0.4) / 0.6))
        else:
            decay = c.lr_decay ** max(0, epoch - c.decay_from_epoch + 1)
        return c.lr * warm * decay

    def epoch_order(self, epoch: int) -> List[int]:
        order = list(range(len(self.batches)))
        random.Random(self.cfg.seed * 1000 + epoch).shuffle(order)
        return order

    def loss(self, batch: Sequence[Example], rng: Optional[random.Random]) -> torch.Tensor:
        feats, lengths = collate(batch)
        if rng is not None:
            spec_augment(feats, lengths, rng)
        logp, out_lens = self.model(feats, lengths)
        targets = torch.cat([e.targets for e in batch])
        target_lens = torch.tensor([len(e.targets) for e in batch])
        return self.ctc(logp.transpose(0, 1), targets, out_lens, target_lens) / len(batch)

    def _done(self) -> bool:
        c = self.cfg
        return (self.epoch >= c.max_epochs or (c.max_steps is not None and self.step >= c.max_steps)
                or (c.max_minutes is not None and self.elapsed >= 60 * c.max_minutes))

    def train(self) -> None:
        torch.set_num_threads(self.cfg.threads)
        log.info("model: %d parameters; %d training cuts in %d batches, %d validation cuts",
                 num_parameters(self.model), len(self.train_set), len(self.batches), len(self.valid_set))
        last_save = time.time()
        while not self._done():
            order = self.epoch_order(self.epoch)
            rng = random.Random(self.cfg.seed * 7919 + self.step)
            self.model.train()
            tot, n = 0.0, 0
            while self.batch_idx < len(order) and not self._done():
                t0 = time.time()
                batch = [self.train_set[i] for i in self.batches[order[self.batch_idx]]]
                for g in self.optimizer.param_groups:
                    g["lr"] = self.lr_at(self.step, self.epoch)
                loss = self.loss(batch, rng if self.cfg.spec_augment else None)
                self.optimizer.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
                self.optimizer.step()
                self.step, self.batch_idx = self.step + 1, self.batch_idx + 1
                self.elapsed += time.time() - t0
                tot, n = tot + float(loss), n + 1
                if self.step % 20 == 0:
                    log.info("epoch %d batch %d/%d step %d: loss %.3f lr %.2e (%.1f min)", self.epoch, self.batch_idx,
                             len(order), self.step, tot / n, self.lr_at(self.step, self.epoch), self.elapsed / 60)
                    tot, n = 0.0, 0
                if time.time() - last_save >= 60 * self.cfg.save_every_minutes:
                    self.record_validation()
                    self.save()
                    last_save = time.time()
            if self.batch_idx >= len(order):
                self.epoch, self.batch_idx = self.epoch + 1, 0
                self.record_validation()
                self.save()
                last_save = time.time()
        if not self.history or self.history[-1]["step"] != self.step:
            self.record_validation()
            self.save()

    def record_validation(self) -> None:
        if not self.valid_set:
            return
        cer = self.validate()
        self.history.append({"step": self.step, "epoch": self.epoch, "minutes": round(self.elapsed / 60, 2),
                             "valid_cer": round(cer, 4)})
        log.info("validation at step %d: greedy CER %.2f%%", self.step, 100 * cer)

    @torch.no_grad()
    def validate(self) -> float:
        """Greedy CER on the validation examples (decoded one at a time, as the backends do)."""
        self.model.eval()
        errs = total = 0
        for e in self.valid_set:
            logp, _ = self.model(e.feats.float()[None], torch.tensor([len(e.feats)]))
            hyp = greedy_text(logp[0].numpy(), self.id2sym)
            errs += char_errors(e.text, hyp)
            total += len(e.text.replace(" ", ""))
        self.model.train()
        return errs / max(total, 1)


def prepare(exp_dir: PathLike, train_cuts: CutSet, tokens_path: PathLike, num_mel_bins: int = 80) -> FeatureSpec:
    """Write ``tokens.txt`` and ``features.json`` (CMVN of ``train_cuts``) into ``exp_dir`` once."""
    exp_dir = Path(exp_dir)
    exp_dir.mkdir(parents=True, exist_ok=True)
    spec_path = exp_dir / "features.json"
    if spec_path.is_file():
        return FeatureSpec.load(spec_path)
    write_tokens(read_tokens(tokens_path), exp_dir / "tokens.txt")
    mean, std = cmvn_stats(train_cuts)
    spec = FeatureSpec(num_mel_bins=num_mel_bins, cmvn_mean=mean, cmvn_std=std)
    spec.save(spec_path)
    return spec


def train_am(exp_dir: PathLike, train_cuts: PathLike, valid_cuts: PathLike, tokens_path: PathLike,
             cfg: TrainConfig, model_overrides: Optional[dict] = None, resume: bool = True) -> Trainer:
    """Train (or with ``resume`` continue training) the built-in model; see the module docstring."""
    exp_dir = Path(exp_dir)
    train = CutSet.from_file(train_cuts)
    spec = prepare(exp_dir, train, tokens_path)
    tokens = read_tokens(exp_dir / "tokens.txt")
    model_cfg = ModelConfig(num_tokens=len(tokens), num_mel_bins=spec.num_mel_bins, **(model_overrides or {}))
    t0 = time.time()
    trainer = Trainer(exp_dir, model_cfg, cfg, load_examples(train, tokens, spec),
                      load_examples(CutSet.from_file(valid_cuts), tokens, spec), tokens, spec.frame_shift)
    log.info("loaded features in %.0f s", time.time() - t0)
    if resume:
        trainer.resume()
    elif trainer.checkpoints():
        raise FileExistsError(f"{exp_dir} has checkpoints: pass --resume to continue, or use a new directory")
    with open(exp_dir / "train_config.json", "w") as f:
        json.dump({"model": dataclasses.asdict(model_cfg), "train": dataclasses.asdict(cfg)}, f, indent=1)
    trainer.train()
    return trainer
