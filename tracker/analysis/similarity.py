"""How alike two items are: one exact method, the same at every size.

Items are compared sentence by sentence; two items are as alike as their best pair of sentences. The
2022/2023 items are paragraphs whose first sentence carries the call ("International cooperation should be
strengthened …") and whose other sentences would dilute a whole-text vector.

Every sentence has a character n-gram vector (``char_wb`` 3-5-grams, hashed; sublinear counts weighted by
how rare each n-gram is in the bundled seed pages, unit length) and, in semantic mode, a MiniLM vector.
Both depend on the sentence alone, never on the rest of the tracker: the rarity weights come from a fixed
reference text, not from the user's data, so a sentence's vector never changes and comparing a new report
with the tracker costs the same whatever else the tracker holds. (Weights fitted to the user's own corpus
scored about the same on the labelled pages, docs/recurrence.md.)

A sentence pair counts only when its *gate* score reaches ``Method.gate`` (the MiniLM cosine in semantic
mode, the character cosine in lexical mode); its similarity is then the weighted mean of the two cosines,
and pairs below the gate count as 0. The gate is part of the method: the numbers are the same whether two
items are compared alone or among 20,000 others.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

UNIT_CHUNK = 1024  # sentence rows per block product: 1024 x 40,000 float32 = 160 MB
PAIR_CHUNK = 8192  # sentence pairs rescored per step
CHAR_FEATURES = 2**20  # hashed n-gram columns: collisions are rare at this size

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
    gate: float = 0.3  # a sentence pair counts only from this gate score on (see module doc)
    threshold: float = 0.35  # calls are one recommendation when their average similarity reaches this

    @property
    def needs_model(self) -> bool:
        return self.semantic > 0

    def with_(self, **changes: float) -> Method:
        return replace(self, **changes)

    def describe(self) -> str:
        parts = [f"{w:g} x {n}" for n, w in (("char n-grams", self.char), ("MiniLM", self.semantic)) if w]
        gate = "MiniLM" if self.needs_model else "char"
        return (f"{' + '.join(parts)} (best sentence pair; {gate} cosine >= {self.gate:g}); "
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


def char_vectors(units: list[str]) -> sparse.csr_matrix:
    """Unit-length character n-gram vectors, (1 + log count) x reference idf, one row per sentence."""
    counts = _HASHER.transform(units).tocsr()
    np.log(counts.data, out=counts.data)
    counts.data += 1
    counts.data *= reference_idf()[counts.indices]
    return normalize(counts, norm="l2", copy=False)


def word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(lowercase=True, stop_words=sorted(ENGLISH_STOP_WORDS.union(DOMAIN_STOP_WORDS)),
                           ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b[a-zA-Z]\w+\b",
                           dtype=np.float32)


@dataclass
class Features:
    """Sentence vectors of n items: item i's sentences are rows starts[i]:starts[i+1]."""

    starts: np.ndarray  # n + 1 offsets
    char: sparse.csr_matrix
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


def build_features(units: list[str], starts: np.ndarray, semantic: np.ndarray | None) -> Features:
    if semantic is not None and len(semantic) != len(units):
        raise ValueError("sentence vectors do not match the sentences")
    return Features(starts, char_vectors(units) if units else sparse.csr_matrix((0, CHAR_FEATURES)), semantic)


def _char_pairs(char: sparse.csr_matrix, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros(len(a), dtype=np.float32)
    for start in range(0, len(a), PAIR_CHUNK):
        stop = start + PAIR_CHUNK
        out[start:stop] = np.asarray(char[a[start:stop]].multiply(char[b[start:stop]]).sum(axis=1)).ravel()
    return out


def _best_per_item(rows: np.ndarray, cols: np.ndarray, values: np.ndarray,
                   n_cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The largest value per (row, col) pair."""
    if not len(rows):
        return rows, cols, values
    key = rows.astype(np.int64) * n_cols + cols
    order = np.lexsort((-values, key))
    key, values = key[order], values[order]
    first = np.concatenate([[True], key[1:] != key[:-1]])
    return key[first] // n_cols, key[first] % n_cols, values[first]


def item_similarities(features: Features, method: Method, rows: np.ndarray,
                      cols: np.ndarray | None = None) -> sparse.csr_matrix:
    """Similarity of items ``rows`` (in that order) to items ``cols`` (all items when None), as a sparse
    matrix of shape (len(rows), n) indexed by item; zero where pairs are below the gate, and for an item
    with itself."""
    n = features.n
    cols = np.arange(n) if cols is None else np.asarray(cols)
    rows = np.asarray(rows)
    if method.needs_model and features.semantic is None:
        raise ValueError(f"method {method.name} needs sentence vectors")
    owner = features.owner
    col_units = features.units_of(cols)
    row_units = features.units_of(rows)
    row_pos = np.empty(n, dtype=np.int64)
    row_pos[rows] = np.arange(len(rows))
    found_r, found_c, found_v = [], [], []
    col_gate = features.semantic[col_units] if method.needs_model else features.char[col_units].T.tocsc()
    for start in range(0, len(row_units), UNIT_CHUNK):
        units = row_units[start:start + UNIT_CHUNK]
        if method.needs_model:
            block = features.semantic[units] @ col_gate.T
        else:
            block = (features.char[units] @ col_gate).toarray()
        i, j = np.nonzero(block >= method.gate)
        gate_values = block[i, j]
        a, b = units[i], col_units[j]
        item_a, item_b = owner[a], owner[b]
        keep = item_a != item_b
        a, b, gate_values, item_a, item_b = a[keep], b[keep], gate_values[keep], item_a[keep], item_b[keep]
        if method.needs_model:
            values = (method.semantic * gate_values + method.char * _char_pairs(features.char, a, b))
            values /= method.semantic + method.char
        else:
            values = gate_values
        r, c, v = _best_per_item(row_pos[item_a], item_b, values.astype(np.float32), n)
        found_r.append(r)
        found_c.append(c)
        found_v.append(v)
    if not found_r:
        return sparse.csr_matrix((len(rows), n), dtype=np.float32)
    r, c, v = _best_per_item(np.concatenate(found_r), np.concatenate(found_c), np.concatenate(found_v), n)
    return sparse.csr_matrix((v, (r, c)), shape=(len(rows), n), dtype=np.float32)


def best_sentence_pair(features: Features, method: Method, item: int, other: int,
                       units: list[str]) -> tuple[str, str, float]:
    """The evidence for a match: the two sentences that are most alike, and their similarity."""
    a, b = features.units_of(np.array([item])), features.units_of(np.array([other]))
    char = (features.char[a] @ features.char[b].T).toarray()
    if method.needs_model and features.semantic is not None:
        sem = features.semantic[a] @ features.semantic[b].T
        block = (method.semantic * sem + method.char * char) / (method.semantic + method.char)
    else:
        block = char
    i, j = np.unravel_index(int(np.argmax(block)), block.shape)
    return units[a[i]], units[b[j]], float(block[i, j])
