"""Calls to action made inside a page's narrative (session report, summary): suggestions, never items.

The outcome sections hold the calls organizers wrote as such; the narrative around them holds more
("All parties were called upon to …", "this session recommended …", "a call for responsible
innovation"). Those sentences are found here, with their offsets into the clean text, so that a person can
accept or reject each one. The rules are a short list of cue phrases chosen on labelled pages
(tests/data/report_calls_labels.json, measured in docs/report-calls.md); sentences are split by pySBD.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .headings import STOP_HEADINGS, heading_key, heading_text, is_stop_heading, item_heading_kind
from .models import Item, ReportCall, fold_whitespace, normalize_text

# Headings that open a narrative part of the page: the organizers' session report, the AI report's summary
# and its full report ("Expanded summary …", "Introduction", the themes, "Conclusion").
_NARRATIVE_START = re.compile(r"(full )?session report|summary|expanded summary.*")
# Headings inside that narrative that do not end it.
_NARRATIVE_INSIDE = re.compile(r"(full )?session report|summary|expanded summary.*|introduction|conclusion"
                               r"|key themes.*")
# The AI report's analysis blocks after "Overall Assessment" have a "Summary" too: an appraisal of the
# debate, not the report.
_NOT_AFTER = {"overall assessment"}

# The cues, chosen on the tune pages. Each names a way a sentence asks, recommends or commits someone to act.
CUES: list[tuple[str, re.Pattern[str]]] = [
    ("called upon", re.compile(r"\bcall(?:s|ed|ing)?\s+(?:up)?on\b", re.IGNORECASE)),
    ("call for", re.compile(r"\bcall(?:s|ed|ing)?\s+for\b", re.IGNORECASE)),
    ("recommend", re.compile(r"\brecommend(?:s|ed|ing)?\b(?!\s+(?:technology|content|algorithm|system))",
                             re.IGNORECASE)),
    ("urge", re.compile(r"\burg(?:e|es|ed|ing)\b", re.IGNORECASE)),
    ("invite", re.compile(r"\binvit(?:e|es|ed)\s+(?!to\b)\w+(?:\s+\w+){0,6}\s+to\b", re.IGNORECASE)),
    ("suggest", re.compile(r"\bsuggest(?:s|ed|ing)?\s+that\b", re.IGNORECASE)),
    ("ask", re.compile(r"\basked\s+(?:that|for)\b", re.IGNORECASE)),
    ("should", re.compile(r"\bshould\b", re.IGNORECASE)),
    ("must", re.compile(r"\bmust\b", re.IGNORECASE)),
    ("need", re.compile(r"\bneeds?\s+to\b|\bneeded\s+to\b|\b(?:is|are)\s+needed\b"
                        r"|\b(?:the\s+)?(?:need|necessity)\s+(?:for|to|of)\b", re.IGNORECASE)),
    ("hope", re.compile(r"\b(?:is|are|was|were)\s+hoped\s+that\b|\bhopes?\s+that\b", re.IGNORECASE)),
    ("commit", re.compile(r"\bcommit(?:s|ted|ment)?\s+to\b", re.IGNORECASE)),
    ("agreed to", re.compile(r"\bagree(?:d|ment)\s+(?:among\s+\w+\s+)?to\b", re.IGNORECASE)),
    ("announced", re.compile(r"\bannounce[sd]?\s+that\b[^.;]*\b(?:will|would)\b", re.IGNORECASE)),
]
_ANY_CUE = re.compile("|".join(f"(?:{p.pattern})" for _, p in CUES), re.IGNORECASE)
# "discussed how the law should treat it": a modal inside an indirect question names a topic, not a call
_INDIRECT = re.compile(r"\b(?:how|whether|what|who|which)\b[^,;:.]*?\b(?:should|must)\b", re.IGNORECASE)
_MODALS = {"should", "must"}


@dataclass(slots=True)
class _Region:
    section: str
    start: int
    end: int


def narrative_regions(text: str) -> list[_Region]:
    """The paragraphs of the narrative parts of a page, each with the heading it sits under.

    A heading line is never part of a region; a region is one paragraph (lines up to a blank line or a
    heading), so that a sentence never runs across paragraphs.
    """
    regions: list[_Region] = []
    section: str | None = None
    previous = ""  # the last non-blank line
    offset = 0
    current: _Region | None = None
    for line in text.split("\n"):
        start, offset = offset, offset + len(line) + 1
        stripped = line.strip()
        if not stripped:
            current = None
            continue
        # headings are short: a long line (most of a transcript) is text without testing it
        key = heading_key(stripped) if len(stripped) <= 120 and (section is not None or _may_start(stripped)) else ""
        if key and _is_heading(stripped, key):
            current = None
            if _NARRATIVE_START.fullmatch(key) and heading_key(previous) not in _NOT_AFTER:
                section = heading_text(stripped)
            elif section is not None and not _NARRATIVE_INSIDE.fullmatch(key) and _ends_narrative(stripped, key):
                section = None
            previous = stripped
            continue
        previous = stripped
        if section is None:
            continue
        line_start = start + (len(line) - len(line.lstrip()))
        line_end = start + len(line.rstrip())
        if current is not None and current.section == section and _wraps(text[current.start:current.end], stripped):
            current.end = line_end
        else:
            current = _Region(section, line_start, line_end)
            regions.append(current)
    return regions


def _may_start(stripped: str) -> bool:
    """Outside the narrative only its opening headings matter; they all say "report" or "summary"."""
    folded = stripped.casefold()
    return "report" in folded or "summary" in folded


_TERMINAL = ('.', '!', '?', ';', ':', '"', '”', ')', '’', "'")


_LIST_ENTRY = re.compile(r"(?:\(?[a-z0-9]{1,3}[.)]|[-•*–—·▪●◦‣])\s")  # "a) Policy", "2. China", "- point"


def _wraps(previous: str, line: str) -> bool:
    """A line goes on with the paragraph above when it was hard-wrapped: it starts in lower case, or the
    line above is long and stops mid-sentence. One-line entries ("a) Policy and governance") stand alone."""
    if _LIST_ENTRY.match(line):
        return False
    last = previous[previous.rfind("\n") + 1:].strip()
    return line[:1].islower() or (len(last) > 60 and not last.endswith(_TERMINAL) and not _LIST_ENTRY.match(last))


def _is_heading(stripped: str, key: str) -> bool:
    return bool(item_heading_kind(stripped) or is_stop_heading(stripped) or _NARRATIVE_START.fullmatch(key))


def _ends_narrative(stripped: str, key: str) -> bool:
    """A known heading that is not part of the report ends it; a short sub-heading ("1. Safe Defaults") and
    the outcome lists a full report embeds (their entries are items already) do not."""
    if item_heading_kind(stripped) in ("takeaway", "action"):
        return False
    return bool(STOP_HEADINGS.fullmatch(key) or item_heading_kind(stripped) or key.startswith(
        ("disclaimer", "related event")))


@lru_cache(maxsize=1)
def _splitter() -> tuple[Any, frozenset[str]]:
    import pysbd  # type: ignore[import-untyped]  # rule-based; knows abbreviations ("e.g.", "U.S.") and quotes
    from pysbd.lang.english import English  # type: ignore[import-untyped]

    return pysbd.Segmenter(language="en", clean=False), frozenset(English.Abbreviation.ABBREVIATIONS)


# pySBD costs about a millisecond a sentence, too much for every paragraph of every page. So the text is first
# cut where a sentence certainly ends (a lower-case word that is no abbreviation in pySBD's own list, then
# ".", "!" or "?", a space and a capital); pySBD splits only the pieces that still hold a full stop followed by
# a space, such as "No. 25" or "e.g. the".
_CERTAIN_END = re.compile(r"(?<=[a-z][a-z][a-z])[.!?][\"'”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")
_POSSIBLE_END = re.compile(r"[.!?][\"'”’)]*\s")
_LAST_WORD = re.compile(r"[A-Za-z]+$")


def _pieces(chunk: str) -> list[tuple[int, int]]:
    """chunk cut at its certain sentence ends: (start, end) of each piece."""
    segmenter, abbreviations = _splitter()
    cuts, start = [], 0
    for match in _CERTAIN_END.finditer(chunk):
        word = _LAST_WORD.search(chunk, 0, match.start())
        if word and word.group().casefold() in abbreviations:
            continue
        cuts.append((start, match.start() + 1))
        start = match.end()
    cuts.append((start, len(chunk)))
    return cuts


def _sentences(text: str, start: int, end: int, wanted: re.Pattern[str] | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences of text[start:end], whitespace trimmed; with ``wanted``, only
    those of the pieces that match it."""
    # a hard-wrapped line break is a space to the splitter (same length, so the offsets hold)
    chunk = text[start:end].replace("\n", " ")
    segmenter = _splitter()[0]
    spans: list[tuple[int, int]] = []
    for piece_start, piece_end in _pieces(chunk):
        piece = chunk[piece_start:piece_end]
        if wanted is not None and not wanted.search(piece):
            continue
        parts = segmenter.segment(piece) if _POSSIBLE_END.search(piece.rstrip()) else [piece]
        cursor = 0
        for part in parts:
            body = part.strip()
            found = piece.find(body, cursor) if body else -1
            if found < 0:  # empty, or the splitter changed the text (not with clean=False): keep what is certain
                continue
            spans.append((start + piece_start + found, start + piece_start + found + len(body)))
            cursor = found + len(body)
    return spans


