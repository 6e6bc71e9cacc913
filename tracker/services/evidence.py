"""Evidence of what was done about a recommendation or an item: a link with a label, or a small file (PDF, Word
.docx, PNG/JPEG/GIF/WebP image) kept in the database with its name, type, size and who added it.

A file's type is read from its bytes, never from its name; anything else (HTML, SVG, which can carry scripts,
archives, programs) is refused with one line, as are files over the import limit. Evidence is only ever
offered back as a download or shown as text: never rendered. Taking evidence off keeps its row (marked
removed) and a history row, like every other change.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path, PurePath
from urllib.parse import urlsplit

import duckdb
import pandas as pd

from ..errors import TrackerError
from ..reading.docx import check_zip, is_docx
from ..reading.models import BadInput
from ..reading.text import MAX_BYTES, read_file
from ..store import Store
from ..store.history import Change, record
from .access import requires
from .editing import clean_text

SUBJECTS = ("recommendation", "item")
MAX_URL = 2000
MAX_LABEL = 300
FILE_KINDS = "PDF, Word (.docx) or an image (PNG, JPEG, GIF, WebP)"


class EvidenceError(TrackerError):
    pass


def media_type(data: bytes, name: str) -> str:
    """The file's type from its first bytes, or BadInput naming the file and why it is refused."""
    if not data:
        raise BadInput(name, "empty file")
    if len(data) > MAX_BYTES:
        raise BadInput(name, f"file too large ({len(data) / 1e6:.1f} MB; limit {MAX_BYTES // 2**20} MB)")
    if data[:5] == b"%PDF-":
        return "application/pdf"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:4] == b"PK\x03\x04" and is_docx(data, name):
        check_zip(data, name)  # a damaged or zip-bomb .docx gets the import's reason
        return "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise BadInput(name, "old Office file (.doc, .xls): save it as .docx or PDF")
    head = data[:512].lstrip().lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in data[:4096].lower():
        raise BadInput(name, "SVG images can carry scripts: export it as PNG")
    if head.startswith((b"<!doctype", b"<html")) or b"<script" in head:
        raise BadInput(name, "web pages are not kept as evidence: add the page's address as a link instead")
    raise BadInput(name, f"not a file kept as evidence: give a {FILE_KINDS}")


def _clean_name(name: str) -> str:
    base = PurePath(str(name).replace("\\", "/")).name
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip() or "file"
    return base[-200:]


def _clean_label(label: str, fallback: str) -> str:
    text = " ".join(clean_text(label or "").split())[:MAX_LABEL]
    return text or fallback


def _check_subject(con: duckdb.DuckDBPyConnection, subject: str, subject_id: str) -> None:
    if subject not in SUBJECTS:
        raise EvidenceError(f"evidence belongs to a recommendation or an item, not {subject!r}")
    table, key = ("recommendations", "rec_id") if subject == "recommendation" else ("items", "item_id")
    if con.execute(f"SELECT 1 FROM {table} WHERE {key} = ?", [subject_id]).fetchone() is None:
        raise EvidenceError(f"unknown {subject} {subject_id!r}")


def subject_of(store: Store, some_id: str) -> str:
    """'recommendation' for a stored recommendation id (R3), else 'item'."""
    found = store.scalar("SELECT count(*) FROM recommendations WHERE rec_id = ?", [some_id])
    return "recommendation" if found else "item"


def _insert(store: Store, subject: str, subject_id: str, by: str, label: str, url: str | None,
            file: tuple[str, str, bytes] | None) -> int:
    now = datetime.now()

    def run(con: duckdb.DuckDBPyConnection) -> int:
        _check_subject(con, subject, subject_id)
        name, kind, data = file or (None, None, None)
        row = con.execute("""INSERT INTO evidence (subject, subject_id, label, url, file_name, media_type, size,
                             content, added_by, added_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                             RETURNING evidence_id""",
                          [subject, subject_id, label, url, name, kind, len(data) if data else None, data, by,
                           now]).fetchone()
        evidence_id = int(row[0]) if row else 0
        what = url if url else f"{name} ({len(data or b'') / 1024:.0f} KB)"
        record(con, [Change(subject, subject_id, "evidence", None, f"{label}: {what}", by, now, "evidence")])
        return evidence_id

    return store.write(run, checkpoint=False)


