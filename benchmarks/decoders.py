#!/usr/bin/env python
"""Benchmark: CTC + n-gram decoders side by side on the same cached posteriors and the same ARPA LM.

Decoders (all single-threaded, all fed the same ``(T, V)`` log-posteriors):

* ``k2 HLG 1-best``: asrboot's path, ``asrboot.decode.lattice.intersect`` (k2
  ``intersect_dense_pruned`` + asrboot's lattice bookkeeping) over the HLG of
  ``asrboot.graph.compile_hlg``, then ``k2.shortest_path`` and asrboot's ``HypMaker``, batched as
  ``asrboot.decode.decode`` batches (<= 20000 padded frames); also with one utterance per batch,
  as bare k2 (no asrboot bookkeeping), and ``asrboot.decode.decode`` itself end to end (its
  hypotheses are checked against the in-memory path);
* ``kaldi-decoder FasterDecoder``: the *same* HLG converted to an OpenFst ``ConstFst`` (input
  labels token+1 as ``kaldi_decoder.DecodableCtc`` expects, word outputs, costs = -LM log-prob,
  k2's final arcs as final weights);
* ``torchaudio ctc_decoder``: flashlight's lexicon decoder with KenLM (binary built from the ARPA),
  the lang dir's lexicon (``word ▁ c h a r s``), ``▁`` as its silence/word-boundary token;
* ``pyctcdecode``: ``build_ctcdecoder`` with KenLM, the lexicon's words as unigrams, ``▁`` -> ``" "``
  (character vocabulary, word boundary unit); lexicon-free (OOV words cost ``unk_score_offset``).

All use one vocabulary (the ARPA words spellable with the AM tokens, i.e. the lang dir's lexicon)
and one LM. LM weights are put on one scale ``s`` (natural-log LM score times ``s`` plus AM
log-prob): k2 ``lm_scale = s``; kaldi: graph costs unscaled, AM log-probs and beam divided by
``s`` (the same search); torchaudio ``lm_weight = s * ln 10`` (flashlight's KenLM scores are
log10); pyctcdecode ``alpha = s`` (it converts log10 itself). No word insertion bonus anywhere
(torchaudio ``word_score = 0``, pyctcdecode ``beta = 0``). ``s`` is tuned per decoder on the
first half of the utterances (``--scales``; each scale is a fresh search, never a re-weighted
lattice), WER is reported on the second half at each decoder's best scale (``--no-tune``: all
at ``--lm-scale``, all utterances scored).

Search effort is set in common terms: one score beam (``--beam``: k2 search_beam, kaldi beam,
torchaudio beam_threshold, pyctcdecode -beam_prune_logp) and one cap on what is kept per frame
(``--cap``: k2/kaldi max active states, torchaudio beam_size, pyctcdecode beam_width; a flashlight
hypothesis is a lexicon-trie node x LM state, much as an HLG state is). LM scales are tuned at the
common cap; then every decoder is also timed at the other ``--caps`` (operating points) with its
tuned scale, so that speed can be compared at equal WER, not only at equal nominal settings.

Timing is decoder only: posteriors are loaded and converted to each decoder's input type first,
graphs/decoders are built first (their build time is the "setup" column), one warm-up utterance
is decoded untimed, then the test utterances are decoded up to ``--repeat`` times and the fastest
pass counts. RTF = decode seconds / audio seconds (frames x frame shift); wall and process CPU
time are both given, with the load average, since the machine is shared.

``--demo`` needs no data: Zipf/Markov sentences over Devanagari pseudo-words (the generator of
``benchmarks/hlg_compile.py``), a 3-gram trained on all but the held-out sentences, and peaked,
noisy posteriors of the held-out ones (some units confused with a random other unit, Dirichlet
noise), stored through ``tests/toy_asr.ArrayAM`` and ``compute_posteriors``.

    .venv/bin/python benchmarks/decoders.py --demo
    .venv/bin/python benchmarks/decoders.py --posteriors DIR --arpa LM.arpa [--lang DIR] [--lm-scale 0.7]
        [--scales 0.3,0.5,0.7,1.0,1.4,2.0] [--workdir DIR] [--limit N] [--beam 20] [--cap 100]
        [--caps 10000,1000,30,10] [--decoders k2,kaldi,torchaudio,pyctcdecode] [--out report.md]
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse  # noqa: E402
import logging  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Callable, Dict, List, Optional, Sequence, Tuple  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

from asrboot.am.posteriors import PosteriorSet  # noqa: E402
from asrboot.compare import references  # noqa: E402
from asrboot.decode import DecodeOptions, SearchParams, decode  # noqa: E402
from asrboot.decode.hyp import HypMaker, path_word_ids  # noqa: E402
from asrboot.decode.lattice import intersect, load_graph  # noqa: E402
from asrboot.graph import Lang, compile_hlg, prepare_lang, words_from_arpa  # noqa: E402
from asrboot.graph.lexicon import UNK_WORD, read_lexicon  # noqa: E402
from asrboot.lm.train import build_binary, train_lm  # noqa: E402
from asrboot.score import score  # noqa: E402
from asrboot.tokens import BLANK, WORD_START, word_units  # noqa: E402

HERE = Path(__file__).resolve().parent
log = logging.getLogger("decoders")
LN10 = math.log(10.0)
MAX_FRAMES = DecodeOptions().max_frames  # asrboot.decode's batch size (padded frames)


@dataclass
class Utt:
    id: str
    logp: np.ndarray  # (T, V) float32 log-posteriors
    ref: str

    @property
    def frames(self) -> int:
        return len(self.logp)


@dataclass
class World:
    """What every decoder is built from: the posteriors' tokens, one lang dir, one ARPA, its KenLM binary."""

    tokens: Dict[str, int]
    frame_shift: float
    lang: Lang
    arpa: Path
    workdir: Path
    lang_seconds: float  # building the lang dir (0 when given)
    kenlm_bin: Optional[Path] = None
    kenlm_seconds: float = 0.0
    hlg_path: Optional[Path] = None
    hlg_seconds: float = 0.0
    hlg_arcs: int = 0

    @property
    def words(self) -> List[str]:
        """The decodable vocabulary: the lexicon's words (spellable ARPA words)."""
        return [w for w, _ in read_lexicon(self.lang.root / "lexicon.txt") if w != UNK_WORD]

    def kenlm(self) -> Tuple[Path, float]:
        """The KenLM probing binary of the ARPA (built once; returns its path and build seconds)."""
        if self.kenlm_bin is None:
            t = time.perf_counter()
            self.kenlm_bin = self.workdir / "lm.bin"
            build_binary(self.arpa, self.kenlm_bin, "probing")
            self.kenlm_seconds = time.perf_counter() - t
        return self.kenlm_bin, self.kenlm_seconds

    def hlg(self) -> Path:
        """asrboot's HLG of the lang dir and the ARPA, compiled once from scratch (G included, for the timing)."""
        if self.hlg_path is None:
            for old in self.workdir.glob("G_*gram.pt"):
                old.unlink()
            t = time.perf_counter()
            report = compile_hlg(self.lang.root, self.arpa, self.workdir / "HLG.pt", force=True)
            self.hlg_seconds, self.hlg_arcs = time.perf_counter() - t, report.num_arcs
            self.hlg_path = self.workdir / "HLG.pt"
        return self.hlg_path


