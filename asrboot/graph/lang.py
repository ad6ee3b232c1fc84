"""Lang directories (icefall layout): token/word tables, lexicons and the lexicon FSTs ``L``.

On disk::

    tokens.txt            AM tokens (ids unchanged, <blk> 0) then #0 .. #k
    words.txt             <eps> 0, [<UNK>], words (sorted), #0, <s>, </s>
    lexicon.txt           word unit unit ...      (units: graphemes or BPE pieces)
    lexicon_disambig.txt  the same with #1.. appended where spellings are shared or are prefixes
    L.pt, L_disambig.pt   k2 Fsa dicts: tokens -> words, no optional silence (CTC, as icefall's
                          lexicon_to_fst_no_sil); L_disambig has a #0:#0 self-loop for G's back-offs
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Union

import numpy as np
import torch

from asrboot.graph.lexicon import Entry, add_disambig, build_lexicon, unit_source, write_lexicon
from asrboot.graph.symbols import BOS, DISAMBIG0, EOS, EPS, is_disambig
from asrboot.io import PathLike, atomic_path
from asrboot.tokens import read_symbols, read_tokens, write_symbols

log = logging.getLogger(__name__)

LANG_FILES = ("tokens.txt", "words.txt", "lexicon.txt", "lexicon_disambig.txt", "L.pt", "L_disambig.pt")


def lexicon_fst(entries: Sequence[Entry], tokens: Dict[str, int], words: Dict[str, int],
                disambig_loop: bool = False):
    """The lexicon transducer (tokens -> words) as a k2 Fsa.

    Every word is a chain of its units leaving and re-entering the loop state 0, the word label on
    the first arc; ``disambig_loop`` adds the ``#0:#0`` self-loop that lets G's back-off arcs through.
    """
    import k2

    loop_src, loop_dst, loop_lab, loop_aux = [], [], [], []
    chain_src, chain_dst, chain_lab = [], [], []
    next_state = 1
    for word, units in entries:
        ids = [tokens[u] for u in units]
        first_dst = 0 if len(ids) == 1 else next_state
        loop_src.append(0), loop_dst.append(first_dst), loop_lab.append(ids[0]), loop_aux.append(words[word])
        for i, tok in enumerate(ids[1:], start=1):
            chain_src.append(next_state)
            chain_dst.append(0 if i == len(ids) - 1 else next_state + 1)
            chain_lab.append(tok)
            next_state += 1
    if disambig_loop:
        loop_src.append(0), loop_dst.append(0), loop_lab.append(tokens[DISAMBIG0]), loop_aux.append(words[DISAMBIG0])
    final = next_state
    loop_src.append(0), loop_dst.append(final), loop_lab.append(-1), loop_aux.append(-1)
    src = np.array(loop_src + chain_src, dtype=np.int32)
    arcs = np.zeros((len(src), 4), dtype=np.int32)
    arcs[:, 0] = src
    arcs[:, 1] = loop_dst + chain_dst
    arcs[:, 2] = loop_lab + chain_lab
    aux = np.array(loop_aux + [0] * len(chain_src), dtype=np.int32)
    return k2.Fsa(torch.from_numpy(arcs), torch.from_numpy(aux))


@dataclass
class LangReport:
    lang_dir: str
    words: int
    skipped: List[str] = field(default_factory=list)
    max_disambig: int = 0


def prepare_lang(
    lang_dir: PathLike,
    tokens: Union[PathLike, Dict[str, int]],
    words: Iterable[str],
    bpe_model: Optional[PathLike] = None,
    oov: str = "unk",
) -> LangReport:
    """Write a lang directory for ``words`` spelled in the AM units of ``tokens``.

    tokens: the AM token table (or its ``tokens.txt``); ids are kept, ``#0..#k`` appended.
    bpe_model: spell words with this sentencepiece model instead of graphemes.
    oov: what to do with words whose units are not all AM tokens (see :func:`build_lexicon`).
    """
    lang_dir = Path(lang_dir)
    lang_dir.mkdir(parents=True, exist_ok=True)
    am_tokens = dict(read_tokens(tokens) if not isinstance(tokens, dict) else tokens)
    bad = [t for t in am_tokens if is_disambig(t)]
    if bad:
        raise ValueError(f"AM token table already has disambiguation symbols: {bad[:5]}")
    entries, skipped = build_lexicon(words, am_tokens, unit_source(bpe_model), oov)
    if not entries:
        raise ValueError("no word could be spelled with the AM tokens: the lexicon would be empty")
    disambig_entries, max_disambig = add_disambig(entries)

    token_table = dict(am_tokens)
    next_id = max(am_tokens.values()) + 1
    for i in range(max_disambig + 1):
        token_table[f"#{i}"] = next_id + i
    word_table = {EPS: 0}
    for word, _ in entries:
        word_table[word] = len(word_table)
    for sym in (DISAMBIG0, BOS, EOS):
        word_table[sym] = len(word_table)

    write_symbols(token_table, lang_dir / "tokens.txt")
    write_symbols(word_table, lang_dir / "words.txt")
    write_lexicon(entries, lang_dir / "lexicon.txt")
    write_lexicon(disambig_entries, lang_dir / "lexicon_disambig.txt")
    for name, ents, loop in (("L.pt", entries, False), ("L_disambig.pt", disambig_entries, True)):
        with atomic_path(lang_dir / name) as tmp:
            torch.save(lexicon_fst(ents, token_table, word_table, loop).as_dict(), tmp)
    log.info("%s: %d words, %d left out, disambiguation symbols #0..#%d", lang_dir, len(entries), len(skipped),
             max_disambig)
    return LangReport(str(lang_dir), len(entries), skipped, max_disambig)


class Lang:
    """A lang directory loaded: symbol tables and the ids decoding and graph building need."""

    def __init__(self, lang_dir: PathLike):
        self.root = Path(lang_dir)
        self.tokens: Dict[str, int] = read_tokens(self.root / "tokens.txt")
        self.words: Dict[str, int] = read_symbols(self.root / "words.txt")
        self.id2word = {i: w for w, i in self.words.items()}
        self.id2token = {i: t for t, i in self.tokens.items()}
        self.am_tokens = {t: i for t, i in self.tokens.items() if not is_disambig(t)}
        self.max_token_id = max(self.am_tokens.values())
        self.first_token_disambig = self.tokens[DISAMBIG0]
        self.first_word_disambig = self.words[DISAMBIG0]

    def load_fsa(self, name: str = "L_disambig.pt"):
        from asrboot.graph.fsautil import load_fsa

        return load_fsa(self.root / name)

    def files(self) -> List[Path]:
        return [self.root / name for name in LANG_FILES]
