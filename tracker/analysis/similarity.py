"""How alike two items are: one exact method, the same at every size.

Items are compared sentence by sentence; two items are as alike as their best pair of sentences. The
2022/2023 items are paragraphs whose first sentence carries the call ("International cooperation should be
strengthened …") and whose other sentences would dilute a whole-text vector.

Every sentence has a character n-gram vector and, in semantic mode, a MiniLM vector. The n-gram vector:
``char_wb`` 3-5-grams, hashed, sublinear counts weighted by how rare each n-gram is in the bundled seed pages,
then a fixed sparse random projection to 768 dimensions, so that comparing every sentence with every other
is a dense matrix product, like MiniLM's (the sparse products were 20x slower; 384 dimensions lost about
0.07 F1 on the labelled pages, 768 lose none). Both vectors depend on the sentence alone,
never on the rest of the tracker: the rarity weights come from a fixed reference text, not the user's data,
so a sentence's vectors never change, are cached in the database (``embeddings`` table), and comparing a new
report with the tracker costs the same whatever else it holds.

A sentence pair's similarity is the weighted mean of its two cosines (the n-gram cosine alone in lexical
mode); pairs below ``Method.gate`` count as 0, so unrelated calls add nothing to an average. Nothing depends
on which other items are compared: the numbers are the same for two items alone or among 20,000 others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.random_projection import SparseRandomProjection

UNIT_CHUNK = 512  # sentence rows per block product: 512 x 40,000 float32 = 80 MB a block
CHAR_FEATURES = 2**20  # hashed n-gram columns: collisions are rare at this size
CHAR_DIM = 768  # the projected n-gram vector
CHAR_MODEL_ID = "char-wb-3-5-hash20-seedidf-srp768-v1"  # cache key of the n-gram vectors

# punctuation, whitespace, then a capital, bracket or quote: the end of a sentence
SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(\"'])")

# generic words of this corpus carry no signal about *which* call an item makes (titles, theme fallback)
DOMAIN_STOP_WORDS = ["children", "child", "online", "protection", "protect", "protecting", "minors", "internet",
                     "digital", "need", "needs", "needed", "necessary", "essential", "crucial", "vital", "important",
                     "ensure", "ensuring", "effective", "effectively", "including", "include", "based", "ways",
                     "strategies", "specific", "continue", "continued", "continuing"]


@dataclass(frozen=True)
class Method:
    """How to compare items and when an item joins a recommendation (``grouping.assign``)."""

    name: str
    semantic: float = 0.0  # weight of the MiniLM cosine
    char: float = 1.0  # weight of the character n-gram cosine
    gate: float = 0.3  # sentence pairs less alike than this count as 0
    threshold: float = 0.35  # calls are one recommendation when their average similarity reaches this

    @property
    def needs_model(self) -> bool:
        return self.semantic > 0

    def with_(self, *, gate: float | None = None, threshold: float | None = None) -> Method:
        """The same method with another gate and/or threshold (what ``evaluate --sweep`` varies)."""
        return replace(self, gate=self.gate if gate is None else gate,
                       threshold=self.threshold if threshold is None else threshold)

    def describe(self) -> str:
        parts = [f"{w:g} x {n}" for n, w in (("char n-grams", self.char), ("MiniLM", self.semantic)) if w]
        return (f"{' + '.join(parts)} (best sentence pair, pairs below {self.gate:g} count as 0); "
                f"average linkage at {self.threshold:g}")


def split_sentences(text: str) -> list[str]:
    parts = [p.strip() for p in SENTENCE_END.split(text.strip()) if len(p.strip()) > 3]
    return parts or [text.strip() or "-"]


def unit_texts(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """The sentences ("units") of ``texts`` and the item offsets: item i's units are starts[i]:starts[i+1]."""
    units: list[str] = []
    starts = [0]
    for text in texts:
        units.extend(split_sentences(text))
        starts.append(len(units))
    return units, np.array(starts, dtype=np.int64)