class Decoder:
    """One decoder, built once (``setup`` seconds). Per pass: ``prepare`` (untimed conversion of the posteriors
    to its input type) then ``run`` (timed). ``cap``: the most hypotheses / active states kept per frame."""

    name = ""
    setup = 0.0
    setup_detail = ""
    max_cap = 1 << 30  # caps above this are not run (too slow to be worth it)

    def __init__(self, beam: float, cap: int, min_active: int):
        self.beam, self.cap, self.min_active = beam, cap, min_active

    def set_cap(self, cap: int) -> None:
        self.cap = cap

    @property
    def floor(self) -> int:
        """Min active states (k2, kaldi): ``--min-active``, at most half the cap (k2 needs max > min)."""
        return min(self.min_active, self.cap // 2)

    def settings(self, scale: float) -> str:
        raise NotImplementedError

    def prepare(self, utts: Sequence[Utt], scale: float):
        return utts

    def run(self, prepared, scale: float) -> Dict[str, str]:
        """Decode; ``{utt id: text}``."""
        raise NotImplementedError


# --- k2 (asrboot) -----------------------------------------------------------------------------------------

class K2Hlg(Decoder):
    """asrboot's HLG 1-best: ``asrboot.decode.lattice.intersect`` (k2 ``intersect_dense_pruned`` plus asrboot's
    am/lm score split and frame index per arc), ``k2.shortest_path``, ``HypMaker``; batched by padded frames
    like ``asrboot.decode.decode`` (``max_frames=0``: one utterance per batch). ``bare``: k2 alone."""

    def __init__(self, world: World, beam: float, cap: int, min_active: int, output_beam: float,
                 max_frames: int = MAX_FRAMES, bare: bool = False):
        super().__init__(beam, cap, min_active)
        self.world, self.output_beam, self.max_frames, self.bare = world, output_beam, max_frames, bare
        kind = "bare k2" if bare else "asrboot"
        self.name = f"k2 HLG 1-best ({kind}, {'batched' if max_frames else 'batch 1'})"
        self.hlg_path = world.hlg()
        t = time.perf_counter()
        self.graph = load_graph(self.hlg_path)
        self.maker = HypMaker({i: s for s, i in world.lang.tokens.items()}, world.lang.id2word, world.frame_shift)
        self.setup = world.lang_seconds + world.hlg_seconds + (time.perf_counter() - t)
        self.setup_detail = (f"lang {world.lang_seconds:.1f} s + HLG {world.hlg_seconds:.1f} s "
                             f"({world.hlg_arcs} arcs) + load")

    @property
    def params(self) -> SearchParams:
        return SearchParams(search_beam=self.beam, output_beam=self.output_beam,
                            min_active_states=self.floor, max_active_states=self.cap)

    def settings(self, scale: float) -> str:
        p = self.params
        batch = f"batches <= {self.max_frames} padded frames" if self.max_frames else "1 utt per batch"
        return (f"lm_scale {scale:g}, search_beam {p.search_beam:g}, output_beam {p.output_beam:g}, "
                f"active states {p.min_active_states}..{p.max_active_states}, {batch}")

    def prepare(self, utts, scale):
        order = sorted(utts, key=lambda u: u.frames, reverse=True)
        batches: List[List[Utt]] = []
        for u in order:  # asrboot.decode's rule: a batch's padded size stays <= max_frames
            if batches and (len(batches[-1]) + 1) * batches[-1][0].frames <= self.max_frames:
                batches[-1].append(u)
            else:
                batches.append([u])
        return batches

    def run(self, batches, scale):
        import k2

        out: Dict[str, str] = {}
        params = self.params
        for batch in batches:
            if self.bare:
                out.update(zip((u.id for u in batch), self._bare(batch, scale, params)))
                continue
            lattice = intersect(self.graph, [u.logp for u in batch], scale, params)
            best = k2.shortest_path(lattice, use_double_scores=True)
            hyps = self.maker.from_paths(best, range(len(batch)), len(batch), scale)
            out.update((u.id, h.text) for u, h in zip(batch, hyps))
        return out

    def _bare(self, batch, scale, p: SearchParams) -> List[str]:
        """DenseFsaVec, intersect_dense_pruned, shortest_path, word ids: no am/lm split, frames, alignments."""
        import k2

        x = torch.zeros(len(batch), batch[0].frames, batch[0].logp.shape[1])
        for i, u in enumerate(batch):
            x[i, : u.frames] = torch.from_numpy(u.logp)
        seg = torch.tensor([[i, 0, u.frames] for i, u in enumerate(batch)], dtype=torch.int32)
        self.graph.scores = self.graph.lm_scores * scale
        lat = k2.intersect_dense_pruned(self.graph, k2.DenseFsaVec(x, seg), p.search_beam, p.output_beam,
                                        p.min_active_states, p.max_active_states)
        best = k2.shortest_path(lat, use_double_scores=True)
        id2word = self.world.lang.id2word
        return [" ".join(id2word[w] for w in ids) for ids in path_word_ids(best)]


def decode_end_to_end(ps_dir: Path, world: World, hlg: Path, scale: float, params: SearchParams,
                      ids: Sequence[str]) -> Tuple[Dict[str, str], float, float]:
    """``asrboot.decode.decode`` as a user runs it: posterior loading, lattice files, hyps.trn/recogs.jsonl."""
    out = world.workdir / "decode_e2e"
    shutil.rmtree(out, ignore_errors=True)
    w, c = time.perf_counter(), time.process_time()
    res = decode(ps_dir, out, DecodeOptions(method="1best", lm_scale=scale, search=params),
                 lang_dir=world.lang.root, hlg=hlg, cut_ids=list(ids))
    wall, cpu = time.perf_counter() - w, time.process_time() - c
    return {cid: h.text for cid, h in res[scale].items()}, wall, cpu


# --- kaldi-decoder on the OpenFst HLG -------------------------------------------------------------------------

def hlg_to_openfst(hlg_path: Path):
    """asrboot's k2 HLG as an OpenFst ``StdConstFst`` for kaldi-decoder: input label = token + 1 (blank 1;
    ``DecodableCtc`` reads column label - 1), output = word id (0: none), cost = -LM score (natural log,
    unscaled), k2's final arcs (label -1) as final weights of their source states."""
    import kaldifst

    g = load_graph(hlg_path)
    arcs = g.arcs.values().numpy()
    cost = (-g.lm_scores.detach().double()).numpy()
    aux = g.aux_labels
    if not isinstance(aux, torch.Tensor):
        raise ValueError("HLG has ragged word labels (several words on an arc); not supported here")
    aux = aux.numpy()
    final = arcs[:, 2] < 0
    if bool((aux[final] > 0).any()):
        raise ValueError("HLG has words on final arcs; not supported here")
    # a state may have several final arcs (epsilon removal): its final weight is their tropical sum (min cost),
    # which is all a 1-best search sees
    fsrc, fcost = arcs[final, 0], cost[final]
    order = np.lexsort((fcost, fsrc))
    first = np.ones(len(order), dtype=bool)
    first[1:] = fsrc[order][1:] != fsrc[order][:-1]
    lines = [f"{s} {d} {lab + 1} {w} {c:.7g}" for (s, d, lab, _), w, c in
             zip(arcs[~final].tolist(), aux[~final].tolist(), cost[~final].tolist())]
    lines += [f"{s} {c:.7g}" for s, c in zip(fsrc[order][first].tolist(), fcost[order][first].tolist())]
    fst = kaldifst.compile("\n".join(lines) + "\n")  # k2's state numbering, start state 0
    return kaldifst.StdConstFst(fst), fst.num_states


class KaldiFaster(Decoder):
    name = "kaldi-decoder FasterDecoder (OpenFst HLG)"

    def __init__(self, world: World, beam: float, cap: int, min_active: int):
        import kaldi_decoder as kd

        super().__init__(beam, cap, min_active)
        self.kd, self.world = kd, world
        hlg = world.hlg()
        t = time.perf_counter()
        self.fst, states = hlg_to_openfst(hlg)
        convert = time.perf_counter() - t
        self.setup = world.lang_seconds + world.hlg_seconds + convert
        self.setup_detail = (f"lang + k2 HLG {world.hlg_seconds:.1f} s + to OpenFst ConstFst {convert:.1f} s, "
                             f"{states} states")
        self._decoders: Dict[Tuple[float, int], object] = {}

    def _decoder(self, scale: float):
        key = (scale, self.cap)
        if key not in self._decoders:  # costs are (-AM - s LM) / s: the beam is divided by s too (same search)
            opts = self.kd.FasterDecoderOptions(beam=self.beam / scale, max_active=self.cap,
                                                min_active=self.floor)
            self._decoders[key] = self.kd.FasterDecoder(self.fst, opts)
        return self._decoders[key]

    def settings(self, scale: float) -> str:
        return (f"acoustic scale 1/{scale:g} (= lm_scale {scale:g}), beam {self.beam:g}/{scale:g} "
                f"(= {self.beam:g} in k2 units), active {self.floor}..{self.cap}")

    def prepare(self, utts, scale):
        self._decoder(scale)
        return [(u.id, np.ascontiguousarray(u.logp / scale, dtype=np.float32)) for u in utts]

    def run(self, prepared, scale):
        import kaldifst

        dec = self._decoder(scale)
        id2word = self.world.lang.id2word
        out: Dict[str, str] = {}
        for uid, x in prepared:
            dec.decode(self.kd.DecodableCtc(x))
            ok, lat = dec.get_best_path()
            words: List[int] = []
            if ok:
                ok, _, words, _ = kaldifst.get_linear_symbol_sequence(lat)
            out[uid] = " ".join(id2word[w] for w in words) if ok else ""
        return out


# --- torchaudio (flashlight) -------------------------------------------------------------------------------

class Torchaudio(Decoder):
    name = "torchaudio ctc_decoder (flashlight lexicon + KenLM)"

    def __init__(self, world: World, beam: float, cap: int):
        super().__init__(beam, cap, 0)
        self.world = world
        t = time.perf_counter()
        self.lexicon = world.workdir / "torchaudio_lexicon.txt"
        with open(self.lexicon, "w", encoding="utf-8") as f:
            for word, units in read_lexicon(world.lang.root / "lexicon.txt"):
                if word != UNK_WORD:
                    f.write(f"{word} {' '.join(units)}\n")
        self.tokens = [s for s, _ in sorted(world.tokens.items(), key=lambda kv: kv[1])]
        self.lm, kenlm_s = world.kenlm()
        self._decoders: Dict[Tuple[float, int], object] = {}
        t2 = time.perf_counter()
        self._decoder(1.0)  # one decoder build (lexicon trie, KenLM loaded) counts as setup
        build = time.perf_counter() - t2
        self.setup = time.perf_counter() - t + kenlm_s
        self.setup_detail = f"KenLM build_binary {kenlm_s:.1f} s + lexicon file, trie, LM load {build:.1f} s"

    def _decoder(self, scale: float):
        from torchaudio.models.decoder import ctc_decoder

        key = (scale, self.cap)
        if key not in self._decoders:
            self._decoders.clear()  # one at a time: each loads its own copy of the LM
            self._decoders[key] = ctc_decoder(
                lexicon=str(self.lexicon), tokens=self.tokens, lm=str(self.lm), nbest=1, beam_size=self.cap,
                beam_threshold=self.beam, lm_weight=scale * LN10, word_score=0.0, sil_score=0.0,
                unk_score=float("-inf"), log_add=False, blank_token=BLANK, sil_token=WORD_START)
        return self._decoders[key]

    def settings(self, scale: float) -> str:
        return (f"lm_weight {scale * LN10:.3g} (= {scale:g} x ln 10), beam_size {self.cap}, "
                f"beam_threshold {self.beam:g}, all tokens, word_score 0, sil_score 0, unk -inf")

    def prepare(self, utts, scale):
        self._decoder(scale)  # built before timing
        return [(u.id, torch.from_numpy(np.ascontiguousarray(u.logp))[None]) for u in utts]

    def run(self, prepared, scale):
        dec = self._decoder(scale)
        out: Dict[str, str] = {}
        for uid, x in prepared:
            hyps = dec(x)[0]
            out[uid] = " ".join(hyps[0].words) if hyps else ""
        return out


# --- pyctcdecode ----------------------------------------------------------------------------------------

class Pyctcdecode(Decoder):
    name = "pyctcdecode + KenLM"

    def __init__(self, world: World, beam: float, cap: int, token_min_logp: float, max_cap: int):
        from pyctcdecode import build_ctcdecoder

        super().__init__(beam, cap, 0)
        self.token_min_logp, self.max_cap = token_min_logp, max_cap
        t = time.perf_counter()
        labels = ["" if s == BLANK else " " if s == WORD_START else s
                  for s, _ in sorted(world.tokens.items(), key=lambda kv: kv[1])]
        lm, kenlm_s = world.kenlm()
        t2 = time.perf_counter()
        quiet = logging.getLogger("pyctcdecode")
        level = quiet.level
        quiet.setLevel(logging.ERROR)  # "only N unigrams ..." and similar
        try:
            self.dec = build_ctcdecoder(labels, str(lm), unigrams=world.words, alpha=1.0, beta=0.0)
        finally:
            quiet.setLevel(level)
        build = time.perf_counter() - t2
        self.setup = time.perf_counter() - t + kenlm_s
        self.setup_detail = f"KenLM build_binary {kenlm_s:.1f} s + LM load, unigram trie {build:.1f} s"

    def settings(self, scale: float) -> str:
        return (f"alpha {scale:g}, beta 0, beam_width {self.cap}, beam_prune_logp {-self.beam:g}, "
                f"token_min_logp {self.token_min_logp:g}, unk_score_offset -10, lexicon-free")

    def prepare(self, utts, scale):
        self.dec.reset_params(alpha=scale, beta=0.0)
        return utts

    def run(self, utts, scale):
        return {u.id: " ".join(self.dec.decode(u.logp, beam_width=self.cap, beam_prune_logp=-self.beam,
                                               token_min_logp=self.token_min_logp).split())
                for u in utts}


class Greedy(Decoder):
    name = "CTC greedy (no LM; reference)"

    def __init__(self, world: World):
        super().__init__(0.0, 1, 0)
        self.maker = HypMaker({i: s for s, i in world.tokens.items()}, {}, world.frame_shift)

    def settings(self, scale: float) -> str:
        return "argmax per frame; no lexicon, no LM"

    def run(self, utts, scale):
        return {u.id: self.maker.greedy(u.logp).text for u in utts}


# --- the benchmark -----------------------------------------------------------------------------------------------

@dataclass
class Point:
    """One timed test decode."""

    cap: int
    wer: float
    wall: float
    cpu: float
    passes: int
    hyps: Dict[str, str] = field(repr=False, default_factory=dict)


@dataclass
class Row:
    decoder: Decoder
    scale: float
    dev: Dict[float, float] = field(default_factory=dict)  # LM scale -> tuning WER
    points: List[Point] = field(default_factory=list)  # points[0]: at the common cap


def wer(utts: Sequence[Utt], hyps: Dict[str, str]) -> float:
    return score({u.id: u.ref for u in utts}, {u.id: hyps.get(u.id, "") for u in utts}, lang="hi").wer


def timed(dec: Decoder, utts: Sequence[Utt], scale: float, repeat: int, budget: float) -> Point:
    """Test decode: one untimed warm-up utterance, then up to ``repeat`` passes (fewer once ``budget`` seconds
    are spent); the fastest pass counts."""
    dec.run(dec.prepare(utts[:1], scale), scale)
    wall = cpu = spent = float("inf")
    hyps: Dict[str, str] = {}
    passes = 0
    while passes < repeat and (passes == 0 or spent < budget):
        prepared = dec.prepare(utts, scale)
        w, c = time.perf_counter(), time.process_time()
        hyps = dec.run(prepared, scale)
        dw, dc = time.perf_counter() - w, time.process_time() - c
        wall, cpu = min(wall, dw), min(cpu, dc)
        spent = dw if passes == 0 else spent + dw
        passes += 1
    return Point(dec.cap, wer(utts, hyps), wall, cpu, passes, hyps)


def load_utts(ps: PosteriorSet, limit: Optional[int]) -> List[Utt]:
    refs = references(ps)
    cuts = list(ps.cuts)[: limit or None]
    return [Utt(c.id, np.ascontiguousarray(ps.load(c), dtype=np.float32), refs[c.id]) for c in cuts]


def make_world(ps: PosteriorSet, arpa: Path, lang_dir: Optional[Path], workdir: Path) -> World:
    t = time.perf_counter()
    if lang_dir is None:
        lang_dir = workdir / "lang"
        prepare_lang(lang_dir, ps.tokens, words_from_arpa(arpa))
        lang_s = time.perf_counter() - t
    else:
        lang_s = 0.0
    lang = Lang(lang_dir)
    if lang.am_tokens != ps.tokens:
        raise SystemExit(f"{lang_dir}/tokens.txt does not match the posteriors' tokens")
    return World(ps.tokens, ps.frame_shift, lang, Path(arpa), workdir, lang_s)


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"


def build_decoders(args, world: World) -> List[Decoder]:
    selected = set(args.decoders.split(","))
    builders: List[Tuple[str, Callable[[], Decoder]]] = [
        ("k2", lambda: K2Hlg(world, args.beam, args.cap, args.min_active, args.output_beam)),
        ("k2", lambda: K2Hlg(world, args.beam, args.cap, args.min_active, args.output_beam, max_frames=0)),
        ("k2", lambda: K2Hlg(world, args.beam, args.cap, args.min_active, args.output_beam, bare=True)),
        ("kaldi", lambda: KaldiFaster(world, args.beam, args.cap, args.min_active)),
        ("torchaudio", lambda: Torchaudio(world, args.beam, args.cap)),
        ("pyctcdecode", lambda: Pyctcdecode(world, args.beam, args.cap, args.token_min_logp, args.pyctc_max_cap)),
    ]
    decoders: List[Decoder] = [Greedy(world)]
    for key, build in builders:
        if key in selected:
            try:
                decoders.append(build())
            except Exception as e:  # a peer that cannot be built here is reported, not fatal
                log.error("%s: cannot build: %s", key, e)
    return decoders


def benchmark(args, ps_dir: Path, arpa: Path, workdir: Path) -> str:
    torch.set_num_threads(1)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    ps = PosteriorSet(ps_dir)
    utts = load_utts(ps, args.limit)
    tune = not args.no_tune and len(utts) >= 4
    scales = sorted({*(float(s) for s in args.scales.split(",")), args.lm_scale}) if tune else [args.lm_scale]
    half = len(utts) // 2 if tune else 0
    dev, test = utts[:half], utts[half:]
    if not test:
        raise SystemExit("no utterances")
    audio = sum(u.frames for u in test) * ps.frame_shift
    caps = [args.cap] + [c for c in (int(x) for x in args.caps.split(",") if x) if c != args.cap]
    log.info("%d utterances (%d tuning, %d test, %.1f s test audio); LM scales %s; caps %s", len(utts), len(dev),
             len(test), audio, scales, caps)

    world = make_world(ps, arpa, Path(args.lang) if args.lang else None, workdir)
    decoders = build_decoders(args, world)
    load_before = loadavg()
    rows: List[Row] = []
    for dec in decoders:
        row = Row(dec, args.lm_scale)
        dec.set_cap(args.cap)
        if isinstance(dec, Greedy):
            row.points.append(timed(dec, test, row.scale, args.repeat, args.time_budget))
            if tune:
                row.dev[row.scale] = wer(dev, dec.run(dev, row.scale))
            rows.append(row)
            continue
        if tune:
            for s in scales:
                row.dev[s] = wer(dev, dec.run(dec.prepare(dev, s), s))
                log.info("%s: tuning WER %.2f%% at LM scale %g", dec.name, 100 * row.dev[s], s)
            row.scale = min(scales, key=lambda s: (round(row.dev[s], 9), abs(s - args.lm_scale)))
        for cap in caps:
            if cap > dec.max_cap:
                continue
            dec.set_cap(cap)
            p = timed(dec, test, row.scale, args.repeat, args.time_budget)
            row.points.append(p)
            log.info("%s: cap %d: test WER %.2f%% at LM scale %g, %.3f s wall", dec.name, cap, 100 * p.wer,
                     row.scale, p.wall)
        dec.set_cap(args.cap)
        rows.append(row)

    e2e = None
    k2_main = next((r for r in rows if isinstance(r.decoder, K2Hlg) and r.decoder.max_frames and not r.decoder.bare),
                   None)
    if k2_main is not None:  # asrboot.decode.decode itself, at k2's tuned scale and the common cap
        dec = k2_main.decoder
        hyps, wall, cpu = decode_end_to_end(ps_dir, world, dec.hlg_path, k2_main.scale, dec.params,  # type: ignore
                                            [u.id for u in test])
        same = sum(hyps.get(u.id, "") == k2_main.points[0].hyps.get(u.id) for u in test)
        e2e = (hyps, wall, cpu, same, k2_main.scale)
    load_after = loadavg()
    return report(args, rows, e2e, test, dev, audio, scales, tune, load_before, load_after, ps, world)


def _setup(d: Decoder) -> str:
    return f"{d.setup:.1f}" + (f" ({d.setup_detail})" if d.setup_detail else "")


def report(args, rows: List[Row], e2e, test, dev, audio, scales, tune, load_before, load_after, ps,
           world) -> str:
    frames = sum(u.frames for u in test)
    how = (f"LM scale tuned per decoder on the tuning half over {', '.join(f'{s:g}' for s in scales)} "
           f"(at cap {args.cap})" if tune else f"LM scale fixed at {args.lm_scale:g}")
    lines = [
        f"## Decoders on {ps.root} ({len(world.words)}-word lexicon, LM {world.arpa})",
        "",
        f"{len(dev)} tuning + {len(test)} test utterances; test audio {audio:.1f} s ({frames} frames x "
        f"{ps.frame_shift:g} s); {how}. Common settings: score beam {args.beam:g}, cap {args.cap} "
        f"(k2/kaldi max active states, torchaudio beam_size, pyctcdecode beam_width). Decode times: fastest of "
        f"up to {args.repeat} passes, 1 thread each, posteriors already in memory.",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared), load average (1/5/15 min) "
        f"{load_before} before, {load_after} after; torch {torch.__version__}.",
        "",
        "| decoder | settings | LM scale | tuning WER % | test WER % | decode s | RTF wall | RTF CPU | setup s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        d, p = r.decoder, r.points[0]
        tune_wer = f"{100 * r.dev[r.scale]:.2f}" if r.scale in r.dev else "-"
        d.set_cap(p.cap)
        lines.append(f"| {d.name} | {d.settings(r.scale)} | {r.scale:g} | {tune_wer} | {100 * p.wer:.2f} | "
                     f"{p.wall:.3f} | {p.wall / audio:.4f} | {p.cpu / audio:.4f} | {_setup(d)} |")
    if e2e is not None:
        hyps, wall, cpu, same, scale = e2e
        lines.append(f"| asrboot.decode.decode, end to end | k2 batched as above + posterior loading, lattice "
                     f"files, hyps.trn/recogs.jsonl; {same}/{len(test)} hyps identical to the k2 row | {scale:g} | - | "
                     f"{100 * wer(test, hyps):.2f} | {wall:.3f} | {wall / audio:.4f} | {cpu / audio:.4f} | "
                     f"(graph reused) |")
    multi = [r for r in rows if len(r.points) > 1]
    if multi:
        lines += ["", "Operating points (test utterances, each decoder at its LM scale above; cap = max active "
                      "states / beam_size / beam_width; score beam fixed):", "",
                  "| decoder | cap | test WER % | decode s | RTF wall | RTF CPU | passes |",
                  "|---|---|---|---|---|---|---|"]
        for r in multi:
            for p in sorted(r.points, key=lambda p: -p.cap):
                lines.append(f"| {r.decoder.name} | {p.cap} | {100 * p.wer:.2f} | {p.wall:.3f} | "
                             f"{p.wall / audio:.4f} | {p.cpu / audio:.4f} | {p.passes} |")
    if tune:
        lines += ["", f"Tuning-half WER % per LM scale (cap {args.cap}):", "",
                  "| decoder | " + " | ".join(f"{s:g}" for s in scales) + " |", "|---|" + "---|" * len(scales)]
        for r in rows:
            if len(r.dev) > 1:
                lines.append(f"| {r.decoder.name} | " + " | ".join(f"{100 * r.dev[s]:.2f}" for s in scales) + " |")
    lines += verdict(rows)
    return "\n".join(lines) + "\n"


def verdict(rows: List[Row]) -> List[str]:
    """The target (k2 >= 2x the speed of the fastest peer at equal or better WER): at the common settings, and
    over the operating points (each decoder's fastest point reaching the best WER the peers reach), against all
    peers and against the lexicon-constrained ones only (kaldi, torchaudio: the same vocabulary constraint as
    HLG; pyctcdecode can also spell words outside the lexicon). Speed ratios are peer time / k2 time, wall and
    CPU (the CPU ratio is the steadier one on a loaded machine)."""
    k2 = next((r for r in rows if isinstance(r.decoder, K2Hlg) and r.decoder.max_frames and not r.decoder.bare),
              None)
    peers = [r for r in rows if isinstance(r.decoder, (KaldiFaster, Torchaudio, Pyctcdecode))]
    if k2 is None or not peers:
        return []
    out = ["", "Target (asrboot k2 >= 2x the speed of the fastest peer at equal or better WER):", ""]
    k, fr = k2.points[0], min(peers, key=lambda r: r.points[0].cpu)
    f = fr.points[0]
    ok = f.cpu / k.cpu >= 2 and f.wall / k.wall >= 2 and k.wer <= f.wer + 1e-9
    out.append(f"* common settings: fastest peer {fr.decoder.name}: k2 is {f.wall / k.wall:.2f}x its speed (wall), "
               f"{f.cpu / max(k.cpu, 1e-9):.2f}x (CPU); WER {100 * k.wer:.2f}% vs {100 * f.wer:.2f}%: "
               f"{'met' if ok else 'NOT met'}.")
    lexical = [r for r in peers if not isinstance(r.decoder, Pyctcdecode)]
    groups = [("all peers", peers)] + ([("lexicon-constrained peers", lexical)] if len(lexical) < len(peers) else [])
    for label, group in groups:
        if not group:
            continue
        peer_best = min(p.wer for r in group for p in r.points)
        k2_best = min(p.wer for p in k2.points)
        common = max(peer_best, k2_best)  # the best WER both k2 and some peer reach

        def fastest(r: Row) -> Optional[Point]:
            good = [p for p in r.points if p.wer <= common + 1e-9]
            return min(good, key=lambda p: p.cpu) if good else None

        kp = fastest(k2)
        best_peer, bp = min(((r, p) for r, p in ((r, fastest(r)) for r in group) if p is not None),
                            key=lambda rp: rp[1].cpu)
        rw, rc = bp.wall / kp.wall, bp.cpu / max(kp.cpu, 1e-9)
        ok = k2_best <= peer_best + 1e-9 and min(rw, rc) >= 2
        out.append(f"* operating points, {label}: best WER k2 {100 * k2_best:.2f}%, peers {100 * peer_best:.2f}%; "
                   f"fastest to reach {100 * common:.2f}%: k2 cap {kp.cap} ({kp.wall:.3f} s wall, {kp.cpu:.3f} s "
                   f"CPU) vs {best_peer.decoder.name} cap {bp.cap} ({bp.wall:.3f} s wall, {bp.cpu:.3f} s CPU): "
                   f"k2 {rw:.2f}x the speed (wall), {rc:.2f}x (CPU): {'met' if ok else 'NOT met'}.")
    return out


# --- demo world ----------------------------------------------------------------------------------------------

def nearest_rival(word: str, vocab_by_len: Dict[int, np.ndarray], rng: np.random.Generator) -> Optional[str]:
    """A random word among the other same-length words of the fewest differing letters (None if there is none)."""
    same = vocab_by_len.get(len(word))
    if same is None or len(same) < 2:
        return None
    codes = np.array([ord(ch) for ch in word])
    mat = np.array([[ord(ch) for ch in w] for w in same])
    dist = (mat != codes).sum(axis=1)
    dist[dist == 0] = len(word) + 1
    best = np.flatnonzero(dist == dist.min())
    return str(same[best[rng.integers(len(best))]])


def demo_posteriors(words: Sequence[str], vocab_by_len: Dict[int, np.ndarray], tokens: Dict[str, int],
                    rng: np.random.Generator, confusion: float) -> np.ndarray:
    """Peaked, noisy CTC log-posteriors of ``words``: 1-3 blank frames, then per unit (``▁`` + letters) 1-2
    frames peaked on it and 0-1 blank frames (always one between equal units), 1-2 blank frames at the end.
    With probability ``confusion`` a word shares the peaks of the letters where it differs from its nearest
    same-length rival word (:func:`nearest_rival`) with the rival's letters (30-70% of 0.9 each, so the rival
    often wins acoustically and only the LM can tell them apart); 5% of the other units share theirs with a
    random token. The mass a frame leaves is spread over all tokens
    (Dirichlet noise)."""
    num = len(tokens)
    rows: List[np.ndarray] = []

    def frame(peaks: Dict[int, float]) -> None:
        p = rng.dirichlet(np.full(num, 0.3)) * (1.0 - sum(peaks.values()))
        for i, q in peaks.items():
            p[i] += q
        rows.append(np.log(np.maximum(p, 1e-10)))

    for _ in range(rng.integers(1, 4)):
        frame({0: 0.9})
    prev = None
    for word in words:
        units = word_units(word)
        rival = None
        if rng.random() < confusion:
            near = nearest_rival(word, vocab_by_len, rng)
            if near is not None:
                rival, share = word_units(near), float(rng.uniform(0.3, 0.7))
        for i, u in enumerate(units):
            t = tokens[u]
            if t == prev:
                frame({0: 0.85})
            if rival is not None and rival[i] != u:
                peaks = {t: 0.9 * share, tokens[rival[i]]: 0.9 * (1 - share)}
            elif rival is None and rng.random() < 0.05:
                other = int(rng.integers(1, num - 1))
                other += other >= t
                q = float(rng.uniform(0.35, 0.6))
                peaks = {t: q, other: 0.9 - q}
            else:
                peaks = {t: float(rng.uniform(0.55, 0.92))}
            for _ in range(rng.integers(1, 3)):
                frame(peaks)
            for _ in range(rng.integers(0, 2)):
                frame({0: float(rng.uniform(0.6, 0.95))})
            prev = t
    for _ in range(rng.integers(1, 3)):
        frame({0: 0.9})
    return np.array(rows, dtype=np.float32)


def build_demo(out: Path, num_words: int, num_utts: int, confusion: float, seed: int = 0) -> Tuple[Path, Path]:
    """A synthetic world: Zipf/Markov sentences over ``num_words`` Devanagari pseudo-words (generator of
    ``benchmarks/hlg_compile.py``), a 3-gram on all but the last ``num_utts`` sentences, and noisy posteriors
    of those (:func:`demo_posteriors`, stored with ``tests/toy_asr.ArrayAM`` and ``compute_posteriors``)."""
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(HERE.parent / "tests"))
    from hlg_compile import generate
    from lhotse import CutSet
    from lhotse import SupervisionSegment
    from lhotse.testing.dummies import dummy_cut
    from toy_asr import ArrayAM

    from asrboot.am.posteriors import compute_posteriors
    from asrboot.tokens import grapheme_table

    out.mkdir(parents=True, exist_ok=True)
    text = out / "all.txt"
    generate(text, tokens=max(20000, num_words * 60), vocab=num_words, seed=seed + 1)
    lines = text.read_text(encoding="utf-8").splitlines()
    train, evals = lines[:-num_utts], lines[-num_utts:]
    (out / "lm_train.txt").write_text("\n".join(train) + "\n", encoding="utf-8")
    arpa = out / "lm.arpa"
    train_lm([out / "lm_train.txt"], arpa, order=3)
    tokens = grapheme_table(lines)
    by_len: Dict[int, List[str]] = {}
    for w in sorted({w for line in lines for w in line.split()}):
        by_len.setdefault(len(w), []).append(w)
    vocab_by_len = {n: np.array(ws) for n, ws in by_len.items()}
    frame_shift = 0.04
    rng = np.random.default_rng(seed)
    arrays, cuts = {}, []
    for i, sent in enumerate(evals):
        uid = f"demo-{i:04d}"
        arrays[uid] = demo_posteriors(sent.split(), vocab_by_len, tokens, rng, confusion)
        dur = round(len(arrays[uid]) * frame_shift, 4)
        cut = dummy_cut(i, duration=dur, recording_duration=dur).with_id(uid)
        cut.supervisions = [SupervisionSegment(uid, cut.recording_id, 0.0, dur, text=sent)]
        cuts.append(cut)

    class DemoAM(ArrayAM):
        pass

    DemoAM.tokens, DemoAM.frame_shift = tokens, frame_shift
    compute_posteriors(DemoAM(arrays), CutSet.from_cuts(cuts), out / "post", spec="demo")
    return out / "post", arpa


