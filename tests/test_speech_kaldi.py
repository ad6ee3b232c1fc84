"""Kaldi data dirs: export -> validate -> import round trip, segments, and validator errors with file and line."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner
from lhotse import CutSet, SupervisionSegment

from asrboot.cli.speech import data
from asrboot.io import InputError
from asrboot.speech import (SynthConfig, export_kaldi, import_kaldi, synthesize, validate_kaldi_dir,
                            write_corpus)
from asrboot.speech.utterances import Utterance
from asrboot.text import Normalizer

from conftest import grammar_sentences


@pytest.fixture(scope="module")
def cuts(tmp_path_factory) -> CutSet:
    normalize = Normalizer.for_lm("hi")
    utts = [Utterance(f"k{i}", normalize(s)) for i, s in enumerate(grammar_sentences(seed=9, n=4))]
    return synthesize(utts, tmp_path_factory.mktemp("kaldi"), SynthConfig(("hi+m1", "hi+f1", "hi+m2"), seed=2))


@pytest.fixture
def kaldi_dir(cuts, tmp_path):
    export_kaldi(cuts, tmp_path / "data")
    return tmp_path / "data"


def test_export_import_round_trip(cuts, kaldi_dir, tmp_path):
    names = sorted(p.name for p in kaldi_dir.iterdir())
    assert names == ["reco2dur", "spk2gender", "spk2utt", "text", "utt2spk", "wav.scp"]  # no segments needed
    imported = import_kaldi(kaldi_dir, tmp_path / "lhotse")
    assert (tmp_path / "lhotse" / "cuts.jsonl.gz").is_file()
    by_id = {c.id: c for c in imported}
    assert len(by_id) == len(cuts)
    for cut in cuts:
        sup = cut.supervisions[0]
        back = by_id[f"{sup.speaker}-{cut.id}"]  # utterance ids get the speaker as prefix
        got = back.supervisions[0]
        assert (got.text, got.speaker, got.gender) == (sup.text, sup.speaker, sup.gender)
        assert back.duration == pytest.approx(cut.duration, abs=1e-6)
        assert np.array_equal(back.load_audio(), cut.load_audio())  # through the sox pipe of wav.scp


def test_export_writes_segments_when_recordings_hold_several_utterances(cuts, tmp_path):
    recording = cuts[0].recording
    half = recording.duration / 2
    sups = [SupervisionSegment(id=f"spk-{i}", recording_id=recording.id, start=start, duration=half, text=t,
                               speaker="spk") for i, (start, t) in enumerate(((0.0, "पहला"), (half, "दूसरा")))]
    two = write_corpus(tmp_path / "two", [recording], sups)
    exported = export_kaldi(two, tmp_path / "data")
    assert exported.segments is not None and list(exported.wav.values) == [recording.id]
    assert exported.spans["spk-1"] == (recording.id, pytest.approx(half, abs=1e-4), pytest.approx(2 * half, abs=1e-4))
    imported = import_kaldi(tmp_path / "data", tmp_path / "back")
    assert [c.id for c in imported] == ["spk-0", "spk-1"]
    assert [round(c.duration, 3) for c in imported] == [round(half, 3)] * 2
    assert imported[1].supervisions[0].text == "दूसरा"


def _lines(path):
    return path.read_text(encoding="utf-8").splitlines(keepends=True)


def _expect_error(kaldi_dir, file_name, line, message):
    with pytest.raises(InputError, match=re.escape(message)) as e:
        validate_kaldi_dir(kaldi_dir)
    assert (e.value.path, e.value.line) == (str(kaldi_dir / file_name), line)


def test_validator_catches_unsorted_file(kaldi_dir):
    text = _lines(kaldi_dir / "text")
    (kaldi_dir / "text").write_text("".join([text[1], text[0]] + text[2:]), encoding="utf-8")
    _expect_error(kaldi_dir, "text", 2, "not sorted")
    result = CliRunner(mix_stderr=False).invoke(data, ["kaldi-validate", str(kaldi_dir)])
    assert result.exit_code == 1 and f"{kaldi_dir / 'text'}:2: not sorted" in result.stderr


def test_validator_catches_missing_wav_entry(kaldi_dir):
    wav = _lines(kaldi_dir / "wav.scp")
    (kaldi_dir / "wav.scp").write_text("".join(wav[:2] + wav[3:]), encoding="utf-8")
    missing = wav[2].split()[0]
    _expect_error(kaldi_dir, "text", 3, f"utterance '{missing}' has no wav.scp entry")


def test_validator_catches_speaker_inconsistencies(kaldi_dir):
    spk2utt = _lines(kaldi_dir / "spk2utt")
    utts = [line.split()[0] for line in _lines(kaldi_dir / "utt2spk")]
    speaker, first_utt = spk2utt[-1].split()[:2]
    (kaldi_dir / "spk2utt").write_text("".join(spk2utt[:-1]), encoding="utf-8")
    _expect_error(kaldi_dir, "utt2spk", utts.index(first_utt) + 1, f"speaker '{speaker}' is not in spk2utt")
    (kaldi_dir / "spk2utt").write_text("".join(spk2utt[:-1] + [f"{speaker} bogus\n"]), encoding="utf-8")
    _expect_error(kaldi_dir, "spk2utt", len(spk2utt), f"utterances of '{speaker}' differ from utt2spk's")


def test_validator_needs_utt2spk_sorted_by_speaker_too(kaldi_dir):
    wav = _lines(kaldi_dir / "wav.scp")[:2]
    (kaldi_dir / "wav.scp").write_text("".join(f"a{i} {line.split(None, 1)[1]}" for i, line in enumerate(wav)))
    (kaldi_dir / "text").write_text("a0 गाना\na1 खबर\n", encoding="utf-8")
    (kaldi_dir / "utt2spk").write_text("a0 spkB\na1 spkA\n")
    (kaldi_dir / "spk2utt").write_text("spkA a1\nspkB a0\n")
    for name in ("reco2dur", "spk2gender"):
        (kaldi_dir / name).unlink()
    _expect_error(kaldi_dir, "utt2spk", 2, "speaker 'spkA' after 'spkB': utt2spk must also be sorted by speaker")


def test_validator_catches_missing_file_and_duplicates(kaldi_dir):
    utt2spk = _lines(kaldi_dir / "utt2spk")
    (kaldi_dir / "utt2spk").write_text("".join(utt2spk[:2] + utt2spk[1:]), encoding="utf-8")
    _expect_error(kaldi_dir, "utt2spk", 3, "duplicate key")
    (kaldi_dir / "spk2utt").unlink()
    _expect_error(kaldi_dir, "spk2utt", None, "missing")


def test_import_names_bad_audio_by_wav_scp_line(kaldi_dir, tmp_path):
    wav = _lines(kaldi_dir / "wav.scp")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    rec_id = wav[1].split()[0]
    wav[1] = f"{rec_id} {empty}\n"
    (kaldi_dir / "wav.scp").write_text("".join(wav), encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(f"recording {rec_id!r}: empty audio file")) as e:
        import_kaldi(kaldi_dir, tmp_path / "out")
    assert (e.value.path, e.value.line) == (str(kaldi_dir / "wav.scp"), 2)


def test_cli_export_validate_import(cuts, tmp_path):
    manifest = tmp_path / "cuts.jsonl.gz"
    cuts.to_file(manifest)
    runner = CliRunner(mix_stderr=False)
    exported = runner.invoke(data, ["kaldi-export", str(manifest), str(tmp_path / "d")])
    assert exported.exit_code == 0, exported.stderr
    assert json.loads(exported.stdout) == {"utterances": 4, "speakers": len({s.speaker for c in cuts
                                                                             for s in c.supervisions}),
                                           "recordings": 4, "segments": False}
    imported = runner.invoke(data, ["kaldi-import", str(tmp_path / "d"), str(tmp_path / "l")])
    assert imported.exit_code == 0 and json.loads(imported.stdout)["cuts"] == 4
