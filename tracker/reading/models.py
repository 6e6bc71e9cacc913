"""Plain objects the parser returns and the store consumes (no I/O here)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from ..errors import TrackerError
from ..vocabulary import KINDS, STATUSES

__all__ = ["KINDS", "STATUSES"]  # the parser's words, from the one vocabulary

_WHITESPACE = re.compile(r"\s+")
_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-"})


def normalize_text(text: str) -> str:
    """The form used for ids and duplicate detection: case, quotes, dashes and spacing folded."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES).casefold()
    return _WHITESPACE.sub(" ", text).strip().rstrip(".;")


def fold_whitespace(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def short_hash(*parts: str, length: int = 16) -> str:
    return hashlib.sha1("\x1f".join(parts).encode("utf-8")).hexdigest()[:length]


def item_id_for(session_id: str, text: str) -> str:
    """Stable item id: the same text in the same session always gets the same id."""
    return short_hash(session_id, normalize_text(text))


@dataclass
class Occurrence:
    """One place an item's text was found in a document."""

    section: str
    position: int  # order of the item in the document, counted from 0
    start: int  # character offsets into Document.text
    end: int


@dataclass
class Item:
    kind: str
    text: str
    occurrences: list[Occurrence] = field(default_factory=list)
    speaker: str = ""  # follow-up questions name who raised them
    explanation: str = ""

    @property
    def section(self) -> str:
        return self.occurrences[0].section if self.occurrences else ""

    @property
    def sections(self) -> list[str]:
        seen: list[str] = []
        for occ in self.occurrences:
            if occ.section not in seen:
                seen.append(occ.section)
        return seen


@dataclass(frozen=True, slots=True)
class ReportCall:
    """A sentence of a page's narrative that reads as a call to action (reading.report_calls): a suggestion
    a person accepts or rejects, never an item by itself. text is the sentence as written, whitespace folded;
    start/end are its offsets into Document.text."""

    text: str
    section: str  # the narrative heading it sits under ("Session Report", "Summary", …)
    start: int
    end: int
    cue: str  # which rule found it


@dataclass
class SessionMeta:
    forum: str = ""  # "IGF", or a regional, national or youth IGF ("APrIGF", "EuroDIG", "IGF-USA", "Youth IGF")
    year: int | None = None
    session_type: str = ""
    number: str = ""
    title: str = ""
    date: str = ""  # ISO date of the session when the page states it
    sdgs: list[str] = field(default_factory=list)
    organizers: list[str] = field(default_factory=list)
    speakers: list[str] = field(default_factory=list)
    moderators: list[str] = field(default_factory=list)
    rapporteur: str = ""

    @property
    def keyed(self) -> bool:
        """True when the page names its session fully (year, type and number): another page with the same
        key is the same session's page."""
        return bool(self.year and self.session_type and self.number)

    @property
    def session_id(self) -> str:
        """Sessions are identified by what the page says, so other renderings join the same session."""
        # the IGF's own sessions keep the ids they always had; another forum's name is part of its sessions' ids
        other = self.forum if self.forum and self.forum != "IGF" else ""
        if self.keyed:
            slug = re.sub(r"[^a-z0-9]+", "-", f"{other} {self.session_type}".lower()).strip("-")
            return f"{self.year}-{slug}-{self.number}"
        if self.title:
            named = f"{other} {self.title}" if other else self.title
            return f"{self.year or 'na'}-{short_hash(normalize_text(named), length=10)}"
        return ""


@dataclass
class Document:
    """A parsed session page: metadata, the text the offsets refer to, and its items."""

    source: str
    text: str
    page_kind: str  # "outcomes", "glance" or "proposal"
    meta: SessionMeta
    items: list[Item]
    report_calls: list[ReportCall] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # what to check before importing (reading.quality)

    @property
    def session_known(self) -> bool:
        """The page says which session it is (a title, or type and number); else it is a session of its own."""
        return bool(self.meta.session_id)

    @property
    def session_id(self) -> str:
        # a page that names no session is its own session, told apart by its text: two pastes with no title
        # (both "pasted-session.txt") must never become one session, where the second would replace the first
        return self.meta.session_id or f"file-{short_hash(normalize_text(self.text), length=10)}"

    @property
    def has_outcomes(self) -> bool:
        return bool(self.items)

    def item_id(self, item: Item) -> str:
        return item_id_for(self.session_id, item.text)


class BadInput(TrackerError):
    """A file that cannot be read as a session page; the message is one line for the user."""

    def __init__(self, source: str, reason: str):
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason
