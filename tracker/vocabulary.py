"""The tracker's words, in one place: item kinds, follow-up statuses, their labels and colours, which statuses
close a subject, and the one Markdown escaping. It imports nothing of the tracker, so every layer (the parser
included) takes its words from here."""

from __future__ import annotations

import re
from typing import Any


def _sql_list(words: tuple[str, ...]) -> str:
    """``('a', 'b')`` for an SQL ``IN``: the vocabulary's own words only, never user input."""
    return "(" + ", ".join(f"'{w}'" for w in words) + ")"


KINDS = ("takeaway", "action", "question")
KIND_LABELS = {"takeaway": "Key takeaway", "action": "Call to action", "question": "Question"}
# the kinds whose follow-up is counted call by call (progress, "apply the status to its calls", the register):
# a follow-up question is answered by a later session rather than done
FOLLOWED_KINDS = ("takeaway", "action")
FOLLOWED_KINDS_SQL = _sql_list(FOLLOWED_KINDS)  # for `kind IN {FOLLOWED_KINDS_SQL}`

STATUSES = ("not_started", "in_progress", "done", "dropped")
STATUS_LABELS = {"not_started": "Not started", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}
# done and dropped close a subject: never overdue, never reminded, a policy question's candidate again
CLOSED_STATUSES = ("done", "dropped")
CLOSED_SQL = _sql_list(CLOSED_STATUSES)  # for `status NOT IN {CLOSED_SQL}`
# The charts' and the report's palette (grey, amber, green, slate); a Streamlit badge (named colours only) takes
# the nearest name, so a status looks the same in a chart and in a badge; its label tells the two greys apart.
STATUS_COLOURS = {"not_started": "#A0AEC0", "in_progress": "#F2A93B", "done": "#2E9E5B", "dropped": "#5A6B7D"}
STATUS_BADGE_COLOURS = {"not_started": "gray", "in_progress": "orange", "done": "green", "dropped": "gray"}

ORIGIN_LABELS = {"section": "Outcome section", "report": "Report text"}
REVIEW_LABELS = {"accepted": "Accepted", "suggested": "Suggested, to review", "rejected": "Rejected"}


def status_label(status: Any) -> str:
    return STATUS_LABELS.get(str(status), str(status))


def kind_label(kind: Any) -> str:
    return KIND_LABELS.get(str(kind), str(kind))


# --- Markdown ----------------------------------------------------------------------------------------------
# What can start markup anywhere in a line (emphasis, code, links, images, HTML, tables, math, strike-through)
# is always escaped, and a colon before a word (Streamlit's :color[…], :material/…: and :emoji: codes, an
# address's "://"); what only starts a block at the start of a line (lists, quotes, headings, rules) is escaped
# there; full stops, parentheses and a colon before a space stay readable.
_INLINE = re.compile(r"([\\`*_\[\]<>|~$])")
_COLON = re.compile(r":(?=[\w/])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_BLOCK_START = re.compile(r"^(\s*)([-+>=]|#+|\d+[.)])(\s|$|[-=]+\s*$)")
_AUTOLINK = re.compile(r"(?i)(\\:(?://)|www\.|@)")


def _defuse_block(match: re.Match[str]) -> str:
    marker = match.group(2)
    # "12." -> "12\.", "-" -> "\-": the escaped character no longer starts a list, quote, heading or rule
    marker = marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else "\\" + marker
    return match.group(1) + marker + match.group(3)


def _escape_line(line: str) -> str:
    line = _INLINE.sub(r"\\\1", line)
    line = _COLON.sub(r"\\:", line)
    line = _ENTITY.sub(r"\\&", line)
    line = _AUTOLINK.sub(lambda m: {"@": r"\@"}.get(m[1], r"\:\/\/" if m[1].startswith("\\") else m[1][:3] + r"\."),
                         line)
    return _BLOCK_START.sub(_defuse_block, line)


def escape_markdown(text: Any, *, one_line: bool = False) -> str:
    """Text that Markdown (Streamlit's, or an exported ``.md``) shows as the characters it is made of, every
    escape a backslash before an ASCII punctuation mark (so removing the backslashes gives the text back).
    Lines stay lines (hard breaks), or with ``one_line`` all whitespace is folded into one line."""
    if text is None:
        return ""
    if one_line:
        return _escape_line(re.sub(r"\s+", " ", str(text)).strip())
    return "  \n".join(_escape_line(line) for line in str(text).split("\n"))


def session_name(year: Any, session_type: Any, number: Any, title: Any = "", limit: int = 0, forum: Any = None,
                 brief: bool = False) -> str:
    """'2024 Open Forum #12 — Title' from whatever is known, 'Ghana IGF 2025 Session #4 — Title' for another
    forum's session (the IGF's own are named as they always were); the title cut at ``limit`` if given.
    ``brief``: the title only when type and number do not name the session."""
    def known(value: Any) -> bool:
        return value is not None and str(value) not in ("", "nan", "<NA>", "None", "NaT")

    other = forum if known(forum) and str(forum) != "IGF" else None
    head = " ".join(str(v) for v in (other, year, session_type, f"#{number}" if known(number) else "") if known(v))
    title = re.sub(r"\s+", " ", str(title)).strip() if known(title) and not (brief and known(number)) else ""
    if limit and len(title) > limit:
        title = title[: limit - 1].rstrip() + "…"
    return f"{head} — {title}" if title and head else (head or title or "unknown session")
