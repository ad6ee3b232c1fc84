"""Readers of general Hindi text sets (raw sentences; normalize with :class:`asrboot.text.Normalizer`)."""

from asrboot.corpora.readers import (
    GENERAL_HINDI,
    common_voice_sentences,
    discourse_sentences,
    general_hindi_sentences,
    hiner_sentences,
)

__all__ = [
    "GENERAL_HINDI",
    "common_voice_sentences",
    "discourse_sentences",
    "general_hindi_sentences",
    "hiner_sentences",
]
