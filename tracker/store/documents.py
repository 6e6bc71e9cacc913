"""Files to the store: read, parse, and merge into DuckDB without losing anybody's edits.

Documents are written in batches, each batch in one transaction, so an interrupted load
leaves only whole documents; other processes get the file between batches.
Unchanged files (same content hash) are skipped. Items are keyed by
session + normalized text: an item whose text is unchanged keeps its status, owner and notes; an
item that vanished from its document is marked ``in_source = false``, never deleted.

A document is stored under its file name, and a page loaded again under its name replaces it — but only
a page of the same session: a name that another session's page already has (two pastes both called
``pasted-session.txt``, names that clean to the same ``a_b.txt``) gets a suffix, ``a_b (2).txt``.

One session, one page: a page that names its session fully (year, type and number, ``SessionMeta.keyed``)
replaces the document of the same kind that session already has under another name or address (the PDF
of a page, then its .docx), under the same rules: unchanged items keep everything, vanished ones are marked.
A page without a full session key never replaces another.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import signal
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path

import duckdb
import pyarrow as pa

from ..errors import env_number
from ..reading.models import BadInput, Document, item_id_for
from ..reading.parsing import parse_text
from ..reading.text import bytes_to_text, read_file
from .access import require
from .db import HeldConnection, Store, StoreError

PAGE_SUFFIXES = {".txt", ".text", ".html", ".htm", ".xhtml", ".md", ".pdf", ".docx"}
BATCH_SIZE = 100  # documents per transaction, each in a turn of its own on the file: a killed load loses at most
# one batch, and an editor waits for at most one batch's write (see store.turns)
PARALLEL_MIN_FILES = 400  # from this many files, parse in worker processes (TRACKER_LOAD_WORKERS overrides)
PARALLEL_CHUNK = 16  # files per task sent to a worker

Job = tuple[str, str, bytes | None, str | None]  # source, file name or path, bytes (None: read the path), known hash
Outcome = tuple[str, "Prepared | None", str]  # status, parsed document ready to store, error


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


@dataclass
class Prepared:
    """A parsed document ready to store; item ids are computed where it was parsed (a worker process)."""

    source: str
    content_hash: str
    document: Document
    session_id: str = ""
    item_ids: list[str] = field(default_factory=list)
    requested: str = ""  # the name the file came with; ``source`` differs when that name was another session's
    url: str | None = None  # the web address it was fetched from (None: a file or an upload)
    replaces: list[str] = field(default_factory=list)  # stored documents of the same session it takes over from

    @classmethod
    def of(cls, source: str, content_hash: str, document: Document) -> Prepared:
        session_id = document.session_id
        return cls(source, content_hash, document, session_id,
                   [item_id_for(session_id, item.text) for item in document.items], source)


class NameTaken(Exception):
    """Another session's page was stored under a document's name while the load ran (see _apply_batch)."""


def numbered_name(name: str, n: int) -> str:
    """``a_b.txt`` -> ``a_b (2).txt``: the n-th document under one file name."""
    path = Path(name)
    return f"{path.stem} ({n}){path.suffix}"


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


def safe_source_name(name: str) -> str:
    """A display name for an uploaded or loaded file: its base name, without path or odd characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^\w.\- ()]+", "_", base).strip(" .")
    return base[:120] or "unnamed"


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def same_session_documents(store: Store, document: Document, source: str) -> dict[str, set[str]]:
    """The stored documents a page would replace (one session, one page): those of its session and page kind
    under another name, each with its item ids. {} for a page without a full session key."""
    if not document.meta.keyed:
        return {}

    def read(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
        rows = con.execute("""
            SELECT d.source, o.item_id FROM documents d LEFT JOIN occurrences o USING (source)
            WHERE d.session_id = ? AND d.page_kind = ? AND d.source <> ?""",
                           [document.session_id, document.page_kind, source]).fetchall()
        found: dict[str, set[str]] = {}
        for name, item_id in rows:
            found.setdefault(name, set())
            if item_id:
                found[name].add(item_id)
        return found

    return store.read(read)


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
            inside = path.resolve()
            # a link that leads out of the folder is not part of it (a folder of pages must not reach /etc)
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES
                                and not p.name.startswith(".") and p.resolve().is_relative_to(inside)))
        else:
            found.append(path)
    return found


