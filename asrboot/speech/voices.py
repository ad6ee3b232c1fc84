"""espeak-ng Hindi voices and the disjoint voice split: training voices never speak evaluation data.

A voice is ``hi`` (espeak-ng's Hindi voice) or ``hi+<variant>`` with a variant such as ``m3``
or ``f2``; it is also the speaker id of what it synthesizes.
"""

from __future__ import annotations

import functools
import subprocess
from typing import FrozenSet, Set, Tuple

from lhotse import CutSet

EVAL_VOICES: Tuple[str, ...] = ("hi+f4", "hi+m6", "hi+m7")
TRAIN_VOICES: Tuple[str, ...] = (
    "hi", "hi+f1", "hi+f2", "hi+f3", "hi+f5", "hi+m1", "hi+m2", "hi+m3", "hi+m4", "hi+m5",
)
VOICE_SETS = {"train": TRAIN_VOICES, "eval": EVAL_VOICES}


def _voice_files(selector: str) -> Tuple[Tuple[str, str], ...]:
    """``(language, file)`` of each row of ``espeak-ng --voices=<selector>``."""
    out = subprocess.run(["espeak-ng", f"--voices={selector}"], capture_output=True, text=True, check=True).stdout
    # Columns: Pty Language Age/Gender VoiceName File [Other languages]; rows with more fields
    # (a file name with a space, as "!v/Mr serious") cannot be named in "-v hi+<variant>".
    return tuple((row[1], row[4]) for row in map(str.split, out.splitlines()[1:]) if len(row) == 5)


@functools.lru_cache(maxsize=None)
def installed_voices() -> FrozenSet[str]:
    """The Hindi voices this espeak-ng can speak: ``hi`` and ``hi+<variant>`` for every variant."""
    if not any(lang == "hi" and not f.startswith("mb/") for lang, f in _voice_files("hi")):
        return frozenset()
    return frozenset({"hi"} | {"hi+" + f[3:] for _, f in _voice_files("variant") if f.startswith("!v/")})


def resolve_voices(spec: str) -> Tuple[str, ...]:
    """Voices for ``"train"``, ``"eval"`` or a comma-separated list; all must be installed."""
    voices = VOICE_SETS.get(spec) or tuple(dict.fromkeys(v.strip() for v in spec.split(",") if v.strip()))
    if not voices:
        raise ValueError(f"no voices in {spec!r}")
    missing = [v for v in voices if v not in installed_voices()]
    if missing:
        raise ValueError(f"voices not available in espeak-ng: {', '.join(missing)} "
                         "(see 'espeak-ng --voices=variant')")
    return voices


def voice_gender(voice: str) -> str:
    """``"f"`` for the female variants ``hi+f<n>``, ``"m"`` for the others (``hi`` is a male voice)."""
    return "f" if voice.partition("+")[2].startswith("f") else "m"


def shared_speakers(a: CutSet, b: CutSet) -> Set[str]:
    """Speakers (voices, for synthetic speech) that have supervisions in both ``a`` and ``b``."""
    return {s.speaker for c in a for s in c.supervisions} & {s.speaker for c in b for s in c.supervisions}
