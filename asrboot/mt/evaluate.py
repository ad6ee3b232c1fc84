"""BLEU and chrF (sacrebleu) of a translator on held-out pairs.

Hindi references and hypotheses are LM-normalized text (no punctuation), so sacrebleu's default
``13a`` tokenization is whitespace splitting here; chrF is the more informative figure for
Hindi's rich morphology and for weak systems.
"""

from __future__ import annotations

from typing import Dict, Sequence, Tuple

from asrboot.mt.translate import Translator


def bleu_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> Dict[str, float]:
    """Corpus BLEU and chrF (0-100) of ``hypotheses`` against one reference each."""
    import sacrebleu

    if len(hypotheses) != len(references):
        raise ValueError("hypotheses and references differ in length")
    return {"bleu": sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score,
            "chrf": sacrebleu.corpus_chrf(list(hypotheses), [list(references)]).score,
            "sentences": len(hypotheses)}


def evaluate(translator: Translator, pairs: Sequence[Tuple[str, str]], beam: int = 5,
             progress: bool = True) -> Dict[str, float]:
    """BLEU/chrF of the 1-best translations of the ``(english, hindi)`` pairs."""
    nbest = translator.translate([en for en, _ in pairs], beam=beam, progress=progress)
    return bleu_chrf([hyps[0].text if hyps else "" for hyps in nbest], [hi for _, hi in pairs])
