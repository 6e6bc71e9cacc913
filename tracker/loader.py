"""Files to the store: read, parse, and merge into DuckDB without losing anybody's edits.

Documents are written in small batches, each batch in one transaction, so an interrupted load
leaves only whole documents. Unchanged files (same content hash) are skipped. Items are keyed by
session + normalized text: an item whose text is unchanged keeps its status, owner and notes; an
item that vanished from its document is marked ``in_source = false``, never deleted.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from .models import BadInput, Document
from .parsing import parse_text
from .reading import bytes_to_text
from .store import Store

PAGE_SUFFIXES = {".txt", ".text", ".html", ".htm", ".xhtml", ".md"}
BATCH_SIZE = 500  # documents per transaction: each one also pays an open, a commit and a checkpoint on close;
# 500 writes 20% faster than 200 and still holds the file well under a second, so editors wait briefly
PARALLEL_MIN_FILES = 400  # from this many files, parse in worker processes (TRACKER_LOAD_WORKERS overrides)
PARALLEL_CHUNK = 16  # files per task sent to a worker

Job = tuple[str, str, bytes | None, str | None]  # source, file name or path, bytes (None: read the path), known hash
Outcome = tuple[str, str, Document | None, str]  # status, content hash, document, error


@dataclass
class FileResult:
    source: str
    status: str  # added | updated | unchanged | failed
    session_id: str = ""
    items: int = 0
    items_new: int = 0
    items_gone: int = 0
    error: str = ""


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

    def summary(self) -> str:
        new = sum(r.items_new for r in self.results)
        gone = sum(r.items_gone for r in self.results)
        return (f"{len(self.results)} files: {self.count('added')} added, {self.count('updated')} updated, "
                f"{self.count('unchanged')} unchanged, {self.count('failed')} failed; "
                f"{new} new items, {gone} items no longer in their source")


@dataclass
class Prepared:
    source: str
    content_hash: str
    document: Document


def safe_source_name(name: str) -> str:
    """A display name for an uploaded or loaded file: its base name, without path or odd characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^\w.\- ()]+", "_", base).strip(" .")
    return base[:120] or "unnamed"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_bytes(name: str, data: bytes) -> Document:
    """Parse one file's bytes into a Document (raises BadInput); writes nothing."""
    source = safe_source_name(name)
    return parse_text(bytes_to_text(data, source), source)


def find_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, plus every page file (.txt, .html, …) under the folders named."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES
                                and not p.name.startswith(".")))
        else:
            found.append(path)
    return found


def _session_frame(docs: Sequence[Document]) -> pd.DataFrame:
    rows = {}
    for doc in docs:
        m = doc.meta
        rows[doc.session_id] = {
            "session_id": doc.session_id, "year": m.year, "session_type": m.session_type or None,
            "number": m.number or None, "title": m.title or None, "date": m.date or None,
            "sdgs": m.sdgs or None, "organizers": m.organizers or None, "speakers": m.speakers or None,
            "moderators": m.moderators or None, "rapporteur": m.rapporteur or None,
        }
    frame = pd.DataFrame(list(rows.values()))
    frame["year"] = frame["year"].astype("Int64")
    return frame


