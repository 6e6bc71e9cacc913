"""PDF bytes to page text, laid out like the .txt rendering of the same page.

The text layer of a PDF has lines, not paragraphs: a long paragraph is wrapped over several lines and a
blank line is only vertical space. The lines are put back together from their positions (PDFium gives
each text line's box): a line goes on from the one before when the first word of the next line would not
have fitted at the end of it (the writer wrapped it there); a gap taller than the usual line pitch is a blank
line. The parser then reads the result as it reads a .txt page, so headings and list items come out the same.

PDFium runs in a child process (``pdf_child.py``) with a memory and CPU limit and a timeout: a hostile file
(a decompression bomb, thousands of pages, a content stream that never ends) costs that process, never the
dashboard or the load. The page count and the amount of text are capped too.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .. import settings
from .headings import STOP_HEADINGS, heading_key, is_stop_heading, item_heading_kind
from .models import BadInput
from .quality import odd_share

MAX_PAGES = 1000  # far above any session report; a 10,000-page file is refused before its pages are read
MAX_CHARS = 5_000_000  # text extracted from one PDF
MEMORY_LIMIT = 2 * 1024**3  # address space of the PDFium process
NO_TEXT = "the PDF has no text to read (a scan?): paste the text or attach the page instead"

# a text layer whose fonts lost their map to letters (a PDF printed to PostScript and distilled again) gives codes
NO_LETTERS = ("the PDF's text cannot be read: its fonts do not say which letters they draw (printed through a "
              "driver that drops that?); save the PDF again from the program that made it, or paste the text")

_CHILD = Path(__file__).with_name("pdf_child.py")
_LABEL = re.compile(r"^\s*(speakers?|explanation)\s*:?\s*$", re.IGNORECASE)  # follow-up question fields
_WORD = re.compile(r"\w+")
_ENTRY = re.compile(r"^\s*(?:[-•*–—·▪●◦‣]\s+|\(?\d{1,3}[.)](?:\s+|(?=[A-Z]))|\(\d{1,3}\)\s*)")  # a list entry's marker
_INSIDE_CAPITAL = re.compile(r"(?<=[a-z,;] )[A-Z]\w*")  # a capitalised word inside a sentence: a name
_GOES_ON = {"a", "an", "and", "or", "of", "the", "to", "in", "on", "for", "with", "at", "by", "from", "&"}
_PAGE_NUMBER = re.compile(r"^\s*(?:page\s+)?\d{1,4}(?:\s*(?:/|of)\s*\d{1,4})?\s*$", re.IGNORECASE)


@dataclass(slots=True)
class Line:
    """One text line of a page, in PDF points (y grows upwards)."""

    left: float
    right: float
    top: float
    bottom: float
    text: str
    first: float = 0.0  # the width of its first word, when the PDF says (0: estimate it from the letters)

    @property
    def char_width(self) -> float:
        return (self.right - self.left) / max(len(self.text), 1)


@dataclass(slots=True)
class _Words:
    lower: set[str]  # words the page writes in lower case
    inside: set[str]  # capitalised words the page writes inside a sentence (names)


def pdf_to_text(data: bytes, source: str) -> str:
    """The page text of a PDF (not yet cleaned), or BadInput naming the file and the reason in one line."""
    timeout = settings.PDF_TIMEOUT.number()
    env = {k: v for k, v in os.environ.items() if k in ("PATH", "LANG", "LC_ALL", "TMPDIR")}
    limits = json.dumps({"max_pages": MAX_PAGES, "max_chars": MAX_CHARS, "memory": MEMORY_LIMIT,
                         "cpu_seconds": int(timeout) + 1})
    try:
        # -I: the child sees neither PYTHON* variables nor the current folder, only the installed packages
        done = subprocess.run([sys.executable, "-I", str(_CHILD), limits], input=data, capture_output=True,
                              timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired:
        raise BadInput(source, f"the PDF took too long to read (over {timeout:g} s); paste the text instead") from None
    except OSError as exc:
        raise BadInput(source, f"cannot start the PDF reader ({exc.strerror or exc})") from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:  # killed by its memory or CPU limit, or PDFium crashed
        raise BadInput(source, "the PDF could not be read (it needs too much memory or time, or it is broken); "
                               "paste the text instead") from None
    if "error" in answer:
        raise BadInput(source, str(answer["error"]))
    pages = [[Line(row[0], row[1], row[2], row[3], _repair(row[4]), row[5]) for row in page]
             for page in answer["pages"]]
    text = lines_to_text(pages)
    if not text.strip():
        raise BadInput(source, NO_TEXT)
    if odd_share(text) > 0.1:
        raise BadInput(source, NO_LETTERS)
    return text


_LIGATURES = str.maketrans({"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
                            "\ufb05": "st", "\ufb06": "st",
                            # Word's list bullets in the Symbol and Wingdings fonts, as their private-use codes
                            "\uf0b7": "•", "\uf0a7": "▪", "\uf076": "•", "\uf0d8": "•", "\uf0fc": "•"})
# Ghostscript's pdfwrite writes a ligature's letters into the font's map with their two bytes swapped ("fi" as
# U+6600 U+6900, shown as CJK): a run of such characters next to Latin letters is swapped back
_SWAPPED = re.compile(r"(?<=[A-Za-z])[\u4100-\u7a00]+|[\u4100-\u7a00]+(?=[A-Za-z])")


def _repair(text: str) -> str:
    """Ligatures as their letters, and Ghostscript's byte-swapped ligature letters put back."""
    text = text.translate(_LIGATURES)
    return _SWAPPED.sub(lambda m: "".join(chr(ord(c) >> 8) if ord(c) & 0xFF == 0 and chr(ord(c) >> 8).isalpha()
                                          else c for c in m[0]), text)


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2] if ordered else 0.0