def cue_of(sentence: str) -> str | None:
    """The first rule a sentence matches, or None."""
    if sentence.rstrip().endswith("?"):
        return None  # a question is an open issue, not a call
    indirect = [m.span() for m in _INDIRECT.finditer(sentence)]
    for name, pattern in CUES:
        for match in pattern.finditer(sentence):
            if name in _MODALS and any(s <= match.start() and match.end() <= e for s, e in indirect):
                continue
            return name
    return None


def find_report_calls(text: str, items: list[Item] | None = None) -> list[ReportCall]:
    """The narrative sentences of a page that read as calls to action, in document order.

    Text inside an item's own span, and a sentence whose normalized text is already an item, are skipped:
    those are followed up as items already. Repeated sentences are reported once (first place).
    """
    covered = sorted((occ.start, occ.end) for item in items or [] for occ in item.occurrences)
    known = {normalize_text(item.text) for item in items or []}
    calls: list[ReportCall] = []
    for region in narrative_regions(text):
        for start, end in _sentences(text, region.start, region.end, wanted=_ANY_CUE):
            if any(s < end and start < e for s, e in covered):
                continue
            sentence = fold_whitespace(text[start:end])
            cue = cue_of(sentence)
            key = normalize_text(sentence)
            if cue is None or key in known:
                continue
            known.add(key)
            calls.append(ReportCall(sentence, region.section, start, end, cue))
    return calls


def narrative_sentences(text: str, items: list[Item] | None = None) -> list[tuple[str, str, int, int]]:
    """Every narrative sentence (section, text, start, end) outside the items: what the labels are made on."""
    covered = sorted((occ.start, occ.end) for item in items or [] for occ in item.occurrences)
    out = []
    for region in narrative_regions(text):
        for start, end in _sentences(text, region.start, region.end):
            if not any(s < end and start < e for s, e in covered):
                out.append((region.section, fold_whitespace(text[start:end]), start, end))
    return out
