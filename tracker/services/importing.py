"""Import = load the pages, then analyze what changed: the one way the CLI, the first dashboard start and
the "Add a report" page bring data in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..store import Store
from ..store.access import require
from ..store.documents import LoadReport, load_files, load_paths


@dataclass
class Imported:
    report: LoadReport
    analysis: str | None  # the analysis summary, None when nothing new was loaded (or analysis was skipped)

    @property
    def summary(self) -> str:
        return self.report.summary() + (f"\n{self.analysis}" if self.analysis else "")


def _analyzed(store: Store, report: LoadReport, analyze: bool) -> Imported:
    if analyze and (report.count("added") or report.count("updated")):
        from ..analysis import analyze as run

        return Imported(report, run(store))
    return Imported(report, None)


def import_paths(store: Store, paths: Iterable[str | Path], on_progress: Callable[[int], None] | None = None,
                 analyze: bool = True) -> Imported:
    """Load files and folders, then place the new calls (suggestions to review)."""
    require(store, "admin", "import reports")
    return _analyzed(store, load_paths(paths, store, on_progress=on_progress), analyze)


def import_files(store: Store, files: Sequence[tuple[Path | str, bytes | None]], analyze: bool = True) -> Imported:
    """Load (name, bytes) pairs such as uploads, then place the new calls."""
    require(store, "admin", "import reports")
    return _analyzed(store, load_files(files, store), analyze)
