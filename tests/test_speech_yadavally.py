"""Import of the real Hindi broadcast set (skips without shared data) and its error checks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner
from lhotse import CutSet, validate

from asrboot.cli.speech import data
from asrboot.io import InputError
from asrboot.speech import AudioError, export_kaldi, import_yadavally
from asrboot.speech.audio import write_flac
from asrboot.text import Normalizer


def test_import_yadavally(shared_data, tmp_path):
    corpus = shared_data / "hindi_speech_corpus_yadavally"
    result = CliRunner(mix_stderr=False).invoke(data, ["import-yadavally", str(corpus), str(tmp_path / "y")])
    assert result.exit_code == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["cuts"] == 160 and summary["speakers"] == 4
    assert summary["hours"] * 60 == pytest.approx(20.7, abs=0.1)  # SOURCE.md: 20.7 minutes
    cuts = CutSet.from_file(tmp_path / "y" / "cuts.jsonl.gz").to_eager()
    validate(cuts)
    normalize = Normalizer.for_lm("hi")
    assert not (tmp_path / "y" / "audio").exists()  # audio referenced in place, never copied
    speakers = {c.supervisions[0].speaker for c in cuts}
    assert speakers == {"00A-m", "00C-m", "00D-m", "00D-f"}
    for cut in cuts:
        sup = cut.supervisions[0]
        assert sup.text and normalize(sup.text) == sup.text and sup.language == "hi"
        assert cut.recording.sources[0].source.startswith(str(corpus))
    first = cuts["00A001"]
    assert first.supervisions[0].text.startswith("ये विजयादशमी का पर्व")
    assert first.duration == pytest.approx(5.17, abs=0.02)
    assert np.abs(first.load_audio()).max() > 0.05
    assert len(export_kaldi(cuts, tmp_path / "kaldi").utt2spk.values) == 160


@pytest.fixture
def fake_corpus(tmp_path):
    """A two-utterance corpus in the yadavally layout."""
    (tmp_path / "flac16k").mkdir()
    for utt, seconds in (("00A001", 1.0), ("00D002", 0.5)):
        write_flac(tmp_path / "flac16k" / f"{utt}.flac", 0.1 * np.ones(int(16000 * seconds), dtype=np.float32))
    rows = ["utt_id\tspeaker_gender\tduration_s\ttext", "00A001\tM\t1.00\tनमस्ते 2 बार", "00D002\tF\t0.50\tखबर।"]
    (tmp_path / "transcripts.tsv").write_text("".join(f"{r}\n" for r in rows), encoding="utf-8")
    return tmp_path


def test_import_of_a_small_corpus_normalizes_text(fake_corpus, tmp_path):
    cuts = import_yadavally(fake_corpus, tmp_path / "out")
    assert [(c.id, c.supervisions[0].speaker, c.supervisions[0].text) for c in cuts] == [
        ("00A001", "00A-m", Normalizer.for_lm("hi")("नमस्ते 2 बार")), ("00D002", "00D-f", "खबर")]


def test_import_errors_name_the_utterance(fake_corpus, tmp_path):
    tsv = fake_corpus / "transcripts.tsv"
    tsv.write_text(tsv.read_text(encoding="utf-8").replace("\t0.50\t", "\t0.80\t"), encoding="utf-8")
    with pytest.raises(InputError, match="transcripts.tsv:3: 00D002: audio lasts 0.500 s, not 0.8 s"):
        import_yadavally(fake_corpus, tmp_path / "out")
    (fake_corpus / "flac16k" / "00D002.flac").write_bytes(b"")
    with pytest.raises(AudioError, match="recording '00D002': empty audio file"):
        import_yadavally(fake_corpus, tmp_path / "out")
