"""How alike two items are, and which items belong together, without an all-pairs matrix.

Items are compared sentence by sentence: the similarity of two items is the best match between any
sentence of one and any sentence of the other. The 2022/2023 items are paragraphs whose first sentence
carries the call ("International cooperation should be strengthened …") and whose other sentences
dilute a whole-text vector; the 2024 items are single sentences, where nothing changes.

Per sentence there are word TF-IDF, character n-gram TF-IDF (scikit-learn, L2-normalized) and, in
semantic mode, MiniLM vectors. A ``Method`` says how to weight them and how to cluster:

1. candidate edges: row chunks of the sentence similarity matrix (sparse x sparse and dense x dense
   products), kept only above the threshold and only the ``top_k`` best per sentence, then reduced to
   the best per item pair with numpy, so memory grows with n, not n^2 and no Python loop runs per pair;
2. optionally an edge needs a shared theme (cuts the "everything is about child protection" chains);
3. connected components of that sparse graph (scipy.sparse.csgraph);
4. single-link components chain unrelated calls, so each component is re-clustered with average
   linkage on its own small matrix; oversized components are first split by raising the threshold.
   Average-link clusters cut at t always lie inside single-link components at t, so this is exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

CHUNK = 512  # sentence rows per block product: 512 x 150k float32 = 300 MB at most
MAX_LINKAGE = 1500  # largest component re-clustered with average linkage

# generic words of this corpus carry no signal about *which* call an item makes
DOMAIN_STOP_WORDS = ["children", "child", "online", "protection", "protect", "protecting", "minors", "internet",
                     "digital", "need", "needs", "needed", "necessary", "essential", "crucial", "vital", "important",
                     "ensure", "ensuring", "effective", "effectively", "including", "include", "based", "ways",
                     "strategies", "specific", "continue", "continued", "continuing"]
_SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(\"'])")


@dataclass(frozen=True)
class Method:
    """One way to compute similarity and cluster; ``evaluate`` compares several of these."""

    name: str
    word: float = 0.0  # weight of word TF-IDF cosine
    char: float = 0.0  # weight of character n-gram TF-IDF cosine
    semantic: float = 0.0  # weight of sentence-embedding cosine
    threshold: float = 0.5  # edge and cut threshold on the combined similarity
    linkage: str = "average"  # "single" = connected components only; "average" = re-cluster components
    same_theme: bool = False  # an edge needs at least one shared theme
    sentences: bool = True  # compare sentence by sentence (best pair) instead of whole texts
    top_k: int = 30

    @property
    def needs_model(self) -> bool:
        return self.semantic > 0

    def with_threshold(self, threshold: float) -> Method:
        return replace(self, threshold=round(float(threshold), 3))

    def describe(self) -> str:
        parts = [f"{w:g} x {n}" for n, w in (("word TF-IDF", self.word), ("char TF-IDF", self.char),
                                             ("MiniLM", self.semantic)) if w]
        unit = "best sentence pair" if self.sentences else "whole text"
        extra = ", edges need a shared theme" if self.same_theme else ""
        return f"{' + '.join(parts)} ({unit}), {self.linkage} linkage at {self.threshold:g}{extra}"


def split_sentences(text: str) -> list[str]:
    parts = [p.strip() for p in _SENTENCE_END.split(text.strip()) if len(p.strip()) > 3]
    return parts or [text.strip() or "-"]


@dataclass
class Features:
    """Sentence ("unit") vectors of n items; the units of item i are rows starts[i]:starts[i+1]."""

    starts: np.ndarray  # n + 1 offsets
    word: sparse.csr_matrix
    char: sparse.csr_matrix
    semantic: np.ndarray | None = None
    themes: np.ndarray | None = None  # int64 bit mask per item, bit k = theme k

    @property
    def n(self) -> int:
        return len(self.starts) - 1

    @property
    def owner(self) -> np.ndarray:
        return np.repeat(np.arange(self.n), np.diff(self.starts))

    def units_of(self, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit rows of ``items`` (in that order) and the offsets of each item's first unit among them."""
        lengths = np.diff(self.starts)[items]
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        rows = np.concatenate([np.arange(self.starts[i], self.starts[i + 1]) for i in items]) if len(items) \
            else np.zeros(0, dtype=np.int64)
        return rows, offsets


