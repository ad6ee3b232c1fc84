"""``G`` from an ARPA LM (kaldilm) and the CTC decoding graph ``HLG`` (k2), both cached with input stamps.

``HLG = arcsort(connect(H o rmeps(rmdisambig(det(connect(L_disambig o G))))))`` as icefall's
``compile_hlg.py``, the same graph, made faster and leaner:

* ``det(L o G)`` and ``H o LG`` are laid out directly with sorts and scans
  (:mod:`asrboot.graph.lg`, :mod:`asrboot.graph.ctc`): the same states and arcs as k2's
  ``determinize(compose(L, G))`` and ``arc_sort(compose(H, LG))``, in a fraction of the time of
  k2's one-state-at-a-time host algorithms (the tests check them against k2);
* G is used as an acceptor on its input labels (its word outputs dropped), so LG carries one
  tensor of word labels, ragged only while epsilons are removed (a plain tensor again when no arc
  has two words: smaller, and faster to decode with);
* intermediates are freed as soon as used, the freed heap is handed back to the OS between steps,
  and torch runs single-threaded (extra threads only wait on a busy 2-core machine);
* H may be the ``modified`` CTC topology; LM weights may be pushed (``log`` by default).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import List, Optional, Tuple

import torch

from asrboot.graph.ctc import compose_ctc_topo
from asrboot.graph.fsautil import Step, StepTimer, load_fsa, plain_if_single, save_fsa
from asrboot.graph.lang import Lang
from asrboot.graph.lg import lexicon_tries
from asrboot.stamp import clear_stamp, inputs_hash, is_fresh, write_stamp
from asrboot.graph.symbols import DISAMBIG0
from asrboot.io import PathLike
from asrboot.lm.train import arpa_counts

log = logging.getLogger(__name__)
_VERSION = 2  # bump when the graph recipe changes, so stale graphs are rebuilt

PUSHING = ("none", "log", "tropical")


@dataclass
class GraphReport:
    path: str
    compiled: bool
    num_arcs: int = 0
    steps: List[Step] = field(default_factory=list)


def lm_order(arpa: PathLike, max_order: Optional[int] = None) -> int:
    order = max(arpa_counts(arpa))
    return min(order, max_order) if max_order else order


def compile_g(arpa: PathLike, lang: Lang, out_dir: PathLike, max_order: Optional[int] = None,
              force: bool = False) -> Tuple[Path, GraphReport]:
    """``G_<n>gram.pt`` in ``out_dir``: the ARPA LM over the words of ``lang`` (kaldilm's arpa2fst).

    Back-off arcs have input ``#0``; n-grams with words outside ``words.txt`` are dropped.
    """
    import k2
    import kaldilm

    order = lm_order(arpa, max_order)
    out = Path(out_dir) / f"G_{order}gram.pt"
    key = inputs_hash([arpa, lang.root / "words.txt"], {"graph": "G", "order": order, "v": _VERSION})
    if not force and is_fresh(out, key):
        return out, GraphReport(str(out), False)
    clear_stamp(out)
    timer = StepTimer()
    text = kaldilm.arpa2fst(str(arpa), disambig_symbol=DISAMBIG0, read_symbol_table=str(lang.root / "words.txt"),
                            max_order=order, max_arpa_warnings=10)
    timer.done("arpa2fst")
    G = k2.Fsa.from_openfst(text, acceptor=False)
    del text
    save_fsa(G, out)
    timer.done("G to k2", f"({G.num_arcs} arcs)")
    write_stamp(out, key, {"arpa": str(arpa), "lang": str(lang.root), "order": order, "num_arcs": G.num_arcs})
    return out, GraphReport(str(out), True, G.num_arcs, timer.steps)


def compile_hlg(
    lang_dir: PathLike,
    arpa: PathLike,
    out: PathLike,
    max_order: Optional[int] = None,
    modified: bool = False,
    pushing: str = "log",
    force: bool = False,
    num_threads: int = 1,
) -> GraphReport:
    """Compile ``out`` (``HLG.pt``) from a lang dir and an ARPA LM, unless its stamp says it is up to date.

    G is cached as ``G_<n>gram.pt`` next to ``out``. ``modified``: the modified CTC topology (no
    blank needed between repeated tokens, far fewer arcs for large token sets). ``pushing``: weight
    pushing while determinizing LG (``log`` moves LM costs towards the start of words, which
    helps pruned search; ``none`` is icefall's default). H and L carry no weights, so
    ``HLG.scores`` are the (pushed) LM scores. ``num_threads``: torch threads while building (the
    tensor steps gain nothing from more on a small, shared machine, and lose a lot when it is busy).
    """
    if pushing not in PUSHING:
        raise ValueError(f"pushing must be one of {PUSHING}")
    lang = Lang(lang_dir)
    out = Path(out)
    order = lm_order(arpa, max_order)
    options = {"graph": "HLG", "order": order, "modified": modified, "pushing": pushing, "v": _VERSION}
    key = inputs_hash([*(lang.root / n for n in ("tokens.txt", "words.txt", "L_disambig.pt")), arpa], options)
    if not force and is_fresh(out, key):
        log.info("%s is up to date", out)
        return GraphReport(str(out), False)
    clear_stamp(out)

    g_path, g_report = compile_g(arpa, lang, out.parent, max_order)
    threads = torch.get_num_threads()
    torch.set_num_threads(num_threads)
    try:
        HLG, steps = _build(lang, g_path, modified, pushing)
    finally:
        torch.set_num_threads(threads)
    timer = StepTimer()
    save_fsa(HLG, out)
    timer.done("save")
    write_stamp(out, key, {"arpa": str(arpa), "lang": str(lang.root), "num_arcs": HLG.num_arcs,
                           "steps": [s.__dict__ for s in steps + timer.steps], **options})
    return GraphReport(str(out), True, HLG.num_arcs, g_report.steps + steps + timer.steps)


def _build(lang: Lang, g_path: Path, modified: bool, pushing: str):
    """HLG from the lang dir's L_disambig and a compiled G; returns it and the timed steps."""
    import k2

    timer = StepTimer()
    G = load_fsa(g_path)
    del G.aux_labels  # an acceptor on words and #0: LG then carries a single tensor of word labels
    L = lang.load_fsa("L_disambig.pt")
    timer.done("load L, G", f"({G.num_arcs} G arcs)")
    LG = lexicon_tries(L, G, pushing)
    del L, G
    timer.done("det(L o G) as prefix trees", f"({LG.num_arcs} arcs)")
    LG.labels = LG.labels.masked_fill(LG.labels >= lang.first_token_disambig, 0)
    LG.aux_labels = LG.aux_labels.masked_fill(LG.aux_labels >= lang.first_word_disambig, 0)
    LG = k2.remove_epsilon(LG)
    LG.aux_labels = LG.aux_labels.remove_values_eq(0)
    LG = k2.arc_sort(k2.connect(LG))
    LG.aux_labels = plain_if_single(LG.aux_labels)
    timer.done("remove disambig + epsilon", f"({LG.num_arcs} arcs)")
    HLG = compose_ctc_topo(LG, modified)
    del LG
    timer.done("compose H o LG", f"({HLG.num_arcs} arcs)")
    return HLG, timer.steps
