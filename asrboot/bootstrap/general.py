"""General-domain Hindi LM text: the general Hindi sets of ``shared/data`` (:mod:`asrboot.corpora.readers`) or a
raw text file, normalized for the LM, de-duplicated, without any sentence of the excluded (dev/test) texts."""

from __future__ import annotations

from typing import Dict, Iterable, Optional, Sequence

from asrboot.io import atomic_open, read_lines
from asrboot.text import Normalizer


def general_text(out: str, data_dir: Optional[str] = None, text: Optional[str] = None,
                 exclude: Sequence[str] = ()) -> Dict[str, int]:
    """Write normalized general Hindi (one sentence a line) to ``out``; exactly one of ``data_dir``/``text``."""
    if (data_dir is None) == (text is None):
        raise ValueError("give exactly one of data_dir and text")
    if data_dir is not None:
        from asrboot.corpora.readers import general_hindi_sentences

        raw: Iterable[str] = (s for _, s in general_hindi_sentences(data_dir))
    else:
        raw = (line for _, line in read_lines(text))
    normalizer = Normalizer.for_lm("hi")
    banned = {normalizer(line) for path in exclude for _, line in read_lines(path)}
    seen, stats = set(), {"read": 0, "empty": 0, "excluded": 0, "duplicate": 0, "kept": 0}
    with atomic_open(out) as f:
        for sentence in raw:
            stats["read"] += 1
            norm = normalizer(sentence)
            key = "empty" if not norm else "excluded" if norm in banned else "duplicate" if norm in seen else "kept"
            stats[key] += 1
            if key == "kept":
                seen.add(norm)
                f.write(norm + "\n")
    return stats