def word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(lowercase=True, stop_words=sorted(ENGLISH_STOP_WORDS.union(DOMAIN_STOP_WORDS)),
                           ngram_range=(1, 2), sublinear_tf=True, token_pattern=r"(?u)\b[a-zA-Z]\w+\b",
                           dtype=np.float32)


def char_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(lowercase=True, analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                           dtype=np.float32)


def theme_masks(themes: list[list[str]], names: list[str]) -> np.ndarray:
    bit = {name: 1 << k for k, name in enumerate(names)}
    return np.array([sum(bit.get(t, 0) for t in set(ts)) for ts in themes], dtype=np.int64)


def unit_texts(texts: list[str], sentences: bool = True) -> tuple[list[str], np.ndarray]:
    """The units to vectorize and the item offsets (see ``Features.starts``)."""
    units: list[str] = []
    starts = [0]
    for text in texts:
        units.extend(split_sentences(text) if sentences else [text.strip() or "-"])
        starts.append(len(units))
    return units, np.array(starts, dtype=np.int64)


def build_features(texts: list[str], semantic_units: np.ndarray | None = None, themes: np.ndarray | None = None,
                   sentences: bool = True) -> Features:
    """Vectors for ``texts``; ``semantic_units`` are the sentence vectors of ``unit_texts(texts, sentences)``."""
    units, starts = unit_texts(texts, sentences)
    if not texts:
        empty = sparse.csr_matrix((0, 1), dtype=np.float32)
        return Features(starts, empty, empty, semantic_units, np.zeros(0, dtype=np.int64))
    word = word_vectorizer().fit_transform(units).tocsr()
    char = char_vectorizer().fit_transform(units).tocsr()
    if semantic_units is not None and len(semantic_units) != len(units):
        raise ValueError("sentence vectors do not match the sentences")
    masks = np.zeros(len(texts), dtype=np.int64) if themes is None else themes
    return Features(starts, word, char, semantic_units, masks)


