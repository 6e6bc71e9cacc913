"""Which lines of a session page are headings, and what kind of item each outcome heading holds."""

from __future__ import annotations

import re

_DEADLINE = re.compile(r"\s*\(\s*\*?\s*deadline[^)]*\).*$", re.IGNORECASE)
_DECORATION = "#*_=>|` \t"
_CLICK_NOTE = re.compile(r"\s+-\s+click on the \?.*$", re.IGNORECASE)
_SPACE_RUN = re.compile(r"\s+")

# Headings whose paragraphs are items, by the kind of item they hold.
ITEM_HEADINGS: list[tuple[str, re.Pattern[str]]] = [
    ("takeaway", re.compile(r"(key |main )?takeaways?( and action items)?")),
    ("action", re.compile(r"(calls? to action|(resolutions and )?action items|resolutions|suggested compromises"
                          r"|recommendations|key recommendations)")),
    ("question", re.compile(r"(unresolved issues|follow[- ]?up questions|open questions|questions for follow[- ]?up)")),
]

# Headings that end an outcome section without holding items themselves.
STOP_HEADINGS = re.compile(
    r"(session report|full session report|session transcript|transcript|thought provoking comments"
    r"|overall assessment|related event|summary|keypoints|key points|speakers|additional speakers"
    r"|agreements and disagreements|points of agreement|differences|partial agreements|similar viewpoints"
    r"|unexpected differences|unexpected consensus|arguments|description|organizers|format|sdgs"
    r"|session at a glance|expanded summary.*|introduction|conclusion|key themes.*|documents|video"
    r"|onsite moderator|online moderator|rapporteur|speech speed|speech length|speech time"
    # the blocks a wiki or report page puts after its outcomes
    r"|video( record(ing)?)?|recording|resources|related resources|references|further reading|links"
    r"|related links|session teaser|people|agenda|participants|photos|annex(es)?|attachments|background)"
)
# "4. Key Takeaways", "IV. Calls to action", "4.2 Recommendations": a report's numbered section heading
_SECTION_NUMBER = re.compile(r"^\s*(?:(\d{1,2})(?:\.\d{1,2})*\.?|([IVXLC]{1,7})\.)\s+(?=\S)")
_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
_STOP_PREFIX = re.compile(r"(disclaimer|session report \(|related event)", re.IGNORECASE)
_SMALL_WORDS = {"a", "an", "and", "or", "of", "the", "to", "in", "on", "for", "with", "at", "by", "&", "-"}


def section_number(line: str) -> int | None:
    """The number of a numbered heading ("4. Key Takeaways" -> 4, "IV. Calls to action" -> 4), else None."""
    match = _SECTION_NUMBER.match(line.strip().strip(_DECORATION))
    if not match:
        return None
    if match[1]:
        return int(match[1])
    total = 0
    values = [_ROMAN[c] for c in match[2]]
    for k, value in enumerate(values):
        total += -value if k + 1 < len(values) and values[k + 1] > value else value
    return total


def heading_key(line: str) -> str:
    """A line reduced to what a heading match looks at: no markup, section number, deadline note or trailing
    colon."""
    text = _SECTION_NUMBER.sub("", line.strip().strip(_DECORATION), count=1)
    text = _DEADLINE.sub("", text)
    text = _CLICK_NOTE.sub("", text)
    return _SPACE_RUN.sub(" ", text.rstrip(":").strip(_DECORATION)).casefold()


def item_heading_kind(line: str) -> str | None:
    """The item kind an outcome heading holds ("takeaway", "action", "question"), else None."""
    if len(line) > 120:
        return None
    key = heading_key(line)
    for kind, pattern in ITEM_HEADINGS:
        if pattern.fullmatch(key):
            return kind
    return None


def heading_text(line: str) -> str:
    """The heading as written, without markup or the deadline note."""
    text = _SECTION_NUMBER.sub("", line.strip().strip(_DECORATION), count=1)
    text = _DEADLINE.sub("", text)
    return text.rstrip(":").strip(_DECORATION)


def is_stop_heading(line: str) -> bool:
    """True for a line that closes an outcome section: a known heading or a short Title Case line."""
    stripped = line.strip()
    if _STOP_PREFIX.match(stripped.lstrip(_DECORATION)):
        return True
    if not stripped or len(stripped) > 120:
        return False
    key = heading_key(stripped)
    if STOP_HEADINGS.fullmatch(key) or item_heading_kind(stripped):
        return True
    return _looks_like_title(stripped.strip(_DECORATION))


def _looks_like_title(text: str) -> bool:
    # AI reports use short Title Case lines as sub-headings; real items are sentences
    words = text.split()
    if not 1 <= len(words) <= 6 or text[-1:] in ".?!;,:\"”'’)":
        return False
    significant = [w for w in words if w.lower() not in _SMALL_WORDS]
    return bool(significant) and all(w[0].isupper() or w[0].isdigit() for w in significant)
