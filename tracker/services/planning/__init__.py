"""The next forum proposal: a draft shaped like the IGF session proposal, pre-filled from the tracker, saved
in DuckDB with every version kept, and exported as Markdown or Word.

``proposal_fields`` fills the proposal's fields (``FIELDS``) from the sessions of a *scope*:

- ``since-last`` (the default): the sessions since the last proposal drafted here, i.e. of the years from the
  target year of the latest draft for an earlier forum up to the year before this one. With no such draft,
  every earlier year: the scope is never silently narrowed to the latest year.
- ``all``: every session before the target year.
- years: ``2024``, ``2023-2025`` or ``2023,2025``.
- ``sessions:ID,ID``: chosen sessions (the dashboard's session picker).

What is still open stays open: unresolved issues and follow-up questions of every session in scope that are not
done or dropped become policy-question candidates, whatever their year. Drafts are plain text (document text is
never markup); the exports escape it for Markdown and write plain runs in Word.

No Streamlit here: the dashboard page and ``tracker brief`` call these functions. One module a job: ``fields``
(the proposal's shape), ``scope``, ``people``, ``prefill``, ``drafts`` (storage, versions, history) and ``render``
(Markdown, Word); this package re-exports their public names.
"""

from __future__ import annotations

from ...vocabulary import CLOSED_STATUSES as CLOSED
from .drafts import (
    brief,
    create_draft,
    draft_subject,
    draft_versions,
    find_draft,
    list_drafts,
    load_draft,
    refill_draft,
    restore_version,
    save_draft,
    with_scope_text,
)
from .fields import FIELD_KEYS, FIELDS, PUBLIC_FIELDS, Draft, Field, PlanningError, clean_content, empty_content
from .people import speaker_balance
from .prefill import FORMATS, THEME_SDGS, TICKED, Proposal, as_question, people_in_scope, proposal_fields
from .render import CANDIDATES_LABEL, INTERNAL_HEADING, field_text, md_text, to_docx, to_markdown
from .scope import Scope, default_target_year, resolve_scope

__all__ = [
    "CANDIDATES_LABEL", "CLOSED", "FIELDS", "FIELD_KEYS", "FORMATS", "INTERNAL_HEADING", "PUBLIC_FIELDS", "THEME_SDGS",
    "TICKED", "Draft", "Field", "PlanningError", "Proposal", "Scope", "as_question", "brief", "clean_content",
    "create_draft", "default_target_year", "draft_subject", "draft_versions", "empty_content", "field_text",
    "find_draft", "list_drafts", "load_draft", "md_text", "people_in_scope", "proposal_fields", "refill_draft",
    "resolve_scope", "restore_version", "save_draft", "speaker_balance", "to_docx", "to_markdown", "with_scope_text",
]
