"""Export a training checkpoint as a built-in model directory, and write its model card.

A model directory holds ``model.pt`` (TorchScript), ``tokens.txt``, ``features.json`` and
``model.json`` (architecture, size, training summary); ``MODEL_CARD.md`` adds measured results.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Optional

import torch

from asrboot.am.model import SUBSAMPLING, CtcBiLstm, ModelConfig, num_parameters
from asrboot.io import InputError, PathLike, atomic_open, atomic_path, read_jsonl


def export(exp_dir: PathLike, out_dir: PathLike, checkpoint: Optional[PathLike] = None) -> dict:
    """Script the model of ``checkpoint`` (default: the latest in ``exp_dir``) into ``out_dir``."""
    exp_dir, out_dir = Path(exp_dir), Path(out_dir)
    if checkpoint is None:
        ckpts = sorted(exp_dir.glob("checkpoint-*.pt"), key=lambda p: int(p.stem.split("-")[1]))
        if not ckpts:
            raise InputError(exp_dir, None, "no checkpoint-*.pt to export")
        checkpoint = ckpts[-1]
    state = torch.load(checkpoint, map_location="cpu")
    model = CtcBiLstm(ModelConfig(**state["model_config"]))
    model.load_state_dict(state["model"])
    out_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(out_dir / "model.pt") as tmp:
        torch.jit.script(model.eval()).save(str(tmp))
    for name in ("tokens.txt", "features.json"):
        shutil.copyfile(exp_dir / name, out_dir / name)
    info = {
        "architecture": "conv2d x2 (4x subsampling) + LayerNorm + BiLSTM + linear, grapheme CTC",
        "model_config": state["model_config"], "parameters": num_parameters(model), "subsampling": SUBSAMPLING,
        "checkpoint": Path(checkpoint).name, "step": state["step"], "epoch": state["epoch"],
        "training_minutes": round(state["elapsed"] / 60, 1), "data": state.get("data", {}),
        "train_config": state["train_config"], "validation": state["history"],
    }
    with atomic_open(out_dir / "model.json") as f:
        json.dump(info, f, indent=1)
    return {k: info[k] for k in ("parameters", "step", "epoch", "training_minutes")}


def _pct(x: float) -> str:
    return f"{100 * x:.1f}"


def write_card(model_dir: PathLike, results: PathLike) -> None:
    """``MODEL_CARD.md`` from ``model.json`` and JSON lines of greedy reports (:func:`asrboot.am.greedy.score_posteriors`)."""
    model_dir = Path(model_dir)
    info = json.loads((model_dir / "model.json").read_text())
    rows = []
    for _, r in read_jsonl(results):
        rows.append(f"| {r['set']} | {r['utterances']} | {r['hours']} | {_pct(r['cer'])} "
                    f"[{_pct(r['cer_ci95'][0])}, {_pct(r['cer_ci95'][1])}] | {_pct(r['wer'])} "
                    f"[{_pct(r['wer_ci95'][0])}, {_pct(r['wer_ci95'][1])}] |")
    cfg, data = info["model_config"], info["data"]
    size_mb = sum(p.stat().st_size for p in model_dir.iterdir() if p.is_file()) / 2**20
    text = f"""# Built-in Hindi grapheme CTC acoustic model (`builtin`)

Load with `asrboot.am.load.load_am("builtin")` or `asrboot am posteriors --am builtin ...`.

## Model
- {info['architecture']}: 80-dim fbank (lhotse, 25 ms / 10 ms, global CMVN from the training features in
  `features.json`) -> 2 stride-2 3x3 conv layers ({cfg['channels']} channels, 4x subsampling, 40 ms output frames)
  -> linear {cfg['input_dim']} + LayerNorm -> {cfg['layers']}-layer BiLSTM ({cfg['hidden']} per direction) -> {cfg['num_tokens']} grapheme units
  (`tokens.txt`: `<blk>`=0, word start `▁`, Devanagari code points as in `asrboot.tokens`).
- {info['parameters']:,} parameters; files {size_mb:.1f} MB. TorchScript `forward(features (N,T,80), lengths) -> (log_probs, lengths)`.

## Training data (synthetic only)
- Text: general Hindi only — Common Voice Hindi sentence prompts, HiNER validation (CoNLL tokens joined),
  Hindi discourse (MIDAS) sentences; normalized with `Normalizer.for_lm("hi", latin="drop")`, 2-16 words,
  plus pseudo-words covering every Devanagari character the normalizer emits. No slurp_hi text (checked:
  no training sentence equals a slurp_hi sentence).
- Audio: espeak-ng Hindi with the training voices only (`asrboot.speech.voices.TRAIN_VOICES`), 130-200 wpm,
  random pitch; each cut at a random speed (0.9/1.0/1.1), half of them mixed with white, pink or babble
  noise at 5-30 dB SNR. {data.get('train_cuts', '?')} training utterances, {data.get('train_hours', '?')} h;
  {data.get('valid_cuts', '?')} validation utterances (held-out sentences, training voices).
- Optimisation: Adam, CTC, light SpecAugment, batches of <= {info['train_config']['max_duration']:.0f} s,
  2 CPU threads; {info['training_minutes']} min of training, {info['step']} steps ({info['epoch']} full epochs);
  exported checkpoint `{info['checkpoint']}`.
- Recipe: `recipes/am_synth_hi/run.sh`.

## Results (greedy CTC decoding, no LM; `Normalizer.for_scoring("hi")`; 95% bootstrap CIs)

Synthetic sets use the held-out evaluation voices (`EVAL_VOICES`), never heard in training.

| set | utts | hours | CER % [95% CI] | WER % [95% CI] |
|---|---|---|---|---|
{chr(10).join(rows)}

## Training curve (greedy CER on the validation cuts)

| step | training minutes | validation CER % |
|---|---|---|
{chr(10).join(f"| {h['step']} | {h['minutes']} | {_pct(h['valid_cer'])} |" for h in info['validation'])}

## Limits
- Trained on synthetic espeak-ng speech only: formant-synthesis voices are far from natural speech, so
  real recordings (e.g. broadcast speech) decode poorly; use it to exercise the pipeline, or swap in a
  real model (`hf:DIR`, `torchscript:PATH`).
- Grapheme units without a lexicon: greedy output often misspells words (matras, nukta, conjuncts).
"""
    with atomic_open(model_dir / "MODEL_CARD.md") as f:
        f.write(text)
