"""``asrboot synth`` and ``asrboot data``: speech corpora as lhotse manifests."""

from __future__ import annotations

import json
from typing import Tuple

import click


class _Command(click.Command):
    """Reports bad input (``ValueError``, e.g. an ``InputError`` naming file and line) in one line."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ValueError as e:
            raise click.ClickException(str(e)) from e


def _int_range(ctx: click.Context, param: click.Parameter, value: str) -> Tuple[int, int]:
    try:
        low, high = (int(v) for v in value.split(":"))
    except ValueError:
        raise click.BadParameter(f"expected LOW:HIGH, e.g. 140:190, not {value!r}") from None
    return low, high


def _echo(summary: dict) -> None:
    click.echo(json.dumps(summary, ensure_ascii=False))


@click.command("synth", cls=_Command)
@click.argument("text_path", type=click.Path(exists=True, dir_okay=False))
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.option("--column", help="Read TEXT_PATH as a TSV with a header; the text is in this column "
                               "(default: plain text, one utterance a line).")
@click.option("--id-column", help="TSV column with utterance ids (default: <id-prefix>-<line number>).")
@click.option("--id-prefix", help="Prefix of generated utterance ids (default: TEXT_PATH's stem).")
@click.option("--voices", default="train", show_default=True,
              help="'train', 'eval' (held-out voices, disjoint from 'train') or a comma list, e.g. hi+m1,hi+f2.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of voices, speed, pitch and noise.")
@click.option("--jobs", type=click.IntRange(min=1), default=1, show_default=True, help="Worker processes.")
@click.option("--conditions", default="clean", show_default=True,
              help="Comma list of clean, snr20, snr10, snr5: one cuts_<condition>.jsonl.gz each.")
@click.option("--speed", default="140:190", callback=_int_range, show_default=True,
              help="espeak-ng speed range (words per minute).")
@click.option("--pitch", default="30:70", callback=_int_range, show_default=True, help="espeak-ng pitch range (0-99).")
@click.option("--limit", type=click.IntRange(min=1), help="Synthesize only the first N utterances.")
def synth(text_path, out_dir, column, id_column, id_prefix, voices, seed, jobs, conditions, speed, pitch, limit):
    """Synthesize TEXT_PATH with espeak-ng into a lhotse corpus in OUT_DIR (16 kHz mono FLAC)."""
    from asrboot.speech import (SynthConfig, describe, parse_conditions, read_utterances, resolve_voices,
                                synthesize, write_conditions)

    config = SynthConfig(resolve_voices(voices), speed, pitch, seed)
    names = parse_conditions(conditions)
    utterances = read_utterances(text_path, column, id_column, id_prefix, limit)
    if not utterances:
        raise click.ClickException(f"{text_path}: no utterance with text")
    cuts = synthesize(utterances, out_dir, config, jobs=jobs)
    sets = write_conditions(cuts, names, out_dir, seed=seed, jobs=jobs)
    _echo({**describe(cuts), "voices": list(config.voices), "conditions": {c: len(s) for c, s in sets.items()}})


@click.group("data")
def data() -> None:
    """Speech corpora: Kaldi data dirs and import of real speech."""


@data.command("kaldi-export", cls=_Command)
@click.argument("cuts_path", type=click.Path(exists=True, dir_okay=False))
@click.argument("kaldi_dir", type=click.Path(file_okay=False))
@click.option("--speaker-prefix/--no-speaker-prefix", default=True, show_default=True,
              help="Prefix utterance ids with '<speaker>-' so Kaldi's sort orders agree.")
def kaldi_export(cuts_path, kaldi_dir, speaker_prefix):
    """Write the cuts of CUTS_PATH (a lhotse manifest) as the Kaldi data dir KALDI_DIR."""
    from lhotse import CutSet

    from asrboot.speech import export_kaldi

    exported = export_kaldi(CutSet.from_file(cuts_path), kaldi_dir, speaker_prefix=speaker_prefix)
    _echo(_kaldi_summary(exported))


@data.command("kaldi-import", cls=_Command)
@click.argument("kaldi_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("out_dir", type=click.Path(file_okay=False))
def kaldi_import(kaldi_dir, out_dir):
    """Validate the Kaldi data dir KALDI_DIR and write it as a lhotse corpus in OUT_DIR."""
    from asrboot.speech import describe, import_kaldi

    _echo(describe(import_kaldi(kaldi_dir, out_dir)))


@data.command("kaldi-validate", cls=_Command)
@click.argument("kaldi_dir", type=click.Path(exists=True, file_okay=False))
def kaldi_validate(kaldi_dir):
    """Check KALDI_DIR like Kaldi's validate_data_dir.sh; errors name file and line."""
    from asrboot.speech import validate_kaldi_dir

    _echo(_kaldi_summary(validate_kaldi_dir(kaldi_dir)))


@data.command("import-yadavally", cls=_Command)
@click.argument("corpus_dir", type=click.Path(exists=True, file_okay=False))
@click.argument("out_dir", type=click.Path(file_okay=False))
def import_yadavally_cmd(corpus_dir, out_dir):
    """Import the Hindi broadcast set CORPUS_DIR (hindi_speech_corpus_yadavally) into OUT_DIR."""
    from asrboot.speech import describe, import_yadavally

    _echo(describe(import_yadavally(corpus_dir, out_dir)))


def _kaldi_summary(kaldi_dir) -> dict:
    return {
        "utterances": len(kaldi_dir.utt2spk.values),
        "speakers": len(kaldi_dir.spk2utt.values),
        "recordings": len(kaldi_dir.wav.values),
        "segments": kaldi_dir.segments is not None,
    }