def main(argv: Optional[Sequence[str]] = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--posteriors", help="posterior directory (asrboot am posteriors)")
    ap.add_argument("--arpa", help="ARPA LM, used by every decoder")
    ap.add_argument("--lang", help="lang dir of the posteriors' tokens (default: built from the ARPA's words)")
    ap.add_argument("--lm-scale", type=float, default=0.7, help="the scale with --no-tune (always in the sweep)")
    ap.add_argument("--scales", default="0.3,0.5,0.7,1.0,1.4,2.0", help="LM scales tried on the tuning half")
    ap.add_argument("--no-tune", action="store_true", help="all decoders at --lm-scale, all utterances tested")
    ap.add_argument("--workdir", help="keep graphs, LMs and decodes here (default: a temporary directory)")
    ap.add_argument("--limit", type=int, help="first N utterances only")
    ap.add_argument("--repeat", type=int, default=3, help="timed passes per decode (the fastest counts)")
    ap.add_argument("--time-budget", type=float, default=10.0,
                    help="no further timed passes once a decode has spent this many seconds")
    ap.add_argument("--decoders", default="k2,kaldi,torchaudio,pyctcdecode")
    ap.add_argument("--beam", type=float, default=20.0,
                    help="score beam for all: k2 search_beam, kaldi beam (x lm_scale), torchaudio beam_threshold, "
                         "-pyctcdecode beam_prune_logp")
    ap.add_argument("--cap", type=int, default=100,
                    help="common cap on hypotheses per frame: k2/kaldi max active states, torchaudio beam_size, "
                         "pyctcdecode beam_width (LM scales are tuned at this cap)")
    ap.add_argument("--caps", default="10000,1000,30,10",
                    help="further caps timed on the test half (operating points); '' for none")
    ap.add_argument("--pyctc-max-cap", type=int, default=100, help="pyctcdecode caps above this are skipped (slow)")
    ap.add_argument("--output-beam", type=float, default=8.0, help="k2 lattice beam (asrboot's default)")
    ap.add_argument("--min-active", type=int, default=30, help="k2 / kaldi min active states")
    ap.add_argument("--token-min-logp", type=float, default=-5.0, help="pyctcdecode (its default)")
    ap.add_argument("--demo", action="store_true", help="synthetic world, no other arguments needed")
    ap.add_argument("--demo-words", type=int, default=1000)
    ap.add_argument("--demo-utts", type=int, default=80, help="half tuning, half test")
    ap.add_argument("--demo-confusion", type=float, default=0.3)
    ap.add_argument("--out", help="also write the Markdown report here")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("lhotse", "asrboot.graph", "asrboot.lm", "asrboot.decode"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not args.demo and not (args.posteriors and args.arpa):
        ap.error("give --posteriors and --arpa, or --demo")
    tmp = None
    if args.workdir:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="asrboot-decoders.")
        workdir = Path(tmp.name)
    try:
        if args.demo:
            ps_dir, arpa = build_demo(workdir / "demo", args.demo_words, args.demo_utts, args.demo_confusion)
        else:
            ps_dir, arpa = Path(args.posteriors), Path(args.arpa)
        text = benchmark(args, ps_dir, arpa, workdir)
    finally:
        if tmp is not None:
            tmp.cleanup()
    print(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
