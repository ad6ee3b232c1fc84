"""Decode a posterior directory: batching, lattice caching, LM-scale sweeps and the result files.

Layout of ``out_dir``::

    decode.json                      the configuration and the outputs written
    hyps.trn, recogs.jsonl           results (one LM scale)
    lm_scale_<s>/hyps.trn, ...       results per scale (a sweep)
    lattices/00000.pt ...            first-pass lattices, one file per batch (k2 Fsa dicts)
    lattices.json                    their stamp: HLG, posteriors, search options, search LM scale
    G_<n>gram.pt                     the rescoring LM as a k2 G (whole-lattice-rescore; cached)

LM-scale sweeps never re-run the AM (posteriors are cached) nor, for the HLG methods, the search:
the lattice is searched once with ``scales.search`` (``--lm-scale``) and stored with separate
``am_scores`` and ``lm_scores`` per arc; every sweep scale ``s`` re-weights the *stored* lattice,
``scores = am_scores + s * lm_scores``, before its shortest path (``1best``), its n-best sampling
(``nbest``), its rescoring (``whole-lattice-rescore``: the first-pass LM is replaced by G's), or,
for ``nbest-rescore``, ``am + s * lm_new`` over one n-best list of the search-scale lattice. Only the
pruning (beams) reflects the search scale; a second ``decode`` with the same search options reuses
the lattices from disk.
"""

from __future__ import annotations

import json
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import torch

from asrboot.am.posteriors import PosteriorSet
from asrboot.decode.hyp import Hyp, HypMaker, write_recogs, write_trn
from asrboot.decode.lattice import SearchParams, intersect, load_graph, set_lm_scale
from asrboot.decode.nbest import Nbest, nbest
from asrboot.decode.rescore import kenlm_path_scores, rescore_lattice, rescoring_graph
from asrboot.graph.hlg import compile_hlg
from asrboot.graph.lang import Lang
from asrboot.stamp import clear_stamp, file_digest, inputs_hash, is_fresh, read_stamp, write_stamp
from asrboot.io import InputError, PathLike, atomic_open, atomic_path

log = logging.getLogger(__name__)
METHODS = ("greedy", "1best", "nbest", "nbest-rescore", "whole-lattice-rescore")
Results = Dict[float, Dict[str, Hyp]]


@dataclass
class DecodeOptions:
    method: str = "1best"
    lm_scale: float = 0.5  # the search's LM scale (and the only scale without a sweep)
    lm_scales: Optional[List[float]] = None  # a sweep
    search: SearchParams = field(default_factory=SearchParams)
    num_paths: int = 100
    nbest_scale: float = 0.5
    max_frames: int = 20000  # batch size, in padded frames

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, not {self.method!r}")

    @property
    def scales(self) -> List[float]:
        return list(self.lm_scales or [self.lm_scale])


def _select_cuts(posteriors: PosteriorSet, cut_ids: Optional[Sequence[str]]):
    cuts = list(posteriors.cuts)
    if cut_ids is None:
        return cuts
    wanted = set(cut_ids)
    missing = wanted - {c.id for c in cuts}
    if missing:
        raise InputError(posteriors.root / "cuts.jsonl.gz", None,
                         f"{len(missing)} requested cut(s) not in the posteriors, e.g. {sorted(missing)[:3]}")
    return [c for c in cuts if c.id in wanted]


def _batches(cuts, max_frames: int) -> List[list]:
    """Cuts by decreasing posterior length, grouped so that a padded batch has <= max_frames frames."""
    cuts = sorted(cuts, key=lambda c: c.custom["posteriors"].shape[0], reverse=True)
    out: List[list] = []
    for cut in cuts:
        if out and (len(out[-1]) + 1) * out[-1][0].custom["posteriors"].shape[0] <= max_frames:
            out[-1].append(cut)
        else:
            out.append([cut])
    return out


