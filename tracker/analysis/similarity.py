"""How alike two items are, and which items belong together, without an all-pairs matrix.

Items are compared sentence by sentence: the similarity of two items is the best match between any
sentence of one and any sentence of the other. The 2022/2023 items are paragraphs whose first sentence
carries the call ("International cooperation should be strengthened …") and whose other sentences
dilute a whole-text vector; the 2024 items are single sentences, where nothing changes.

Per sentence there are word TF-IDF, character n-gram TF-IDF (scikit-learn, L2-normalized) and, in
semantic mode, MiniLM vectors. A ``Method`` says how to weight them and how to cluster:

1. candidate edges, kept only above the threshold and only the ``top_k`` best per sentence, then reduced
   to the best per item pair with numpy (memory grows with n, not n^2; no Python loop runs per pair).
   Below EXACT_LIMIT sentences (the seeds, the evaluation): row chunks of the full sentence similarity
   matrix, exact. From EXACT_LIMIT on (and if faiss-cpu is installed): each sentence's ``ann_k`` nearest
   neighbours by MiniLM (lexical mode: by char TF-IDF reduced with truncated SVD) from a faiss index, and
   only those pairs are rescored with the full combination, row-wise. The block products are quadratic
   (100k items took ~25 min); the candidate path is n log n-ish and gave the same groups on test corpora;
   sentences repeated verbatim are searched, and their pairs rescored, once per distinct text (``_distinct``);
2. optionally an edge needs a shared theme (cuts the "everything is about child protection" chains);
3. connected components of that sparse graph (scipy.sparse.csgraph);
4. single-link components chain unrelated calls, so each component of at most MAX_LINKAGE items is
   re-clustered with average linkage on its own small matrix. Average-link clusters cut at t always lie
   inside single-link components at t, so this is exact. Larger components (one giant component on big
   corpora, where near-identical sentences chain everything) get Leiden community detection with the
   constant Potts model (python-igraph) on the sparse graph itself: weights = combined similarity,
   resolution = the threshold, pairs without an edge count as similarity 0. CPM keeps a community when its
   internal edge weight exceeds t per member pair, the sparse analog of "average similarity above t",
   and no dense matrix is built. Without igraph they are split by raising the threshold (old behaviour).
5. the top-k graph holds only ~top_k/n of the pairs of a call repeated n times, so Leiden fragments popular
   calls; the communities of each oversized component are merged again by exact average linkage of their
   centroid vectors (``merge_communities``, cosine MERGE_THRESHOLD, majority themes must intersect).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import chain

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial.distance import squareform
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize

from .fastre import SENTENCE_END, split_after

try:  # optional: without it every input takes the exact path (analysis_mode says so)
    import faiss
except ImportError:  # pragma: no cover - depends on the environment
    faiss = None
try:  # optional: without it oversized components are split by raising the threshold (analysis_mode says so)
    import igraph
except ImportError:  # pragma: no cover - depends on the environment
    igraph = None

CHUNK = 512  # sentence rows per block product: 512 x 150k float32 = 300 MB at most
MAX_LINKAGE = 1500  # largest component re-clustered with average linkage
EXACT_LIMIT = 2000  # below this many sentences the exact products are cheap (and give the measured figures)
FLAT_LIMIT = 5000  # up to this many sentences the neighbour search is exact (faiss flat), above it IVF
NPROBE = 16  # IVF lists visited per query
# candidate pairs rescored per step: the selected TF-IDF rows of a step stay a few MB (at 65,536 pairs of
# ~400 n-grams they were 200+ MB per step, and 907k pairs took 11.8 s instead of 3.3 s; same values)
PAIR_CHUNK = 2048
CHECK_CHUNK = 65536  # units per step when checking that equal texts have equal vectors
SVD_DIMS = 128  # lexical mode: char TF-IDF reduced to this many dimensions for the neighbour search
SVD_SAMPLE = 20000  # sentences the SVD is fitted on
LEIDEN_ITERATIONS = 2  # igraph default; with -1 (until stable) clustering at 50k took 67 s
MERGE_THRESHOLD = 0.86  # community centroids merged by average linkage at this cosine (1 = no merge)
MERGE_LIMIT = 5000  # most communities given one dense centroid matrix; above: per kNN-connected block
MERGE_K = 30  # centroid neighbours that define those blocks
LEIDEN_SEED = 0  # igraph draws from Python's random module: seeded so a re-run gives the same groups

# generic words of this corpus carry no signal about *which* call an item makes
DOMAIN_STOP_WORDS = ["children", "child", "online", "protection", "protect", "protecting", "minors", "internet",
                     "digital", "need", "needs", "needed", "necessary", "essential", "crucial", "vital", "important",
                     "ensure", "ensuring", "effective", "effectively", "including", "include", "based", "ways",
                     "strategies", "specific", "continue", "continued", "continuing"]


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
    ann_k: int = 30  # candidate path: nearest neighbours per sentence that get rescored

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
    parts = [p.strip() for p in split_after(SENTENCE_END, text.strip()) if len(p.strip()) > 3]
    return parts or [text.strip() or "-"]


@dataclass
class Features:
    """Sentence ("unit") vectors of n items; the units of item i are rows starts[i]:starts[i+1]."""

    starts: np.ndarray  # n + 1 offsets
    word: sparse.csr_matrix
    char: sparse.csr_matrix
    semantic: np.ndarray | None = None
    themes: np.ndarray | None = None  # int64 bit mask per item, bit k = theme k
    search: np.ndarray | None = None  # unit vectors of the neighbour search, kept for the community merge
    texts: np.ndarray | None = None  # per unit, the index of its distinct text (equal texts, equal vectors)
    rows: np.ndarray | None = None  # per unit, its row of word/char (one row per distinct text); None: row = unit

    @property
    def n(self) -> int:
        return len(self.starts) - 1

    @property
    def owner(self) -> np.ndarray:
        return np.repeat(np.arange(self.n), np.diff(self.starts))

    def sparse_rows(self, matrix: sparse.csr_matrix, units: np.ndarray | None = None) -> sparse.csr_matrix:
        """The TF-IDF rows (``word`` or ``char``) of these units, of all units when None."""
        if self.rows is None:
            return matrix if units is None else matrix[units]
        return matrix[self.rows if units is None else self.rows[units]]

    def units_of(self, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Unit rows of ``items`` (in that order) and the offsets of each item's first unit among them."""
        lengths = np.diff(self.starts)[items]
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        rows = np.repeat(self.starts[items] - offsets, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
        return rows, offsets


_COUNT_PARAMS = {"lowercase", "stop_words", "ngram_range", "token_pattern", "analyzer", "strip_accents",
                 "preprocessor", "tokenizer", "min_df", "max_df", "max_features", "vocabulary", "encoding",
                 "decode_error", "input", "binary"}


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


def _plain_char_wb(counts: CountVectorizer) -> bool:
    """The configuration ``char_wb_counts`` reproduces: char_wb n-grams, lowercased, nothing else."""
    p = counts.get_params()
    return (p["analyzer"] == "char_wb" and p["input"] == "content" and p["strip_accents"] is None
            and p["preprocessor"] is None and p["vocabulary"] is None and p["max_features"] is None
            and p["min_df"] == 1 and p["max_df"] == 1.0 and not p["binary"])


def char_wb_counts(counts: CountVectorizer, docs: list[str]) -> sparse.csr_matrix:
    """``counts.fit_transform(docs)`` for a plain char_wb vectorizer (see ``_plain_char_wb``): the same counts,
    columns (n-grams by name) and dtypes, with each row's entries sorted by column, which is the order scipy
    gives sklearn's matrix at its first ``astype`` (so every later float sum runs in the same order).

    char_wb n-grams never cross a word, so a document's counts are the sum of its words' counts: the n-grams
    are generated once per distinct word (sklearn's own analyzer) and summed by one sparse product, instead
    of once per word occurrence in Python (66k distinct sentences at 120k items: 11 s -> 2.5 s)."""
    # sklearn normalizes runs of whitespace, then splits on whitespace: the same words as str.split (re's \s
    # and str.isspace agree on every code point)
    split = [(doc.lower() if counts.lowercase else doc).split() for doc in docs]
    lengths = np.fromiter(map(len, split), dtype=np.int64, count=len(split))
    word_ids, words = pd.factorize(pd.Series(list(chain.from_iterable(split)), dtype=object))
    analyze = CountVectorizer(analyzer="char_wb", ngram_range=counts.ngram_range, lowercase=False).build_analyzer()
    grams: dict[str, int] = {}
    gram_ids: list[int] = []
    gram_lengths = np.zeros(len(words), dtype=np.int64)
    for k, word in enumerate(words.tolist()):
        found = analyze(word)
        gram_ids.extend(grams.setdefault(g, len(grams)) for g in found)
        gram_lengths[k] = len(found)
    by_name = np.empty(len(grams), dtype=np.int64)
    by_name[[i for _, i in sorted(grams.items())]] = np.arange(len(grams))

    def counted(ids: list[int], lengths: np.ndarray, shape: tuple[int, int], rename=None) -> sparse.csr_matrix:
        ids = np.asarray(ids, dtype=np.int64)
        matrix = sparse.csr_matrix((np.ones(len(ids), dtype=np.int64), ids if rename is None else rename[ids],
                                    np.concatenate([[0], np.cumsum(lengths)])), shape=shape)
        matrix.sum_duplicates()  # a word repeated in a document, an n-gram repeated in a word
        return matrix

    per_doc = counted(word_ids, lengths, (len(docs), len(words)))
    per_word = counted(gram_ids, gram_lengths, (len(words), len(grams)), by_name)
    tf = (per_doc @ per_word).tocsr()
    tf.has_sorted_indices = False  # the product's rows are unique but unsorted
    tf.sort_indices()
    index = np.int32 if tf.nnz <= np.iinfo(np.int32).max else np.int64  # as sklearn chooses
    return sparse.csr_matrix((tf.data, tf.indices.astype(index), tf.indptr.astype(index)), shape=tf.shape)


def fit_tfidf(make: Callable[[], TfidfVectorizer], texts: list[str]) -> tuple[sparse.csr_matrix, np.ndarray]:
    """``make().fit_transform(texts)`` computed once per distinct text, as (one row per distinct text, the row
    of each text): recurring calls repeat sentences verbatim (the 50k bench has 30k distinct of 72k), and the
    n-gram analysis is the slow part. Document frequencies count every copy, so ``matrix[rows]`` is the
    matrix of all texts up to float rounding; it is never built (at 120k items it held 57M entries)."""
    codes, distinct = pd.factorize(pd.Series(texts, dtype=object))
    vectorizer = make()
    counts = CountVectorizer(**{k: v for k, v in vectorizer.get_params().items() if k in _COUNT_PARAMS})
    tf = (char_wb_counts(counts, list(distinct)) if _plain_char_wb(counts)
          else counts.fit_transform(list(distinct)).tocsr()).astype(np.float64)
    copies = np.bincount(codes, minlength=len(distinct)).astype(np.float64)
    # documents containing each n-gram, duplicates included (sums of whole numbers: exact in any order)
    df = np.bincount(tf.indices, weights=np.repeat(copies, np.diff(tf.indptr)), minlength=tf.shape[1])
    idf = np.log((1 + len(texts)) / (1 + df)) + 1  # sklearn's smooth_idf
    if vectorizer.sublinear_tf:
        np.log(tf.data, out=tf.data)
        tf.data += 1
    tf = (tf @ sparse.diags(idf)).tocsr()
    tf = normalize(tf, norm="l2", copy=False).astype(np.float32)
    return tf, codes.astype(np.int64)


def build_features(texts: list[str], semantic_units: np.ndarray | None = None, themes: np.ndarray | None = None,
                   sentences: bool = True, method: Method | None = None,
                   units: tuple[list[str], np.ndarray] | None = None) -> Features:
    """Vectors for ``texts``; ``semantic_units`` are the sentence vectors of ``unit_texts(texts, sentences)``
    (``units``, when the caller has split the texts already). With ``method``, only the TF-IDF matrices it
    weights are fitted (the others stay empty): at 100k items the unused word TF-IDF alone costs seconds."""
    units, starts = units if units is not None else unit_texts(texts, sentences)
    empty = sparse.csr_matrix((len(units) if texts else 0, 1), dtype=np.float32)
    if not texts:
        return Features(starts, empty, empty, semantic_units, np.zeros(0, dtype=np.int64))
    if semantic_units is not None and len(semantic_units) != len(units):
        raise ValueError("sentence vectors do not match the sentences")
    masks = np.zeros(len(texts), dtype=np.int64) if themes is None else themes
    codes = rows = None
    fitted = {}  # an unfitted matrix stays all zeros, one row per unit (more rows than ``rows`` can point to)
    for name, make, weight in (("word", word_vectorizer, method.word if method else 1),
                               ("char", char_vectorizer, method.char if method else 1)):
        if not weight:
            fitted[name] = empty
        elif len(units) >= EXACT_LIMIT:  # per distinct text (both matrices get the same rows)
            fitted[name], codes = fit_tfidf(make, units)
            rows = codes
        else:
            fitted[name] = make().fit_transform(units).tocsr()
    if codes is None:
        codes = pd.factorize(pd.Series(units, dtype=object))[0].astype(np.int64)
    return Features(starts, fitted["word"], fitted["char"], semantic_units, masks, texts=codes, rows=rows)


def unit_block(features: Features, method: Method, rows: np.ndarray, cols: np.ndarray | None = None) -> np.ndarray:
    """Dense combined similarity of unit rows against unit cols (all units when None)."""
    total: np.ndarray | None = None
    for weight, matrix in ((method.word, features.word), (method.char, features.char)):
        if weight:
            part = (features.sparse_rows(matrix, rows) @ features.sparse_rows(matrix, cols).T).toarray() * weight
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


def _exact_unit_pairs(features: Features, method: Method) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit pairs >= threshold, the best ``top_k`` per sentence, from row chunks of the full product."""
    units = features.starts[-1]
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
        found_r.append(rows[r_idx])
        found_c.append(keep[r_idx, k_idx])
        found_v.append(vals[r_idx, k_idx])
    if not found_r:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0, dtype=np.float32)
    return np.concatenate(found_r), np.concatenate(found_c), np.concatenate(found_v)


def pair_similarity(features: Features, method: Method, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Combined similarity of unit pairs (a[i], b[i]), row-wise and in chunks: the same numbers as
    ``unit_block`` gives for those cells, without computing any other cell."""
    out = np.zeros(len(a), dtype=np.float32)
    total_weight = method.word + method.char + method.semantic
    for start in range(0, len(a), PAIR_CHUNK):
        ia, ib = a[start:start + PAIR_CHUNK], b[start:start + PAIR_CHUNK]
        part = np.zeros(len(ia), dtype=np.float32)
        for weight, matrix in ((method.word, features.word), (method.char, features.char)):
            if weight:  # element-wise product of two row selections = row-wise dot products
                product = features.sparse_rows(matrix, ia).multiply(features.sparse_rows(matrix, ib))
                part += np.asarray(product.sum(axis=1), dtype=np.float32).ravel() * weight
        if method.semantic:
            if features.semantic is None:
                raise ValueError(f"method {method.name} needs sentence vectors")
            part += np.einsum("ij,ij->i", features.semantic[ia], features.semantic[ib]) * method.semantic
        out[start:start + PAIR_CHUNK] = part / total_weight
    return out


def _search_vectors(features: Features, method: Method) -> np.ndarray:
    """Dense, L2-normalized unit vectors whose inner-product neighbours propose the candidate pairs:
    MiniLM when the method uses it, else the character TF-IDF reduced by truncated SVD (fitted on a sample)."""
    if method.semantic and features.semantic is not None:
        ready = features.semantic.dtype == np.float32 and features.semantic.flags.c_contiguous
        return features.semantic if ready else np.ascontiguousarray(features.semantic, dtype=np.float32)
    if features.search is not None:
        return features.search
    from sklearn.decomposition import TruncatedSVD

    matrix = features.char if method.char else features.word
    units = int(features.starts[-1])
    rng = np.random.default_rng(0)
    sample = rng.choice(units, size=min(units, SVD_SAMPLE), replace=False)
    svd = TruncatedSVD(n_components=min(SVD_DIMS, matrix.shape[1] - 1), random_state=0, algorithm="randomized",
                       n_iter=4).fit(features.sparse_rows(matrix, np.sort(sample)))
    reduced = np.ascontiguousarray(svd.transform(matrix), dtype=np.float32)  # row by row: per distinct text
    reduced /= np.clip(np.linalg.norm(reduced, axis=1, keepdims=True), 1e-12, None)
    features.search = reduced if features.rows is None else reduced[features.rows]
    return features.search


def _distinct(features: Features, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(code per unit, first unit of each code) when units with the same text have identical search and
    sentence vectors (checked, not assumed), else None. Recurring calls repeat sentences verbatim (46k
    distinct of 150k at 100k items): a query, or a pair, is then computed once per distinct text and the
    result copied, giving the same numbers as computing every copy."""
    codes = features.texts
    if codes is None or len(codes) != len(vectors):
        return None
    first = np.full(int(codes.max()) + 1 if len(codes) else 0, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    same = features.semantic is None or features.semantic is vectors  # semantic mode: one array, checked once
    for dense in (vectors,) if same else (vectors, features.semantic):
        for start in range(0, len(codes), CHECK_CHUNK):  # in chunks: no second copy of the whole matrix
            if not np.array_equal(dense[start:start + CHECK_CHUNK], dense[first[codes[start:start + CHECK_CHUNK]]]):
                return None
    return codes, first


def _neighbours(vectors: np.ndarray, k: int, distinct: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """k nearest units by inner product per unit (-1 = none): exact flat search up to FLAT_LIMIT units,
    else an inverted-file index (IVF, nlist ~ 4 sqrt(n), nprobe NPROBE). With ``distinct`` (see
    ``_distinct``), each distinct vector is searched once (the index still holds every unit).

    IVF with ``distinct``: each distinct vector's list is found once and given to its copies (``add_core`` with
    those lists, what ``add`` computes for every copy), and the queries are searched in order of their nearest
    list, so that queries probing the same lists run one after the other while those lists are in cache (each
    query's result does not depend on the order). 120k items: add 2.0 -> 1.2 s, search 6.0 -> 3.9 s, the same
    neighbours."""
    n, dim = vectors.shape
    if n <= FLAT_LIMIT:
        index = faiss.IndexFlatIP(dim)
    else:
        nlist = int(4 * np.sqrt(n))
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        index.train(vectors[rng.choice(n, size=min(n, 40 * nlist), replace=False)])
        index.nprobe = NPROBE
    if distinct is None:
        index.add(vectors)
        return index.search(vectors, k)[1]
    codes, first = distinct
    queries = np.ascontiguousarray(vectors[first])
    if n <= FLAT_LIMIT:
        index.add(vectors)
        return index.search(queries, k)[1][codes]
    lists = index.quantizer.search(queries, 1)[1][:, 0]
    # both arrays named: faiss reads them through raw pointers
    data, assigned = np.ascontiguousarray(vectors, dtype=np.float32), np.ascontiguousarray(lists[codes], dtype=np.int64)
    index.add_core(n, faiss.swig_ptr(data), None, faiss.swig_ptr(assigned))
    order = np.argsort(lists, kind="stable")
    found = np.empty((len(first), k), dtype=np.int64)
    found[order] = index.search(np.ascontiguousarray(queries[order]), k)[1]
    return found[codes]


def _candidate_unit_pairs(features: Features, method: Method) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit pairs >= threshold among each sentence's ``ann_k`` nearest neighbours (MiniLM, or reduced TF-IDF),
    rescored with the method's full similarity; then the best ``top_k`` per sentence as in the exact path."""
    owner = features.owner
    k = min(method.ann_k + 1, features.starts[-1])
    vectors = _search_vectors(features, method)
    distinct = _distinct(features, vectors)
    found = _neighbours(vectors, k, distinct)
    rows = np.repeat(np.arange(found.shape[0]), found.shape[1])
    cols = found.ravel().astype(np.int64)
    ok = (cols >= 0) & (owner[rows] != owner[np.clip(cols, 0, None)])
    rows, cols = rows[ok], cols[ok]
    if method.same_theme:
        masks = features.themes[owner]
        ok = (masks[rows] & masks[cols]) != 0
        rows, cols = rows[ok], cols[ok]
    # score each unordered pair once, then give it to both ends (as the exact product would)
    lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
    key = _sorted_unique(lo * np.int64(features.starts[-1]) + hi)
    lo, hi = key // features.starts[-1], key % features.starts[-1]
    if distinct is None:
        vals = pair_similarity(features, method, lo, hi)
    else:  # once per pair of distinct texts (the similarity is symmetric, float for float)
        codes, first = distinct
        ca, cb = codes[lo], codes[hi]
        size = np.int64(len(first))
        pair_key = np.minimum(ca, cb) * size + np.maximum(ca, cb)
        order = np.argsort(pair_key)  # any order of equal keys gives the same groups
        sorted_key = pair_key[order]
        new = np.ones(len(sorted_key), dtype=bool)
        new[1:] = sorted_key[1:] != sorted_key[:-1]
        uniq = sorted_key[new]
        inverse = np.empty(len(pair_key), dtype=np.int64)
        inverse[order] = np.cumsum(new) - 1
        vals = pair_similarity(features, method, first[uniq // size], first[uniq % size])[inverse]
    keep = vals >= method.threshold
    lo, hi, vals = lo[keep], hi[keep], vals[keep]
    rows, cols, vals = np.concatenate([lo, hi]), np.concatenate([hi, lo]), np.concatenate([vals, vals])
    # best top_k per sentence: sort by row, then value descending, keep the first top_k of each row. One stable
    # argsort of (row, descending value) packed into an int64 (positive float32s sort as their bits do) gives
    # lexsort's order, ties included, in 60% of its time.
    if len(vals) and vals.min() > 0:
        order = np.argsort((rows << 32) | (np.int64(0xFFFFFFFF) - vals.view(np.uint32)), kind="stable")
    else:  # a threshold of 0 or below lets through values whose bits do not sort
        order = np.lexsort((-vals, rows))
    rows, cols, vals = rows[order], cols[order], vals[order]
    starts = np.flatnonzero(np.concatenate([[True], rows[1:] != rows[:-1]]))  # of each row's run
    rank = np.arange(len(rows)) - np.repeat(starts, np.diff(np.append(starts, len(rows))))
    keep = rank < method.top_k
    return rows[keep], cols[keep], vals[keep]


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of an int array by sort (numpy's hash-based unique took 2.9 s on 4.5M keys)."""
    values = np.sort(values)
    keep = np.ones(len(values), dtype=bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def use_candidates(features: Features) -> bool:
    """Approximate candidates only where the exact products get expensive, and only with faiss present."""
    return faiss is not None and features.starts[-1] >= EXACT_LIMIT


def candidate_edges(features: Features, method: Method, exact: bool | None = None) -> sparse.csr_matrix:
    """Symmetric sparse item graph of pairs with similarity >= threshold (best ``top_k`` per sentence).

    ``exact`` (default: below EXACT_LIMIT sentences, or without faiss) compares every sentence with every
    other in row chunks; otherwise only nearest-neighbour candidates are scored (see module docstring)."""
    n = features.n
    if exact is None:
        exact = not use_candidates(features)
    if not exact and faiss is None:
        raise RuntimeError("candidate search needs faiss-cpu")
    r, c, v = (_exact_unit_pairs if exact else _candidate_unit_pairs)(features, method)
    if not len(r):
        return sparse.csr_matrix((n, n), dtype=np.float32)
    owner = features.owner
    r, c = owner[r], owner[c]
    # best value per item pair
    pair = np.minimum(r, c) * np.int64(n) + np.maximum(r, c)
    order = np.argsort(pair)
    pair, v = pair[order], v[order]
    first = np.flatnonzero(np.concatenate([[True], pair[1:] != pair[:-1]]))
    v = np.maximum.reduceat(v, first)
    r, c = pair[first] // n, pair[first] % n
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


def _leiden_parts(graph: sparse.csr_matrix, members: np.ndarray, threshold: float) -> list[np.ndarray]:
    """Communities of an oversized component: Leiden, CPM objective, resolution = threshold, on the
    component's sparse edges only (missing pairs weigh 0)."""
    sub = sparse.triu(graph[members][:, members], k=1).tocoo()
    g = igraph.Graph(n=len(members), directed=False)
    # from the array, not a list of lists: 3.8M edges at 120k items took 3.5 s more and 500 MB more that way
    g.add_edges(np.column_stack([sub.row, sub.col]).astype(np.int64))
    saved = random.getstate()
    random.seed(LEIDEN_SEED)
    try:
        found = g.community_leiden(objective_function="CPM", weights=sub.data.astype(np.float64).tolist(),
                                   resolution=float(threshold), n_iterations=LEIDEN_ITERATIONS)
    finally:  # do not disturb anyone else's random stream
        random.setstate(saved)
    labels = np.asarray(found.membership, dtype=np.int64)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    return [members[np.sort(part)] for part in np.split(order, bounds)]


def _majority_themes(masks: np.ndarray, labels: np.ndarray, count: int) -> np.ndarray:
    """Per community, the bit mask of the themes held by at least half of its members (the most frequent
    theme when none is)."""
    bits = ((masks[:, None] >> np.arange(63, dtype=np.int64)[None, :]) & 1).astype(np.float32)
    indicator = sparse.csr_matrix((np.ones(len(labels), dtype=np.float32), (labels, np.arange(len(labels)))),
                                  shape=(count, len(labels)))
    counts = np.asarray(indicator @ bits)
    sizes = np.bincount(labels, minlength=count).astype(np.float32)[:, None]
    held = counts * 2 >= sizes
    top = counts.argmax(axis=1)
    held[np.arange(count), top] |= counts[np.arange(count), top] > 0
    weights = np.int64(1) << np.arange(63, dtype=np.int64)
    return (held.astype(np.int64) * weights[None, :]).sum(axis=1)


def merge_communities(features: Features, method: Method, parts: list[np.ndarray]) -> list[np.ndarray]:
    """Second level for the Leiden communities of one oversized component: average linkage of the
    communities' mean vectors (the normalized mean of their sentences' search vectors: MiniLM, or the
    SVD-reduced char TF-IDF in lexical mode), cut at MERGE_THRESHOLD; with the theme gate, two communities
    are comparable only if their majority themes intersect. The top-k graph holds only ~top_k/n of the
    pairs of a call repeated n times, so Leiden cuts popular calls into pieces; their centroids are nearly
    identical, while those of different calls are not. Above MERGE_LIMIT communities, the merge runs per
    connected block of the centroids' MERGE_K-nearest-neighbour graph (faiss, edges >= the threshold and
    theme-gated); a block still above MERGE_LIMIT is cut again with the edge floor raised by 0.01 until
    its parts fit (the cut itself stays at MERGE_THRESHOLD)."""
    count = len(parts)
    if count < 2:
        return parts
    labels = np.repeat(np.arange(count, dtype=np.int64), [len(p) for p in parts])
    items = np.concatenate(parts)
    rows, offsets = features.units_of(items)
    lengths = np.diff(np.append(offsets, len(rows)))
    unit_labels = np.repeat(labels, lengths)
    vectors = _search_vectors(features, method)
    indicator = sparse.csr_matrix((np.ones(len(rows), dtype=np.float32), (unit_labels, np.arange(len(rows)))),
                                  shape=(count, len(rows)))
    centroids = np.asarray(indicator @ vectors[rows], dtype=np.float32)
    centroids /= np.clip(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12, None)
    themes = _majority_themes(features.themes[items], labels, count) if method.same_theme and \
        features.themes is not None else None
    cut = 1.0 - MERGE_THRESHOLD + 1e-9

    def link(block: np.ndarray) -> np.ndarray:
        sim = centroids[block] @ centroids[block].T
        if themes is not None:
            sim = np.where((themes[block][:, None] & themes[block][None, :]) != 0, sim, 0.0)
        dist = np.clip(1.0 - sim, 0.0, 2.0)
        np.fill_diagonal(dist, 0.0)
        return fcluster(linkage(squareform(dist, checks=False), method="average"), t=cut,
                        criterion="distance") - 1

    merged = np.full(count, -1, dtype=np.int64)
    if count <= MERGE_LIMIT or faiss is None:
        blocks = [np.arange(count)] if count <= MERGE_LIMIT else []
    else:
        index = faiss.IndexFlatIP(centroids.shape[1])
        index.add(centroids)
        sims, found = index.search(centroids, min(MERGE_K + 1, count))
        r = np.repeat(np.arange(count), found.shape[1])
        c, v = found.ravel(), sims.ravel()
        ok = (c >= 0) & (v >= MERGE_THRESHOLD) & (r != c)
        if themes is not None:
            ok &= (themes[r] & themes[np.clip(c, 0, None)]) != 0
        r, c, v = r[ok], c[ok], v[ok]
        blocks, pending, floor = [], [np.arange(count)], MERGE_THRESHOLD
        while pending:  # a block too big for one dense matrix is cut again by a raised edge floor
            inside = np.zeros(count, dtype=bool)
            for block in pending:
                inside[block] = True
            keep = inside[r] & (v >= floor)
            near = sparse.coo_matrix((np.ones(int(keep.sum())), (r[keep], c[keep])), shape=(count, count))
            _, comp = connected_components(near, directed=False)
            members = np.flatnonzero(inside)
            order = members[np.argsort(comp[members], kind="stable")]
            split = np.split(order, np.flatnonzero(np.diff(comp[order])) + 1)
            floor += 0.01
            blocks.extend(b for b in split if len(b) <= MERGE_LIMIT or floor >= 1)
            pending = [b for b in split if len(b) > MERGE_LIMIT and floor < 1]
    next_label = 0
    for block in blocks:
        if len(block) == 1 or len(block) > MERGE_LIMIT:
            continue
        sub = link(block)
        merged[block] = sub + next_label
        next_label += int(sub.max()) + 1
    alone = merged < 0
    merged[alone] = next_label + np.arange(int(alone.sum()))
    order = np.argsort(merged, kind="stable")
    bounds = np.flatnonzero(np.diff(merged[order])) + 1
    return [np.sort(np.concatenate([parts[k] for k in group])) for group in np.split(order, bounds)]


def split_oversized(graph: sparse.csr_matrix, members: np.ndarray, threshold: float) -> list[np.ndarray]:
    """Parts of a component above MAX_LINKAGE items: Leiden/CPM with igraph, else raised thresholds."""
    if igraph is not None:
        return _leiden_parts(graph, members, threshold)
    return _split_large(graph, members, threshold)


def centrality(graph: sparse.csr_matrix, labels: np.ndarray) -> np.ndarray:
    """Per item, its summed similarity to the other members of its cluster (picks a group's label)."""
    coo = graph.tocoo()
    same = labels[coo.row] == labels[coo.col]
    return np.bincount(coo.row[same], weights=coo.data[same], minlength=len(labels))


def cluster(features: Features, method: Method, exact: bool | None = None) -> tuple[np.ndarray, sparse.csr_matrix]:
    """A cluster label per item (0..k-1), and the candidate graph it was cut from (``exact``: see
    ``candidate_edges``)."""
    n = features.n
    if n == 0:
        return np.zeros(0, dtype=np.int64), sparse.csr_matrix((0, 0), dtype=np.float32)
    graph = candidate_edges(features, method, exact)
    _, labels = connected_components(graph, directed=False)
    if method.linkage == "single":
        return labels.astype(np.int64), graph
    out = np.full(n, -1, dtype=np.int64)
    next_label = 0
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    for members in np.split(order, bounds):
        big = len(members) > MAX_LINKAGE
        parts = split_oversized(graph, members, method.threshold) if big else [members]
        if big and igraph is not None and MERGE_THRESHOLD < 1:
            parts = merge_communities(features, method, parts)
        final = big and igraph is not None  # Leiden communities are final (no dense matrix at this size)
        for part in parts:
            if final or len(part) <= 2:  # two items joined by an edge >= threshold: their average is that edge
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
