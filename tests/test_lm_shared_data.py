"""Issue check on the real data (skips without ../shared/data): a general-Hindi 3-gram interpolated
with an in-domain 3-gram has a lower in-domain dev perplexity than either, on a common vocabulary."""

from __future__ import annotations

from asrboot.lm.interpolate import interpolate
from asrboot.lm.train import train_lm
from asrboot.text import Normalizer, normalize_file, normalize_tsv


def test_general_plus_indomain_mix(shared_data, tmp_path):
    lm_norm = Normalizer.for_lm("hi")
    normalize_file(shared_data / "common_voice_hi_sentences" / "sentence-collector.txt", tmp_path / "cv.txt", lm_norm)
    slurp = shared_data / "slurp_hi"
    normalize_tsv(slurp / "indomain_train.tsv", tmp_path / "indomain.txt", lm_norm, "hi")
    normalize_tsv(slurp / "dev.tsv", tmp_path / "dev.txt", lm_norm, "hi")
    general = train_lm([tmp_path / "cv.txt"], tmp_path / "cv.arpa", order=3)
    indomain = train_lm([tmp_path / "indomain.txt"], tmp_path / "indomain.arpa", order=3)
    assert general.tokens > 200_000 and indomain.sentences == 1500
    report = interpolate([general.arpa, indomain.arpa], tmp_path / "dev.txt", tmp_path / "mix.arpa")
    weights, inputs, mixed = report["weights"], report["inputs"], report["mix"]
    assert weights[1] > weights[0] > 0  # the in-domain LM dominates, the general LM still helps
    assert mixed["ppl"] < min(i["ppl"] for i in inputs)
    assert mixed["oovs"] < min(i["own_oovs"] for i in inputs)  # the mix knows both vocabularies
