"""Clean page text to a Document: outcome sections, their items, and the session metadata."""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from .headings import STOP_HEADINGS, heading_key, heading_text, is_stop_heading, item_heading_kind, section_number
from .metadata import METADATA_LABELS, parse_metadata
from .models import BadInput, Document, Item, Occurrence, fold_whitespace, normalize_text
from .quality import page_warnings
from .report_calls import find_report_calls

# "- ", "• ", "1. ", "1) ", "(1) ", "1.Text" — the list markers users' renderings put before items
_MARKER = re.compile(r"^[ \t]*(?:[-•*–—·▪●◦‣][ \t]+|\(?\d{1,3}[.)](?:[ \t]+|(?=[A-Z]))|\(\d{1,3}\)[ \t]*)")
_TERMINAL = ('.', '!', '?', ';', ':', '"', '”', ')', '’', "'")
_FOLLOWUP_FIELDS = {"speaker": "speaker", "speakers": "speaker", "explanation": "explanation"}
# items on one page, repeats counted; real pages have dozens. Bounds the work of a load and of its analysis
MAX_ITEMS = 1_000
# one takeaway, call or question: a real one is a paragraph (the longest in the seeds and labelled pages has
# 450 characters); a page with a far longer one is refused, before the analysis has to read it
MAX_ITEM_CHARS = 5_000


class TooManyItems(ValueError):
    pass


@dataclass(slots=True)
class _Line:
    start: int  # offset of the line's first character in the document
    text: str  # the line without its newline

    @property
    def stripped(self) -> str:
        return self.text.strip()


def _lines(text: str) -> list[_Line]:
    lines, offset = [], 0
    for raw in text.split("\n"):
        lines.append(_Line(offset, raw))
        offset += len(raw) + 1
    return lines


@dataclass(slots=True)
class _Piece:
    """A run of source text that makes one item: first char offset, last char offset, its lines' text."""

    start: int
    end: int
    parts: list[str]  # joined once at the end: growing one string line by line is quadratic

    @property
    def text(self) -> str:
        return " ".join(self.parts)

    def extend(self, line: _Line) -> None:
        self.end = line.start + len(line.text.rstrip())
        self.parts.append(line.text.strip())


def _piece_from(line: _Line, marker: re.Match[str] | None) -> _Piece:
    raw = line.text
    skip = marker.end() if marker else len(raw) - len(raw.lstrip())
    return _Piece(line.start + skip, line.start + len(raw.rstrip()), [raw[skip:].strip()])


def _continues(previous: _Piece, line: _Line, in_list: bool) -> bool:
    # a hard-wrapped line goes on in lower case; in a marked list, also after an unfinished sentence
    first = line.stripped[:1]
    if not first:
        return False
    return first.islower() or (in_list and not previous.parts[-1].endswith(_TERMINAL))


def _section_pieces(body: list[_Line], kind: str) -> list[tuple[_Piece, dict[str, str]]]:
    """Split the lines under one outcome heading into items (with follow-up fields for questions)."""
    if kind == "question" and any(ln.stripped.casefold() in _FOLLOWUP_FIELDS for ln in body):
        return _followup_pieces(body)
    marked = any(_MARKER.match(ln.text) and ln.stripped for ln in body)
    blocks: list[list[_Line]] = [[]]
    for ln in body:
        if ln.stripped:
            blocks[-1].append(ln)
        elif blocks[-1]:
            blocks.append([])
    blocks = [b for b in blocks if b]
    pieces: list[_Piece] = []
    if marked:
        current: _Piece | None = None
        for ln in body:
            marker = _MARKER.match(ln.text)
            if marker and ln.stripped:
                current = _piece_from(ln, marker)
                pieces.append(current)
            elif current and ln.stripped and _continues(current, ln, in_list=True):
                current.extend(ln)
            else:
                current = None  # prose between or after the list is not an item
    elif len(blocks) > 1 and any(len(b) > 1 for b in blocks):
        for block in blocks:  # paragraphs separated by blank lines, possibly hard-wrapped
            piece = _piece_from(block[0], None)
            for ln in block[1:]:
                piece.extend(ln)
            pieces.append(piece)
    else:
        for block in blocks:
            current = None
            for ln in block:
                if current and _continues(current, ln, in_list=False):
                    current.extend(ln)
                else:
                    current = _piece_from(ln, None)
                    pieces.append(current)
    return [(p, {}) for p in pieces if p.text]


def _followup_pieces(body: list[_Line]) -> list[tuple[_Piece, dict[str, str]]]:
    """Follow-up questions: each question line, then `speaker`/name and `explanation`/text lines."""
    out: list[tuple[_Piece, dict[str, str]]] = []
    pending_field: str | None = None
    for ln in body:
        if not ln.stripped:
            continue
        field = _FOLLOWUP_FIELDS.get(ln.stripped.casefold().rstrip(":"))
        if field:
            pending_field = field
        elif pending_field and out:
            fields = out[-1][1]
            fields[pending_field] = fold_whitespace(f"{fields.get(pending_field, '')} {ln.stripped}")
            pending_field = None
        else:
            out.append((_piece_from(ln, _MARKER.match(ln.text)), {}))
    return out