class _Searcher:
    """Per batch: the stored lattice and every scale's hypotheses for one method."""

    def __init__(self, opts: DecodeOptions, lang: Lang, maker: HypMaker, rescore_lm: Optional[PathLike],
                 cache_dir: Path):
        self.opts, self.lang, self.maker = opts, lang, maker
        self.lm = self.G = None
        if opts.method in ("nbest-rescore", "whole-lattice-rescore") and rescore_lm is None:
            raise ValueError(f"method {opts.method} needs a rescoring LM")
        if opts.method == "nbest-rescore":
            from asrboot.lm.ppl import load

            self.lm = load(rescore_lm)
        elif opts.method == "whole-lattice-rescore":
            self.G = rescoring_graph(rescore_lm, lang, cache_dir)

    def _pick(self, nb: Nbest, path_scores: torch.Tensor, n: int, scale: float,
              lm_override: Optional[torch.Tensor] = None) -> List[Hyp]:
        import k2

        best = nb.argmax(path_scores)
        valid = torch.nonzero(best >= 0).flatten()
        chosen = best[valid].long()
        paths = k2.index_fsa(nb.paths, chosen.int())
        return self.maker.from_paths(paths, valid.tolist(), n, scale,
                                     None if lm_override is None else lm_override[chosen])

    def hyps(self, lattice, n: int) -> Dict[float, List[Hyp]]:
        import k2

        o = self.opts
        out: Dict[float, List[Hyp]] = {}
        if o.method == "1best":
            for s in o.scales:
                out[s] = self.maker.from_paths(k2.shortest_path(set_lm_scale(lattice, s), True), range(n), n, s)
        elif o.method == "nbest":
            for s in o.scales:
                nb = nbest(set_lm_scale(lattice, s), o.num_paths, o.nbest_scale)
                totals = nb.path_sums(nb.paths.am_scores) + s * nb.path_sums(nb.paths.lm_scores)
                out[s] = self._pick(nb, totals, n, s)
        elif o.method == "nbest-rescore":
            nb = nbest(set_lm_scale(lattice, o.lm_scale), o.num_paths, o.nbest_scale)
            am, lm = nb.path_sums(nb.paths.am_scores), kenlm_path_scores(nb, self.lang.id2word, self.lm)
            for s in o.scales:
                out[s] = self._pick(nb, am + s * lm, n, s, lm)
        else:
            rescored = rescore_lattice(lattice, self.G)
            for s in o.scales:
                out[s] = self.maker.from_paths(k2.shortest_path(set_lm_scale(rescored, s), True), range(n), n, s)
        return out


def _graph_path(lang_dir: PathLike, hlg: Optional[PathLike], arpa: Optional[PathLike]) -> Path:
    if (hlg is None) == (arpa is None):
        raise ValueError("give exactly one of an HLG or an ARPA LM to compile one from")
    if hlg is not None:
        return Path(hlg)
    out = Path(lang_dir) / f"HLG_{Path(arpa).name.split('.')[0]}.pt"
    compile_hlg(lang_dir, arpa, out)
    return out


def _graph_id(path: Path) -> str:
    stamp = read_stamp(path)
    return stamp["hash"] if stamp else file_digest(path)


def decode(
    posteriors: PathLike,
    out_dir: PathLike,
    opts: DecodeOptions,
    lang_dir: Optional[PathLike] = None,
    hlg: Optional[PathLike] = None,
    arpa: Optional[PathLike] = None,
    rescore_lm: Optional[PathLike] = None,
    cut_ids: Optional[Sequence[str]] = None,
) -> Results:
    """Decode the cuts of a posterior directory (all, or ``cut_ids``) and write the result files.

    ``greedy`` needs only the posteriors; the other methods a lang dir and ``hlg`` (or ``arpa`` to
    compile ``<lang>/HLG_<name>.pt`` from); the rescoring methods ``rescore_lm`` (kenlm ARPA or
    binary for ``nbest-rescore``, ARPA for ``whole-lattice-rescore``; its G is cached in ``out_dir``).
    Returns ``{scale: {cut id: Hyp}}`` (``greedy``: the single scale ``opts.lm_scale``, unused).
    """
    ps = PosteriorSet(posteriors)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cuts = _select_cuts(ps, cut_ids)
    id2token = {i: t for t, i in ps.tokens.items()}
    info = {"posteriors": str(ps.root), "options": asdict(opts), "cuts": len(cuts)}
    if opts.method == "greedy":
        maker = HypMaker(id2token, {}, ps.frame_shift)
        results: Results = {opts.scales[0]: {c.id: maker.greedy(ps.load(c)) for c in cuts}}
    else:
        if lang_dir is None:
            raise ValueError(f"method {opts.method} needs a lang dir")
        lang = Lang(lang_dir)
        if lang.am_tokens != ps.tokens:
            raise InputError(lang.root / "tokens.txt", None, f"AM tokens differ from those of {ps.root}/tokens.txt")
        graph_path = _graph_path(lang_dir, hlg, arpa)
        info.update(lang=str(lang.root), graph=str(graph_path), rescore_lm=str(rescore_lm) if rescore_lm else None)
        results = _decode_lattices(ps, cuts, graph_path, lang, opts, rescore_lm, out_dir, info)
    _write(results, {c.id: c for c in cuts}, opts, out_dir, info)
    return results


