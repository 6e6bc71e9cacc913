"""Shared fixtures: a fresh database per test, optionally loaded with the five bundled seeds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tracker.loader import load_paths
from tracker.store import Store

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """An empty database in a temporary folder (also exported as $TRACKER_DB for subprocesses)."""
    path = tmp_path / "tracker.duckdb"
    monkeypatch.setenv("TRACKER_DB", str(path))
    return Store(path)


@pytest.fixture
def seeds_dir(tmp_path: Path) -> Path:
    """A private copy of seeds/ that a test may edit."""
    target = tmp_path / "seeds"
    shutil.copytree(SEEDS, target)
    return target


@pytest.fixture
def seed_store(store: Store, seeds_dir: Path) -> Store:
    """A database with the five seeds loaded (no analysis run)."""
    report = load_paths([seeds_dir], store)
    assert report.ok, report.summary()
    return store