def _apply_batch(con: duckdb.DuckDBPyConnection, batch: Sequence[Prepared],
                 now: datetime) -> dict[str, tuple[int, int]]:
    """Write a batch of parsed documents in the caller's transaction; returns (new, gone) per source."""
    sources = [p.source for p in batch]
    sessions = _session_frame([p.document for p in batch])
    con.register("new_sessions", sessions)
    # a later page about the same session fills in what an earlier one left out, never blanks it
    con.execute("""
        INSERT INTO sessions SELECT session_id, year, session_type, number, title, CAST(date AS DATE),
            CAST(sdgs AS VARCHAR[]), CAST(organizers AS VARCHAR[]), CAST(speakers AS VARCHAR[]),
            CAST(moderators AS VARCHAR[]), rapporteur, ? FROM new_sessions
        ON CONFLICT (session_id) DO UPDATE SET
            year = coalesce(excluded.year, sessions.year),
            session_type = coalesce(excluded.session_type, sessions.session_type),
            number = coalesce(excluded.number, sessions.number),
            title = coalesce(excluded.title, sessions.title),
            date = coalesce(excluded.date, sessions.date),
            sdgs = coalesce(excluded.sdgs, sessions.sdgs),
            organizers = coalesce(excluded.organizers, sessions.organizers),
            speakers = coalesce(excluded.speakers, sessions.speakers),
            moderators = coalesce(excluded.moderators, sessions.moderators),
            rapporteur = coalesce(excluded.rapporteur, sessions.rapporteur),
            updated_at = excluded.updated_at""", [now])
    con.unregister("new_sessions")

    source_list = pd.DataFrame({"source": sources})
    con.register("batch_sources", source_list)
    previous = con.execute("""SELECT source, item_id FROM occurrences
                              WHERE source IN (SELECT source FROM batch_sources)""").fetchall()
    con.execute("DELETE FROM occurrences WHERE source IN (SELECT source FROM batch_sources)")
    con.execute("DELETE FROM documents WHERE source IN (SELECT source FROM batch_sources)")
    con.unregister("batch_sources")

    doc_rows, item_rows, occ_rows = [], {}, []
    for p in batch:
        doc = p.document
        doc_rows.append((p.source, doc.session_id, doc.page_kind, p.content_hash, doc.text, len(doc.items), now))
        for item in doc.items:
            item_id = doc.item_id(item)
            first = item.occurrences[0]
            item_rows.setdefault(item_id, (item_id, doc.session_id, item.kind, item.text, " | ".join(item.sections),
                                           item.speaker, item.explanation, p.source, first.position, now))
            for occ in item.occurrences:
                occ_rows.append((p.source, occ.position, item_id, occ.section, occ.start, occ.end))
    con.register("new_documents", pd.DataFrame(doc_rows, columns=[
        "source", "session_id", "page_kind", "content_hash", "text", "item_count", "loaded_at"]))
    con.execute("INSERT INTO documents SELECT * FROM new_documents")
    con.unregister("new_documents")

    new_per_source: dict[str, int] = {s: 0 for s in sources}
    if item_rows:
        items = pd.DataFrame(list(item_rows.values()), columns=[
            "item_id", "session_id", "kind", "text", "section", "speaker", "explanation", "source", "position",
            "first_seen"])
        con.register("new_items", items)
        known = con.execute("""SELECT item_id, in_source FROM items
                               WHERE item_id IN (SELECT item_id FROM new_items)""").fetchall()
        known_ids = {row[0] for row in known}
        revived = [row[0] for row in known if not row[1]]
        con.execute("""
            INSERT INTO items (item_id, session_id, kind, text, section, speaker, explanation, source, position,
                               in_source, first_seen)
            SELECT item_id, session_id, kind, text, section, speaker, explanation, source, position, TRUE, first_seen
            FROM new_items
            ON CONFLICT (item_id) DO UPDATE SET in_source = TRUE, source = excluded.source,
                section = excluded.section, position = excluded.position""")
        con.unregister("new_items")
        for row in item_rows.values():
            if row[0] not in known_ids:
                new_per_source[row[7]] += 1
        _log_loader_changes(con, revived, "false", "true", now)
    if occ_rows:
        con.register("new_occurrences", pd.DataFrame(occ_rows, columns=[
            "source", "position", "item_id", "section", "start_offset", "end_offset"]))
        con.execute("INSERT INTO occurrences SELECT * FROM new_occurrences")
        con.unregister("new_occurrences")

    gone_per_source: dict[str, int] = {s: 0 for s in sources}
    candidates = {item_id for _, item_id in previous} - set(item_rows)
    if candidates:
        con.register("gone_candidates", pd.DataFrame({"item_id": sorted(candidates)}))
        gone = [row[0] for row in con.execute("""
            UPDATE items SET in_source = FALSE
            WHERE item_id IN (SELECT item_id FROM gone_candidates) AND in_source
              AND item_id NOT IN (SELECT item_id FROM occurrences)
            RETURNING item_id""").fetchall()]
        con.unregister("gone_candidates")
        _log_loader_changes(con, gone, "true", "false", now)
        gone_set = set(gone)
        for source, item_id in previous:
            if item_id in gone_set:
                gone_per_source[source] += 1
    return {s: (new_per_source[s], gone_per_source[s]) for s in sources}


def _log_loader_changes(con: duckdb.DuckDBPyConnection, item_ids: list[str], old: str, new: str,
                        now: datetime) -> None:
    if item_ids:
        con.executemany(
            "INSERT INTO history (item_id, field, old_value, new_value, changed_by, changed_at, via) "
            "VALUES (?, 'in_source', ?, ?, 'loader', ?, 'loader')",
            [(item_id, old, new, now) for item_id in item_ids])


def load_documents(store: Store, prepared: Sequence[Prepared], results: dict[str, FileResult],
                   on_progress: Callable[[int], None] | None = None) -> None:
    """Write prepared documents batch by batch; a batch that fails is retried one document at a time."""
    for start in range(0, len(prepared), BATCH_SIZE):
        batch = prepared[start:start + BATCH_SIZE]
        now = datetime.now()
        try:
            counts = store.write(lambda con, b=batch, t=now: _apply_batch(con, b, t))
        except duckdb.Error:
            counts = {}
            for p in batch:  # isolate the document that broke the batch; the others still load
                try:
                    counts.update(store.write(lambda con, one=p, t=now: _apply_batch(con, [one], t)))
                except duckdb.Error as exc:
                    results[p.source].status = "failed"
                    results[p.source].error = f"{p.source}: could not be stored ({str(exc).splitlines()[0]})"
        for source, (new, gone) in counts.items():
            results[source].items_new = new
            results[source].items_gone = gone
        if on_progress:
            on_progress(len(batch))


