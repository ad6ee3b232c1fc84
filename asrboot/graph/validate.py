"""Lang directory checks, in the spirit of Kaldi's ``validate_lang.pl``; problems name file and line."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, List, Optional

import torch

from asrboot.graph.lang import LANG_FILES
from asrboot.graph.lexicon import iter_lexicon
from asrboot.graph.symbols import BOS, DISAMBIG0, EOS, EPS, is_disambig
from asrboot.io import InputError, PathLike
from asrboot.tokens import BLANK, read_symbols, read_tokens

MAX_PER_FILE = 20


def _check_tokens(path: Path, problems: List[InputError]) -> Optional[Dict[str, int]]:
    try:
        tokens = read_tokens(path)
    except InputError as e:
        problems.append(e)
        return None
    disambig = sorted((int(t[1:]), i) for t, i in tokens.items() if is_disambig(t))
    if not disambig or disambig[0][0] != 0:
        problems.append(InputError(path, None, f"missing disambiguation symbol {DISAMBIG0}"))
        return tokens
    if [k for k, _ in disambig] != list(range(len(disambig))):
        problems.append(InputError(path, None, "disambiguation symbols are not #0..#k without gaps"))
    am_max = max(i for t, i in tokens.items() if not is_disambig(t))
    if min(i for _, i in disambig) <= am_max:
        problems.append(InputError(path, None, "disambiguation symbols must have ids above every AM token"))
    return tokens


def _check_words(path: Path, problems: List[InputError]) -> Optional[Dict[str, int]]:
    try:
        words = read_symbols(path)
    except InputError as e:
        problems.append(e)
        return None
    if words.get(EPS) != 0:
        problems.append(InputError(path, None, f"{EPS} must be word 0"))
    for sym in (DISAMBIG0, BOS, EOS):
        if sym not in words:
            problems.append(InputError(path, None, f"missing {sym}"))
    return words


def _check_lexicon(path: Path, tokens: Dict[str, int], words: Dict[str, int], disambig: bool,
                   problems: List[InputError]) -> None:
    found = 0
    try:
        for lineno, word, units in iter_lexicon(path):
            if found >= MAX_PER_FILE:
                return
            problem = None
            if word not in words or word in (EPS, DISAMBIG0, BOS, EOS):
                problem = f"word {word!r} is not a word of words.txt"
            elif disambig and is_disambig(units[0]):
                problem = f"word {word!r} has only disambiguation symbols"
            else:
                for i, unit in enumerate(units):
                    if unit not in tokens:
                        problem = f"unit {unit!r} of {word!r} is not in tokens.txt"
                    elif is_disambig(unit) and not (disambig and i == len(units) - 1 and unit != DISAMBIG0):
                        problem = f"disambiguation symbol {unit!r} of {word!r} not allowed here"
                    if problem:
                        break
            if problem:
                problems.append(InputError(path, lineno, problem))
                found += 1
    except InputError as e:
        problems.append(e)


def _check_fst(path: Path, tokens: Dict[str, int], words: Dict[str, int], disambig: bool,
               problems: List[InputError]) -> None:
    import k2

    try:
        fsa = k2.Fsa.from_dict(torch.load(path))
    except Exception as e:  # noqa: BLE001 - any failure to load is the finding
        problems.append(InputError(path, None, f"cannot load as a k2 Fsa: {e}"))
        return
    if not isinstance(getattr(fsa, "aux_labels", None), torch.Tensor):
        problems.append(InputError(path, None, "no (tensor) aux_labels: not a lexicon transducer"))
        return
    labels, aux = fsa.labels[fsa.labels >= 0], fsa.aux_labels[fsa.aux_labels >= 0]
    token_max = max(i for t, i in tokens.items() if disambig or not is_disambig(t))
    word_ok = {i for w, i in words.items() if w not in (BOS, EOS) and (disambig or w != DISAMBIG0)}
    if labels.numel() and int(labels.max()) > token_max:
        problems.append(InputError(path, None, f"label {int(labels.max())} is beyond the tokens of tokens.txt "
                                   f"(max {token_max} {'with' if disambig else 'without'} disambiguation)"))
    bad = set(aux.unique().tolist()) - word_ok - {0}
    if bad:
        problems.append(InputError(path, None, f"output labels not in words.txt: {sorted(bad)[:5]}"))
    if disambig and not bool((fsa.labels == tokens[DISAMBIG0]).any()):
        problems.append(InputError(path, None, f"no {DISAMBIG0} self-loop for the LM back-off arcs"))


def validate_lang(lang_dir: PathLike) -> List[InputError]:
    """All problems found in a lang directory (empty when it is valid)."""
    root = Path(lang_dir)
    problems = [InputError(root / n, None, "missing") for n in LANG_FILES if not (root / n).is_file()]
    if problems:
        return problems
    tokens = _check_tokens(root / "tokens.txt", problems)
    words = _check_words(root / "words.txt", problems)
    if tokens is None or words is None or tokens.get(BLANK) != 0 or DISAMBIG0 not in tokens or problems:
        return problems
    _check_lexicon(root / "lexicon.txt", tokens, words, False, problems)
    _check_lexicon(root / "lexicon_disambig.txt", tokens, words, True, problems)
    _check_fst(root / "L.pt", tokens, words, False, problems)
    _check_fst(root / "L_disambig.pt", tokens, words, True, problems)
    return problems
