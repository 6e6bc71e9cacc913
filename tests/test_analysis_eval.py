"""Grouping quality on the labelled seed pairs must not drop below what docs/recurrence.md records."""

from __future__ import annotations

import json

from tests.helpers import missing
from tracker.analysis import embeddings
from tracker.analysis.evaluate import EVAL_FILE, prepare, score
from tracker.analysis.methods import LEXICAL_METHOD, SEMANTIC_METHOD
from tracker.store import Store

# measured (docs/recurrence.md), rounded down a little
SEMANTIC_FLOOR = {"precision": 0.95, "recall": 0.90, "cross_precision": 0.85, "cross_recall": 1.0}
LEXICAL_FLOOR = {"precision": 0.90, "recall": 0.80, "cross_precision": 0.70, "cross_recall": 0.85}


def test_evaluation_set_covers_the_seeds_and_is_consistent(seed_store: Store) -> None:
    data = json.loads(EVAL_FILE.read_text(encoding="utf-8"))
    items = seed_store.query("SELECT item_id, text FROM items")
    text = dict(zip(items["item_id"], items["text"], strict=True))
    labelled = [i for c in data["clusters"] for i in c["items"]] + data["singletons"]
    assert sorted(i["id"] for i in labelled) == sorted(text)  # every seed item labelled exactly once
    for item in labelled:
        assert item["text"] == text[item["id"]]  # the ids still mean the texts a person labelled
    ids = set(text)
    assert all(a["a"] in ids and a["b"] in ids and a["why"] for a in data["ambiguous"])


def test_lexical_fallback_quality(seed_store: Store) -> None:
    scores = score(prepare(seed_store, use_model=False), LEXICAL_METHOD)
    for name, floor in LEXICAL_FLOOR.items():
        assert getattr(scores, name) >= floor, (name, scores)


def test_semantic_quality(seed_store: Store) -> None:
    embeddings.reset()
    if embeddings.get_embedder().embedder is None:
        missing("embedding model not installed")
    scores = score(prepare(seed_store), SEMANTIC_METHOD)
    for name, floor in SEMANTIC_FLOOR.items():
        assert getattr(scores, name) >= floor, (name, scores)