def _session_table(docs: Sequence[Prepared]) -> pa.Table:
    rows = {}
    for p in docs:
        m = p.document.meta
        rows[p.session_id] = {
            "session_id": p.session_id, "forum": m.forum or None, "year": m.year,
            "session_type": m.session_type or None, "number": m.number or None, "title": m.title or None,
            "date": m.date or None,
            "sdgs": m.sdgs or None, "organizers": m.organizers or None, "speakers": m.speakers or None,
            "moderators": m.moderators or None, "rapporteur": m.rapporteur or None,
        }
    return pa.Table.from_pylist(list(rows.values()), schema=_SESSION_SCHEMA)


_TEXT_LIST = pa.list_(pa.string())
_SESSION_SCHEMA = pa.schema([
    ("session_id", pa.string()), ("forum", pa.string()), ("year", pa.int32()), ("session_type", pa.string()),
    ("number", pa.string()),
    ("title", pa.string()), ("date", pa.string()), ("sdgs", _TEXT_LIST), ("organizers", _TEXT_LIST),
    ("speakers", _TEXT_LIST), ("moderators", _TEXT_LIST), ("rapporteur", pa.string())])


def _apply_batch(con: duckdb.DuckDBPyConnection, batch: Sequence[Prepared],
                 now: datetime) -> dict[str, tuple[int, int]]:
    """Write a batch of parsed documents in the caller's transaction; returns (new, gone) per source."""
    # Arrow tables, not DataFrames: DuckDB scans them without a per-value conversion
    sources = [p.source for p in batch]
    con.register("batch_sources", pa.table({"source": sources}))
    stored = dict(con.execute("""SELECT source, session_id FROM documents
                                 WHERE source IN (SELECT source FROM batch_sources)""").fetchall())
    con.unregister("batch_sources")
    for p in batch:
        if stored.get(p.source, p.session_id) != p.session_id:  # stored by another process since the load began
            raise NameTaken(f"{p.requested}: another session's page was stored under this name meanwhile; "
                            "load it again")
    con.register("new_sessions", _session_table(batch))
    # a later page about the same session fills in what an earlier one left out, never blanks it
    con.execute("""
        INSERT INTO sessions (session_id, year, session_type, number, title, date, sdgs, organizers, speakers,
                              moderators, rapporteur, updated_at, forum)
        SELECT session_id, year, session_type, number, title, CAST(date AS DATE),
            sdgs, organizers, speakers, moderators, rapporteur, ?, forum FROM new_sessions
        ON CONFLICT (session_id) DO UPDATE SET
            forum = coalesce(excluded.forum, sessions.forum),
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

    # a page fetched again replaces what was fetched from the same address before, whatever its file name
    by_url = {p.url: p.source for p in batch if p.url}
    moved = {old: by_url[url] for old, url in con.execute(
        "SELECT source, url FROM documents WHERE url IN (SELECT unnest(?::VARCHAR[]))", [list(by_url)]).fetchall()
        if old not in by_url.values()} if by_url else {}
    # and the page of a session in another form replaces the document that session had (one session, one page)
    moved.update({old: p.source for p in batch for old in p.replaces})
    if moved:  # the calls read in a replaced document's report are no longer in any source, unless found again
        con.execute("UPDATE report_calls SET in_source = FALSE WHERE source IN (SELECT unnest(?::VARCHAR[]))",
                    [list(moved)])
    con.register("batch_sources", pa.table({"source": sorted(set(sources) | set(moved))}))
    previous = con.execute("""SELECT source, item_id FROM occurrences
                              WHERE source IN (SELECT source FROM batch_sources)""").fetchall()
    con.execute("DELETE FROM occurrences WHERE source IN (SELECT source FROM batch_sources)")
    con.execute("DELETE FROM documents WHERE source IN (SELECT source FROM batch_sources)")
    con.unregister("batch_sources")

    # the page text goes in as UTF-8 bytes and is decoded by DuckDB: several times faster than handing it str
    con.register("new_documents", pa.table({
        "source": sources,
        "session_id": [p.session_id for p in batch],
        "page_kind": [p.document.page_kind for p in batch],
        "content_hash": [p.content_hash for p in batch],
        "text": pa.array([p.document.text.encode("utf-8") for p in batch], pa.binary()),
        "item_count": pa.array([len(p.document.items) for p in batch], pa.int32()),
        "url": pa.array([p.url for p in batch], pa.string()),
    }))
    con.execute("""INSERT INTO documents (source, session_id, page_kind, content_hash, text, item_count, loaded_at,
                                          url)
                   SELECT source, session_id, page_kind, content_hash, decode(text), item_count, ?, url
                   FROM new_documents""", [now])
    con.unregister("new_documents")

    item_rows: dict[str, tuple] = {}
    occ_cols: dict[str, list] = {"source": [], "position": [], "item_id": [], "section": [], "start_offset": [],
                                 "end_offset": []}
    for p in batch:
        for item, item_id in zip(p.document.items, p.item_ids, strict=True):
            first = item.occurrences[0]
            item_rows.setdefault(item_id, (item_id, p.session_id, item.kind, item.text, " | ".join(item.sections),
                                           item.speaker, item.explanation, p.source, first.position))
            for occ in item.occurrences:
                for name, value in zip(occ_cols, (p.source, occ.position, item_id, occ.section, occ.start, occ.end),
                                       strict=True):
                    occ_cols[name].append(value)

    new_per_source: dict[str, int] = {s: 0 for s in sources}
    if item_rows:
        columns = list(zip(*item_rows.values(), strict=True))
        con.register("new_items", pa.table(dict(zip(_ITEM_COLUMNS, columns, strict=True))))
        known = con.execute("""SELECT item_id, in_source FROM items
                               WHERE item_id IN (SELECT item_id FROM new_items)""").fetchall()
        known_ids = {row[0] for row in known}
        revived = [row[0] for row in known if not row[1]]
        con.execute("""
            INSERT INTO items (item_id, session_id, kind, text, section, speaker, explanation, source, position,
                               in_source, first_seen)
            SELECT item_id, session_id, kind, text, section, speaker, explanation, source, position, TRUE, ?
            FROM new_items
            ON CONFLICT (item_id) DO UPDATE SET in_source = TRUE, source = excluded.source,
                section = excluded.section, position = excluded.position, origin = 'section'""", [now])
        con.unregister("new_items")
        for row in item_rows.values():
            if row[0] not in known_ids:
                new_per_source[row[7]] += 1
        _log_loader_changes(con, revived, "false", "true", now)
    if occ_cols["source"]:
        con.register("new_occurrences", pa.table(occ_cols))
        con.execute("INSERT INTO occurrences SELECT * FROM new_occurrences")
        con.unregister("new_occurrences")

    _merge_report_calls(con, batch, now)

    gone_per_source: dict[str, int] = {s: 0 for s in sources}
    candidates = {item_id for _, item_id in previous} - set(item_rows)
    if candidates:
        con.register("gone_candidates", pa.table({"item_id": sorted(candidates)}))
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
                gone_per_source[moved.get(source, source)] += 1
    return {s: (new_per_source[s], gone_per_source[s]) for s in sources}


def _merge_report_calls(con: duckdb.DuckDBPyConnection, batch: Sequence[Prepared], now: datetime) -> None:
    """Record the narrative calls of the batch's documents as suggestions, keeping every decision.

    A call is keyed by session + normalized sentence (its item id once accepted), so a rejected one stays
    rejected on every reload. An accepted call is an item: while its sentence is still in the page it gets its
    occurrence back (so it is not marked gone below, and is revived if it had gone); otherwise the usual
    marking applies. Calls of these documents that are no longer found are marked, not deleted.
    """
    sources = [p.source for p in batch]
    con.register("batch_sources", pa.table({"source": sources}))
    con.execute("UPDATE report_calls SET in_source = FALSE WHERE source IN (SELECT source FROM batch_sources)")
    con.unregister("batch_sources")
    rows: dict[str, tuple] = {}
    for p in batch:
        for call in p.document.report_calls:
            call_id = item_id_for(p.session_id, call.text)
            rows.setdefault(call_id, (call_id, p.session_id, call.text, p.source, call.section, call.start, call.end,
                                      call.cue))
    if not rows:
        return
    columns = list(zip(*rows.values(), strict=True))
    con.register("new_calls", pa.table(dict(zip(_CALL_COLUMNS, columns, strict=True))))
    con.execute("""
        INSERT INTO report_calls (call_id, session_id, text, source, section, start_offset, end_offset, cue,
                                  in_source, first_seen)
        SELECT *, TRUE, ? FROM new_calls
        ON CONFLICT (call_id) DO UPDATE SET source = excluded.source, section = excluded.section,
            start_offset = excluded.start_offset, end_offset = excluded.end_offset, cue = excluded.cue,
            in_source = TRUE""", [now])
    con.unregister("new_calls")
    accepted = con.execute("""
        SELECT c.call_id, c.source, c.section, c.start_offset, c.end_offset, i.in_source
        FROM report_calls c JOIN items i ON i.item_id = c.call_id
        WHERE c.review = 'accepted' AND c.call_id IN (SELECT unnest(?::VARCHAR[]))""", [list(rows)]).fetchall()
    if not accepted:
        return
    taken = dict(con.execute("""SELECT source, max(position) FROM occurrences
                                WHERE source IN (SELECT unnest(?::VARCHAR[])) GROUP BY source""",
                             [sources]).fetchall())
    occurrences, revived = [], []
    for call_id, source, section, start, end, in_source in accepted:
        position = taken.get(source, -1) + 1  # after the page's own items
        taken[source] = position
        occurrences.append((source, position, call_id, section, start, end))
        con.execute("UPDATE items SET in_source = TRUE, source = ?, section = ?, position = ? WHERE item_id = ?",
                    [source, section, position, call_id])
        if not in_source:
            revived.append(call_id)
    con.executemany("INSERT INTO occurrences VALUES (?, ?, ?, ?, ?, ?)", occurrences)
    _log_loader_changes(con, revived, "false", "true", now)


_CALL_COLUMNS = ("call_id", "session_id", "text", "source", "section", "start_offset", "end_offset", "cue")
_ITEM_COLUMNS = ("item_id", "session_id", "kind", "text", "section", "speaker", "explanation", "source", "position")


def _log_loader_changes(con: duckdb.DuckDBPyConnection, item_ids: list[str], old: str, new: str,
                        now: datetime) -> None:
    if item_ids:
        con.executemany(
            "INSERT INTO history (item_id, field, old_value, new_value, changed_by, changed_at, via) "
            "VALUES (?, 'in_source', ?, ?, 'loader', ?, 'loader')",
            [(item_id, old, new, now) for item_id in item_ids])


def load_documents(store: HeldConnection, prepared: Sequence[Prepared], results: dict[str, FileResult],
                   on_progress: Callable[[int], None] | None = None) -> None:
    """Write prepared documents batch by batch; a batch that fails is retried one document at a time.

    ``results`` is keyed by the name each file came with (``Prepared.requested``). A database that
    cannot be written at all (a full disk, a damaged file) stops the load with that error (StoreError).
    """
    for start in range(0, len(prepared), BATCH_SIZE):
        batch = prepared[start:start + BATCH_SIZE]
        requested = {p.source: p.requested for p in batch}
        now = datetime.now()
        try:
            counts = store.write(partial(_apply_batch, batch=batch, now=now))
        except (duckdb.Error, NameTaken):
            counts = {}
            for p in batch:  # isolate the document that broke the batch; the others still load
                try:
                    counts.update(store.write(partial(_apply_batch, batch=[p], now=now)))
                except NameTaken as exc:
                    results[p.requested].status = "failed"
                    results[p.requested].error = str(exc)
                except duckdb.Error as exc:
                    results[p.requested].status = "failed"
                    results[p.requested].error = f"{p.requested}: could not be stored ({str(exc).splitlines()[0]})"
        for source, (new, gone) in counts.items():
            results[requested[source]].items_new = new
            results[requested[source]].items_gone = gone
            results[requested[source]].stored = True
        if on_progress:
            on_progress(len(batch))


def load_paths(paths: Iterable[str | Path], store: Store,
               on_progress: Callable[[int], None] | None = None) -> LoadReport:
    """Load session pages from files and folders into the store; bad files are reported, not fatal."""
    files = find_files(paths)
    return load_files([(f, None) for f in files], store, on_progress)


def _prepare(job: Job) -> Outcome:
    """Read (if needed), hash and parse one file: (status, prepared document, error). Writes nothing.

    status is "unchanged" (same content hash as stored), "failed" (error says why) or "parsed".
    """
    source, name, data, known_hash = job
    try:
        if data is None:
            data = read_file(Path(name), source)
        digest = content_hash(data)
        if known_hash == digest:
            return "unchanged", None, ""
        return "parsed", Prepared.of(source, digest, parse_text(bytes_to_text(data, source), source)), ""
    except BadInput as exc:
        return "failed", None, str(exc)


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
    configured = env_number("TRACKER_LOAD_WORKERS", -1, minimum=0, integer=True)
    if configured >= 0:
        return int(configured)
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
               on_progress: Callable[[int], None] | None = None, urls: Mapping[str, str] | None = None) -> LoadReport:
    """Load (name, bytes) pairs; when bytes is None the name is a path to read. ``urls`` maps a name to the web
    address its bytes were fetched from: the address is stored with the document (see services.web).

    Documents are written in batches of BATCH_SIZE as soon as a batch is parsed, so parsing the next
    files (in worker processes for large loads) overlaps with writing the previous ones.
    """
    require(store, "admin", "import reports")
    stored = store.read(lambda con: con.execute(
        "SELECT source, content_hash, session_id, page_kind FROM documents").fetchall())
    known = {source: digest for source, digest, _, _ in stored}
    owners = {source: session_id for source, _, session_id, _ in stored}
    kinds = {source: page_kind for source, _, _, page_kind in stored}
    report = LoadReport()
    results: dict[str, FileResult] = {}
    jobs: list[Job] = []
    used_names: set[str] = set()
    for name, data in files:
        path = Path(name)
        source = safe_source_name(path.name)
        if source in used_names and path.parent.name:  # same file name in two folders: tell them apart
            source = safe_source_name(f"{path.parent.name}_{path.name}")
        n = 1
        base = source
        while source in used_names:  # names that are the same once cleaned (a*b.txt, a|b.txt)
            n += 1
            source = numbered_name(base, n)
        used_names.add(source)
        result = FileResult(source=source, status="failed", url=(urls or {}).get(str(name), ""))
        results[source] = result
        report.results.append(result)
        jobs.append((source, str(name), data, known.get(source)))
    try:
        with store.holding() as held:
            _parse_and_write(jobs, report.results, results, known, owners, kinds, held, on_progress)
    except StoreError as exc:  # a full disk, a busy or damaged file: say what is stored before it stopped
        raise type(exc)(f"{exc}; stored before the load stopped: {report.stored_summary()}") from exc
    return report


def _parse_and_write(jobs: list[Job], ordered: list[FileResult], results: dict[str, FileResult],
                     known: dict[str, str], owners: dict[str, str], kinds: dict[str, str], held: HeldConnection,
                     on_progress: Callable[[int], None] | None) -> None:
    batch: list[Prepared] = []
    asked = {job[0] for job in jobs}
    for result, job, (status, prepared, error) in zip(ordered, jobs, _prepared_in_order(jobs), strict=True):
        if status == "parsed" and prepared is not None:
            source = name_for(job[0], prepared.session_id, owners, asked - {job[0]})
            owners[source] = prepared.session_id
            if source != job[0]:
                result.source, result.renamed_from = source, job[0]
                prepared.source = prepared.document.source = source
                if known.get(source) == prepared.content_hash:  # this page, stored under that name before
                    status = "unchanged"
        if status != "parsed" or prepared is None:
            if status == "unchanged":
                result.status = "unchanged"
            elif result.url and error.startswith(f"{result.source}: "):  # name the page by its address
                result.error = f"{result.url}: {error[len(result.source) + 2:]}"
            else:
                result.error = error
            if on_progress:
                on_progress(1)
            continue
        result.status = "updated" if source in known else "added"
        result.session_id = prepared.session_id
        result.unknown_session = not prepared.document.session_known
        result.items = len(prepared.document.items)
        result.warnings = prepared.document.warnings
        prepared.url = result.url or None
        if prepared.document.meta.keyed:
            prepared.replaces = result.replaced = sorted(
                old for old, session_id in owners.items() if session_id == prepared.session_id and old != source
                and kinds.get(old) == prepared.document.page_kind)
            if any(p.source in prepared.replaces for p in batch):  # replaced within this load: store that first
                load_documents(held, batch, results, on_progress)
                batch = []
            for old in prepared.replaces:
                owners.pop(old, None)
        kinds[source] = prepared.document.page_kind
        batch.append(prepared)
        if len(batch) == BATCH_SIZE:
            load_documents(held, batch, results, on_progress)
            batch = []
    load_documents(held, batch, results, on_progress)