def _who(by: str) -> str:
    name = (by or "").strip()
    if not name:
        raise EvidenceError("say who adds it (--by NAME): evidence is kept with the person's name")
    return name


@requires("editor", "add evidence")
def add_link(store: Store, subject: str, subject_id: str, url: str, label: str = "", *, by: str) -> int:
    """A web address (http or https) with a label; returns the evidence id."""
    by = _who(by)
    url = str(url or "").strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or re.search(r"[\s\x00-\x1f\x7f<>\"]", url):
        raise EvidenceError(f"{url!r} is not a web address (http:// or https://)")
    if len(url) > MAX_URL:
        raise EvidenceError(f"web address too long ({len(url)} characters; limit {MAX_URL})")
    return _insert(store, subject, subject_id, by, _clean_label(label, url), url, None)


@requires("editor", "add evidence")
def add_file(store: Store, subject: str, subject_id: str, name: str, data: bytes, label: str = "", *,
             by: str) -> int:
    """A small file (FILE_KINDS, at most the import limit) stored in the database; returns the evidence id."""
    by = _who(by)
    clean = _clean_name(name)
    kind = media_type(data, clean)
    return _insert(store, subject, subject_id, by, _clean_label(label, clean), None, (clean, kind, data))


@requires("editor", "add evidence")
def add_path(store: Store, subject: str, subject_id: str, path: Path, label: str = "", *, by: str) -> int:
    """A file from disk, refused before reading when it is not a regular file or too large."""
    return add_file(store, subject, subject_id, path.name, read_file(path), label, by=by)


def evidence_frame(store: Store, subject: str, subject_id: str) -> pd.DataFrame:
    """The evidence still on a recommendation or item, oldest first (without the files' bytes)."""
    return store.query("""SELECT evidence_id, label, url, file_name, media_type, size, added_by, added_at
                          FROM evidence WHERE subject = ? AND subject_id = ? AND removed_at IS NULL
                          ORDER BY evidence_id""", [subject, subject_id])


def evidence_file(store: Store, evidence_id: int) -> tuple[str, str, bytes]:
    """(file name, media type, bytes) of a file kept as evidence."""
    row = store.read(lambda con: con.execute("""SELECT file_name, media_type, content FROM evidence
                                                WHERE evidence_id = ? AND content IS NOT NULL""",
                                             [int(evidence_id)]).fetchone())
    if row is None:
        raise EvidenceError(f"no file kept as evidence number {evidence_id}")
    return str(row[0]), str(row[1]), bytes(row[2])


@requires("editor", "take evidence off")
def remove_evidence(store: Store, evidence_id: int, *, by: str) -> None:
    """Take evidence off (its row stays, marked removed, with a history row)."""
    by = (by or "").strip()
    if not by:
        raise EvidenceError("say who takes it off (--by NAME): the history keeps the person's name")
    now = datetime.now()

    def run(con: duckdb.DuckDBPyConnection) -> None:
        row = con.execute("""SELECT subject, subject_id, label FROM evidence WHERE evidence_id = ?
                             AND removed_at IS NULL""", [int(evidence_id)]).fetchone()
        if row is None:
            raise EvidenceError(f"no evidence number {evidence_id}")
        con.execute("UPDATE evidence SET removed_by = ?, removed_at = ? WHERE evidence_id = ?",
                    [by, now, int(evidence_id)])
        record(con, [Change(row[0], row[1], "evidence", row[2], None, by, now, "evidence")])

    store.write(run, checkpoint=False)