_HASHER = HashingVectorizer(analyzer="char_wb", ngram_range=(3, 5), n_features=CHAR_FEATURES, alternate_sign=False,
                            norm=None, lowercase=True, dtype=np.float32)


@lru_cache(maxsize=1)
def reference_idf() -> np.ndarray:
    """How rare each hashed n-gram is in the sentences of the bundled seed pages (sklearn's smooth idf); an
    n-gram they never use gets the highest weight."""
    from ..resources import seeds_dir

    sentences = [s for path in sorted(seeds_dir().glob("*.txt"))
                 for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) > 20
                 for s in split_sentences(line)]
    present = _HASHER.transform(sentences).tocsr()
    df = np.bincount(present.indices, minlength=CHAR_FEATURES)  # each n-gram once per sentence: counts > 0
    return (np.log((1 + len(sentences)) / (1 + df)) + 1).astype(np.float32)


@lru_cache(maxsize=1)
def _projection() -> sparse.csr_matrix:
    """CHAR_FEATURES x CHAR_DIM, fixed: the same seed gives the same vectors in every run."""
    projector = SparseRandomProjection(n_components=CHAR_DIM, random_state=20261201, dense_output=True)
    projector.fit(sparse.csr_matrix((1, CHAR_FEATURES), dtype=np.float32))
    return projector.components_.T.tocsr().astype(np.float32)


def char_vectors(units: list[str]) -> np.ndarray:
    """Unit-length n-gram vectors, one row per sentence: (1 + log count) x reference idf, projected."""
    if not units:
        return np.zeros((0, CHAR_DIM), dtype=np.float32)
    counts = _HASHER.transform(units).tocsr()
    np.log(counts.data, out=counts.data)
    counts.data += 1
    counts.data *= reference_idf()[counts.indices]
    projected = np.asarray((normalize(counts, norm="l2", copy=False) @ _projection()).todense(), dtype=np.float32)
    return normalize(projected, norm="l2", copy=False)


def word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(lowercase=True, stop_words=sorted(ENGLISH_STOP_WORDS.union(DOMAIN_STOP_WORDS)),
                           ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b[a-zA-Z]\w+\b",
                           dtype=np.float32)


@dataclass
class Features:
    """Sentence vectors of n items: item i's sentences are rows starts[i]:starts[i+1]."""

    starts: np.ndarray  # n + 1 offsets
    char: np.ndarray  # n-gram vectors (char_vectors)
    semantic: np.ndarray | None  # MiniLM vectors (semantic mode), else None

    @property
    def n(self) -> int:
        return len(self.starts) - 1

    @property
    def owner(self) -> np.ndarray:
        return np.repeat(np.arange(self.n), np.diff(self.starts))

    def units_of(self, items: np.ndarray) -> np.ndarray:
        lengths = np.diff(self.starts)[items]
        offsets = np.repeat(self.starts[items] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        return (offsets + np.arange(int(lengths.sum()))).astype(np.int64)


def build_features(starts: np.ndarray, char: np.ndarray, semantic: np.ndarray | None) -> Features:
    if semantic is not None and len(semantic) != len(char):
        raise ValueError("sentence vectors do not match the sentences")
    return Features(starts, char, semantic)


def item_blocks(features: Features, method: Method, rows: np.ndarray,
                cols: np.ndarray | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """The similarities of items ``rows`` (in that order) to items ``cols`` (all items when None), as dense
    blocks: (position in ``rows`` of the block's first row, block of len(chunk) x len(cols)). Each value is
    the pair's best sentence pair, zero where that is below the gate and for an item with itself.

    Rows go in chunks of whole items (about UNIT_CHUNK sentences): a dense sentence block against every
    column sentence, reduced to items by taking maxima over each item's rows and columns."""
    n = features.n
    cols = np.arange(n) if cols is None else np.asarray(cols, dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    if method.needs_model and features.semantic is None:
        raise ValueError(f"method {method.name} needs sentence vectors")
    lengths = np.diff(features.starts)
    col_units = features.units_of(cols)
    col_offsets = np.concatenate([[0], np.cumsum(lengths[cols])[:-1]]).astype(np.int64)
    col_char = features.char[col_units]
    semantic = features.semantic if method.needs_model else None
    col_semantic = semantic[col_units] if semantic is not None else None
    col_pos = np.full(n, -1, dtype=np.int64)
    col_pos[cols] = np.arange(len(cols))
    total = method.semantic + method.char if col_semantic is not None else 1.0
    ends = np.cumsum(lengths[rows])
    start = 0
    while start < len(rows) and len(cols):
        done = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, done + UNIT_CHUNK, side="right")))
        chunk = rows[start:stop]
        units = features.units_of(chunk)
        block = features.char[units] @ col_char.T
        if semantic is not None and col_semantic is not None:  # the weighted mean of the two cosines
            block *= method.char / total
            block += (semantic[units] @ col_semantic.T) * (method.semantic / total)
        offsets = np.concatenate([[0], np.cumsum(lengths[chunk])[:-1]]).astype(np.int64)
        block = np.maximum.reduceat(np.maximum.reduceat(block, offsets, axis=0), col_offsets, axis=1)
        block[block < method.gate] = 0
        mine = col_pos[chunk]
        block[np.flatnonzero(mine >= 0), mine[mine >= 0]] = 0  # an item is not alike itself
        yield start, block
        start = stop


