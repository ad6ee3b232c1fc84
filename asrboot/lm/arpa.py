"""ARPA back-off n-gram models in memory: read, query, renormalize and write.

Values are log10, as in the file. The model is stored as a sorted-array trie (numpy), so a
model with millions of n-grams costs ~40 bytes per n-gram and every query is vectorised:

* word ids are unigram rows (``vocab[i]`` is unigram row ``i``);
* the rows of order n >= 2 are sorted by ``key = row of the (n-1)-gram prefix * |V| + last word``,
  so the prefix (history) of every n-gram must itself be in the model, as SRILM requires.

Query semantics are the standard back-off recursion, identical to kenlm's and SRILM's:
``p(w | h) = p*(h w)`` if ``h w`` is explicit, else ``bow(h) * p(w | h[1:])`` (``bow`` = 1 for a
history that is not an n-gram). Words outside the vocabulary are scored as ``<unk>``, in the
predicted position and in histories (kenlm behaviour); without ``<unk>`` they score ``-inf``.
"""

from __future__ import annotations

import math
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

import numpy as np
from tqdm import tqdm

from asrboot.io import InputError, PathLike, atomic_open, read_lines

BOS, EOS, UNK = "<s>", "</s>", "<unk>"
LOG_ZERO = -99.0  # ARPA's stand-in for log10(0); mixes write it for p(<s>) as SRILM (lmplz writes 0)
#: Contexts whose lower-order distribution leaves less than this mass for unseen words get
#: backoff 1 and explicit probabilities rescaled to sum to 1 (see ArpaLM.recompute_backoffs).
DEN_EPS = 1e-6
_WRITE_CHUNK = 100_000

NgramArrays = Tuple[np.ndarray, np.ndarray, np.ndarray]


class NgramError(ValueError):
    """An n-gram (``order``, ``row`` in the order given to :class:`ArpaLM`) breaks the model's rules."""

    def __init__(self, order: int, row: int, message: str):
        self.order, self.row = order, row
        super().__init__(message)


def _take(values: np.ndarray, rows: np.ndarray, default: float) -> np.ndarray:
    """``values[rows]`` with ``default`` where ``rows < 0``."""
    out = np.full(rows.shape, default, dtype=np.float64)
    ok = rows >= 0
    out[ok] = values[rows[ok]]
    return out


