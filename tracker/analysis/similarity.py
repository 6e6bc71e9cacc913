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

Two items' similarity is the probability that they are the same recommendation: a logistic regression
(``Method``, fitted by pairmodel.py on labelled pairs) over their best-sentence MiniLM and n-gram cosines,
shared themes, addressees, requested action (verb and content words, and the verb of each call's extracted
ask) and kinds. Pairs below ``Method.floor``
count as 0, so unrelated calls add nothing to an average. Nothing depends on which other items are
compared: the numbers are the same for two items alone or among 20,000 others.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, HashingVectorizer, TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.random_projection import SparseRandomProjection

from .corpus import DOMAIN_STOP_WORDS, split_sentences

UNIT_CHUNK = 512  # sentence rows per block product: 512 x 40,000 float32 = 80 MB a block
CHAR_FEATURES = 2**20  # hashed n-gram columns: collisions are rare at this size
CHAR_DIM = 768  # the projected n-gram vector
CHAR_MODEL_ID = "char-wb-3-5-hash20-seedidf-srp768-v1"  # cache key of the n-gram vectors

PAIR_FEATURES = ("semantic", "char", "shared_theme", "same_addressee", "other_addressee", "same_verb",
                 "object_words", "ask_verb", "one_question", "both_questions", "one_takeaway", "same_session",
                 "metric")


@dataclass(frozen=True)
class Method:
    """How to compare items and when an item joins a recommendation: a logistic regression over the pair's
    signals (``PAIR_FEATURES``) gives the probability that two items are the same recommendation; pairs below
    ``floor`` count as 0; calls are one recommendation when their average probability reaches ``threshold``
    (average linkage over 1 - p). The coefficients are fitted by ``tracker.analysis.fitting``.

    The "metric" signal compares the two items' averaged sentence vectors (``Features.item_vectors``) with a
    weight per dimension, ``dimensions``: a fitted diagonal metric, so that the dimensions that tell one
    requested action from another count more than those that only tell the topic."""

    name: str
    needs_model: bool  # uses the MiniLM cosine
    weights: tuple[tuple[str, float], ...]  # (feature, coefficient)
    intercept: float
    threshold: float
    floor: float = 0.05
    learned: int = 0  # people's decisions the coefficients were adapted to (0: as shipped)
    dimensions: tuple[float, ...] = ()  # weight of each item-vector dimension in the "metric" signal (none: 0)

    def coef(self, feature: str) -> float:
        return dict(self.weights).get(feature, 0.0)

    def metric(self) -> np.ndarray | None:
        """The weights of the item vectors' dimensions, or None when the method has none."""
        return np.asarray(self.dimensions, dtype=np.float32) if self.dimensions else None

    def describe(self) -> str:
        signals = ", ".join(("item vectors with weighted dimensions" if f == "metric" else f)
                            for f, w in self.weights if w and (f != "metric" or self.dimensions))
        learned = f"; adapted to {self.learned} decisions" if self.learned else ""
        return (f"pair probability from a logistic regression over {signals}{learned}; average linkage at "
                f"p >= {self.threshold:g} (pairs below {self.floor:g} count as 0)")


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
class ItemInfo:
    """What the pair score uses besides the sentence vectors, one row per item."""

    question: np.ndarray  # 1.0 for a question
    takeaway: np.ndarray  # 1.0 for a takeaway
    session: np.ndarray  # session code
    themes: np.ndarray  # item x theme, 0/1
    actors: np.ndarray  # item x normalized addressee, 0/1
    verbs: sparse.csr_matrix  # item x action verb, 0/1
    objects: sparse.csr_matrix  # item x content word, unit length rows
    asks: sparse.csr_matrix  # item x the verb of its extracted ask (titles.extract_ask), 0/1, at most one