def item_similarities(features: Features, method: Method, rows: np.ndarray,
                      cols: np.ndarray | None = None) -> sparse.csr_matrix:
    """``item_blocks`` as a sparse matrix of shape (len(rows), n), indexed by item."""
    cols = np.arange(features.n) if cols is None else np.asarray(cols, dtype=np.int64)
    counts, found_c, found_v = [], [], []  # CSR pieces, block by block (np.nonzero is row-major)
    for _, block in item_blocks(features, method, rows, cols):
        i, j = np.nonzero(block)
        counts.append(np.bincount(i, minlength=len(block)))
        found_c.append(cols[j].astype(np.int32))
        found_v.append(block[i, j].astype(np.float32))
    if not counts:
        return sparse.csr_matrix((len(rows), features.n), dtype=np.float32)
    indptr = np.concatenate([[0], np.cumsum(np.concatenate(counts))]).astype(np.int64)
    return sparse.csr_matrix((np.concatenate(found_v), np.concatenate(found_c), indptr),
                             shape=(len(rows), features.n))


def condensed_distances(features: Features, method: Method) -> np.ndarray:
    """1 - similarity for every pair of items, in scipy's condensed order, written straight from the blocks
    (no list of pairs kept alongside): what a full analysis clusters."""
    n = features.n
    out = np.ones(n * (n - 1) // 2, dtype=np.float64)
    for start, block in item_blocks(features, method, np.arange(n)):
        for row in range(len(block)):
            i = start + row
            first = n * i - i * (i + 1) // 2
            out[first:first + n - i - 1] = 1.0 - block[row, i + 1:]
    np.clip(out, 0.0, 2.0, out=out)
    return out


def best_sentence_pair(features: Features, method: Method, item: int, other: int,
                       units: list[str]) -> tuple[str, str, float]:
    """The evidence for a match: the two sentences that are most alike, and their similarity."""
    a, b = features.units_of(np.array([item])), features.units_of(np.array([other]))
    char = features.char[a] @ features.char[b].T
    if method.needs_model and features.semantic is not None:
        sem = features.semantic[a] @ features.semantic[b].T
        block = (method.semantic * sem + method.char * char) / (method.semantic + method.char)
    else:
        block = char
    i, j = np.unravel_index(int(np.argmax(block)), block.shape)
    return units[a[i]], units[b[j]], float(block[i, j])
