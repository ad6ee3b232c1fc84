"""Sentence embeddings for data selection, trained here on the selection data itself.

:class:`CharNgramEmbedder` is TF-IDF over character n-grams inside word boundaries
(``analyzer="char_wb"``, 2-4 characters) followed by truncated SVD (LSA) and L2 normalization.
Why it suits this task: Devanagari words carry case markers, postpositions and verb endings as
character sequences (``-ओ`` imperatives, ``कर दो``), so character n-grams share evidence between
inflected forms and spelling variants that word features would treat as unrelated, and they need
no tokenizer, pretrained model or network. TF-IDF down-weights the n-grams every sentence has;
SVD fitted on in-domain + pool text folds co-occurring n-grams into a few hundred dense topic-like
dimensions, which is what makes cosine distances between *short* sentences meaningful, and it
fits in well under a minute on tens of thousands of sentences.

The first SVD component of (uncentred) TF-IDF is the direction every sentence shares; long
sentences lie closest to it, so left in, cosine-to-centroid mostly ranks by length (long news
sentences first on the real pool). It is dropped, as in SIF's common-component removal (Arora
et al. 2017); ``drop_common=False`` keeps it.
"""

from __future__ import annotations

from typing import Protocol, Sequence, Tuple

import numpy as np


class Embedder(Protocol):
    """Maps sentences to L2-normalized vectors (one row per sentence)."""

    def fit(self, texts: Sequence[str]) -> "Embedder":
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        ...


class CharNgramEmbedder:
    """TF-IDF of ``char_wb`` n-grams + truncated SVD (``dims``), rows L2-normalized (see module doc)."""

    def __init__(self, ngram_range: Tuple[int, int] = (2, 4), dims: int = 256, min_df: int = 2,
                 drop_common: bool = True, seed: int = 0):
        self.ngram_range, self.dims, self.min_df, self.seed = ngram_range, dims, min_df, seed
        self.skip = int(drop_common)
        self._tfidf = self._svd = None

    def fit(self, texts: Sequence[str]) -> "CharNgramEmbedder":
        from sklearn.decomposition import TruncatedSVD
        from sklearn.feature_extraction.text import TfidfVectorizer

        self._tfidf = TfidfVectorizer(analyzer="char_wb", ngram_range=self.ngram_range, min_df=self.min_df,
                                      sublinear_tf=True, lowercase=False, dtype=np.float32)
        features = self._tfidf.fit_transform(texts)
        dims = min(self.dims + self.skip, features.shape[1] - 1, features.shape[0] - 1)
        if dims <= self.skip:
            raise ValueError(f"too little text to fit an embedding ({features.shape[0]} sentences)")
        self._svd = TruncatedSVD(dims, algorithm="randomized", random_state=self.seed).fit(features)
        return self

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if self._svd is None:
            raise RuntimeError("fit the embedder first")
        vectors = self._svd.transform(self._tfidf.transform(texts))[:, self.skip:]
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms > 0, norms, 1.0)