@dataclass
class Features:
    """Sentence vectors of n items: item i's sentences are rows starts[i]:starts[i+1]."""

    starts: np.ndarray  # n + 1 offsets
    char: np.ndarray  # n-gram vectors (char_vectors)
    semantic: np.ndarray | None  # MiniLM vectors (semantic mode), else None
    info: ItemInfo
    _items: dict[bool, np.ndarray] = field(default_factory=dict, repr=False)  # item_vectors, by use_model

    @property
    def n(self) -> int:
        return len(self.starts) - 1

    @property
    def owner(self) -> np.ndarray:
        return np.repeat(np.arange(self.n), np.diff(self.starts))

    def item_vectors(self, use_model: bool) -> np.ndarray:
        """Each item's sentence vectors averaged and made unit length, MiniLM (with ``use_model``) beside
        n-grams: what the "metric" signal compares. Kept once computed: the features of one analysis do not
        change."""
        if use_model not in self._items:
            parts = [self.semantic] if use_model and self.semantic is not None else []
            units = len(self.char)
            belongs = sparse.csr_matrix((np.ones(units, dtype=np.float32), (self.owner, np.arange(units))),
                                        shape=(self.n, units))
            out = [normalize(np.asarray(belongs @ vectors, dtype=np.float32), norm="l2", copy=False)
                   for vectors in [*parts, self.char]]
            self._items[use_model] = np.hstack(out)
        return self._items[use_model]

    def units_of(self, items: np.ndarray) -> np.ndarray:
        lengths = np.diff(self.starts)[items]
        offsets = np.repeat(self.starts[items] - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
        return (offsets + np.arange(int(lengths.sum()))).astype(np.int64)


# the verbs of a requested action; a word is matched by its stem (funding -> fund, strengthened -> strengthen)
ACTION_VERBS = frozenset("""
adopt advocat allocat amplif assess audit ban build certif collaborat collect conduct consult coordinat cooperat
creat criminali defin deliver design develop disclos empower enabl enact encourag enforc engag equip establish
evaluat expand fund guarantee harmoniz identif implement improv includ incorporat inform integrat introduc invest
involv label launch legislat limit listen lower map measur mobili moderat monitor offer partner prevent prioriti
promot protect provid publish rais recogni regulat remov report requir research restrict review safeguard scal
set share standardi strengthen support teach test train translat updat verif
""".split())
_WORD = re.compile(r"[a-z][a-z'-]+")
_STOP = ENGLISH_STOP_WORDS.union(DOMAIN_STOP_WORDS)


def _stem(word: str) -> str:
    for suffix in ("ations", "ation", "ening", "ened", "ing", "ies", "ied", "es", "ed", "s", "e", "y"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def action_words(text: str) -> tuple[list[str], list[str]]:
    """(action verbs, content words) of a text, as stems: what is asked, and of what."""
    verbs: list[str] = []
    objects: list[str] = []
    for word in _WORD.findall(text.lower()):
        if word in _STOP or len(word) < 4:
            continue
        stem = _stem(word)
        root = next((stem[:k] for k in range(len(stem), 2, -1) if stem[:k] in ACTION_VERBS), "")
        (verbs if root and len(root) >= len(stem) - 2 else objects).append(root or stem)
    return verbs, objects


@lru_cache(maxsize=65_536)
def ask_verb(text: str, kind: str) -> str:
    """The verb of the ask a call states ("fund", "strengthen"), '' when the rules read none; kept per text
    because a long-lived process analyses the same items again. Read with the verb list only, as when the pair
    score was fitted (``extract_ask``'s ``lexicon``)."""
    from .titles import extract_ask

    found = extract_ask(text, kind, lexicon=False)
    return found.verb if found else ""


@dataclass(frozen=True)
class Action:
    """What a call asks, as the pair score reads it from its text alone: the stems of its action verbs and of
    its content words, and the verb of its extracted ask ('' when the rules read none). Stored with the item's
    annotations (``item_analysis``), so that an import reads them instead of parsing every call again."""

    verbs: tuple[str, ...]
    objects: tuple[str, ...]
    ask: str


def action_of(text: str, kind: str) -> Action:
    verbs, objects = action_words(text)
    return Action(tuple(verbs), tuple(objects), ask_verb(text, kind))


def item_info(kinds: list[str], sessions: list[str], themes: list[list[str]], actors: list[list[str]],
              actions: list[Action]) -> ItemInfo:
    """The pair score's per-item inputs from each item's kind, session, themes, addressees and ask."""
    def binary(values: list[list[str]], unit: bool = False) -> sparse.csr_matrix:
        vocab: dict[str, int] = {}
        rows, cols = [], []
        for i, names in enumerate(values):
            for name in set(names):
                rows.append(i)
                cols.append(vocab.setdefault(name, len(vocab)))
        matrix = sparse.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)),
                                   shape=(len(values), max(len(vocab), 1)), dtype=np.float32)
        return normalize(matrix, norm="l2") if unit else matrix

    return ItemInfo(
        question=np.array([k == "question" for k in kinds], dtype=np.float32),
        takeaway=np.array([k == "takeaway" for k in kinds], dtype=np.float32),
        session=np.unique(np.array(sessions, dtype=object).astype(str), return_inverse=True)[1].astype(np.int64),
        themes=binary(themes).toarray(), actors=binary(actors).toarray(),
        verbs=binary([list(a.verbs) for a in actions]), objects=binary([list(a.objects) for a in actions], unit=True),
        asks=binary([[a.ask] if a.ask else [] for a in actions]))


