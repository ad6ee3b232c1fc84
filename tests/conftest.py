"""Shared fixtures: small synthetic corpora the tests generate themselves, and the shared-data location."""

from __future__ import annotations

import random
from pathlib import Path
from typing import List

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"

_SYLLABLES = ["क", "मा", "री", "सु", "ने", "लो", "पा", "धि", "रा", "शी", "तु", "वे"]
_rng = random.Random(1234)
# One pseudo-word list for every seed, so corpora drawn with different seeds share a vocabulary.
PSEUDO_WORDS = sorted({"".join(_rng.choices(_SYLLABLES, k=_rng.randint(2, 4))) for _ in range(600)})


def _zipf_word(rng: random.Random) -> str:
    return PSEUDO_WORDS[min(int(rng.paretovariate(1.0)) - 1, len(PSEUDO_WORDS) - 1)]


def zipf_sentences(seed: int, n: int) -> List[str]:
    """``n`` sentences of 3-10 Zipf-distributed pseudo-words: natural counts of counts for Kneser-Ney."""
    rng = random.Random(seed)
    return [" ".join(_zipf_word(rng) for _ in range(rng.randint(3, 10))) for _ in range(n)]


def grammar_sentences(seed: int, n: int, flavour: int = 0) -> List[str]:
    """``n`` voice-assistant-like Hindi commands from a small random grammar.

    Different ``flavour`` values weight the same vocabulary differently, so LMs trained on
    them differ in a measurable way.
    """
    rng = random.Random(seed)
    verbs = ["चलाओ", "बताओ", "बंद करो", "शुरू करो", "दिखाओ", "सेट करो"]
    objects = ["गाना", "मौसम", "अलार्म", "लाइट", "खबर", "रेसिपी", "टाइमर", "कैलेंडर"]
    mods = ["आज का", "कल का", "नया", "पुराना", "मेरा", "रसोई की", "सुबह का"]
    polite = ["कृपया", "ज़रा", "अभी", ""]
    if flavour:
        random.Random(flavour).shuffle(objects)
    weights = [1.0 / (i + 1) for i in range(len(objects))]
    out = []
    for _ in range(n):
        words = [rng.choice(polite), rng.choice(mods), rng.choices(objects, weights)[0], rng.choice(verbs)]
        if rng.random() < 0.5:
            words.insert(2, _zipf_word(rng))
        out.append(" ".join(w for w in words if w))
    return out


@pytest.fixture
def write_lines(tmp_path):
    """Write a list of lines to a file under ``tmp_path`` and return its path."""

    def write(name: str, lines: List[str]) -> Path:
        path = tmp_path / name
        path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
        return path

    return write


@pytest.fixture
def shared_data() -> Path:
    """``../shared/data`` of the checkout; tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}")
    return SHARED_DATA


def train_arpa(lines: List[str], directory: Path, name: str, order: int = 3) -> Path:
    """An ARPA model of ``lines`` from the real lmplz (KenLM's fallback discounts: tiny corpora)."""
    from asrboot.lm.train import train_lm

    text = directory / f"{name}.txt"
    text.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(train_lm([text], directory / f"{name}.arpa", order=order, discount_fallback="always",
                         memory="100M").arpa)


def kenlm_sum(model, history, vocab) -> float:
    """Sum over ``vocab`` of kenlm's p(w | history) (history oldest first, may start with ``<s>``)."""
    import kenlm

    state, out = kenlm.State(), kenlm.State()
    if history and history[0] == "<s>":
        model.BeginSentenceWrite(state)
        history = history[1:]
    else:
        model.NullContextWrite(state)
    for w in history:
        model.BaseScore(state, w, out)
        state, out = out, state
    return sum(10 ** model.BaseScore(state, w, out) for w in vocab)


@pytest.fixture(scope="module")
def one_torch_thread():
    """One torch thread for a test module: on busy shared CPUs spinning OpenMP threads only slow small models."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
