"""Shared fixtures: a fresh database per test, optionally with the five bundled seeds loaded (and analyzed).

Loading and analyzing the seeds is done once per test run into template files; each test gets its own
copy, so tests stay independent without paying for the setup every time. With pytest-xdist (`-n 2`) the
workers share the templates: the first to need one builds it under a file lock, the others copy it.
"""

from __future__ import annotations

import fcntl
import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tracker.store import Store
from tracker.store.loading import load_paths

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


def copy_db(source: Path, target: Path) -> Path:
    """A copy of a closed database file (and its write-ahead log, if any)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    wal = source.with_name(source.name + ".wal")
    if wal.exists():
        shutil.copy(wal, target.with_name(target.name + ".wal"))
    return target


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _shared(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], None]) -> Path:
    """A template database built once for the whole run: under xdist in the folder all workers share (built by
    the first worker that needs it, under a lock), else in this session's temporary folder."""
    base = factory.getbasetemp()
    folder = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    path = folder / "templates" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    # not "<db>.lock": that is the lock file the store itself takes turns on (store/turns.py)
    with _locked(path.with_name(name + ".building")):
        done = path.with_name(name + ".done")
        if not done.exists():  # a template half-built by an interrupted worker is built again
            for stale in (path, path.with_name(name + ".wal")):
                stale.unlink(missing_ok=True)
            build(path)
            done.touch()
    return path


@pytest.hookimpl(trylast=True)  # after `-m` has deselected: only the tests that will run are ordered
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Whole files in this order: those that drive a browser, then those with slow tests, then the rest; within
    each, files with more tests first. With `-n 2 --dist loadfile` a worker takes a file at a time (pyproject
    turns off xdist's own ordering by number of tests alone, which sent the one-test browser files last), so
    the long files are shared out first and the short ones fill the end: the two workers finish together."""
    def rank(item: pytest.Item) -> int:
        return 0 if item.get_closest_marker("browser") else 1 if item.get_closest_marker("slow") else 2

    def file_of(item: pytest.Item) -> str:
        return item.nodeid.split("::")[0]

    ranks: dict[str, int] = {}
    sizes: dict[str, int] = {}
    for item in items:
        ranks[file_of(item)] = min(ranks.get(file_of(item), 2), rank(item))
        sizes[file_of(item)] = sizes.get(file_of(item), 0) + 1
    items.sort(key=lambda item: (ranks[file_of(item)], -sizes[file_of(item)]))  # stable: a file's order is kept


@pytest.fixture(scope="session")
def seed_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    def build(path: Path) -> None:
        report = load_paths([SEEDS], Store(path))
        assert report.ok, report.summary()

    return _shared(tmp_path_factory, "seeds.duckdb", build)


@pytest.fixture(scope="session")
def analyzed_templates(tmp_path_factory: pytest.TempPathFactory, seed_template: Path) -> dict[str, Path]:
    """mode ("semantic" / "lexical") -> a copy of the seed template analyzed in that mode, made on first use."""
    from tracker import analysis

    def analyzed(mode: str, path: Path) -> None:
        copy_db(seed_template, path)
        before = os.environ.get("TRACKER_EMBEDDINGS")
        os.environ["TRACKER_EMBEDDINGS"] = "off" if mode == "lexical" else ""
        try:
            analysis.analyze(Store(path))
        finally:
            if before is None:
                os.environ.pop("TRACKER_EMBEDDINGS", None)
            else:
                os.environ["TRACKER_EMBEDDINGS"] = before

    class Templates(dict):
        def __missing__(self, mode: str) -> Path:
            path = _shared(tmp_path_factory, f"{mode}.duckdb", lambda target: analyzed(mode, target))
            self[mode] = path
            return path

    return Templates()


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
def seed_store(store: Store, seeds_dir: Path, seed_template: Path) -> Store:
    """A database with the five seeds loaded (no analysis run)."""
    copy_db(seed_template, store.path)
    return store


@pytest.fixture
def analyzed_store(store: Store, seeds_dir: Path, analyzed_templates: dict[str, Path]) -> Store:
    """A database with the five seeds loaded and analyzed in semantic mode (lexical without the model)."""
    from tracker.analysis import embeddings

    mode = "semantic" if embeddings.get_embedder().embedder is not None else "lexical"
    copy_db(analyzed_templates[mode], store.path)
    return store
