"""Speech corpora as lhotse manifests: espeak-ng synthesis, noise conditions, Kaldi data dirs, real speech."""

from __future__ import annotations

from asrboot.speech.audio import SAMPLING_RATE, AudioError, ensure_recording
from asrboot.speech.augment import CONDITIONS, parse_conditions, speed_perturb, write_conditions
from asrboot.speech.kaldi import KaldiDir, export_kaldi, import_kaldi, validate_kaldi_dir
from asrboot.speech.manifests import describe, write_corpus
from asrboot.speech.noise import NOISE_TYPES, plan_noise
from asrboot.speech.synth import SynthConfig, synthesize
from asrboot.speech.utterances import Utterance, read_utterances
from asrboot.speech.voices import EVAL_VOICES, TRAIN_VOICES, resolve_voices, shared_speakers
from asrboot.speech.yadavally import import_yadavally

__all__ = [
    "CONDITIONS", "EVAL_VOICES", "NOISE_TYPES", "SAMPLING_RATE", "TRAIN_VOICES", "AudioError", "KaldiDir",
    "SynthConfig", "Utterance", "describe", "ensure_recording", "export_kaldi", "import_kaldi",
    "import_yadavally", "parse_conditions", "plan_noise", "read_utterances", "resolve_voices",
    "shared_speakers", "speed_perturb", "synthesize", "validate_kaldi_dir", "write_conditions", "write_corpus",
]
