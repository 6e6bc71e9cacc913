"""A tracker shared by many people: an import's analysis never keeps editors out, nothing someone changed
meanwhile is overwritten by the analysis, and the analysis re-checks what changed while it computed.

Saves from other processes are real ``python -m tracker`` commands against the same DuckDB file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tracker.analysis.core as core
from tracker.analysis import set_item_themes
from tracker.store import Store

ROOT = Path(__file__).resolve().parent.parent


def cli(db: Path, *args: str, lock_timeout: float = 30, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_DB"}
    env["TRACKER_LOCK_TIMEOUT"] = str(lock_timeout)
    return subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def lexical(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_EMBEDDINGS", "off")


def _while_computing(monkeypatch: pytest.MonkeyPatch, action) -> list:
    """Run ``action`` once, at the moment the analysis computes its sentence vectors (the real computation
    follows)."""
    done: list = []
    real = core.char_vectors

    def computing(texts: list[str]) -> np.ndarray:
        if not done:
            done.append(action())
        return real(texts)

    monkeypatch.setattr(core, "char_vectors", computing)
    return done


def test_a_save_from_another_process_goes_through_while_the_analysis_computes(
        seed_store: Store, lexical: None, monkeypatch: pytest.MonkeyPatch) -> None:
    item_id = str(seed_store.scalar("SELECT min(item_id) FROM items"))
    # a short wait: the save must find the file free, not wait for the analysis to finish
    done = _while_computing(monkeypatch, lambda: cli(seed_store.path, "set", item_id, "--status", "in_progress",
                                                     "--by", "Bob", lock_timeout=2))
    result = core.run_analysis(seed_store)
    assert done, "the analysis computed no vectors"
    assert done[0].returncode == 0, done[0].stderr
    assert seed_store.scalar("SELECT status FROM items WHERE item_id = ?", [item_id]) == "in_progress"
    assert result.placed > 0 and "calls placed" in result.summary


def test_a_theme_correction_made_while_the_analysis_computes_wins(
        seed_store: Store, lexical: None, monkeypatch: pytest.MonkeyPatch) -> None:
    item_id = str(seed_store.scalar("SELECT min(item_id) FROM items WHERE kind = 'action'"))
    _while_computing(monkeypatch, lambda: set_item_themes(seed_store, item_id, ["Research and data"], "Ana"))
    core.run_analysis(seed_store)
    row = seed_store.read(lambda con: con.execute(
        "SELECT themes, themes_by FROM item_analysis WHERE item_id = ?", [item_id]).fetchone())
    assert row is not None and list(row[0]) == ["Research and data"] and row[1] == "Ana"


def test_calls_placed_by_another_run_meanwhile_are_not_placed_twice(
        seed_store: Store, lexical: None, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = Store(seed_store.path.with_name("alone.duckdb"))
    from tests.conftest import copy_db

    copy_db(seed_store.path, alone.path)
    core.run_analysis(alone)
    expected = alone.scalar("SELECT count(*) FROM recommendations")
    members = alone.scalar("SELECT count(*) FROM memberships")
    assert expected > 0

    def other_run() -> core.RunResult:
        monkeypatch.setattr(core, "char_vectors", real)
        return core.run_analysis(seed_store)

    real = core.char_vectors
    _while_computing(monkeypatch, other_run)
    outer = core.run_analysis(seed_store)
    assert seed_store.scalar("SELECT count(*) FROM recommendations") == expected
    assert seed_store.scalar("SELECT count(*) FROM memberships") == members
    assert outer.placed == 0 and outer.deferred == members
    assert "left for the next analysis" in outer.summary
