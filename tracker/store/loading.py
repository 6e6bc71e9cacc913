"""A load: files (paths, bytes, or files already parsed) into the store without losing anybody's edits.

Unchanged files (same content hash as stored) are skipped; the others are parsed once (``reading.parsed``)
and written in batches of whole documents (``store.documents``), each batch in a turn of its own on the file
(``store.turns``), so other processes get the file between batches. A bad file is one failed result with its reason;
the others load.

A document is stored under its file name, and a page loaded again under its name replaces it — but only
a page of the same session: a name that another session's page already has (two pastes both called
``pasted-session.txt``, names that clean to the same ``a_b.txt``) gets a suffix, ``a_b (2).txt``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..reading.files import find_files, load_names, numbered_name
from ..reading.parsed import Job, ParsedFile, parse_in_order
from .db import HeldConnection, Store, StoreError
from .documents import BATCH_SIZE, Prepared, load_documents

# what a load takes: (path, None) to read, (name, bytes) given, or a file already parsed (an upload previewed)
FileInput = tuple[Path | str, bytes | None] | ParsedFile


@dataclass
class FileResult:
    source: str
    status: str  # added | updated | unchanged | failed
    session_id: str = ""
    items: int = 0
    items_new: int = 0
    items_gone: int = 0
    error: str = ""
    renamed_from: str = ""  # the name asked for, when another session's page already had it
    url: str = ""  # the web address the page was fetched from, if it was
    stored: bool = False  # its document was committed (added or updated) by this load
    unknown_session: bool = False  # the page names no session (no title line): kept as a session of its own
    replaced: list[str] = field(default_factory=list)  # the same session's documents this page took over from
    warnings: list[str] = field(default_factory=list)  # signs of damaged text or missing outcomes


@dataclass
class LoadReport:
    results: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.results if r.status == status)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failed

    def stored_summary(self) -> str:
        """What a load that stopped part-way had committed: '505 files (505 added, 0 updated), 2,020 new items'."""
        stored = [r for r in self.results if r.stored]
        added = sum(r.status == "added" for r in stored)
        return (f"{len(stored):,} files ({added:,} added, {len(stored) - added:,} updated), "
                f"{sum(r.items_new for r in stored):,} new items")

    def summary(self) -> str:
        new = sum(r.items_new for r in self.results)
        gone = sum(r.items_gone for r in self.results)
        renamed = [f"{r.renamed_from} stored as {r.source}" for r in self.results if r.renamed_from
                   and r.status in ("added", "updated")]
        note = f" ({'; '.join(renamed)}: another session's page has that name)" if renamed else ""
        replaced = [f"{r.source} replaced {', '.join(r.replaced)}" for r in self.results if r.replaced
                    and r.status in ("added", "updated")]
        note += f" ({'; '.join(replaced)}: the same session's page)" if replaced else ""
        unknown = [r.source for r in self.results if r.unknown_session and r.status in ("added", "updated")]
        if unknown:
            note += (f"; session unknown for {', '.join(unknown)} (the page has no title line such as "
                     "\"IGF 2025 Open Forum #31: …\"): kept as a session of its own; add the title and load it again")
        return (f"{len(self.results)} files: {self.count('added')} added, {self.count('updated')} updated, "
                f"{self.count('unchanged')} unchanged, {self.count('failed')} failed; "
                f"{new} new items, {gone} items no longer in their source{note}")


def name_for(requested: str, session_id: str, owners: dict[str, str], taken: set[str]) -> str:
    """The name to store a page of session_id under: the requested one unless another session's page has
    it (owners: name -> session), else the first free ``name (n).ext``, or one this session already has.
    ``taken``: names other files of the same load asked for, kept free for them."""
    candidate, n = requested, 1
    while True:
        owner = owners.get(candidate)
        if owner == session_id or (owner is None and (candidate == requested or candidate not in taken)):
            return candidate
        n += 1
        candidate = numbered_name(requested, n)


def load_paths(paths: Iterable[str | Path], store: Store,
               on_progress: Callable[[int], None] | None = None) -> LoadReport:
    """Load session pages from files and folders into the store; bad files are reported, not fatal."""
    files = find_files(paths)
    return load_files([(f, None) for f in files], store, on_progress)


def load_files(files: Sequence[FileInput], store: Store, on_progress: Callable[[int], None] | None = None,
               urls: Mapping[str, str] | None = None) -> LoadReport:
    """Load (name, bytes) pairs (when bytes is None the name is a path to read) or files already parsed
    (``ParsedFile``: not read again). ``urls`` maps a name to the web address its bytes were fetched from: the
    address is stored with the document (see services.web).

    Documents are written in batches of BATCH_SIZE as soon as a batch is parsed, so parsing the next
    files (in worker processes for large loads) overlaps with writing the previous ones.
    """
    stored = store.read(lambda con: con.execute(
        "SELECT source, content_hash, session_id, page_kind FROM documents").fetchall())
    known = {source: digest for source, digest, _, _ in stored}
    owners = {source: session_id for source, _, session_id, _ in stored}
    kinds = {source: page_kind for source, _, _, page_kind in stored}
    report = LoadReport()
    jobs: list[Job] = []
    names = [f.name if isinstance(f, ParsedFile) else f[0] for f in files]
    for name, source, given in zip(names, load_names(names), files, strict=True):
        report.results.append(FileResult(source=source, status="failed", url=(urls or {}).get(str(name), "")))
        parsed, data = (given, None) if isinstance(given, ParsedFile) else (None, given[1])
        jobs.append(Job(source, str(name), data, known.get(source), parsed))
    try:
        with store.holding() as held:
            _parse_and_write(jobs, report.results, known, owners, kinds, held, on_progress)
    except StoreError as exc:  # a full disk, a busy or damaged file: say what is stored before it stopped
        raise type(exc)(f"{exc}; stored before the load stopped: {report.stored_summary()}") from exc
    return report


def _parse_and_write(jobs: list[Job], ordered: list[FileResult], known: dict[str, str], owners: dict[str, str],
                     kinds: dict[str, str], held: HeldConnection, on_progress: Callable[[int], None] | None) -> None:
    results = {result.source: result for result in ordered}  # by the name each file came with
    batch: list[Prepared] = []

    def write() -> None:
        stored, failed = load_documents(held, batch, on_progress)
        for requested, (new, gone) in stored.items():
            results[requested].items_new, results[requested].items_gone = new, gone
            results[requested].stored = True
        for requested, error in failed.items():
            results[requested].status, results[requested].error = "failed", error
        batch.clear()

    asked = {job.source for job in jobs}
    for result, job, (status, parsed, error) in zip(ordered, jobs, parse_in_order(jobs), strict=True):
        source = job.source
        if parsed is not None and parsed.document is not None:
            session_id = parsed.document.session_id
            source = name_for(job.source, session_id, owners, asked - {job.source})
            owners[source] = session_id
            if source != job.source:
                result.source, result.renamed_from = source, job.source
                parsed = parsed.renamed(source)
                if known.get(source) == parsed.content_hash:  # this page, stored under that name before
                    status = "unchanged"
        if status != "parsed" or parsed is None or parsed.document is None:
            if status == "unchanged":
                result.status = "unchanged"
            elif result.url and error.startswith(f"{result.source}: "):  # name the page by its address
                result.error = f"{result.url}: {error[len(result.source) + 2:]}"
            else:
                result.error = error
            if on_progress:
                on_progress(1)
            continue
        document = parsed.document
        prepared = Prepared(parsed, job.source, result.url or None)
        result.status = "updated" if source in known else "added"
        result.session_id = document.session_id
        result.unknown_session = not document.session_known
        result.items = len(document.items)
        result.warnings = document.warnings
        if document.meta.keyed:
            prepared.replaces = result.replaced = sorted(
                old for old, owner in owners.items() if owner == document.session_id and old != source
                and kinds.get(old) == document.page_kind)
            if any(p.source in prepared.replaces for p in batch):  # replaced within this load: store that first
                write()
            for old in prepared.replaces:
                owners.pop(old, None)
        kinds[source] = document.page_kind
        batch.append(prepared)
        if len(batch) == BATCH_SIZE:
            write()
    write()
