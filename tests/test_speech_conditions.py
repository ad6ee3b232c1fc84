"""Evaluation noise conditions (measured SNR, babble sources, determinism) and speed perturbation."""

from __future__ import annotations

import collections

import numpy as np
import pytest
import soundfile as sf
from lhotse import CutSet, Recording, SupervisionSegment

from asrboot.speech import (NOISE_TYPES, SynthConfig, parse_conditions, plan_noise, speed_perturb, synthesize,
                            write_conditions, write_corpus)
from asrboot.speech.noise import noise_signal
from asrboot.speech.rng import rng_for
from asrboot.speech.utterances import Utterance
from asrboot.text import Normalizer

from conftest import grammar_sentences

NOISY = ("snr20", "snr10", "snr5")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """6 synthesized utterances (one text twice) and their cuts in every condition."""
    out = tmp_path_factory.mktemp("cond")
    normalize = Normalizer.for_lm("hi")
    texts = [normalize(s) for s in grammar_sentences(seed=5, n=5)]
    utts = [Utterance(f"u{i}", t) for i, t in enumerate(texts + texts[:1])]
    cuts = synthesize(utts, out, SynthConfig(("hi+m6", "hi+f4")), jobs=1)
    return out, write_conditions(cuts, ("clean",) + NOISY, out, seed=0, jobs=2)


def measured_snr(clean: np.ndarray, mixed: np.ndarray) -> float:
    return 10 * np.log10(np.mean(clean ** 2) / np.mean((mixed - clean) ** 2))


def test_mixed_cuts_have_the_target_snr(corpus):
    out, sets = corpus
    clean = {c.id: c for c in sets["clean"]}
    for condition in NOISY:
        assert (out / f"cuts_{condition}.jsonl.gz").is_file()
        loaded = CutSet.from_file(out / f"cuts_{condition}.jsonl.gz")
        assert len(loaded) == 6
        for cut in loaded:
            assert cut.id == f"{cut.custom['clean_id']}-{condition}" == cut.supervisions[0].id
            assert sf.info(cut.recording.sources[0].source).samplerate == 16000
            reference = clean[cut.custom["clean_id"]]
            assert cut.supervisions[0].text == reference.supervisions[0].text
            mixed = cut.load_audio()[0] / cut.custom.get("mix_gain", 1.0)
            snr = measured_snr(reference.load_audio()[0], mixed)
            assert abs(snr - cut.custom["snr"]) < 1.0, (cut.id, snr)


def test_babble_is_made_of_other_utterances_never_the_target(corpus):
    _, sets = corpus
    clean = {c.id: c for c in sets["clean"]}
    babble = [c for c in sets["snr5"] if c.custom["noise"] == "babble"]
    assert babble, "seed 0 gives these 6 utterances some babble"
    for cut in babble:
        target = clean[cut.custom["clean_id"]]
        sources = cut.custom["babble_sources"]
        assert target.id not in sources
        assert all(clean[s].supervisions[0].text != target.supervisions[0].text for s in sources)
        # The noise correlates with its sources and not with the target (or its other rendering).
        noise = cut.load_audio()[0] / cut.custom.get("mix_gain", 1.0) - target.load_audio()[0]
        others = [c for i, c in clean.items() if i not in sources and i != target.id]
        in_babble = [_max_correlation(noise, clean[s].load_audio()[0]) for s in sources]
        not_in = [_max_correlation(noise, c.load_audio()[0]) for c in others + [target]]
        assert min(in_babble) > 2 * max(not_in), (in_babble, not_in)


