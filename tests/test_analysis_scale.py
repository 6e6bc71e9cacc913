"""The nearest-neighbour candidate path (used from 2,000 sentences on) groups like the exact block products."""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import adjusted_rand_score

from tests.helpers import missing, needs
from tracker.analysis import embeddings, similarity
from tracker.analysis.core import _theme_fallback
from tracker.analysis.evaluate import prepare
from tracker.analysis.methods import LEXICAL_METHOD, SEMANTIC_METHOD
from tracker.analysis.similarity import build_features, cluster, theme_masks, unit_texts
from tracker.analysis.themes import assign_themes, load_themes
from tracker.store import Store

needs_faiss = needs(similarity.faiss is not None, "faiss-cpu not installed")
OPENERS = ["", "", "In addition, ", "Moreover, ", "Participants agreed that ", "Going forward, "]
SWAPS = [("children", "minors"), ("strengthen", "reinforce"), ("should", "ought to"), ("online", "digital"),
         ("develop", "create"), ("research", "studies")]


def perturbed(texts: list[str], count: int, seed: int = 0) -> list[str]:
    """Light rewordings of the seed items: synonym swaps, an opening phrase, sentences of two items mixed."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        parts = unit_texts([rng.choice(texts)])[0]
        if rng.random() < 0.3:
            parts = parts[:1] + unit_texts([rng.choice(texts)])[0][:1]
        text = " ".join(parts)
        for old, new in rng.sample(SWAPS, rng.randint(0, 2)):
            text = text.replace(old, new, 1)
        opener = rng.choice(OPENERS)
        out.append(opener + text[0].lower() + text[1:] if opener else text)
    return out


def same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    return adjusted_rand_score(a, b) == 1.0


@needs_faiss
@pytest.mark.parametrize("semantic", [False, True])
def test_candidates_match_exact_on_the_seeds(seed_store: Store, semantic: bool) -> None:
    if semantic and embeddings.get_embedder().embedder is None:
        missing("embedding model not installed")
    data = prepare(seed_store, use_model=semantic)
    method = SEMANTIC_METHOD if semantic else LEXICAL_METHOD
    features = build_features(data.items["text"].tolist(), data.vectors[True],
                              theme_masks(data.themes, data.theme_names), True, method)
    exact, _ = cluster(features, method, exact=True)
    approx, _ = cluster(features, method, exact=False)
    assert same_partition(exact, approx)
    assert not similarity.use_candidates(features)  # 30 items: the default is the exact path


@needs_faiss
@pytest.mark.parametrize("semantic", [False, True])
def test_candidates_match_exact_on_perturbed_items(seed_store: Store, semantic: bool,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    state = embeddings.get_embedder()
    if semantic and state.embedder is None:
        missing("embedding model not installed")
    seeds = seed_store.query("SELECT text FROM items ORDER BY item_id")["text"].tolist()
    texts = perturbed(seeds, 300)
    units, starts = unit_texts(texts)
    taxonomy = load_themes()
    vectors = theme_vectors = None
    if semantic:
        vectors = state.embedder.encode(units)
        theme_vectors = state.embedder.encode([t.profile for t in taxonomy])
    themes = assign_themes(texts, taxonomy, _theme_fallback(texts, vectors, starts, theme_vectors, taxonomy))
    method = SEMANTIC_METHOD if semantic else LEXICAL_METHOD
    features = build_features(texts, vectors, theme_masks(themes, [t.name for t in taxonomy]), True, method)
    exact, _ = cluster(features, method, exact=True)
    approx, _ = cluster(features, method, exact=False)
    assert len(np.unique(exact)) < len(texts) * 0.6  # rewordings do group together
    assert adjusted_rand_score(exact, approx) >= 0.98, adjusted_rand_score(exact, approx)
    # the IVF index (used above FLAT_LIMIT sentences) as well
    monkeypatch.setattr(similarity, "FLAT_LIMIT", 10)
    ivf, _ = cluster(features, method, exact=False)
    assert adjusted_rand_score(exact, ivf) >= 0.95, adjusted_rand_score(exact, ivf)


def test_without_faiss_the_exact_path_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(similarity, "faiss", None)
    monkeypatch.setattr(similarity, "EXACT_LIMIT", 1)
    texts = ["Governments should fund research.", "Governments ought to fund research.", "Parents need help."]
    features = build_features(texts, None, np.ones(3, dtype=np.int64), True, LEXICAL_METHOD)
    assert not similarity.use_candidates(features)
    labels, _ = cluster(features, LEXICAL_METHOD)
    assert labels[0] == labels[1] != labels[2]


def _two_calls_chained() -> list[str]:
    """Two recurring calls, reworded, plus items that mention both (they chain the calls together)."""
    a = ["Governments should fund research on screen time.", "Governments ought to fund research on screen time.",
         "States should fund research on screen time.", "Governments should fund studies on screen time."]
    b = ["Schools must teach digital literacy to pupils.", "Schools should teach digital literacy to pupils.",
         "Schools must teach media literacy to pupils.", "Teachers must teach digital literacy to pupils."]
    return a + b + [a[0] + " " + b[0]]


@needs(similarity.igraph is not None, "igraph not installed")
def test_oversized_components_get_leiden_communities(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _two_calls_chained()
    features = build_features(texts, None, np.ones(len(texts), dtype=np.int64), True, LEXICAL_METHOD)
    single = LEXICAL_METHOD.__class__(**{**LEXICAL_METHOD.__dict__, "linkage": "single"})
    chained, _ = cluster(features, single, exact=True)
    assert len(set(chained[:8])) == 1  # one component: the mixed item joins both calls
    monkeypatch.setattr(similarity, "MAX_LINKAGE", 4)  # so that component is "oversized"
    labels, _ = cluster(features, LEXICAL_METHOD, exact=True)
    assert len(set(labels[:4])) == 1 and len(set(labels[4:8])) == 1 and labels[0] != labels[4]
    again, _ = cluster(features, LEXICAL_METHOD, exact=True)
    assert (labels == again).all()  # seeded: the same groups every run
    monkeypatch.setattr(similarity, "igraph", None)  # the old split still runs without igraph
    fallback, _ = cluster(features, LEXICAL_METHOD, exact=True)
    assert len(fallback) == len(texts)


def _fragmented_calls(seed: int = 0) -> tuple[similarity.Features, list[np.ndarray], np.ndarray]:
    """Three calls of 60 reworded items each (sentence vectors = the call's vector plus noise, cosine ~0.9),
    as Leiden leaves a popular call on the sparse graph: each cut into pieces of 10-20 items. Calls 0 and 1
    share a theme, call 2 has another theme but a vector close to call 0's."""
    rng = np.random.default_rng(seed)
    bases = rng.normal(size=(3, 384)).astype(np.float32)
    bases[2] = bases[0] + 0.35 * bases[2]  # cosine ~0.94 to call 0: only the theme gate keeps them apart
    bases /= np.linalg.norm(bases, axis=1, keepdims=True)
    call = np.repeat(np.arange(3), 60)
    vectors = bases[call] + rng.normal(0, 0.025, size=(len(call), 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    empty = similarity.sparse.csr_matrix((len(call), 1), dtype=np.float32)
    themes = np.where(call == 2, 0b10, 0b01).astype(np.int64)
    features = similarity.Features(np.arange(len(call) + 1), empty, empty, vectors, themes)
    parts = []
    for c in range(3):  # pieces of 10, 15, 15, 20
        members = np.flatnonzero(call == c)
        parts.extend(np.split(members, [10, 25, 40]))
    return features, parts, call


def test_fragmented_communities_of_one_call_are_merged() -> None:
    features, parts, call = _fragmented_calls()
    merged = similarity.merge_communities(features, SEMANTIC_METHOD, parts)
    groups = sorted(sorted(set(call[g].tolist())) for g in merged)
    assert groups == [[0], [1], [2]], groups  # each call whole again, and no two calls together
    assert sorted(np.concatenate(merged).tolist()) == list(range(len(call)))
    # without the theme gate calls 0 and 2 (centroid cosine ~0.94) would be one group
    ungated = similarity.merge_communities(features, replace(SEMANTIC_METHOD, same_theme=False), parts)
    assert sorted(sorted(set(call[g].tolist())) for g in ungated) == [[0, 2], [1]]


def test_merge_runs_per_block_above_the_dense_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    if similarity.faiss is None:
        missing("faiss-cpu not installed")
    features, parts, call = _fragmented_calls(seed=1)
    monkeypatch.setattr(similarity, "MERGE_LIMIT", 5)  # 12 communities: blocks of the centroid kNN graph
    merged = similarity.merge_communities(features, SEMANTIC_METHOD, parts)
    assert sorted(sorted(set(call[g].tolist())) for g in merged) == [[0], [1], [2]]


def test_small_components_do_not_go_through_the_merge(seed_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    monkeypatch.setattr(similarity, "merge_communities", lambda f, m, parts: calls.append(parts) or parts)
    data = prepare(seed_store, use_model=False)
    features = build_features(data.items["text"].tolist(), None, theme_masks(data.themes, data.theme_names), True,
                              LEXICAL_METHOD)
    cluster(features, LEXICAL_METHOD)
    assert calls == []  # components of at most MAX_LINKAGE items: exact average linkage only


def test_char_ngram_counts_per_word_equal_sklearn(seed_store: Store) -> None:
    """The per-distinct-word char_wb counts are sklearn's matrix, array for array once sorted (as scipy sorts
    it at its first astype); odd whitespace, case folding that changes length, short and repeated words."""
    from sklearn.feature_extraction.text import CountVectorizer

    texts = seed_store.query("SELECT text FROM items")["text"].tolist()
    docs = unit_texts(texts)[0] + ["İstanbul  AI\u00a0ab  x", "a", "", "Ab\tCD\n\nef  g", "\u2003word\u2003\u2003b",
                                   "ﬁ ǅ ẞ ß aaaaaaa aaaaaaa", "-"]
    params = similarity.char_vectorizer().get_params()
    counts = CountVectorizer(**{k: v for k, v in params.items() if k in similarity._COUNT_PARAMS})
    assert similarity._plain_char_wb(counts)
    want = counts.fit_transform(docs).tocsr().astype(np.float64)
    got = similarity.char_wb_counts(counts, docs).astype(np.float64)
    for name in ("data", "indices", "indptr"):
        assert np.array_equal(getattr(want, name), getattr(got, name))
        assert getattr(want, name).dtype == getattr(got, name).dtype
    assert got.shape == want.shape


@needs_faiss
def test_ivf_search_per_distinct_text_equals_searching_every_unit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lists found once per distinct vector and queries sorted by list give every unit the neighbours a plain
    add + search of all units gives."""
    monkeypatch.setattr(similarity, "FLAT_LIMIT", 100)
    rng = np.random.default_rng(0)
    base = rng.normal(size=(700, 32)).astype(np.float32)
    base /= np.linalg.norm(base, axis=1, keepdims=True)
    codes = np.concatenate([np.arange(700), rng.integers(0, 60, 1300)])  # a few texts repeated many times
    rng.shuffle(codes)
    codes = pd.factorize(codes)[0].astype(np.int64)  # numbered by first appearance, as build_features does
    vectors = np.ascontiguousarray(base[codes])
    first = np.full(700, -1, dtype=np.int64)
    first[codes[::-1]] = np.arange(len(codes) - 1, -1, -1)
    plain = similarity._neighbours(vectors, 11)
    assert np.array_equal(similarity._neighbours(vectors, 11, (codes, first)), plain)
