"""A file read and parsed once: ``ParsedFile`` carries what the preview shows, the import counts and the
store writes, so no step reads the file again (a PDF is one PDFium child process, not one per step).

Many files are parsed in the order given, in worker processes for large loads; a file whose content hash
is the one already stored is not parsed at all.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import signal
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

from .. import settings
from .files import safe_source_name
from .models import BadInput, Document, item_id_for
from .parsing import parse_text
from .text import bytes_to_text, read_file

PARALLEL_MIN_FILES = 400  # from this many files, parse in worker processes (TRACKER_LOAD_WORKERS overrides)
PARALLEL_CHUNK = 16  # files per task sent to a worker


def content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class ParsedFile:
    """One file's bytes read once: its hash and size, and its Document, or the one-line reason it is not a
    page (``error``). Item ids are computed where it was parsed (a worker process, for large loads)."""

    name: str  # as given (an upload's name, a path)
    source: str  # the name it was read under (safe_source_name, or the load's name for it)
    content_hash: str
    size: int
    document: Document | None = None
    error: str = ""
    item_ids: list[str] = field(default_factory=list)

    @property
    def items(self) -> int:
        return len(self.document.items) if self.document else 0

    def renamed(self, source: str) -> ParsedFile:
        """The same file under another name (a load telling two files of one name apart): a copy, so that a
        parsed file kept for the next step is never changed under it."""
        if source == self.source:
            return self
        error = self.error
        if error.startswith(f"{self.source}: "):
            error = f"{source}: {error[len(self.source) + 2:]}"
        document = replace(self.document, source=source) if self.document else None
        return replace(self, source=source, document=document, error=error)


def parse_bytes(name: str, data: bytes) -> Document:
    """Parse one file's bytes into a Document (raises BadInput); writes nothing."""
    source = safe_source_name(name)
    return parse_text(bytes_to_text(data, source), source)


def parse_file(name: str | Path, data: bytes, source: str | None = None, digest: str | None = None) -> ParsedFile:
    """Read one file's bytes as a page, once; a bad file is a ParsedFile with its ``error``, not an exception."""
    source = source or safe_source_name(str(name))
    digest = digest or content_hash(data)
    try:
        document = parse_text(bytes_to_text(data, source), source)
    except BadInput as exc:
        return ParsedFile(str(name), source, digest, len(data), error=str(exc))
    session_id = document.session_id
    return ParsedFile(str(name), source, digest, len(data), document,
                      item_ids=[item_id_for(session_id, item.text) for item in document.items])


class Job(NamedTuple):
    """One file of a load: read from ``name`` (a path) unless its bytes or its parse are given."""

    source: str
    name: str
    data: bytes | None = None
    known_hash: str | None = None  # the stored document's hash: the same bytes are not parsed again
    parsed: ParsedFile | None = None


Outcome = tuple[str, ParsedFile | None, str]  # "parsed" | "unchanged" | "failed", the parse, the error


def parse_job(job: Job) -> Outcome:
    """Read (if needed), hash and parse one file: (status, parsed file, error). Writes nothing."""
    if job.parsed is not None:
        given = job.parsed.renamed(job.source)
        if job.known_hash == given.content_hash:
            return "unchanged", None, ""
        return ("failed", None, given.error) if given.error else ("parsed", given, "")
    try:
        data = read_file(Path(job.name), job.source) if job.data is None else job.data
    except BadInput as exc:
        return "failed", None, str(exc)
    digest = content_hash(data)
    if job.known_hash == digest:
        return "unchanged", None, ""
    parsed = parse_file(job.name, data, job.source, digest)
    return ("failed", None, parsed.error) if parsed.error else ("parsed", parsed, "")


def _worker_init(parent: int) -> None:
    """A parse worker dies with the load that started it (a killed CLI must not leave workers behind)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (Linux)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _parse_chunk(jobs: list[Job]) -> list[Outcome]:
    return [parse_job(job) for job in jobs]


def parse_workers(n_files: int) -> int:
    """Worker processes for parsing: none for small loads (an upload), where starting them costs more,
    and none in a threaded process such as the dashboard server, where forking is unsafe."""
    if threading.active_count() > 1 or "fork" not in multiprocessing.get_all_start_methods():
        return 0
    configured = settings.LOAD_WORKERS.number(default=-1)
    if configured >= 0:
        return int(configured)
    return min(os.cpu_count() or 1, 4) if n_files >= PARALLEL_MIN_FILES else 0


def parse_in_order(jobs: list[Job]) -> Iterator[Outcome]:
    """parse_job for every job, in job order; large loads parse in worker processes while the caller writes."""
    workers = parse_workers(sum(job.parsed is None for job in jobs))
    if workers <= 1:
        yield from map(parse_job, jobs)
        return
    chunks = [jobs[i:i + PARALLEL_CHUNK] for i in range(0, len(jobs), PARALLEL_CHUNK)]
    # fork, not spawn: a spawned worker re-imports the caller's main module (`python -m tracker` would run
    # the command again); parse_workers only allows it in a single-threaded process
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                             initializer=_worker_init, initargs=(os.getpid(),)) as pool:
        pending: deque[Future] = deque()
        next_chunk = 0
        while next_chunk < len(chunks) or pending:
            # a bounded window of chunks in flight keeps memory flat however many files there are
            while next_chunk < len(chunks) and len(pending) < workers * 4:
                pending.append(pool.submit(_parse_chunk, chunks[next_chunk]))
                next_chunk += 1
            yield from pending.popleft().result()