def _drop_page_numbers(lines: list[Line]) -> list[Line]:
    last = len(lines) - 1
    return [ln for k, ln in enumerate(lines) if not (k in (0, last) and _PAGE_NUMBER.match(ln.text))]


def lines_to_text(pages: list[list[Line]]) -> str:
    """Join wrapped lines back into the lines the writer typed; vertical gaps become blank lines."""
    pages = [_drop_page_numbers(lines) for lines in pages]
    every = [ln for lines in pages for ln in lines]
    if not every:
        return ""
    full_width = max(ln.right for ln in every)
    flows = [column for lines in pages for column in _columns(lines)]
    # the usual distance between the tops of two lines that follow each other (tops vary less than bottoms,
    # which drop under g, p, y); distances over twice a line's height are blank lines, not the pitch
    height = _median([ln.top - ln.bottom for ln in every])
    pitch = _median([a.top - b.top for lines in pages for a, b in zip(lines, lines[1:], strict=False)
                     if 0 < a.top - b.top < 2 * height]) or 1.2 * height
    lowest = min(ln.top for ln in every)  # the top of the lowest line any page has
    highest = max(ln.top for ln in every)
    words = _Words({w for ln in every for w in _WORD.findall(ln.text) if w[0].islower()},
                   {w for ln in every for w in _INSIDE_CAPITAL.findall(ln.text)})
    body = _median([ln.top - ln.bottom for ln in every])
    counts = Counter(w.casefold() for ln in every for w in _WORD.findall(ln.text))
    out: list[str] = []
    previous: Line | None = None
    lines_in_last = 0  # how many PDF lines the last output line was joined from
    right_edge = full_width  # of the previous line's column: the room left after it is measured there
    for lines, column_edge in flows:
        for k, line in enumerate(lines):
            if previous is None:
                out.append(line.text)
                previous, right_edge = line, column_edge or full_width
                continue
            # two tall lines in a row are one heading or title the writer's width wrapped
            # (of one size: a title and the heading under it are two)
            high, low = previous.top - previous.bottom, line.top - line.bottom
            tall = min(high, low) > 1.07 * body and abs(high - low) < 0.1 * max(high, low)
            # a paragraph wrapped in a narrow column, or a line of comma-separated parts ("Name, Organization,
            # group, Asia-Pacific" + "States"), goes on past a capitalised word
            wrapped = _wrapped(previous, line, right_edge, words, entry=_shape(out[-1]),
                               inside=lines_in_last > 1 and column_edge is not None or ", " in previous.text,
                               tall=tall)
            if k == 0:  # a new page: room left at the foot of the last one, a gap at the top of this one, or an
                # indented first line after a finished one (a blank line between paragraphs fell on the break)
                # and a sentence cut by the break (no closing mark, a small letter next) is one paragraph
                gap = not (wrapped and line.text[:1].islower() and previous.text[-1:] not in ".?!:") and (
                    previous.top - lowest > 0.8 * pitch or highest - line.top > 0.8 * pitch
                    or not wrapped and line.left - previous.left > 2 * line.char_width)
            else:
                # the pitch grows with the type: a large heading's lines are further apart than the body's
                gap = previous.top - line.top > 1.6 * pitch * max(1.0, (previous.top - previous.bottom) / body)
            if gap:
                out.extend(["", line.text])
                lines_in_last = 1
            elif wrapped:
                out[-1] = _join(out[-1], line.text, counts)
                lines_in_last += 1
            else:
                out.append(line.text)
                lines_in_last = 1
            previous, right_edge = line, column_edge or full_width
        if not lines:
            previous = None  # a page without text (an image) breaks the flow
    return "\n".join(out) + "\n"


