"""Session pages by their web address: import them, and refresh them later from the same address.

The address is stored with the document (``documents.url``); a refresh fetches every stored address again
and loads what it gets under the usual rules: an unchanged page is skipped, an item whose text is unchanged
keeps its status, owner and notes, and an item that vanished from the page is marked, not deleted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from ..reading.fetch import fetch, is_url, url_file_name
from ..reading.files import find_files
from ..reading.models import BadInput
from ..store import Store
from ..store.loading import FileResult, LoadReport, load_files
from .access import requires
from .importing import Imported, analyzed


def split_targets(targets: Iterable[str | Path]) -> tuple[list[str | Path], list[str]]:
    """Files and folders, and web addresses, in the order given."""
    paths: list[str | Path] = []
    urls: list[str] = []
    for target in targets:
        if isinstance(target, str) and is_url(target):
            urls.append(target)
        else:
            paths.append(target)
    return paths, urls


def _fetch_all(urls: Sequence[str], on_progress: Callable[[int], None] | None
               ) -> tuple[list[tuple[Path | str, bytes | None]], dict[str, str], list[FileResult]]:
    files: list[tuple[Path | str, bytes | None]] = []
    names: dict[str, str] = {}
    failed: list[FileResult] = []
    for url in dict.fromkeys(u.strip() for u in urls if u.strip()):  # each address once
        try:
            page = fetch(url)
        except BadInput as exc:
            failed.append(FileResult(source=url_file_name(url, ""), status="failed", error=str(exc), url=url))
            if on_progress:
                on_progress(1)
            continue
        files.append((page.name, page.data))
        names[page.name] = page.url
    return files, names, failed


@requires("admin", "import reports")
def import_targets(store: Store, targets: Iterable[str | Path], on_progress: Callable[[int], None] | None = None,
                   analyze: bool = True, by: str = "") -> Imported:
    """Load files, folders and web addresses together, then place the new calls (suggestions to review).
    A page that cannot be fetched is a failed entry of the report, like a file that cannot be read.
    Only an admin may import: checked before anything is fetched, so nobody else can make the server fetch."""
    paths, urls = split_targets(targets)
    files: list[tuple[Path | str, bytes | None]] = [(f, None) for f in find_files(paths)]
    fetched, names, failed = _fetch_all(urls, on_progress)
    report = load_files(files + fetched, store, on_progress, urls=names) if files or fetched else LoadReport()
    report.results.extend(failed)
    return analyzed(store, report, analyze, (by or "").strip())


def web_documents(store: Store) -> list[tuple[str, str]]:
    """(source, url) of every document that was fetched from the web."""
    rows = store.read(lambda con: con.execute(
        "SELECT source, url FROM documents WHERE url IS NOT NULL ORDER BY source").fetchall())
    return [(str(source), str(url)) for source, url in rows]


@requires("admin", "refresh reports")
def refresh(store: Store, which: Iterable[str] = (), on_progress: Callable[[int], None] | None = None,
            analyze: bool = True, by: str = "") -> Imported:
    """Fetch stored pages again from their addresses (all, or those whose address or file name is in
    ``which``) and load them, keeping every edit; an unknown address or name is a one-line error."""
    stored = web_documents(store)
    wanted = [w.strip() for w in which if w.strip()]
    if wanted:
        known = {s for pair in stored for s in pair}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise BadInput(unknown[0], "no page was imported from this address (or under this name); "
                                       "import it with `tracker load URL` first")
        stored = [(s, u) for s, u in stored if s in wanted or u in wanted]
    return import_targets(store, [url for _, url in stored], on_progress, analyze, by)
