"""espeak-ng synthesis into lhotse manifests: determinism, audio format, manifests, voice split, input errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner
from lhotse import CutSet, validate

from asrboot.cli.speech import synth
from asrboot.io import InputError
from asrboot.speech import (EVAL_VOICES, TRAIN_VOICES, SynthConfig, read_utterances, resolve_voices,
                            shared_speakers, synthesize)
from asrboot.speech.voices import installed_voices
from asrboot.text import Normalizer

from conftest import grammar_sentences

SENTENCES = grammar_sentences(seed=11, n=5)


def audio_hashes(cuts) -> dict:
    """Hash of each cut's 16-bit samples."""
    return {c.id: hashlib.sha1(sf.read(c.recording.sources[0].source, dtype="int16")[0].tobytes()).hexdigest()
            for c in cuts}


@pytest.fixture(scope="module")
def cli_corpus(tmp_path_factory):
    """5 sentences synthesized by the CLI with the eval voices, 2 jobs, all conditions."""
    tmp = tmp_path_factory.mktemp("synth")
    text = tmp / "sents.txt"
    text.write_text("".join(f"{s}\n" for s in SENTENCES), encoding="utf-8")
    out = tmp / "corpus"
    result = CliRunner(mix_stderr=False).invoke(synth, [
        str(text), str(out), "--voices", "eval", "--jobs", "2", "--seed", "0",
        "--conditions", "clean,snr20,snr10,snr5",
    ])
    assert result.exit_code == 0, result.output + result.stderr
    return text, out, json.loads(result.stdout)


def test_cli_writes_a_valid_corpus_of_16k_mono_flac(cli_corpus):
    text, out, summary = cli_corpus
    assert summary["cuts"] == 5 and summary["conditions"] == {c: 5 for c in ("clean", "snr20", "snr10", "snr5")}
    for name in ("recordings", "supervisions", "cuts", "cuts_clean", "cuts_snr20", "cuts_snr10", "cuts_snr5"):
        assert (out / f"{name}.jsonl.gz").is_file()
    cuts = CutSet.from_file(out / "cuts.jsonl.gz")
    validate(cuts, read_data=True)
    normalize = Normalizer.for_lm("hi")
    assert [c.id for c in cuts] == [f"sents-{i:06d}" for i in range(1, 6)]
    for cut, sentence in zip(cuts, SENTENCES):
        path = Path(cut.recording.sources[0].source)
        assert path.parent == out.resolve() / "audio" / "clean"
        info = sf.info(str(path))
        assert (info.format, info.samplerate, info.channels) == ("FLAC", 16000, 1)
        sup = cut.supervisions[0]
        assert sup.text == normalize(sentence) and sup.id == cut.recording_id == cut.id
        assert sup.speaker in EVAL_VOICES
        words = len(sup.text.split())
        assert 0.15 * words < cut.duration < 0.8 * words + 1.0
        audio = cut.load_audio()[0]
        assert 0.02 < np.sqrt(np.mean(audio ** 2)) and np.abs(audio).max() < 0.6  # speech, with headroom


def test_synthesis_is_deterministic_per_seed_and_independent_of_jobs(cli_corpus, tmp_path):
    text, out, _ = cli_corpus
    utterances = read_utterances(text)
    reference = audio_hashes(CutSet.from_file(out / "cuts.jsonl.gz"))  # seed 0, 2 jobs
    config = SynthConfig(resolve_voices("eval"), seed=0)
    assert audio_hashes(synthesize(utterances, tmp_path / "a", config, jobs=1)) == reference
    other = synthesize(utterances, tmp_path / "b", SynthConfig(resolve_voices("eval"), seed=1), jobs=1)
    assert all(h != reference[i] for i, h in audio_hashes(other).items())


