"""Editors keep saving while a load runs: 3 processes x 5 threads save follow-up notes during `tracker load`
and its analysis (a smaller load than bench/load_with_saves.py, which measures the full figure)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.loadsaves import measure, write_pages
from tracker.store import Store

pytestmark = pytest.mark.slow


def test_saves_during_a_load_are_stored_and_the_load_prints_its_summary(seed_store: Store, tmp_path: Path) -> None:
    pages = write_pages(tmp_path / "pages", 60)
    figures = measure(seed_store.path, pages, processes=3, threads=5, idle_seconds=3,
                      env={"TRACKER_EMBEDDINGS": "off"})
    assert figures.load_exit == 0, figures.load_output[-2000:]
    assert "60 files: 60 added" in figures.load_output and "analysis (lexical" in figures.load_output
    assert len(figures.during) >= 15, figures.line()
    assert len(figures.refused) <= len(figures.during) // 100, figures.refused[:3]
    # every save reported stored is in the history, once
    stored = set(seed_store.query("SELECT new_value FROM history WHERE field = 'notes'")["new_value"])
    assert set(figures.stored_notes) <= stored
    assert seed_store.scalar("SELECT count(*) FROM documents") == 65