def _max_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Largest normalized cross-correlation of ``x`` with ``y`` over all lags."""
    n = len(x) + len(y)
    corr = np.fft.irfft(np.fft.rfft(x, n) * np.conj(np.fft.rfft(y, n)), n)
    return float(np.abs(corr).max() / (np.linalg.norm(x) * np.linalg.norm(y)))


def test_noise_plan_is_seeded_per_utterance_and_babble_avoids_the_target_text():
    ids = [f"utt{i:03d}" for i in range(60)]
    texts = [f"text {i % 20}" for i in range(60)]  # each text three times
    plans = plan_noise(ids, texts, seed=1)
    assert collections.Counter(p.kind for p in plans.values()).keys() == set(NOISE_TYPES)
    for utt, text in zip(ids, texts):
        plan = plans[utt]
        assert plan.sources if plan.kind == "babble" else not plan.sources
        assert len(set(plan.sources)) == len(plan.sources) <= 4
        assert all(texts[ids.index(s)] != text for s in plan.sources)
    assert plan_noise(ids[::-1], texts[::-1], seed=1) == plans
    assert plan_noise(ids, texts, seed=2) != plans
    assert all(p.kind != "babble" for p in plan_noise(["a", "b"], ["same", "same"], seed=0).values())


def test_pink_noise_falls_off_with_frequency_and_white_does_not():
    for kind, expected in (("white", 0), ("pink", -1)):
        noise = noise_signal(kind, 1 << 16, rng_for(0, kind))
        assert noise.dtype == np.float32 and abs(np.mean(noise ** 2) - 1) < 1e-3
        power = np.abs(np.fft.rfft(noise)) ** 2
        bands = [power[lo:2 * lo].mean() for lo in (64, 4096)]  # 64 bins apart in octaves: 6 octaves
        slope = np.log2(bands[1] / bands[0]) / 6  # log2 power per octave: 0 white, -1 pink
        assert abs(slope - expected) < 0.25, (kind, slope)


def test_conditions_are_deterministic_across_jobs(corpus, tmp_path):
    _, sets = corpus
    again = write_conditions(sets["clean"], ("snr10",), tmp_path, seed=0, jobs=1)
    for a, b in zip(sets["snr10"], again["snr10"]):
        assert a.id == b.id and np.array_equal(a.load_audio(), b.load_audio())
    other = write_conditions(sets["clean"], ("snr10",), tmp_path / "s1", seed=1, jobs=1)
    assert any(not np.array_equal(a.load_audio(), b.load_audio()) for a, b in zip(sets["snr10"], other["snr10"]))


def test_loud_speech_is_scaled_not_clipped(tmp_path):
    path = tmp_path / "loud.flac"
    sf.write(path, 0.98 * np.sin(2 * np.pi * 440 * np.arange(16000) / 16000), 16000)
    recordings = [Recording.from_file(str(path), recording_id=i) for i in ("a", "b")]
    sups = [SupervisionSegment(id=r.id, recording_id=r.id, start=0, duration=1.0, text=t, speaker="s")
            for r, t in zip(recordings, ("गाना", "खबर"))]
    cuts = write_corpus(tmp_path, recordings, sups)
    for cut in write_conditions(cuts, ("snr5",), tmp_path, seed=0)["snr5"]:
        gain = cut.custom["mix_gain"]
        mixed = cut.load_audio()[0]
        assert gain < 1 and np.abs(mixed).max() <= 0.99 + 1e-4
        assert abs(measured_snr(cuts[cut.custom["clean_id"]].load_audio()[0], mixed / gain) - 5) < 1.0


def test_speed_perturbation_gives_three_speeds(corpus):
    _, sets = corpus
    cuts = sets["clean"].subset(first=2)
    perturbed = {c.id: c for c in speed_perturb(cuts)}
    assert len(perturbed) == 6
    for cut in cuts:
        for factor, suffix in ((0.9, "_sp0.9"), (1.0, ""), (1.1, "_sp1.1")):
            fast = perturbed[cut.id + suffix]
            assert fast.duration == pytest.approx(cut.duration / factor, abs=1e-3)
            assert fast.load_audio().shape[1] == fast.num_samples
            assert fast.supervisions[0].text == cut.supervisions[0].text


def test_unknown_condition_is_rejected():
    assert parse_conditions("clean, snr5") == ("clean", "snr5")
    with pytest.raises(ValueError, match="snr3"):
        parse_conditions("clean,snr3")
