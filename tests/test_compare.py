"""``compare-lms`` on the toy CTC world: tuned LM scales, the table, CIs, paired p-values, files."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from lhotse import CutSet
from lhotse.testing.dummies import dummy_cut, dummy_supervision

from asrboot.am.posteriors import compute_posteriors
from asrboot.compare import compare_lms, parse_variants
from asrboot.lm.train import train_lm

from toy_asr import LM_TEXT, TARGET, ArrayAM, heard


def _posteriors(root, name, n, seed):
    """``n`` utterances of TARGET whose ambiguous unit leans to न (wrong) or क (right) at random."""
    rng = np.random.default_rng(seed)
    arrays, cuts = {}, []
    for i in range(n):
        uid = f"{name}{i:03d}"
        p_ka = float(rng.uniform(0.3, 0.55))
        arrays[uid] = heard(p_ka, 0.85 - p_ka)
        cut = dummy_cut(i, supervisions=[dummy_supervision(i, text=TARGET)]).with_id(uid)
        cuts.append(cut)
    return compute_posteriors(ArrayAM(arrays), CutSet.from_cuts(cuts), root / name)


def test_compare_lms(tmp_path):
    for name, lines in LM_TEXT.items():
        (tmp_path / f"{name}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        train_lm([tmp_path / f"{name}.txt"], tmp_path / f"{name}.arpa", order=3)
    dev, test = _posteriors(tmp_path, "dev", 10, 0), _posteriors(tmp_path, "test", 40, 1)
    variants = parse_variants(f"rival={tmp_path / 'B.arpa'},target={tmp_path / 'A.arpa'}")
    rows = compare_lms(dev, test, variants, tmp_path / "out", lm_scales=[0.0, 0.5, 1.5], bootstrap=200)

    greedy, rival, target = rows
    assert greedy.variant.startswith("greedy") and greedy.lm_scale is None
    # greedy follows the acoustics: the middle word is wrong whenever न outweighs क
    assert 0 < greedy.wer < 100
    assert target.wer == 0.0 and target.lm_scale > 0  # LM A knows the truth; a scale > 0 is chosen on dev
    # LM B pushes towards the wrong word: tuning on dev turns it off, leaving the acoustics alone
    assert rival.lm_scale == 0.0 and rival.wer == pytest.approx(greedy.wer)
    for r in rows:
        assert r.wer_low <= r.wer <= r.wer_high
    assert rival.rel_wer_reduction is None and rival.p_value is None  # the baseline
    assert target.rel_wer_reduction == pytest.approx(100.0) and target.p_value < 0.05
    assert target.ppl < rival.ppl and target.ppl_common < rival.ppl_common and target.oov_rate == 0

    out = tmp_path / "out"
    table = (out / "results.md").read_text(encoding="utf-8")
    assert "| target |" in table and "| rival |" in table and "greedy (no LM)" in table
    with open(out / "results.csv", encoding="utf-8") as f:
        assert [r["variant"] for r in csv.DictReader(f)] == ["greedy (no LM)", "rival", "target"]
    assert (out / "results.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "target" / "test" / "errs.txt").exists() and (out / "greedy" / "errs.txt").exists()
    # a second run reuses lang dirs, graphs and lattices and gives the same table
    again = compare_lms(dev, test, variants, tmp_path / "out", lm_scales=[0.0, 0.5, 1.5], bootstrap=200)
    assert [(r.variant, r.wer, r.lm_scale) for r in again] == [(r.variant, r.wer, r.lm_scale) for r in rows]


def test_parse_variants_errors():
    with pytest.raises(ValueError, match="NAME=ARPA"):
        parse_variants("base=a.arpa,broken")
    with pytest.raises(ValueError, match="duplicate"):
        parse_variants("a=x.arpa,a=y.arpa")
