"""Import = load the pages, then analyze what changed: the one way the CLI, the first dashboard start and
the "Add a report" page bring data in.

What one import may take is bounded here, so every front end has the same limits: each page by the
reader's limits (size, lines, table cells, items: ``tracker.reading``), and the pages given at once as
bytes (an upload) by MAX_IMPORT_BYTES and MAX_IMPORT_ITEMS: the analysis that follows an import embeds
every new sentence, about 60 a second, so the number of items is what bounds its time and memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import TrackerError
from ..reading.files import safe_source_name
from ..reading.models import Document
from ..reading.parsed import ParsedFile, parse_file
from ..store import Store
from ..store.db import StoreError
from ..store.documents import same_session_documents
from ..store.loading import FileInput, LoadReport, load_files, load_paths
from .access import requires

MAX_IMPORT_BYTES = 20 * 2**20  # pages sent at once (an upload); a folder load reads file by file instead
MAX_IMPORT_ITEMS = 2_000  # items in the pages sent at once


class ImportTooLarge(TrackerError):
    pass


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


def record_importer(store: Store, report: LoadReport, by: str) -> None:
    """Name who imported the files the load added or updated (the history's import rows show it)."""
    sources = [r.source for r in report.results if r.status in ("added", "updated")]
    name = " ".join(str(by or "").split())
    if not sources or not name:
        return
    marks = ", ".join("?" for _ in sources)
    store.write(lambda con: con.execute(f"UPDATE documents SET loaded_by = ? WHERE source IN ({marks})",
                                        [name, *sources]), checkpoint=False)


def analyzed(store: Store, report: LoadReport, analyze: bool, by: str = "") -> Imported:
    if not (report.count("added") or report.count("updated")):
        return Imported(report, None)
    record_importer(store, report, by)
    from .report_calls import review_counts

    pending = review_counts(store)["suggested"]
    if analyze:
        from ..analysis import analyze as run

        try:
            return Imported(report, run(store), pending)
        except StoreError as exc:  # the pages are stored: say so, and that only the analysis is left to do
            raise type(exc)(f"{report.summary()}; the analysis that follows did not finish ({exc}): run "
                            "`tracker analyze`") from exc
    return Imported(report, None, pending)


@requires("admin", "import reports")
def import_paths(store: Store, paths: Iterable[str | Path], on_progress: Callable[[int], None] | None = None,
                 analyze: bool = True, by: str = "") -> Imported:
    """Load files and folders, then place the new calls (suggestions to review). ``by``: who imports (the
    signed-in person replaces it)."""
    by = (by or "").strip()
    return analyzed(store, load_paths(paths, store, on_progress=on_progress), analyze, by)


def _given_bytes(f: FileInput) -> int:
    """The size of a file given as bytes or already parsed (a path to read counts none: a folder load)."""
    if isinstance(f, ParsedFile):
        return f.size
    return len(f[1]) if f[1] is not None else 0


@requires("admin", "import reports")
def import_files(store: Store, files: Sequence[FileInput], analyze: bool = True, by: str = "") -> Imported:
    """Load (name, bytes) pairs such as uploads, or files already parsed (``ParsedFile``: an upload the
    preview read), then place the new calls. Every file is parsed once, here or before: the count below and
    the load use the same parse. Refused as a whole (nothing written) when the bytes given come to more than
    MAX_IMPORT_BYTES or their pages to more than MAX_IMPORT_ITEMS items."""
    by = (by or "").strip()
    total = sum(_given_bytes(f) for f in files)
    if total > MAX_IMPORT_BYTES:
        raise ImportTooLarge(f"{len(files)} pages of {total / 1e6:.1f} MB in all: at most "
                             f"{MAX_IMPORT_BYTES // 2**20} MB at once; import them in smaller groups")
    parsed: list[FileInput] = [f if isinstance(f, ParsedFile) or f[1] is None else parse_file(f[0], f[1])
                               for f in files]
    items = 0
    for page in parsed:
        if not isinstance(page, ParsedFile):
            continue
        items += page.items  # a file that is not a page counts none: the load reports it with the other failures
        if items > MAX_IMPORT_ITEMS:
            raise ImportTooLarge(f"the pages hold more than {MAX_IMPORT_ITEMS:,} items in all (counted up to "
                                 f"{Path(page.name).name}): import them in smaller groups, or use `tracker load`")
    return analyzed(store, load_files(parsed, store), analyze, by)


def replacement_note(store: Store, name: str, document: Document) -> str:
    """What importing this page would replace (one session, one page), in words; "" when nothing."""
    source = safe_source_name(name)
    found = same_session_documents(store, document, source)
    if not found:
        return ""
    old = set().union(*found.values())
    new = {document.item_id(item) for item in document.items}
    added, gone = len(new - old), len(old - new)
    changes = (f"{added} item{'s' if added != 1 else ''} new, {gone} no longer on the page (kept, marked)"
               if added or gone else "no item changes")
    return (f"Same session as {', '.join(sorted(found))}, already imported: importing {source} replaces it "
            f"({changes}; {len(new & old)} unchanged keep their status, owner and notes).")
