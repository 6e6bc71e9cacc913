"""A draft as Markdown (every text escaped so it shows as written) or as a Word document (plain runs), and one
field as plain text for the IGF form."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import pandas as pd

from ...vocabulary import escape_markdown
from .fields import FIELD_BY_KEY, FIELDS, PUBLIC_FIELDS, Draft, Field
from .people import speaker_balance


def md_text(text: Any) -> str:
    """Text for one line of the exported Markdown (``vocabulary.escape_markdown``, whitespace folded)."""
    return escape_markdown(text, one_line=True)


def _lines(value: Any) -> list[str]:
    return [line.strip() for line in str(value or "").split("\n") if line.strip()]


def field_text(content: Mapping[str, Any], key: str) -> str:
    """One field as plain text, as it goes into the IGF form (for copying field by field)."""
    value = content.get(key)
    if FIELD_BY_KEY[key].kind == "questions":
        used = [q["text"] for q in value or [] if q.get("use", True)]
        return "\n".join(f"{n}. {text}" for n, text in enumerate(used, start=1))
    return str(value or "").strip()


def _title(draft: Draft) -> str:
    return f"Session proposal for IGF {draft.target_year}: {draft.name}"


def _meta(draft: Draft) -> str:
    if draft.version:
        when = f" on {pd.Timestamp(draft.saved_at).strftime('%Y-%m-%d %H:%M')}" if draft.saved_at else ""
        saved = f"Version {draft.version}" + (f", saved by {draft.saved_by}" if draft.saved_by else "") + when
    else:
        saved = f"Pre-filled from the tracker on {date.today().isoformat()}, not saved"
    return f"{saved}; scope: {draft.scope_text or draft.scope}"


INTERNAL_HEADING = "Internal appendix: for the organizers, not part of the proposal"
CANDIDATES_LABEL = "Policy questions not chosen (candidates)"


def _sections(draft: Draft, internal: bool) -> list[tuple[int, Field]]:
    """The fields an export writes, with their heading level: the proposal's fields, then (when asked for) the
    organizers' own fields under the internal appendix."""
    out = [(2, f) for f in PUBLIC_FIELDS]
    if internal:
        out += [(3, f) for f in FIELDS if not f.public]
    return out


def _candidates(draft: Draft) -> list[str]:
    return [q["text"] + (f" ({q['origin']})" if q.get("origin") else "")
            for q in draft.content.get("policy_questions") or [] if not q.get("use", True)]


def to_markdown(draft: Draft, internal: bool = False) -> str:
    """The draft as Markdown: our headings and lists; every text from the draft escaped so that it shows as
    written (no link, image, heading or formula can come from a page or a field). The organizers' own fields
    (follow-up, statuses, owners, notes, suggestions) only with ``internal``, in an appendix after the proposal."""
    out = [f"# {md_text(_title(draft))}", ""]
    out += [f"_{md_text(_meta(draft))}_", ""]
    for level, f in _sections(draft, internal):
        if level == 3 and f is next(x for x in FIELDS if not x.public):
            out += [f"## {md_text(INTERNAL_HEADING)}", "", f"### {md_text(CANDIDATES_LABEL)}", ""]
            out += [f"- {md_text(line)}" for line in _candidates(draft)] or ["_(none)_"]
            out.append("")
        out += [f"{'#' * level} {md_text(f.label)}", ""]
        value = draft.content.get(f.key)
        if f.kind == "questions":
            used = [q["text"] for q in value or [] if q.get("use", True)]
            out += [f"{n}. {md_text(t)}" for n, t in enumerate(used, start=1)] or ["_(none chosen)_"]
        elif f.kind == "lines":
            out += [f"- {md_text(line)}" for line in _lines(value)] or ["_(to write)_"]
        else:
            paragraphs = _lines(value)
            out += [p for line in paragraphs for p in (md_text(line), "")][:-1] or ["_(to write)_"]
        out.append("")
        if f.key == "speakers":
            out += ["### Balance of the speakers: stakeholder groups × regions", ""]
            out += _markdown_table(speaker_balance(value or ""))
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def _markdown_table(table: pd.DataFrame) -> list[str]:
    header = [table.index.name or ""] + [str(c) for c in table.columns]
    lines = ["| " + " | ".join(md_text(h) for h in header) + " |", "|" + "---|" * len(header)]
    for label, row in table.iterrows():
        lines.append("| " + " | ".join([md_text(label)] + [str(int(v)) for v in row]) + " |")
    return lines


_XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _plain(text: Any) -> str:
    return _XML_INVALID.sub("", str(text or ""))


def to_docx(draft: Draft, internal: bool = False) -> bytes:
    """The draft as a Word document: a heading per field, lists as Word lists, the balance as a table; every
    text from the draft goes in as a plain run. Its properties name the draft, its editor and its date (not the
    library's template); the organizers' own fields only with ``internal``, as an appendix."""
    from docx import Document

    doc = Document()
    props = doc.core_properties
    when = pd.Timestamp(draft.saved_at).to_pydatetime() if draft.saved_at else datetime.now()
    editor = _plain(draft.saved_by or draft.created_by or "")
    props.title = _plain(_title(draft))
    props.subject = _plain(f"IGF {draft.target_year} session proposal")
    props.author = editor
    props.last_modified_by = editor
    props.created = props.modified = when
    props.revision = max(1, int(draft.version or 1))
    props.comments = props.keywords = props.category = ""
    doc.add_heading(_plain(_title(draft)), level=0)
    doc.add_paragraph(_plain(_meta(draft)))
    for level, f in _sections(draft, internal):
        if level == 3 and f is next(x for x in FIELDS if not x.public):
            doc.add_heading(INTERNAL_HEADING, level=1)
            doc.add_heading(CANDIDATES_LABEL, level=2)
            for line in _candidates(draft) or ["(none)"]:
                doc.add_paragraph(_plain(line), style="List Bullet")
        doc.add_heading(_plain(f.label), level=level - 1)
        value = draft.content.get(f.key)
        if f.kind == "questions":
            used = [q["text"] for q in value or [] if q.get("use", True)]
            for text in used:
                doc.add_paragraph(_plain(text), style="List Number")
            if not used:
                doc.add_paragraph("(none chosen)")
        elif f.kind == "lines":
            for line in _lines(value):
                doc.add_paragraph(_plain(line), style="List Bullet")
            if not _lines(value):
                doc.add_paragraph("(to write)")
        else:
            for line in _lines(value) or ["(to write)"]:
                doc.add_paragraph(_plain(line))
        if f.key == "speakers":
            doc.add_heading("Balance of the speakers: stakeholder groups × regions", level=2)
            table = speaker_balance(value or "")
            grid = doc.add_table(rows=len(table) + 1, cols=len(table.columns) + 1)
            grid.style = "Table Grid"
            grid.cell(0, 0).text = str(table.index.name or "")
            for c, column in enumerate(table.columns, start=1):
                grid.cell(0, c).text = str(column)
            for r, (label, row) in enumerate(table.iterrows(), start=1):
                grid.cell(r, 0).text = str(label)
                for c, v in enumerate(row, start=1):
                    grid.cell(r, c).text = str(int(v))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
