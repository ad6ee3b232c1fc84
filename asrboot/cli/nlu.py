"""``asrboot nlu``: NLU self-training for new intents (recipes/nlu_selftrain)."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import click

from asrboot.io import InputError

log = logging.getLogger(__name__)


class _NluGroup(click.Group):
    """Bad input (file and line) becomes a one-line error, also when the group runs on its own."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (InputError, FileNotFoundError) as e:
            raise click.ClickException(str(e)) from e


def _ints(value):
    return [int(x) for x in str(value).replace(",", " ").split()] if value else None


def _config(path, ks=None, seeds=None):
    from asrboot.nlu.config import load_config

    return load_config(path, ks=_ints(ks), seeds=_ints(seeds))


def _echo(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, default=str))


config_option = click.option("--config", "config_path", type=click.Path(exists=True, dir_okay=False),
                             help="Recipe config (YAML); defaults built in.")
ks_option = click.option("--ks", help="Override the config's K values, e.g. '10 30 100'.")
seeds_option = click.option("--seeds", help="Override the config's seeds, e.g. '1 2 3'.")


@click.group(cls=_NluGroup)
def nlu() -> None:
    """NLU self-training for new intents: relevance filter, paraphrase diversity, submodular selection."""


@nlu.command("prepare")
@config_option
@ks_option
@seeds_option
@click.option("--data-root", required=True, type=click.Path(exists=True, file_okay=False),
              help="Folder with hwu64_nlu_evaluation_data/, slurp_text/, intent_benchmarks_dnnc/.")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Data directory.")
def prepare_cmd(config_path, ks, seeds, data_root, out_dir):
    """Read, validate and normalize the corpora; write dev/test/pool manifests and K-shot splits."""
    from asrboot.nlu.prepare import prepare

    _echo(prepare(_config(config_path, ks, seeds), data_root, out_dir))


def features_path(config, exp_dir) -> Path:
    return Path(exp_dir) / f"layer{6 - int(config['model']['finetune_layers'])}.npz"


@nlu.command("encode")
@config_option
@click.option("--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="Feature cache (.npz) of the frozen MiniLM layers.")
@click.option("--pool/--no-pool", default=False, show_default=True,
              help="Also encode the whole unlabelled pool (else selftrain encodes the pool texts it needs).")
def encode_cmd(config_path, data_dir, out_path, pool):
    """Cache the frozen MiniLM layers' outputs for the labelled, dev and test texts (and the pool)."""
    from asrboot.nlu.encoder import FeatureStore, MiniLMEncoder
    from asrboot.threads import set_threads
    from asrboot.nlu.prepare import Prepared

    cfg = _config(config_path)
    set_threads()
    t0 = time.time()
    texts = Prepared(data_dir).texts(pool=pool)
    enc = MiniLMEncoder(max_length=cfg["encoder"]["max_length"], batch_size=cfg["encoder"]["batch_size"])
    layer = enc.num_layers - int(cfg["model"]["finetune_layers"])
    store = FeatureStore.build(enc, texts, layer, progress=True)
    store.save(out_path)
    _echo({"texts": len(store), "layer": layer, "subwords": int(store.states.shape[0]),
           "seconds": round(time.time() - t0, 1)})


@nlu.command("paraphrase")
@config_option
@click.option("--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False))
def paraphrase_cmd(config_path, data_dir, out_dir):
    """Generate template pairs from the labelled existing-intent data and train the paraphrase detector."""
    from asrboot.io import atomic_open
    from asrboot.nlu.encoder import EmbeddingCache, MiniLMEncoder
    from asrboot.threads import set_threads
    from asrboot.nlu.paraphrase import save_pairs, train_detector
    from asrboot.nlu.prepare import Prepared

    cfg = _config(config_path)
    pcfg = cfg["paraphrase"]
    set_threads()
    t0 = time.time()
    data = Prepared(data_dir)
    enc = MiniLMEncoder(max_length=cfg["encoder"]["max_length"], batch_size=cfg["encoder"]["batch_size"])
    # the new intents' few labelled utterances differ per split: the detector learns from existing intents only
    detector, pairs, metrics = train_detector(data.train_other + data.slurp_other, EmbeddingCache(enc),
                                              pcfg["max_pairs"], pcfg["hidden"], pcfg["epochs"], pcfg["lr"],
                                              pcfg["heldout"], seed=0)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    save_pairs(out / "pairs.jsonl", pairs)
    metrics["seconds"] = round(time.time() - t0, 1)
    with atomic_open(out / "metrics.json") as f:
        json.dump(metrics, f, indent=1)
    detector.save(out / "detector.pt")
    _echo(metrics)


@nlu.command("selftrain")
@config_option
@ks_option
@seeds_option
@click.option("--data", "data_dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--model", "model_kind", type=click.Choice(["minilm", "linear"]), default="minilm", show_default=True)
@click.option("--features", type=click.Path(exists=True, dir_okay=False), help="Feature cache (encode stage).")
@click.option("--paraphrase", "paraphrase_dir", type=click.Path(exists=True, file_okay=False),
              help="Paraphrase detector directory (paraphrase stage).")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Run results go to OUT/<model>/k<K>/seed<S>.json (existing ones are kept).")
def selftrain_cmd(config_path, ks, seeds, data_dir, model_kind, features, paraphrase_dir, out_dir):
    """Supervised baseline and every self-training strategy, for every K and seed."""
    from asrboot.threads import set_threads
    from asrboot.nlu.selftrain import run_grid

    cfg = _config(config_path, ks, seeds)
    set_threads()
    t0 = time.time()
    paths = run_grid(cfg, data_dir, out_dir, model_kind, features, paraphrase_dir)
    _echo({"runs": [str(p) for p in paths], "seconds": round(time.time() - t0, 1)})


@nlu.command("report")
@config_option
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False), help="For data statistics.")
@click.option("--runs", "runs_dir", required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--paraphrase", "paraphrase_dir", type=click.Path(exists=True, file_okay=False),
              help="Adds the detector's held-out accuracy.")
