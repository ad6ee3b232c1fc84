"""Bad audio on import: errors name the recording; stereo / other rates are converted to 16 kHz mono."""

from __future__ import annotations

import logging
import pickle

import numpy as np
import pytest
import soundfile as sf

from asrboot.speech import AudioError, ensure_recording


def tone(rate: int, seconds: float, freq: float = 440.0) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (0.5 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def dominant_frequency(audio: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(audio))
    return float(np.argmax(spectrum) * rate / len(audio))


def expect_audio_error(entry, recording_id: str, reason: str, fixed_dir=None) -> None:
    with pytest.raises(AudioError) as e:
        ensure_recording(str(entry), recording_id, fixed_dir)
    assert e.value.recording_id == recording_id and e.value.path == str(entry)
    assert f"recording {recording_id!r}: {reason}" in str(e.value) and str(entry) in str(e.value)


def test_unusable_audio_is_an_error_naming_the_recording(tmp_path):
    empty = tmp_path / "empty.flac"
    empty.write_bytes(b"")
    expect_audio_error(empty, "utt-empty", "empty audio file (0 bytes)")
    zero = tmp_path / "zero.wav"
    sf.write(zero, np.zeros(0, dtype=np.float32), 16000)
    assert zero.stat().st_size > 0
    expect_audio_error(zero, "utt-zero", "zero-length audio (no samples)")
    corrupt = tmp_path / "corrupt.flac"
    corrupt.write_bytes(b"fLaC" + bytes(range(256)) * 8)
    expect_audio_error(corrupt, "utt-corrupt", "unreadable audio")
    expect_audio_error(tmp_path / "absent.wav", "utt-absent", "audio file not found")
    nan = tmp_path / "nan.wav"
    sf.write(nan, np.full(100, np.nan, dtype=np.float32), 16000, subtype="FLOAT")
    expect_audio_error(nan, "utt-nan", "audio has non-finite (NaN/inf) samples")
    expect_audio_error(f"sox {corrupt} -t wav - |", "utt-pipe", "command failed")


def test_audio_error_survives_pickling_from_worker_processes():
    error = pickle.loads(pickle.dumps(AudioError("u1", "/a/b.flac", "bad")))
    assert (error.recording_id, error.path, str(error)) == ("u1", "/a/b.flac", "/a/b.flac: recording 'u1': bad")


def test_44k_stereo_is_downmixed_and_resampled(tmp_path, caplog):
    left, right = tone(44100, 1.5, 440.0), tone(44100, 1.5, 440.0)
    right[: len(right) // 2] = 0.0  # the channels differ: mono is their mean
    path = tmp_path / "stereo.wav"
    sf.write(path, np.stack([left, right], axis=1), 44100)
    expect_audio_error(path, "utt-st", "2 channel(s) at 44100 Hz needs conversion")
    with caplog.at_level(logging.WARNING):
        recording = ensure_recording(str(path), "utt-st", tmp_path / "fixed")
    assert "down-mixed 2 channels to mono, resampled 44100 Hz to 16000 Hz" in caplog.text
    fixed = recording.sources[0].source
    assert fixed == str(tmp_path / "fixed" / "utt-st.flac")
    info = sf.info(fixed)
    assert (info.format, info.samplerate, info.channels) == ("FLAC", 16000, 1)
    assert recording.id == "utt-st" and recording.duration == pytest.approx(1.5, abs=1e-3)
    audio = recording.load_audio()[0]
    assert dominant_frequency(audio, 16000) == pytest.approx(440, abs=2)
    first, second = audio[:8000], audio[16000:24000]
    assert np.sqrt(np.mean(second ** 2)) / np.sqrt(np.mean(first ** 2)) == pytest.approx(2.0, rel=0.02)


def test_good_audio_stays_in_place_and_pipes_work(tmp_path):
    path = tmp_path / "good.flac"
    sf.write(path, tone(16000, 1.0), 16000)
    recording = ensure_recording(str(path), "utt-good", tmp_path / "fixed")
    assert recording.sources[0].source == str(path) and not (tmp_path / "fixed").exists()
    piped = ensure_recording(f"sox {path} -t wav - |", "utt-pipe", tmp_path / "fixed")
    assert piped.sources[0].type == "command" and piped.num_samples == 16000
    assert np.array_equal(piped.load_audio(), recording.load_audio())
    narrow = tmp_path / "narrow.wav"
    sf.write(narrow, tone(8000, 1.0, 1000.0), 8000)
    resampled = ensure_recording(str(narrow), "utt-8k", tmp_path / "fixed")
    assert resampled.sampling_rate == 16000 and resampled.num_samples == 16000
    assert dominant_frequency(resampled.load_audio()[0], 16000) == pytest.approx(1000, abs=2)
