"""LM variants of the bootstrap recipe: a 3-gram LM on each variant's Hindi text(s), EM-interpolated with the
in-domain LM on dev (:func:`asrboot.lm.interpolate.interpolate`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Dict, List, Sequence, Tuple

from asrboot.io import InputError, atomic_open, read_lines
from asrboot.lm.interpolate import interpolate
from asrboot.lm.train import train_lm


#: table labels of the recipe's variant names (others are shown as their name)
LABELS: Dict[str, str] = {
    "indomain": "in-domain only (baseline)",
    "raw": "+ raw translations",
    "selection": "+ selection (centroid)",
    "selftrain": "+ self-training fine-tune",
    "rescore": "+ N-best rescoring",
    "filter": "+ LM filtering",
    "combined": "all combined",
    "general": "all combined + general-Hindi LM",
    "moore_lewis": "+ selection (Moore-Lewis instead of centroid)",
}


def parse_spec(spec: str) -> Tuple[str, List[str]]:
    """``NAME=TEXT[,TEXT...]`` -> (name, texts)."""
    name, sep, texts = spec.partition("=")
    if not sep or not name or not texts:
        raise ValueError(f"variant {spec!r}: expected NAME=TEXT[,TEXT...]")
    return name, [t for t in texts.split(",") if t]


def _nonempty(path: str) -> int:
    return sum(1 for _, line in read_lines(path) if line.strip())


def build_variants(indomain_arpa: str, specs: Sequence[str], dev_text: str, out_dir: str, order: int = 3,
                   baseline: str = "indomain") -> List[Dict]:
    """Write ``OUT_DIR/<name>.arpa`` (+ ``<name>.json``) for every ``NAME=TEXT[,TEXT...]`` spec, the baseline
    (a copy of the in-domain LM) first, and ``OUT_DIR/variants.json``: ``[{name, label, arpa, texts, weights,
    sentences, dev_ppl}]``. Each text trains its own ``order``-gram component; the in-domain LM and the components
    are mixed with EM weights estimated on ``dev_text`` (never test)."""
    out = Path(out_dir)
    (out / "components").mkdir(parents=True, exist_ok=True)
    base = out / f"{baseline}.arpa"
    shutil.copyfile(indomain_arpa, base)
    variants: List[Dict] = [{"name": baseline, "label": LABELS.get(baseline, baseline), "arpa": str(base),
                             "texts": [], "weights": [1.0], "sentences": []}]
    components: Dict[str, str] = {}
    for spec in specs:
        name, texts = parse_spec(spec)
        if name in {v["name"] for v in variants}:
            raise ValueError(f"variant {name!r} given twice")
        arpas = []
        for text in texts:
            if text not in components:  # one component LM per distinct text
                if _nonempty(text) == 0:
                    raise InputError(text, None, "no sentences (nothing to train an LM on)")
                arpa = out / "components" / f"{len(components):02d}_{Path(text).stem}.arpa"
                train_lm([text], arpa, order=order)
                components[text] = str(arpa)
            arpas.append(components[text])
        arpa = out / f"{name}.arpa"
        report = interpolate([indomain_arpa, *arpas], dev_text, arpa)
        with atomic_open(out / f"{name}.json") as f:
            json.dump(report, f, ensure_ascii=False, indent=1)
        variants.append({"name": name, "label": LABELS.get(name, name), "arpa": str(arpa), "texts": texts,
                         "weights": report["weights"], "sentences": [_nonempty(t) for t in texts],
                         "dev_ppl": report["mix"].get("ppl")})
    with atomic_open(out / "variants.json") as f:
        json.dump(variants, f, ensure_ascii=False, indent=1)
    return variants


def read_variants(path: str) -> List[Dict]:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def lms_argument(variants: Sequence[Dict]) -> str:
    """``NAME=ARPA,...`` for ``asrboot compare-lms --lms`` (the baseline first)."""
    return ",".join(f"{v['name']}={v['arpa']}" for v in variants)