@click.option("--timing", type=click.Path(dir_okay=False), help="TSV 'stage<TAB>seconds' to include.")
@click.option("-o", "--out", "out_dir", required=True, type=click.Path(file_okay=False))
def report_cmd(config_path, data_dir, runs_dir, paraphrase_dir, timing, out_dir):
    """Write report.md, results.csv and learning-curve PNGs from the run results."""
    from asrboot.nlu.report import write_report

    cfg = _config(config_path)
    stats = json.loads((Path(data_dir) / "stats.json").read_text(encoding="utf-8")) if data_dir else None
    extra = {}
    if paraphrase_dir and (Path(paraphrase_dir) / "metrics.json").is_file():
        m = json.loads((Path(paraphrase_dir) / "metrics.json").read_text(encoding="utf-8"))
        extra["paraphrase detector (held-out pairs)"] = m.get("heldout")
        extra["paraphrase pairs"] = m.get("pairs")
    paths = write_report(runs_dir, out_dir, cfg, stats, timing, extra)
    _echo({k: str(v) for k, v in paths.items()})


@nlu.command("check")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["auto", "hwu", "slurp", "manifest"]), default="auto",
              show_default=True, help="auto: by extension (.csv HWU64, .jsonl SLURP or manifest).")
def check_cmd(files, fmt):
    """Validate annotated NLU files; the first bad line is reported as FILE:LINE: problem."""
    from asrboot.nlu.data import english_normalizer, read_hwu_csv, read_hwu_dir, read_manifest, read_slurp_jsonl

    norm = english_normalizer()
    total = {}
    for path in files:
        p = Path(path)
        kind = fmt
        if kind == "auto":
            if p.is_dir() or p.suffix == ".csv":
                kind = "hwu"
            else:
                first = next((line for line in p.read_text(encoding="utf-8", errors="replace").splitlines()
                              if line.strip()), "{}")
                kind = "slurp" if "sentence_annotation" in first else "manifest"
        if kind == "hwu":
            utts = read_hwu_dir(p, norm) if p.is_dir() else read_hwu_csv(p, norm)
        elif kind == "slurp":
            utts = read_slurp_jsonl(p, norm)
        else:
            utts = read_manifest(p)
        total[str(p)] = {"utterances": len(utts), "slots": sum(len(u.spans) for u in utts),
                         "intents": len({u.intent for u in utts})}
    _echo(total)