def test_rerun_reuses_valid_audio_and_redoes_damaged_or_changed(tmp_path):
    utterances = read_utterances(_write(tmp_path / "t.txt", SENTENCES[:3]))
    config = SynthConfig(("hi+m1", "hi+f2"), seed=3)
    cuts = synthesize(utterances, tmp_path / "c", config)
    first = audio_hashes(cuts)
    paths = {c.id: Path(c.recording.sources[0].source) for c in cuts}
    mtimes = {i: p.stat().st_mtime_ns for i, p in paths.items()}
    damaged = utterances[1].id
    paths[damaged].write_bytes(b"not audio")
    assert audio_hashes(synthesize(utterances, tmp_path / "c", config)) == first
    assert all(paths[i].stat().st_mtime_ns == mtimes[i] for i in paths if i != damaged)
    changed = synthesize(utterances, tmp_path / "c", SynthConfig(("hi+m1", "hi+f2"), seed=4))
    assert audio_hashes(changed) != first


def _write(path: Path, lines) -> Path:
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def test_train_and_eval_voices_are_disjoint_and_installed(cli_corpus, tmp_path):
    assert len(EVAL_VOICES) == 3 and not set(TRAIN_VOICES) & set(EVAL_VOICES)
    assert set(TRAIN_VOICES) | set(EVAL_VOICES) <= installed_voices()
    _, out, _ = cli_corpus
    eval_cuts = CutSet.from_file(out / "cuts.jsonl.gz")
    train_cuts = synthesize(read_utterances(_write(tmp_path / "t.txt", SENTENCES)), tmp_path / "train",
                            SynthConfig(resolve_voices("train")))
    assert {s.speaker for c in train_cuts for s in c.supervisions} <= set(TRAIN_VOICES)
    assert shared_speakers(train_cuts, eval_cuts) == set()
    assert shared_speakers(eval_cuts, eval_cuts)


def test_tsv_input_ids_columns_and_limit(write_lines):
    path = write_lines("dev.tsv", ["id\ten\thi", "a1\tplay\tगाना चलाओ।", "a2\tstop\t", "a3\tsay 5\t5 बताओ"])
    utts = read_utterances(path, column="hi", id_column="id")
    spelled = Normalizer.for_lm("hi")("5 बताओ")
    assert spelled != "5 बताओ"
    assert [(u.id, u.text) for u in utts] == [("a1", "गाना चलाओ"), ("a3", spelled)]
    assert [u.id for u in read_utterances(path, column="hi", limit=1)] == ["dev-000002"]


def test_tsv_errors_name_file_and_line(write_lines, tmp_path):
    bad = write_lines("bad.tsv", ["id\ten\thi", "a1\tplay\tगाना चलाओ", "a2\tगाना बंद करो"])
    with pytest.raises(InputError) as e:
        read_utterances(bad, column="hi", id_column="id")
    assert (e.value.path, e.value.line) == (str(bad), 3)
    with pytest.raises(InputError, match=r"bad.tsv:1: no column 'text'"):
        read_utterances(bad, column="text")
    dup = write_lines("dup.tsv", ["id\thi", "a1\tगाना", "a1\tखबर"])
    with pytest.raises(InputError, match=r"dup.tsv:3: duplicate utterance id 'a1' \(first on line 2\)"):
        read_utterances(dup, column="hi", id_column="id")
    result = CliRunner(mix_stderr=False).invoke(synth, [str(bad), str(tmp_path / "o"), "--column", "hi"])
    assert result.exit_code == 1 and f"{bad}:3: 2 tab-separated fields, the header has 3" in result.stderr


def test_plain_text_skips_empty_lines_but_keeps_line_ids(write_lines):
    path = write_lines("s.txt", ["गाना चलाओ", "", "।।", "खबर दिखाओ"])
    assert [u.id for u in read_utterances(path, id_prefix="x")] == ["x-000001", "x-000004"]


def test_bad_voices_and_ranges_are_rejected(write_lines, tmp_path):
    with pytest.raises(ValueError, match="hi\\+nobody"):
        resolve_voices("hi+m1,hi+nobody")
    with pytest.raises(ValueError, match="pitch range 50:120"):
        SynthConfig(("hi",), pitch=(50, 120))
    result = CliRunner(mix_stderr=False).invoke(
        synth, [str(write_lines("s.txt", ["गाना"])), str(tmp_path / "o"), "--speed", "fast"])
    assert result.exit_code == 2 and "LOW:HIGH" in result.stderr
