"""Import = load the pages, then analyze what changed: the one way the CLI, the first dashboard start and
the "Add a report" page bring data in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..store import Store
from ..store.documents import LoadReport, load_files, load_paths


@dataclass
class Imported:
    report: LoadReport
    analysis: str | None  # the analysis summary, None when nothing new was loaded (or analysis was skipped)
    report_calls: int = 0  # calls found in the report text waiting for a person (after a load that read pages)

    @property
    def summary(self) -> str:
        calls = (f"\n{self.report_calls} calls found in the report text wait for review (tracker review --calls)"
                 if self.report_calls else "")
        return self.report.summary() + (f"\n{self.analysis}" if self.analysis else "") + calls


def _analyzed(store: Store, report: LoadReport, analyze: bool) -> Imported:
    if not (report.count("added") or report.count("updated")):
        return Imported(report, None)
    from .report_calls import review_counts

    pending = review_counts(store)["suggested"]
    if analyze:
        from ..analysis import analyze as run

        return Imported(report, run(store), pending)
    return Imported(report, None, pending)


def import_paths(store: Store, paths: Iterable[str | Path], on_progress: Callable[[int], None] | None = None,
                 analyze: bool = True) -> Imported:
    """Load files and folders, then place the new calls (suggestions to review)."""
    return _analyzed(store, load_paths(paths, store, on_progress=on_progress), analyze)


def import_files(store: Store, files: Sequence[tuple[Path | str, bytes | None]], analyze: bool = True) -> Imported:
    """Load (name, bytes) pairs such as uploads, then place the new calls."""
    return _analyzed(store, load_files(files, store), analyze)
