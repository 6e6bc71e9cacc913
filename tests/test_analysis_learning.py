"""The grouping learns from people's decisions, and forgets them on request (issue: "Which calls recurred",
part 3). Lexical mode: the same learning, without loading the model."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from tracker import analysis
from tracker.analysis import core
from tracker.analysis.evaluate import page_path, simulate_review, split
from tracker.analysis.methods import LEXICAL_METHOD
from tracker.analysis.sentences import sentences_of
from tracker.analysis.similarity import item_similarities
from tracker.cli import cli
from tracker.store import Store
from tracker.store.analysis_tables import read_snapshot
from tracker.store.loading import load_paths

pytestmark = pytest.mark.slow


def _scoring(store: Store) -> tuple[core.Calls, core.Method]:
    """The calls and the pair scoring the next analysis would use."""
    def read(con):  # type: ignore[no-untyped-def]
        snap = read_snapshot(con)
        return snap, sentences_of(con, snap.items, None)

    snap, sentences = store.read(read)
    annotations = core.annotate(snap.items, sentences, snap.corrections)
    calls = core.calls_of(snap, sentences, keep_places=False, annotations=annotations)
    return calls, core.learned_method(LEXICAL_METHOD, calls)


def _together(calls: core.Calls, method: core.Method, items: np.ndarray) -> np.ndarray:
    """For each pair of ``items``: would the scoring put the two in one recommendation (alone, p >= threshold)?"""
    sims = item_similarities(calls.features, method, items, items).toarray()
    return sims >= method.threshold


def test_thirty_decisions_change_held_out_pairs_and_reset_restores_them(store: Store,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_EMBEDDINGS", "off")
    seeds, tune, _ = split()
    assert load_paths([page_path(p) for p in seeds + tune], store).ok
    analysis.analyze(store)
    decided = simulate_review(store, 30, by="Ana")
    assert len(decided) >= 15, "the review queue of the seeds and tune pages offers enough decisions"
    calls, learned = _scoring(store)
    assert learned.learned > 0 and len(calls.decisions) > 0
    assert learned.weights != LEXICAL_METHOD.weights  # refitted on the decisions
    # pairs of calls nobody decided on: some are grouped differently now
    held_out = np.array([k for k, i in enumerate(calls.frame["item_id"]) if i not in decided], dtype=np.int64)
    before = _together(calls, LEXICAL_METHOD, held_out)
    after = _together(calls, learned, held_out)
    changed = int(np.triu(before != after, k=1).sum())
    assert changed >= 1
    # the same decisions give the same scoring (deterministic)
    assert _scoring(store)[1] == learned
    # reset: the shipped scoring again, the decisions themselves kept
    members = store.query("SELECT item_id, rec_id, state FROM memberships ORDER BY item_id")
    out = CliRunner().invoke(cli, ["--db", str(store.path), "analyze", "--reset-learning", "--by", "Ana"])
    assert out.exit_code == 0 and "learning reset" in out.output, out.output
    calls, reset = _scoring(store)
    assert reset == LEXICAL_METHOD and not len(calls.decisions)
    assert (_together(calls, reset, held_out) == before).all()
    assert store.query("SELECT item_id, rec_id, state FROM memberships ORDER BY item_id").equals(members)
    # decisions after the reset are learned from again: a merge says two recommendations are the same
    recs = analysis.recommendations_frame(store)["rec_id"].tolist()
    analysis.merge_recommendations(store, recs[0], recs[1], by="Ana")
    assert _scoring(store)[1].learned > 0


def test_reset_learning_needs_a_name(store: Store) -> None:
    out = CliRunner().invoke(cli, ["--db", str(store.path), "analyze", "--reset-learning"])
    assert out.exit_code == 2 and "--by NAME" in out.output
    help_text = CliRunner().invoke(cli, ["analyze", "--help"]).output
    assert "--reset-learning" in help_text and "learns from every decision" in help_text
