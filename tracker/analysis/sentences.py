"""The sentences of items and their vectors: n-gram vectors always, MiniLM vectors in semantic mode.

What the cache holds is looked up while the database is open (``lookup_sentences``, through
``store/analysis_tables.py``); the missing vectors are computed after it is closed (``SentenceLookup.finish``),
so that nobody waits for the model; the fresh vectors are cached by the next write (``cache``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from ..store import analysis_tables as tables
from . import embeddings as emb
from .similarity import CHAR_DIM, CHAR_MODEL_ID, char_vectors, unit_texts
from .themes import load_themes

# what of a sentence the vectors are made from: the model reads its first 256 tokens (about 1,000 characters)
# anyway, and a longer run without a full stop (a pasted list, one giant word) would only cost memory
MAX_SENTENCE_CHARS = 2_000
# sentences of one item the analysis reads (a real item has one to five): the first ones carry its ask, and the
# bound keeps the work of an item of the longest allowed length near that of a real one
MAX_ITEM_SENTENCES = 8


@dataclass
class Sentences:
    """The sentences of some items with their vectors: n-gram vectors always, MiniLM vectors in semantic mode
    (and the theme descriptions' MiniLM vectors, for the theme fallback)."""

    item_ids: list[str]
    starts: np.ndarray  # item k's sentences are rows starts[k]:starts[k+1]
    units: list[str]
    char: np.ndarray
    semantic: np.ndarray | None
    profiles: np.ndarray | None
    fresh: list[tuple[str, list[str], np.ndarray]]  # (model id, text hashes, vectors) computed now, to cache

    def rows(self, item_ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The sentence rows of these items, in this order, and their item offsets."""
        where = {item_id: k for k, item_id in enumerate(self.item_ids)}
        picked = [np.arange(self.starts[where[i]], self.starts[where[i] + 1]) for i in item_ids]
        starts = np.concatenate([[0], np.cumsum([len(p) for p in picked])]).astype(np.int64)
        return (np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)), starts

    @property
    def embedded(self) -> int:
        return sum(len(h) for model, h, _ in self.fresh if model == emb.MODEL_ID)


@dataclass
class PendingVectors:
    """Vectors of some texts as found in the cache, the rest still to compute (outside any connection)."""

    codes: np.ndarray  # per text: index into ``distinct``
    distinct: list[str]
    hashes: list[str]
    found: dict[str, int]
    matrix: np.ndarray
    model_id: str
    dim: int

    def finish(self, compute: Callable[[list[str]], np.ndarray]) -> tuple[np.ndarray, list[str], np.ndarray]:
        """(one row per text, hashes computed now, their vectors)."""
        missing = [k for k, h in enumerate(self.hashes) if h not in self.found]
        fresh = compute([self.distinct[k] for k in missing]) if missing else np.zeros((0, self.dim), np.float32)
        rows = np.array([self.found[h] if h in self.found else -1 for h in self.hashes], dtype=np.int64)
        rows[missing] = len(self.matrix) + np.arange(len(missing))
        return np.vstack([self.matrix, fresh])[rows[self.codes]], [self.hashes[k] for k in missing], fresh


def _lookup(con: duckdb.DuckDBPyConnection, texts: list[str], model_id: str, dim: int) -> PendingVectors:
    """The cached vectors of ``texts``, per distinct text."""
    codes, distinct = pd.factorize(pd.Series(texts, dtype=object))
    hashes = [emb.text_hash(u) for u in distinct]
    found, matrix = tables.cached_vectors(con, hashes, model_id, dim)
    return PendingVectors(np.asarray(codes), list(distinct), hashes, found, matrix, model_id, dim)


@dataclass
class SentenceLookup:
    """The sentences of some items and what the vector cache had for them: read while the database is open,
    finished (the missing vectors computed) after it is closed, so that nobody waits for the model."""

    item_ids: list[str]
    units: list[str]
    starts: np.ndarray
    char: PendingVectors
    semantic: PendingVectors | None

    def finish(self, embedder: emb.Embedder | None) -> Sentences:
        char, hashes, fresh = self.char.finish(char_vectors)
        out = Sentences(self.item_ids, self.starts, self.units, char, None, None, [(CHAR_MODEL_ID, hashes, fresh)])
        if embedder is not None and self.semantic is not None:
            both, hashes, fresh = self.semantic.finish(embedder.encode)
            out.semantic, out.profiles = both[: len(self.units)], both[len(self.units):]
            out.fresh.append((emb.MODEL_ID, hashes, fresh))
        return out


def bounded_units(texts: list[str]) -> tuple[list[str], np.ndarray]:
    """The sentences of each text, at most MAX_ITEM_SENTENCES each and each cut to MAX_SENTENCE_CHARS."""
    units, starts = unit_texts(texts)
    kept: list[str] = []
    bounds = [0]
    for k in range(len(texts)):
        kept.extend(u[:MAX_SENTENCE_CHARS] for u in units[starts[k]:min(starts[k + 1], starts[k] + MAX_ITEM_SENTENCES)])
        bounds.append(len(kept))
    return kept, np.array(bounds, dtype=np.int64)


def lookup_sentences(con: duckdb.DuckDBPyConnection, items: pd.DataFrame,
                     embedder: emb.Embedder | None) -> SentenceLookup:
    units, starts = bounded_units(items["text"].tolist())
    semantic = None
    if embedder is not None:
        semantic = _lookup(con, units + [t.profile for t in load_themes()], emb.MODEL_ID, emb.DIM)
    return SentenceLookup(items["item_id"].tolist(), units, starts, _lookup(con, units, CHAR_MODEL_ID, CHAR_DIM),
                          semantic)


def sentences_of(con: duckdb.DuckDBPyConnection, items: pd.DataFrame, embedder: emb.Embedder | None) -> Sentences:
    """Looked up and computed in one go (evaluation on a private copy; the analysis computes after closing)."""
    return lookup_sentences(con, items, embedder).finish(embedder)


def cache(con: duckdb.DuckDBPyConnection, fresh: list[tuple[str, list[str], np.ndarray]]) -> None:
    """Keep the vectors computed now (``Sentences.fresh``)."""
    for model_id, hashes, vectors in fresh:
        tables.insert_vectors(con, hashes, vectors, model_id)