def build_features(starts: np.ndarray, char: np.ndarray, semantic: np.ndarray | None, info: ItemInfo) -> Features:
    if semantic is not None and len(semantic) != len(char):
        raise ValueError("sentence vectors do not match the sentences")
    return Features(starts, char, semantic, info)


def _best(block: np.ndarray, offsets: np.ndarray, col_offsets: np.ndarray) -> np.ndarray:
    """Sentence x sentence cosines reduced to item x item: the best pair of sentences of each two items."""
    return np.maximum.reduceat(np.maximum.reduceat(block, offsets, axis=0), col_offsets, axis=1)


def _take(array: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``array[index]``, as a view when ``index`` is one run of consecutive rows (a full analysis compares each
    band of calls with all the calls after it): no copy of every call's vectors per band."""
    if len(index) and int(index[-1]) - int(index[0]) + 1 == len(index) and bool(np.all(np.diff(index) == 1)):
        return array[int(index[0]):int(index[-1]) + 1]
    return array[index]


def pair_blocks(features: Features, rows: np.ndarray, cols: np.ndarray, use_model: bool,
                metric: np.ndarray | None = None) -> Iterator[tuple[int, np.ndarray, dict[str, np.ndarray]]]:
    """Every signal of every pair (row item, column item), as dense blocks of whole row items (about
    UNIT_CHUNK sentences): (position in ``rows`` of the block's first row, the block's rows, {feature:
    len(chunk) x len(cols) array}). Sentence cosines are the best pair of sentences of the two items; the
    "metric" signal is there only with ``metric`` (a method's ``Method.metric()``)."""
    lengths = np.diff(features.starts)
    col_units = features.units_of(cols)
    col_offsets = np.concatenate([[0], np.cumsum(lengths[cols])[:-1]]).astype(np.int64)
    col_char = _take(features.char, col_units)
    semantic = features.semantic if use_model else None
    col_semantic = _take(semantic, col_units) if semantic is not None else None
    info = features.info
    col_themes, col_actors = info.themes[cols], info.actors[cols]
    col_verbs, col_objects = info.verbs[cols].T.tocsr(), info.objects[cols].T.tocsr()
    col_asks = info.asks[cols].T.tocsr()
    col_q, col_t, col_s = info.question[cols], info.takeaway[cols], info.session[cols]
    named = col_actors.sum(axis=1) > 0
    vectors = features.item_vectors(use_model) if metric is not None else None
    col_vectors = _take(vectors, cols) if vectors is not None else None
    ends = np.cumsum(lengths[rows])
    start = 0
    while start < len(rows) and len(cols):
        done = ends[start - 1] if start else 0
        stop = max(start + 1, int(np.searchsorted(ends, done + UNIT_CHUNK, side="right")))
        chunk = rows[start:stop]
        units = features.units_of(chunk)
        offsets = np.concatenate([[0], np.cumsum(lengths[chunk])[:-1]]).astype(np.int64)

        out = {"char": _best(features.char[units] @ col_char.T, offsets, col_offsets)}
        if semantic is not None and col_semantic is not None:
            out["semantic"] = _best(semantic[units] @ col_semantic.T, offsets, col_offsets)
        shared_actors = info.actors[chunk] @ col_actors.T
        both_named = (info.actors[chunk].sum(axis=1) > 0)[:, None] & named[None, :]
        out["shared_theme"] = ((info.themes[chunk] @ col_themes.T) > 0).astype(np.float32)
        out["same_addressee"] = (shared_actors > 0).astype(np.float32)
        out["other_addressee"] = (both_named & (shared_actors == 0)).astype(np.float32)
        out["same_verb"] = ((info.verbs[chunk] @ col_verbs).toarray() > 0).astype(np.float32)
        out["object_words"] = (info.objects[chunk] @ col_objects).toarray().astype(np.float32)
        out["ask_verb"] = ((info.asks[chunk] @ col_asks).toarray() > 0).astype(np.float32)
        q, t = info.question[chunk][:, None], info.takeaway[chunk][:, None]
        out["one_question"] = np.abs(q - col_q[None, :])
        out["both_questions"] = q * col_q[None, :]
        out["one_takeaway"] = np.maximum(t, col_t[None, :])
        out["same_session"] = (info.session[chunk][:, None] == col_s[None, :]).astype(np.float32)
        if vectors is not None and col_vectors is not None and metric is not None:
            out["metric"] = (vectors[chunk] * metric) @ col_vectors.T
        yield start, chunk, out
        start = stop


def pair_probability(method: Method, signals: dict[str, np.ndarray]) -> np.ndarray:
    """The method's probability that each pair is the same recommendation, from ``pair_blocks`` signals."""
    logit = np.full(next(iter(signals.values())).shape, method.intercept, dtype=np.float32)
    for feature, weight in method.weights:
        if weight and feature in signals:
            logit += np.float32(weight) * signals[feature]
    return 1.0 / (1.0 + np.exp(-logit))


def item_blocks(features: Features, method: Method, rows: np.ndarray,
                cols: np.ndarray | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """The similarities of items ``rows`` (in that order) to items ``cols`` (all items when None), as dense
    blocks: (position in ``rows`` of the block's first row, block of len(chunk) x len(cols)). Each value is
    the pair's probability of being the same recommendation, zero below the method's floor and for an item
    with itself."""
    n = features.n
    cols = np.arange(n) if cols is None else np.asarray(cols, dtype=np.int64)
    rows = np.asarray(rows, dtype=np.int64)
    if method.needs_model and features.semantic is None:
        raise ValueError(f"method {method.name} needs sentence vectors")
    col_pos = np.full(n, -1, dtype=np.int64)
    col_pos[cols] = np.arange(len(cols))
    for start, chunk, signals in pair_blocks(features, rows, cols, method.needs_model, method.metric()):
        block = pair_probability(method, signals)
        del signals
        block[block < method.floor] = 0
        mine = col_pos[chunk]
        block[np.flatnonzero(mine >= 0), mine[mine >= 0]] = 0  # an item is not alike itself
        yield start, block


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


CONDENSED_ROWS = 256  # items per band of the upper triangle


def condensed_distances(features: Features, method: Method) -> np.ndarray:
    """1 - similarity for every pair of items, in scipy's condensed order, written straight from the blocks
    (no list of pairs kept alongside): what a full analysis clusters. Only the upper triangle is computed: a
    band of rows is compared with the items from its first row on."""
    n = features.n
    out = np.ones(n * (n - 1) // 2, dtype=np.float64)
    for band in range(0, n, CONDENSED_ROWS):
        rows = np.arange(band, min(n, band + CONDENSED_ROWS))
        for start, block in item_blocks(features, method, rows, np.arange(band, n)):
            for row in range(len(block)):
                i = band + start + row
                first = n * i - i * (i + 1) // 2
                out[first:first + n - i - 1] = 1.0 - block[row, i + 1 - band:]
    np.clip(out, 0.0, 2.0, out=out)
    return out


def best_sentence_pair(features: Features, method: Method, item: int, other: int,
                       units: list[str]) -> tuple[str, str, float]:
    """The evidence for a match: the two sentences that are most alike, and their similarity."""
    a, b = features.units_of(np.array([item])), features.units_of(np.array([other]))
    char = features.char[a] @ features.char[b].T
    if method.needs_model and features.semantic is not None:
        block = (features.semantic[a] @ features.semantic[b].T + char) / 2
    else:
        block = char
    i, j = np.unravel_index(int(np.argmax(block)), block.shape)
    return units[a[i]], units[b[j]], float(block[i, j])