def _decode_lattices(ps: PosteriorSet, cuts, graph_path: Path, lang: Lang, opts: DecodeOptions,
                     rescore_lm: Optional[PathLike], out_dir: Path, info: dict) -> Results:
    import k2

    batches = _batches(cuts, opts.max_frames)
    lat_dir = out_dir / "lattices"
    key = inputs_hash([ps.root / "cuts.jsonl.gz", ps.root / "meta.json"],
                      {"graph": _graph_id(graph_path), "search": opts.search.as_dict(), "lm_scale": opts.lm_scale,
                       "batches": [[c.id for c in b] for b in batches]})
    reuse = is_fresh(lat_dir, key)
    info["lattices_reused"] = reuse
    lat_dir.mkdir(exist_ok=True)
    if not reuse:
        clear_stamp(lat_dir)
        for old in lat_dir.glob("*.pt"):
            old.unlink()
    graph = None if reuse else load_graph(graph_path)
    maker = HypMaker({i: t for t, i in lang.tokens.items()}, lang.id2word, ps.frame_shift)
    searcher = _Searcher(opts, lang, maker, rescore_lm, out_dir)
    results: Results = {s: {} for s in opts.scales}
    for b, batch in enumerate(batches):
        lat_file = lat_dir / f"{b:05d}.pt"
        if reuse:
            lattice = k2.Fsa.from_dict(torch.load(lat_file))
        else:
            lattice = intersect(graph, [ps.load(c) for c in batch], opts.lm_scale, opts.search)
            with atomic_path(lat_file) as tmp:
                torch.save(lattice.as_dict(), tmp)
        for s, hyps in searcher.hyps(lattice, len(batch)).items():
            results[s].update((c.id, h) for c, h in zip(batch, hyps))
    if not reuse:
        write_stamp(lat_dir, key, {"graph": str(graph_path), "batches": len(batches)})
    return results


def _ref(cut) -> Optional[str]:
    texts = [s.text for s in cut.supervisions if s.text]
    return " ".join(texts) if texts else None


def _write(results: Results, cuts: dict, opts: DecodeOptions, out_dir: Path, info: dict) -> None:
    outputs = {}
    sweep = bool(opts.lm_scales) and opts.method != "greedy"
    for s, hyps in results.items():
        d = out_dir / f"lm_scale_{s:g}" if sweep else out_dir
        d.mkdir(exist_ok=True)
        ordered = [(cid, hyps[cid]) for cid in cuts]
        write_trn(ordered, d / "hyps.trn")
        write_recogs([(cid, h, _ref(cuts[cid])) for cid, h in ordered], d / "recogs.jsonl")
        empty = sum(h.total is None for _, h in ordered)
        if empty:
            log.warning("lm_scale %g: %d of %d utterances have no surviving path (empty hypothesis)", s, empty,
                        len(ordered))
        outputs[f"{s:g}"] = {"dir": str(d), "empty": empty}
    with atomic_open(out_dir / "decode.json") as f:
        json.dump({**info, "outputs": outputs}, f, indent=2, ensure_ascii=False)
