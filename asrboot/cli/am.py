"""``asrboot am``: acoustic models — data preparation, training, export, posteriors, greedy scoring."""

from __future__ import annotations

import json
import logging

import click

from asrboot.io import atomic_open

DEFAULT_DATA = "../shared/data"


@click.group()
def am() -> None:
    """CTC acoustic models (built-in Hindi grapheme model, Hugging Face, TorchScript)."""


@am.command("prep-text")
@click.option("--data-dir", default=DEFAULT_DATA, show_default=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--num-train", default=7000, show_default=True, help="General-Hindi training sentences.")
@click.option("--num-valid", default=200, show_default=True, help="Held-out validation sentences.")
@click.option("--pseudo-per-char", default=4, show_default=True, help="Pseudo-words per Devanagari character.")
@click.option("--seed", default=0, show_default=True)
def prep_text_cmd(data_dir, out_dir, num_train, num_valid, pseudo_per_char, seed):
    """Training/validation text (general Hindi, no slurp_hi) and the grapheme token table."""
    from asrboot.am.data import prepare_text

    click.echo(json.dumps(prepare_text(data_dir, out_dir, num_train, num_valid, pseudo_per_char, seed)))


@am.command("features")
@click.option("--cuts", "cuts_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out-dir", required=True, type=click.Path(file_okay=False))
@click.option("--augment/--no-augment", default=False, show_default=True,
              help="Speed-perturb each cut (0.9/1.0/1.1) and mix half of them with noise at 5-30 dB SNR.")
@click.option("--jobs", default=2, show_default=True)
@click.option("--seed", default=0, show_default=True)
def features_cmd(cuts_path, out_dir, augment, jobs, seed):
    """Precompute 80-dim fbank (lhotse, lilcom storage) into OUT_DIR/cuts.jsonl.gz."""
    from lhotse import CutSet

    from asrboot.am.data import augment as augment_cuts
    from asrboot.am.data import compute_features, noise_recordings

    cuts = CutSet.from_file(cuts_path)
    if augment:
        cuts = augment_cuts(cuts, noise_recordings(out_dir, seed=seed), seed=seed)
    feats = compute_features(cuts, out_dir, num_jobs=jobs)
    click.echo(json.dumps({"cuts": len(feats), "hours": round(sum(c.duration for c in feats) / 3600, 3)}))


@am.command("train")
@click.option("--train-cuts", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--valid-cuts", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--tokens", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--exp-dir", required=True, type=click.Path(file_okay=False))
@click.option("--max-minutes", type=float, help="Stop after this much training time (all resumed runs together).")
@click.option("--max-epochs", default=100, show_default=True)
@click.option("--max-duration", default=40.0, show_default=True, help="Seconds of audio per batch.")
@click.option("--save-every-minutes", default=5.0, show_default=True)
@click.option("--resume/--no-resume", default=False, show_default=True, help="Continue from the latest checkpoint.")
@click.option("--hidden", default=256, show_default=True, help="BiLSTM units per direction.")
@click.option("--layers", default=2, show_default=True, help="BiLSTM layers.")
@click.option("--seed", default=0, show_default=True)
@click.option("--threads", default=2, show_default=True)
def train_cmd(train_cuts, valid_cuts, tokens, exp_dir, max_minutes, max_epochs, max_duration, save_every_minutes,
              hidden, layers, resume, seed, threads):
    """Train the built-in BiLSTM CTC model on precomputed features."""
    from asrboot.am.train import TrainConfig, train_am

    cfg = TrainConfig(max_minutes=max_minutes, max_epochs=max_epochs, max_duration=max_duration,
                      save_every_minutes=save_every_minutes, seed=seed, threads=threads)
    logging.getLogger("asrboot").setLevel(logging.INFO)
    trainer = train_am(exp_dir, train_cuts, valid_cuts, tokens, cfg, {"hidden": hidden, "layers": layers}, resume)
    click.echo(json.dumps(trainer.history[-1] if trainer.history else {"step": trainer.step}))


@am.command("export")
@click.option("--exp-dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
@click.option("--checkpoint", type=click.Path(exists=True, dir_okay=False), help="Default: the latest.")
def export_cmd(exp_dir, out_dir, checkpoint):
    """Export a checkpoint as a built-in model directory (model.pt, tokens.txt, features.json, model.json)."""
    from asrboot.am.export import export

    click.echo(json.dumps(export(exp_dir, out_dir, checkpoint)))


@am.command("posteriors")
@click.option("--am", "spec", default="builtin", show_default=True,
              help="builtin[:DIR] | hf:DIR[?tokens=FILE] | torchscript:FILE_OR_DIR[?features=JSON&tokens=FILE]")
@click.option("--cuts", "cuts_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False))
def posteriors_cmd(spec, cuts_path, out_dir):
    """Run an acoustic model over CUTS once and store its log-posteriors in OUT."""
    from lhotse import CutSet

    from asrboot.am.load import load_am
    from asrboot.am.posteriors import compute_posteriors

    post = compute_posteriors(load_am(spec), CutSet.from_file(cuts_path), out_dir, spec)
    click.echo(json.dumps({"cuts": len(post), "tokens": len(post.tokens), "frame_shift": post.frame_shift}))


@am.command("greedy")
@click.option("--posteriors", "post_dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--out", "hyps_path", type=click.Path(dir_okay=False), help="Write hypotheses: 'id text' lines.")
@click.option("--report", type=click.Path(dir_okay=False), help="Write the CER/WER report as JSON.")
@click.option("--name", help="Name of the set in the report (default: the posterior directory's name).")
def greedy_cmd(post_dir, hyps_path, report, name):
    """Greedy CTC decoding of stored posteriors; CER/WER against the cuts' transcripts."""
    from asrboot.am.greedy import score_posteriors

    hyps, result = score_posteriors(post_dir, name)
    if hyps_path:
        with atomic_open(hyps_path) as f:
            f.writelines(f"{k} {v}".rstrip() + "\n" for k, v in hyps.items())
    if report:
        with atomic_open(report) as f:
            json.dump(result, f, indent=1)
    click.echo(json.dumps(result, ensure_ascii=False))


@am.command("card")
@click.option("--model-dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--results", required=True, type=click.Path(exists=True, dir_okay=False),
              help="JSON lines of greedy reports (set, condition, cer, wer, ...).")
def card_cmd(model_dir, results):
    """Write MODEL_CARD.md of an exported model from its model.json and measured results."""
    from asrboot.am.export import write_card

    write_card(model_dir, results)
    click.echo(f"wrote {model_dir}/MODEL_CARD.md")


if __name__ == "__main__":  # usable before the lead registers the group: python -m asrboot.cli.am
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    am()