def _join(left: str, right: str, counts: Counter[str]) -> str:
    """A wrapped line and the next one. A word broken at the line end by a soft hyphen (or U+2010, which
    Chromium writes for one) is joined again, unless the page shows a compound: the joined word appears
    nowhere else and both halves do. A typed "-" stays ("age-" + "appropriate": browsers break after it)
    unless the page writes the joined word elsewhere."""
    mark = left[-1:]
    if not (mark in ("-", "\u00ad", "\u2010") and left[-2:-1].isalpha()):
        return (left[:-1] if mark == "\u00ad" else left + " ") + right
    if not right[:1].islower():  # "Asia-" + "Pacific Group": a compound of names
        return (left[:-1] + "-" if mark == "\u00ad" else left) + right
    stem = _WORD.findall(left[:-1])[-1].casefold()
    head = _WORD.match(right)
    rest = head[0].casefold() if head else ""
    elsewhere = counts[stem] >= 2, counts[rest] >= 2  # the broken line itself counts each half once
    keep = not counts[stem + rest] and (mark == "-" or all(elsewhere))
    return (left[:-1] + "-" if keep else left[:-1]) + right


def _columns(lines: list[Line]) -> list[tuple[list[Line], float | None]]:
    """A page's lines as the flows a reader follows: one, or for a page set in columns, each column with its
    own right edge (PDFium gives a column's lines before the next column's, which starts higher up again)."""
    if not lines:
        return [(lines, None)]
    width = max(ln.right for ln in lines) - min(ln.left for ln in lines)
    flows: list[list[Line]] = [[]]
    for line in lines:
        last = flows[-1][-1] if flows[-1] else None
        if last and line.top > last.top + (last.top - last.bottom) and line.left > last.left + 0.25 * width:
            flows.append([])  # back up the page and to the right: the next column
        flows[-1].append(line)
    if len(flows) == 1:
        return [(lines, None)]
    return [(flow, max(ln.right for ln in flow)) for flow in flows if flow]


def _shape(text: str) -> str:
    """The kind of list marker a line starts with ("-", "9.", "(9)"), "" for none."""
    marker = _ENTRY.match(text)
    return re.sub(r"\d+", "9", marker[0].strip()) if marker else ""


def _wrapped(previous: Line, line: Line, right_edge: float, words: _Words, entry: str = "",
             inside: bool = False, tall: bool = False) -> bool:
    """True when `line` goes on from `previous`: its first word would not have fitted after it, and the text
    does not say otherwise. A line the writer ended close to the margin looks like a wrapped one; then a
    finished sentence followed by a capital, a heading or a field label ends the line, and so does a
    capitalised word that the page writes in lower case elsewhere, or never capitalises inside a sentence:
    a sentence or an entry starts there ("How", "Organizers"), where a name ("UNICEF", "China") goes on.
    Inside a list entry ("- …", "1. …") only a new entry marked the same way, a heading or a label ends it.
    Inside a paragraph already wrapped once (`inside`), a line not closed by punctuation goes on whatever
    the next word: a writer's paragraph of several lines is prose, and prose ends its sentences. Two lines
    in a larger type than the body (`tall`) are one heading."""
    width = line.char_width
    needed = line.first + width if line.first else (len(line.text.split(" ", 1)[0]) + 1) * width
    if needed <= right_edge - previous.right - 0.5 * width:
        return False
    ending, start = previous.text.rstrip()[-1:], line.text.lstrip()[:1]
    broken = ending in "-\u00ad\u2010" and previous.text[-2:-1].isalpha()  # a word cut at a hyphen goes on
    if tall or broken or ending in ",;" or previous.text.rsplit(None, 1)[-1].casefold() in _GOES_ON:
        return True  # nobody ends a line on a comma, "for" or "the": a long line wrapped there
    if entry:  # "(3) …" inside a "- " entry is the entry's own text wrapped; a "- " starts the next one
        # (a line with a comma is an entry's next part, "Giusti, UNICEF China, …", never a heading)
        return not (_shape(line.text) == entry or _LABEL.match(line.text) or start.isupper() and (
            item_heading_kind(line.text) or STOP_HEADINGS.fullmatch(heading_key(line.text))
            or not inside and "," not in line.text and is_stop_heading(line.text)))
    if ending in "?!" or (ending == "." and (start.isupper() or start.isdigit())):
        return False
    if inside and (ending.isalnum() or ending in "’'”\"),") and not (
            _LABEL.match(line.text) or item_heading_kind(line.text) or STOP_HEADINGS.fullmatch(heading_key(line.text))):
        return True  # a short Title Case run ("Sensitive Information and Group") inside a sentence goes on
    if _LABEL.match(line.text) or start.isupper() and (is_stop_heading(line.text) or item_heading_kind(line.text)):
        return False
    first = _WORD.match(line.text.lstrip())
    if not (first and first[0][0].isupper() and (first[0][1:].islower() or len(first[0]) == 1)):
        return True  # lower case, a number or an acronym ("UNICEF", "AI") goes on
    return first[0].lower() not in words.lower and first[0] in words.inside