def load_paths(paths: Iterable[str | Path], store: Store,
               on_progress: Callable[[int], None] | None = None) -> LoadReport:
    """Load session pages from files and folders into the store; bad files are reported, not fatal."""
    files = find_files(paths)
    return load_files([(f, None) for f in files], store, on_progress)


def _prepare(job: Job) -> Outcome:
    """Read (if needed), hash and parse one file: (status, digest, document, error). Writes nothing.

    status is "unchanged" (same content hash as stored), "failed" (error says why) or "parsed".
    """
    source, name, data, known_hash = job
    try:
        if data is None:
            try:
                data = Path(name).read_bytes()
            except OSError as exc:
                raise BadInput(source, f"cannot read file ({exc.strerror or exc})") from None
        digest = content_hash(data)
        if known_hash == digest:
            return "unchanged", digest, None, ""
        return "parsed", digest, parse_text(bytes_to_text(data, source), source), ""
    except BadInput as exc:
        return "failed", "", None, str(exc)


def _worker_init(parent: int) -> None:
    """A parse worker dies with the load that started it (a killed CLI must not leave workers behind)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _prepare_chunk(jobs: list[Job]) -> list[Outcome]:
    return [_prepare(job) for job in jobs]


def _load_workers(n_files: int) -> int:
    """Worker processes for parsing: none for small loads (an upload), where starting them costs more,
    and none in a threaded process such as the dashboard server, where forking is unsafe."""
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    configured = os.environ.get("TRACKER_LOAD_WORKERS")
    if configured is not None:
        return max(0, int(configured))
    return min(os.cpu_count() or 1, 4) if n_files >= PARALLEL_MIN_FILES else 0


def _prepared_in_order(jobs: list[Job]) -> Iterator[Outcome]:
    """_prepare for every job, in job order; large loads parse in worker processes while the caller writes."""
    workers = _load_workers(len(jobs))
    if workers <= 1:
        yield from map(_prepare, jobs)
        return
    chunks = [jobs[i:i + PARALLEL_CHUNK] for i in range(0, len(jobs), PARALLEL_CHUNK)]
    # fork, not spawn: a spawned worker re-imports the caller's main module (`python -m tracker` would run
    # the command again); _load_workers only allows it in a single-threaded process
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                             initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        pending: deque[Future] = deque()
        next_chunk = 0
        while next_chunk < len(chunks) or pending:
            # a bounded window of chunks in flight keeps memory flat however many files there are
            while next_chunk < len(chunks) and len(pending) < workers * 4:
                pending.append(pool.submit(_prepare_chunk, chunks[next_chunk]))
                next_chunk += 1
            yield from pending.popleft().result()


def load_files(files: Sequence[tuple[Path | str, bytes | None]], store: Store,
               on_progress: Callable[[int], None] | None = None) -> LoadReport:
    """Load (name, bytes) pairs; when bytes is None the name is a path to read.

    Documents are written in batches of BATCH_SIZE as soon as a batch is parsed, so parsing the next
    files (in worker processes for large loads) overlaps with writing the previous ones.
    """
    known = dict(store.read(lambda con: con.execute("SELECT source, content_hash FROM documents").fetchall()))
    report = LoadReport()
    results: dict[str, FileResult] = {}
    jobs: list[Job] = []
    used_names: set[str] = set()
    for name, data in files:
        path = Path(name)
        source = safe_source_name(path.name)
        if source in used_names:  # same file name in two folders: tell them apart
            source = safe_source_name(f"{path.parent.name}_{path.name}")
        used_names.add(source)
        result = FileResult(source=source, status="failed")
        results[source] = result
        report.results.append(result)
        jobs.append((source, str(name), data, known.get(source)))
    batch: list[Prepared] = []
    for result, job, (status, digest, document, error) in zip(report.results, jobs, _prepared_in_order(jobs),
                                                               strict=True):
        if status != "parsed" or document is None:
            if status == "unchanged":
                result.status = "unchanged"
            else:
                result.error = error
            if on_progress:
                on_progress(1)
            continue
        source = job[0]
        result.status = "updated" if source in known else "added"
        result.session_id = document.session_id
        result.items = len(document.items)
        batch.append(Prepared(source, digest, document))
        if len(batch) == BATCH_SIZE:
            load_documents(store, batch, results, on_progress)
            batch = []
    load_documents(store, batch, results, on_progress)
    return report