def unit_block(features: Features, method: Method, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    """Dense combined similarity of unit rows against unit cols (all units when None)."""
    total: np.ndarray | None = None
    for weight, matrix in ((method.word, features.word), (method.char, features.char)):
        if weight:
            other = matrix if cols is None else matrix[cols]
            part = (matrix[rows] @ other.T).toarray() * weight
            total = part if total is None else total + part
    if method.semantic:
        if features.semantic is None:
            raise ValueError(f"method {method.name} needs sentence vectors")
        other = features.semantic if cols is None else features.semantic[cols]
        part = (features.semantic[rows] @ other.T) * method.semantic
        total = part if total is None else total + part
    if total is None:
        raise ValueError(f"method {method.name} has no weights")
    return (total / (method.word + method.char + method.semantic)).astype(np.float32)


def item_block(features: Features, method: Method, items: np.ndarray) -> np.ndarray:
    """Item x item similarity (best sentence pair) for a small set of items."""
    rows, offsets = features.units_of(items)
    block = unit_block(features, method, rows, rows)
    block = np.maximum.reduceat(block, offsets, axis=0)
    block = np.maximum.reduceat(block, offsets, axis=1)
    if method.same_theme:  # pairs without a shared theme count as unrelated
        masks = features.themes[items]
        block = np.where((masks[:, None] & masks[None, :]) != 0, block, 0.0)
    return block


def candidate_edges(features: Features, method: Method) -> sparse.csr_matrix:
    """Symmetric sparse item graph of pairs with similarity >= threshold (best ``top_k`` per sentence)."""
    n, units = features.n, features.starts[-1]
    owner = features.owner
    found_r, found_c, found_v = [], [], []
    for start in range(0, units, CHUNK):
        rows = np.arange(start, min(start + CHUNK, units))
        block = unit_block(features, method, rows)
        block[owner[rows][:, None] == owner[None, :]] = -1.0  # an item is not its own neighbour
        if method.same_theme:  # before top-k, so the k kept are all admissible
            masks = features.themes[owner]
            block[(masks[rows][:, None] & masks[None, :]) == 0] = -1.0
        k = min(method.top_k, block.shape[1] - 1)
        if k <= 0:
            continue
        keep = np.argpartition(-block, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(block, keep, axis=1)
        r_idx, k_idx = np.nonzero(vals >= method.threshold)
        found_r.append(owner[rows[r_idx]])
        found_c.append(owner[keep[r_idx, k_idx]])
        found_v.append(vals[r_idx, k_idx])
    if not found_r or not sum(len(r) for r in found_r):
        return sparse.csr_matrix((n, n), dtype=np.float32)
    r, c, v = np.concatenate(found_r), np.concatenate(found_c), np.concatenate(found_v)
    r, c = np.minimum(r, c), np.maximum(r, c)
    # best value per item pair: sort by pair, then by value descending, keep the first of each pair
    order = np.lexsort((-v, c, r))
    r, c, v = r[order], c[order], v[order]
    first = np.ones(len(r), dtype=bool)
    first[1:] = (r[1:] != r[:-1]) | (c[1:] != c[:-1])
    r, c, v = r[first], c[first], v[first]
    graph = sparse.coo_matrix((v, (r, c)), shape=(n, n)).tocsr()
    return (graph + graph.T).tocsr()


def _split_large(graph: sparse.csr_matrix, members: np.ndarray, threshold: float) -> list[np.ndarray]:
    """Cut an oversized component by raising the edge threshold until every part fits."""
    sub = graph[members][:, members].tocsr()
    while True:
        threshold += 0.02
        sub = sub.multiply(sub >= threshold).tocsr()
        count, labels = connected_components(sub, directed=False)
        parts = [members[labels == k] for k in range(count)]
        if max(len(p) for p in parts) <= MAX_LINKAGE or threshold >= 1:
            out: list[np.ndarray] = []
            for p in parts:  # only parts still too big go round again
                big = len(p) > MAX_LINKAGE and threshold < 1
                out.extend(_split_large(graph, p, threshold) if big else [p])
            return out


def centrality(graph: sparse.csr_matrix, labels: np.ndarray) -> np.ndarray:
    """Per item, its summed similarity to the other members of its cluster (picks a group's label)."""
    coo = graph.tocoo()
    same = labels[coo.row] == labels[coo.col]
    return np.bincount(coo.row[same], weights=coo.data[same], minlength=len(labels))


def cluster(features: Features, method: Method) -> tuple[np.ndarray, sparse.csr_matrix]:
    """A cluster label per item (0..k-1), and the candidate graph it was cut from."""
    n = features.n
    if n == 0:
        return np.zeros(0, dtype=np.int64), sparse.csr_matrix((0, 0), dtype=np.float32)
    graph = candidate_edges(features, method)
    _, labels = connected_components(graph, directed=False)
    if method.linkage == "single":
        return labels.astype(np.int64), graph
    out = np.full(n, -1, dtype=np.int64)
    next_label = 0
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    for members in np.split(order, bounds):
        parts = [members] if len(members) <= MAX_LINKAGE else _split_large(graph, members, method.threshold)
        for part in parts:
            if len(part) <= 2:  # two items joined by an edge >= threshold: their average is that edge
                sub_labels = np.zeros(len(part), dtype=np.int64)
            else:
                sim = item_block(features, method, part)
                dist = np.clip(1.0 - (sim + sim.T) / 2, 0.0, 2.0)
                np.fill_diagonal(dist, 0.0)
                tree = linkage(squareform(dist, checks=False), method=method.linkage)
                sub_labels = fcluster(tree, t=1.0 - method.threshold + 1e-9, criterion="distance") - 1
            out[part] = sub_labels + next_label
            next_label += int(sub_labels.max()) + 1
    return out, graph