def _section_end(lines: list[_Line], start: int, number: int | None = None) -> int:
    """The line that ends the outcome section whose items start at `start`: a heading, or in a report whose
    sections are numbered (the outcome heading had `number`), the next section's number before a short title
    or any known heading after a number ("5. Call to Action", "6. Video record")."""
    previous = ""  # the last non-blank line: a name after "speaker" is not a heading
    for j in range(start, len(lines)):
        text = lines[j].text
        after_field = previous.casefold().rstrip(":") in _FOLLOWUP_FIELDS
        if not after_field and is_stop_heading(text):
            if not _MARKER.match(text):
                return j
            numbered = section_number(text)
            if item_heading_kind(text) or STOP_HEADINGS.fullmatch(heading_key(text)) or (
                    number is not None and numbered == number + 1):
                return j
        previous = lines[j].stripped or previous
    return len(lines)


# Every item heading (headings.ITEM_HEADINGS) contains one of these words once casefolded: only lines that
# do are tested as headings (str.find in the folded page is far cheaper than a test per line or a regex).
_HEADING_WORDS = ("takeaway", "action", "resolution", "compromise", "recommendation", "unresolved", "follow",
                  "question")


def _heading_candidates(text: str) -> list[int]:
    """Indexes of the lines that may be item headings, in order."""
    folded = text.casefold()  # per character, so it keeps the lines, and folds ß and ligatures like the test
    starts, offset = [], 0
    for line in folded.split("\n"):
        starts.append(offset)
        offset += len(line) + 1
    found: set[int] = set()
    for word in _HEADING_WORDS:
        pos = folded.find(word)
        while pos != -1:
            index = bisect_right(starts, pos) - 1
            found.add(index)
            pos = folded.find(word, starts[index + 1]) if index + 1 < len(starts) else -1
    return sorted(found)


def extract_items(text: str) -> tuple[list[Item], int]:
    """All outcome items of a page, in document order, with repeats merged; also the heading count.
    Raises TooManyItems past MAX_ITEMS, or for an item longer than MAX_ITEM_CHARS."""
    lines = _lines(text)
    by_key: dict[str, Item] = {}
    items: list[Item] = []
    position = 0
    headings = 0
    i = 0
    for candidate in _heading_candidates(text):
        if candidate < i:
            continue  # inside the section just read
        kind = item_heading_kind(lines[candidate].text)
        if kind is None:
            continue
        i = candidate
        headings += 1
        section = heading_text(lines[i].text)
        end = _section_end(lines, i + 1, section_number(lines[i].text))
        for piece, fields in _section_pieces(lines[i + 1:end], kind):
            if position >= MAX_ITEMS:
                raise TooManyItems(f"more than {MAX_ITEMS:,} takeaways, calls to action and questions on one page "
                                   f"(limit {MAX_ITEMS:,}): not a session page")
            if len(piece.text) > MAX_ITEM_CHARS:
                raise TooManyItems(f"a {kind} of {len(piece.text):,} characters under \"{section[:60]}\" (limit "
                                   f"{MAX_ITEM_CHARS:,} per takeaway, call or question): not a session page; "
                                   "split it into its items")
            key = normalize_text(piece.text)
            occurrence = Occurrence(section, position, piece.start, piece.end)
            position += 1
            if key in by_key:  # the same text twice in one page is one item found in two places
                by_key[key].occurrences.append(occurrence)
                continue
            item = Item(kind, fold_whitespace(piece.text), [occurrence],
                        speaker=fields.get("speaker", ""), explanation=fields.get("explanation", ""))
            by_key[key] = item
            items.append(item)
        i = end
    return items, headings


def parse_text(text: str, source: str) -> Document:
    """Parse the clean text of one page; raise BadInput when nothing in it looks like a session page."""
    try:
        items, outcome_headings = extract_items(text)
    except TooManyItems as exc:
        raise BadInput(source, str(exc)) from None
    meta = parse_metadata(text)
    typed_title = bool(meta.session_type and meta.number)
    if not (typed_title or outcome_headings or _count_labels(text) >= 2):
        raise BadInput(source, "no IGF session page recognized (no session title, outcome headings or "
                               "session details such as Speakers or SDGs)")
    glance = re.search(r"^\s*session at a glance\s*$", text, re.IGNORECASE | re.MULTILINE)
    page_kind = "proposal" if not items else ("glance" if glance else "outcomes")
    return Document(source=source, text=text, page_kind=page_kind, meta=meta, items=items,
                    report_calls=find_report_calls(text, items),
                    warnings=page_warnings(text, items, outcome_headings))


def _count_labels(text: str) -> int:
    found = set()
    for line in text.split("\n"):
        key = line.strip().rstrip(":").casefold()
        if key in METADATA_LABELS:
            found.add(key)
    return len(found)
