"""Parsed documents to the store: sessions and documents written batch by batch, each batch in one
transaction, so an interrupted load leaves only whole documents (``store.loading`` decides what goes in a
batch; ``store.items`` writes the items, occurrences and report calls within the same transaction).

One session, one page: a page that names its session fully (year, type and number, ``SessionMeta.keyed``)
replaces the document of the same kind that session already has under another name or address (the PDF
of a page, then its .docx), under the same rules: unchanged items keep everything, vanished ones are marked.
A page without a full session key never replaces another. A page fetched again replaces what was fetched
from the same address before, whatever its file name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

import duckdb
import pyarrow as pa

from ..reading.models import Document
from ..reading.parsed import ParsedFile
from .db import HeldConnection, Store
from .items import mark_gone, merge_report_calls, write_items

BATCH_SIZE = 100  # documents per transaction, each in a turn of its own on the file: a killed load loses at most
# one batch, and an editor waits for at most one batch's write (see store.turns)


@dataclass
class Prepared:
    """A parsed document ready to store, under the name the load gives it."""

    parsed: ParsedFile
    requested: str = ""  # the name the file came with; ``source`` differs when that name was another session's
    url: str | None = None  # the web address it was fetched from (None: a file or an upload)
    replaces: list[str] = field(default_factory=list)  # stored documents of the same session it takes over from

    @property
    def source(self) -> str:
        return self.parsed.source

    @property
    def document(self) -> Document:
        assert self.parsed.document is not None, "only a file that parsed is prepared"
        return self.parsed.document

    @property
    def session_id(self) -> str:
        return self.document.session_id

    @property
    def content_hash(self) -> str:
        return self.parsed.content_hash


class NameTaken(Exception):
    """Another session's page was stored under a document's name while the load ran (see _apply_batch)."""


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

    written, new_per_source = write_items(con, [p.parsed for p in batch], now)
    merge_report_calls(con, [p.parsed for p in batch], now)
    gone_per_source = mark_gone(con, previous, written, moved, sources, now)
    return {s: (new_per_source[s], gone_per_source[s]) for s in sources}


def load_documents(store: HeldConnection, prepared: Sequence[Prepared], on_progress: Callable[[int], None] | None = None
                   ) -> tuple[dict[str, tuple[int, int]], dict[str, str]]:
    """Write prepared documents batch by batch; a batch that fails is retried one document at a time.

    Returns (new items, items gone) of each document stored and the one-line reason of each that failed, keyed
    by the name each file came with (``Prepared.requested``). A database that cannot be written at all (a full
    disk, a damaged file) stops the load with that error (StoreError).
    """
    stored: dict[str, tuple[int, int]] = {}
    failed: dict[str, str] = {}
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
                    failed[p.requested] = str(exc)
                except duckdb.Error as exc:
                    failed[p.requested] = f"{p.requested}: could not be stored ({str(exc).splitlines()[0]})"
        stored.update((requested[source], new_gone) for source, new_gone in counts.items())
        if on_progress:
            on_progress(len(batch))
    return stored, failed