class ArpaLM:
    """A back-off n-gram LM; build with :func:`read_arpa` or from id arrays.

    ``ngrams[n-1] = (ids, logprobs, backoffs)`` for order n: ``ids`` (m, n) word ids (indices
    into ``vocab``), log10 probabilities and log10 backoff weights (0 where none). Unigram row
    ``i`` must be word ``i``. Raises :class:`NgramError` for a duplicate n-gram or one whose
    history is not an n-gram.
    """

    def __init__(self, vocab: Sequence[str], ngrams: Sequence[NgramArrays]):
        self.vocab: List[str] = list(vocab)
        self.index: Dict[str, int] = {w: i for i, w in enumerate(self.vocab)}
        size = len(self.vocab)
        if len(self.index) != size:
            row = next(i for i, w in enumerate(self.vocab) if self.index[w] != i)
            raise NgramError(1, row, f"duplicate unigram {self.vocab[row]!r}")
        self.bos, self.eos, self.unk = (self.index.get(w, -1) for w in (BOS, EOS, UNK))
        self._ids: List[np.ndarray] = []
        self._keys: List[np.ndarray] = []
        self._logp: List[np.ndarray] = []
        self._bow: List[np.ndarray] = []
        for n, (ids, logp, bow) in enumerate(ngrams, start=1):
            self._add_order(n, np.asarray(ids, dtype=np.int32).reshape(-1, n),
                            np.asarray(logp, dtype=np.float64), np.asarray(bow, dtype=np.float64))

    def _add_order(self, n: int, ids: np.ndarray, logp: np.ndarray, bow: np.ndarray) -> None:
        size = len(self.vocab)
        if not len(ids) == len(logp) == len(bow):
            raise ValueError(f"order {n}: ids, logprobs and backoffs differ in length")
        if n == 1:
            if not np.array_equal(ids[:, 0], np.arange(size)):
                raise ValueError("unigram row i must be word i")
            keys = np.arange(size, dtype=np.int64)
        else:
            if ids.size and (ids.min() < 0 or ids.max() >= size):
                raise ValueError(f"order {n}: word id out of range")
            parent = self._find(ids[:, :-1])
            missing = np.flatnonzero(parent < 0)
            if missing.size:
                row = int(missing[0])
                raise NgramError(n, row, f"history {self._text(ids[row, :-1])!r} of the {n}-gram "
                                         f"{self._text(ids[row])!r} is not an {n - 1}-gram")
            keys = parent * size + ids[:, -1]
            perm = np.argsort(keys, kind="stable")
            keys = keys[perm]
            dup = np.flatnonzero(keys[1:] == keys[:-1]) + 1
            if dup.size:
                row = int(perm[dup].min())
                raise NgramError(n, row, f"duplicate {n}-gram {self._text(ids[row])!r}")
            ids, logp, bow = ids[perm], logp[perm], bow[perm]
        self._ids.append(ids)
        self._keys.append(keys)
        self._logp.append(logp)
        self._bow.append(bow)

    # ------------------------------------------------------------------ structure
    @property
    def order(self) -> int:
        return len(self._ids)

    @property
    def counts(self) -> List[int]:
        """Number of n-grams of each order, unigrams first."""
        return [len(ids) for ids in self._ids]

    def arrays(self, n: int) -> NgramArrays:
        """``(ids, logprobs, backoffs)`` of order ``n``, sorted by (history row, word) (read-only use)."""
        return self._ids[n - 1], self._logp[n - 1], self._bow[n - 1]

    def parents(self, n: int) -> np.ndarray:
        """Row in order ``n - 1`` of each order-``n`` n-gram's history (``n >= 2``)."""
        return self._keys[n - 1] // len(self.vocab)

    def ngrams(self, n: int) -> Iterator[Tuple[Tuple[str, ...], float, float]]:
        """``(words, logprob, backoff)`` of every n-gram of order ``n``."""
        ids, logp, bow = self.arrays(n)
        for row, lp, b in zip(ids.tolist(), logp.tolist(), bow.tolist()):
            yield tuple(self.vocab[i] for i in row), lp, b

    def as_dicts(self) -> List[Dict[Tuple[str, ...], Tuple[float, float]]]:
        """Per-order ``{words: (logprob, backoff)}`` (convenient for small models)."""
        return [{w: (lp, b) for w, lp, b in self.ngrams(n)} for n in range(1, self.order + 1)]

    def get(self, words: Sequence[str]) -> Optional[Tuple[float, float]]:
        """``(logprob, backoff)`` of an explicit n-gram, or None."""
        if not 0 < len(words) <= self.order or any(w not in self.index for w in words):
            return None
        row = int(self._find(np.array([[self.index[w] for w in words]]))[0])
        n = len(words) - 1
        return (float(self._logp[n][row]), float(self._bow[n][row])) if row >= 0 else None

    def _text(self, ids: np.ndarray) -> str:
        return " ".join(self.vocab[i] for i in ids.tolist())

    # ------------------------------------------------------------------ lookup
    def _child(self, n: int, parent: np.ndarray, words: np.ndarray) -> np.ndarray:
        """Row in order ``n`` of (n-1-gram row ``parent``, ``words``); -1 where absent."""
        keys = self._keys[n - 1]
        if not len(keys):
            return np.full(len(parent), -1, dtype=np.int64)
        query = parent * len(self.vocab) + words
        pos = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
        return np.where((parent >= 0) & (words >= 0) & (keys[pos] == query), pos, -1)

    def _find(self, ids: np.ndarray) -> np.ndarray:
        """Row of each n-gram (rows of ``ids``, shape (m, n)) in its order; -1 where absent."""
        rows = ids[:, 0].astype(np.int64)
        for j in range(1, ids.shape[1]):
            rows = self._child(j + 1, rows, ids[:, j].astype(np.int64))
        return rows

    def logprobs(self, context: np.ndarray, words: np.ndarray) -> np.ndarray:
        """Back-off log10 p(word | context) for id arrays.

        ``context`` (m, c): word ids, oldest first, -1 for "no word" (before the sentence
        start); only the last ``order - 1`` columns are used. ``words`` (m,): valid word ids.
        """
        words = np.asarray(words, dtype=np.int64)
        context = np.asarray(context, dtype=np.int64)
        c = min(context.shape[1], self.order - 1)
        context = context[:, context.shape[1] - c:]
        result = self._logp[0][words]
        for j in range(1, c + 1):
            hist = self._find(context[:, c - j:])
            full = self._child(j + 1, hist, words)
            backoff = _take(self._bow[j - 1], hist, 0.0)
            result = np.where(full >= 0, _take(self._logp[j], full, 0.0), result + backoff)
        return result

    def score_tokens(self, context: np.ndarray, words: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        """Log10 probabilities and OOV mask of tokens from :func:`token_arrays` over this vocabulary.

        Unknown words (id ``len(vocab)``) and ``<unk>`` itself are OOV; they are scored as
        ``<unk>`` (``-inf`` without it), in histories too.
        """
        size = len(self.vocab)
        oov = (words == size) | (words == self.unk)
        words = np.where(words == size, self.unk, words)
        context = np.where(context == size, self.unk, context)
        result = np.full(len(words), -np.inf)
        ok = words >= 0
        result[ok] = self.logprobs(context[ok], words[ok])
        return result, oov

    def logprob(self, word: str, history: Sequence[str] = ()) -> float:
        """Log10 p(word | history), history oldest first (``<s>`` allowed)."""
        size = len(self.vocab)
        context = np.array([[self.index.get(w, size) for w in history]], dtype=np.int64)
        lp, _ = self.score_tokens(context, np.array([self.index.get(word, size)]))
        return float(lp[0])

    def sentence_logprob(self, words: Sequence[str], bos: bool = True, eos: bool = True) -> float:
        """Log10 probability of a sentence (``</s>`` included when ``eos``), like kenlm's ``score``."""
        context, ids = token_arrays([words], self.index, self.order - 1, bos, eos)
        return float(self.score_tokens(context, ids)[0].sum())

    def perplexity(self, sentences: Sequence[Sequence[str]]) -> dict:
        """SRILM ``ngram -ppl`` statistics (:class:`asrboot.lm.ppl.PplReport` as a dict): OOV
        tokens are counted and left out of the logprob."""
        from asrboot.lm.ppl import PplReport

        context, ids = token_arrays(sentences, self.index, self.order - 1)
        lp, oov = self.score_tokens(context, ids)
        words = sum(len(s) for s in sentences)
        oovs = int(oov.sum())
        return PplReport.from_counts(len(sentences), words, oovs, float(lp[~oov].sum())).as_dict()

    # ------------------------------------------------------------------ normalization
    def recompute_backoffs(self) -> None:
        """Set every backoff weight (in place, lower orders first) so each p(.|h) sums to 1.

        ``bow(h) = (1 - sum p(w|h)) / (1 - sum p(w|h[1:]))`` over the explicit ``h w``. Edge
        cases, as SRILM: where the lower-order mass left for unseen words is <= ``DEN_EPS`` the
        explicit probabilities of ``h`` are rescaled to sum to 1 and ``bow(h) = 1``; where they
        already sum to more than 1 they are rescaled to 1 and ``bow(h) = LOG_ZERO``. N-grams
        that are no history get backoff 0 (log10 of 1).
        """
        for k in range(1, self.order):
            ids, logp = self._ids[k], self._logp[k]
            parent, size = self.parents(k + 1), len(self._ids[k - 1])
            explicit = np.bincount(parent, 10.0 ** logp, minlength=size)
            lower = np.bincount(parent, 10.0 ** self.logprobs(ids[:, 1:-1], ids[:, -1]), minlength=size)
            has = np.bincount(parent, minlength=size) > 0
            num, den = 1.0 - explicit, 1.0 - lower
            with np.errstate(divide="ignore"):
                bow = np.log10(np.maximum(num, 0.0)) - np.log10(np.maximum(den, DEN_EPS))
            bow = np.maximum(bow, LOG_ZERO)
            empty = den <= DEN_EPS
            bow[empty | ~has] = 0.0
            rescale = has & (empty | (num < 0))
            if rescale.any():
                shift = np.where(rescale, -np.log10(explicit, where=rescale, out=np.ones(size)), 0.0)
                self._logp[k] = np.minimum(logp + shift[parent], 0.0)
            self._bow[k - 1] = bow


def with_vocab(lm: ArpaLM, words: Iterable[str]) -> ArpaLM:
    """``lm`` on a larger closed vocabulary: the words it lacks share its ``<unk>`` probability.

    ``<unk>`` stands for every word outside the vocabulary; adding ``k`` words splits its
    unigram probability uniformly among them and ``<unk>`` (each gets ``p(<unk>) / (k + 1)``).
    Nothing else changes (the explicit n-grams and their lower-order probabilities are the same,
    so every backoff weight stays valid), and the model stays normalized. This puts models with
    different vocabularies on one vocabulary, so that their perplexities count the same tokens
    (as SRILM's ``-vocab`` does for models that are compared or mixed).
    """
    new = sorted(set(words) - set(lm.vocab) - {BOS, EOS, UNK})
    if not new:
        return lm
    if lm.unk < 0:
        raise ValueError("cannot extend the vocabulary of a model without <unk>")
    ids, logp, bow = lm.arrays(1)
    share = logp[lm.unk] - math.log10(len(new) + 1)
    logp = np.concatenate([logp, np.full(len(new), share)])
    logp[lm.unk] = share
    unigrams = (np.arange(len(lm.vocab) + len(new), dtype=np.int32)[:, None], logp,
                np.concatenate([bow, np.zeros(len(new))]))
    return ArpaLM(lm.vocab + new, [unigrams] + [lm.arrays(n) for n in range(2, lm.order + 1)])


def token_arrays(sentences: Iterable[Sequence[str]], index: Dict[str, int], context_size: int,
                 bos: bool = True, eos: bool = True) -> Tuple[np.ndarray, np.ndarray]:
    """Id arrays of every scored token of ``sentences``: ``(context (m, context_size), words (m,))``.

    Ids come from ``index``; words not in it get id ``len(index)``; context positions before the
    sentence start are -1. With ``bos`` the context starts with ``<s>``; with ``eos`` every
    sentence also predicts ``</s>``.
    """
    unknown = len(index)
    flat: List[int] = []
    starts: List[int] = []
    for words in sentences:
        starts.append(len(flat))
        if bos:
            flat.append(index.get(BOS, unknown))
        flat.extend(index.get(w, unknown) for w in words)
        if eos:
            flat.append(index.get(EOS, unknown))
    tokens = np.array(flat, dtype=np.int64)
    lengths = np.diff(np.append(starts, len(flat)))
    sentence_start = np.repeat(np.array(starts, dtype=np.int64), lengths)
    positions = np.arange(len(tokens))
    if bos:
        positions = positions[positions != sentence_start]
    context = np.full((len(positions), context_size), -1, dtype=np.int64)
    for d in range(1, context_size + 1):
        src = positions - d
        ok = src >= sentence_start[positions]
        context[ok, context_size - d] = tokens[src[ok]]
    return context, tokens[positions]


# ---------------------------------------------------------------------- reading
class _Lines:
    """Line iterator over a UTF-8 file with one line of push-back."""

    def __init__(self, path: PathLike):
        self._it = iter(tqdm(read_lines(path), desc=f"reading {path}", unit=" lines",
                             leave=False, disable=None, mininterval=1.0))
        self._back: Optional[Tuple[int, str]] = None
        self.last = 0

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> Tuple[int, str]:
        if self._back is not None:
            item, self._back = self._back, None
            return item
        item = next(self._it)
        self.last = item[0]
        return item

    def push(self, item: Tuple[int, str]) -> None:
        self._back = item

    def next_nonblank(self) -> Optional[Tuple[int, str]]:
        return next(((n, line) for n, line in self if line.strip()), None)


def _fields(line: str) -> List[str]:
    """Split an ARPA line on spaces and tabs."""
    parts = line.replace("\t", " ").split(" ")
    return [p for p in parts if p] if "" in parts else parts


def _number(text: str, path: PathLike, lineno: int, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise InputError(path, lineno, f"non-numeric {what} {text!r}") from None
    if math.isnan(value) or value == math.inf:
        raise InputError(path, lineno, f"invalid {what} {text!r}")
    return value


def _read_header(lines: _Lines, path: PathLike) -> Tuple[List[int], List[int]]:
    """Counts declared in ``\\data\\`` and the line number of each declaration."""
    if not any(line.strip() == "\\data\\" for _, line in lines):
        raise InputError(path, lines.last or None, "missing '\\data\\' header")
    counts: List[int] = []
    where: List[int] = []
    for lineno, line in lines:
        text = line.strip()
        if not text:
            if counts:
                break
            continue
        if text.startswith("\\"):
            lines.push((lineno, line))
            break
        head, _, value = text.partition("=")
        parts = head.split()
        if len(parts) != 2 or parts[0] != "ngram" or not parts[1].isdigit() or not value.strip().isdigit():
            raise InputError(path, lineno, f"expected 'ngram N=count', got {text!r}")
        if int(parts[1]) != len(counts) + 1:
            raise InputError(path, lineno, f"expected 'ngram {len(counts) + 1}=...', got {text!r}")
        counts.append(int(value))
        where.append(lineno)
    if not counts:
        raise InputError(path, lines.last, "no 'ngram N=count' lines after '\\data\\'")
    return counts, where


def _read_section(lines: _Lines, path: PathLike, n: int, highest: bool,
                  vocab: List[str], index: Dict[str, int]) -> NgramArrays:
    """Read the entries of the ``\\n-grams:`` section up to a blank line or the next ``\\`` line."""
    ids: List[int] = []
    logps: List[float] = []
    bows: List[float] = []
    fields = (n + 1,) if highest else (n + 1, n + 2)
    for lineno, line in lines:
        if line.startswith("\\"):
            lines.push((lineno, line))
            break
        parts = _fields(line)
        if not parts:
            break
        if len(parts) not in fields:
            raise InputError(path, lineno, f"{len(parts)} fields in a {n}-gram line, expected "
                                           + " or ".join(map(str, fields)))
        logps.append(_number(parts[0], path, lineno, "log-probability"))
        bows.append(_number(parts[-1], path, lineno, "backoff") if len(parts) == n + 2 else 0.0)
        if n == 1:
            word = parts[1]
            if word in index:
                raise InputError(path, lineno, f"duplicate unigram {word!r}")
            index[word] = len(vocab)
            vocab.append(word)
        else:
            try:
                ids.extend([index[w] for w in parts[1:n + 1]])
            except KeyError as e:
                raise InputError(path, lineno, f"word {e.args[0]!r} is not among the unigrams") from None
    if n == 1:
        ids = list(range(len(vocab)))
    return (np.array(ids, dtype=np.int32).reshape(-1, n), np.array(logps, dtype=np.float64),
            np.array(bows, dtype=np.float64))


def read_arpa(path: PathLike) -> ArpaLM:
    """Read an ARPA file; malformed input raises :class:`InputError` with its line number.

    Checked: ``\\data\\`` header, each ``\\N-grams:`` section in order, ``\\end\\``, the
    declared counts (reported at the ``ngram N=count`` line), field counts, numbers, and that
    every n-gram's words are unigrams, its history is an n-gram, and it is not duplicated.
    """
    lines = _Lines(path)
    counts, declared = _read_header(lines, path)
    vocab: List[str] = []
    index: Dict[str, int] = {}
    sections: List[NgramArrays] = []
    first_lines: List[int] = []
    for n in range(1, len(counts) + 1):
        head = lines.next_nonblank()
        if head is None or head[1].strip() != f"\\{n}-grams:":
            raise InputError(path, head[0] if head else lines.last,
                             f"expected '\\{n}-grams:', got {head[1].strip() if head else 'end of file'!r}")
        first_lines.append(head[0] + 1)
        section = _read_section(lines, path, n, n == len(counts), vocab, index)
        if len(section[1]) != counts[n - 1]:
            raise InputError(path, declared[n - 1], f"header declares {counts[n - 1]} {n}-grams, "
                                                    f"the section has {len(section[1])}")
        sections.append(section)
    tail = lines.next_nonblank()
    if tail is None or tail[1].strip() != "\\end\\":
        raise InputError(path, tail[0] if tail else lines.last,
                         f"expected '\\end\\', got {tail[1].strip() if tail else 'end of file'!r}")
    try:
        return ArpaLM(vocab, sections)
    except NgramError as e:
        raise InputError(path, first_lines[e.order - 1] + e.row, str(e)) from None


# ---------------------------------------------------------------------- writing
def _format_rows(texts: np.ndarray, logp: np.ndarray, bow: Optional[np.ndarray]) -> List[str]:
    if bow is None:
        return [f"{p:.9g}\t{t}\n" for p, t in zip(logp.tolist(), texts.tolist())]
    return [f"{p:.9g}\t{t}\t{b:.9g}\n" for p, t, b in zip(logp.tolist(), texts.tolist(), bow.tolist())]


def write_arpa(lm: ArpaLM, path: PathLike) -> None:
    """Write ``lm`` atomically in ARPA format (9 significant digits; backoffs on all but the highest order)."""
    words = np.array(lm.vocab, dtype=object)
    with atomic_open(path, "w") as f:
        f.write("\\data\\\n")
        f.writelines(f"ngram {n}={c}\n" for n, c in enumerate(lm.counts, start=1))
        for n in range(1, lm.order + 1):
            f.write(f"\n\\{n}-grams:\n")
            ids, logp, bow = lm.arrays(n)
            for start in tqdm(range(0, len(ids), _WRITE_CHUNK), desc=f"writing {n}-grams",
                              leave=False, disable=None):
                chunk = slice(start, start + _WRITE_CHUNK)
                texts = words[ids[chunk, 0]]
                for k in range(1, n):
                    texts = texts + " " + words[ids[chunk, k]]
                f.writelines(_format_rows(texts, logp[chunk], bow[chunk] if n < lm.order else None))
        f.write("\n\\end\\\n")
