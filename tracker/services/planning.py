"""A draft brief for next year's session proposal, as Markdown, from what is in the database.

Sections: what keeps coming back (each recurring recommendation once, by its full title, with years,
sessions, status and owner; open ones first), what the last sessions left unresolved, what was done since
(to report as progress), and the SDG targets used so far.
Works without Streamlit; the dashboard only shows it in an editable text box.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date
from typing import Any

import pandas as pd

from ..store import Store
from ..store.queries import ItemFilter, items_frame, sessions_frame
from ..ui.dashboard_data import STATUS_LABELS, session_label

_INLINE = re.compile(r"([\\`*_\[\]<>|~$])")
_ENTITY = re.compile(r"&(?=#?\w+;)")
_BLOCK_START = re.compile(r"^(\s*)([-+>]|#+|\d+[.)])(\s|$)")


def md_text(text: Any) -> str:
    """Document text for a Markdown line: inline markup escaped, kept readable for editing.

    Lighter than ``escape_markdown`` (full stops, parentheses and '#' stay as written) because people
    edit this file: emphasis, code, links, HTML tags, tables and math are escaped, and a line
    that would start a list or quote is defused.
    """
    text = re.sub(r"\s+", " ", str(text or "")).strip()
    text = _INLINE.sub(r"\\\1", text)
    text = _ENTITY.sub(r"\\&", text)
    return _BLOCK_START.sub(_defuse_block, text)


def _defuse_block(match: re.Match[str]) -> str:
    marker = match.group(2)
    # "12." -> "12\.", "-" -> "\-": the escaped character no longer starts a list, quote or heading
    marker = marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else "\\" + marker
    return match.group(1) + marker + match.group(3)


def _years(values: Any) -> str:
    try:
        years = sorted({int(v) for v in values})
    except TypeError:
        return ""
    return ", ".join(str(y) for y in years)


def _recommendation_line(rec: pd.Series) -> str:
    status = STATUS_LABELS.get(str(rec["status"]), str(rec["status"]))
    owner = f"; owner: {md_text(rec['owner'])}" if rec["owner"] else ""
    due = ""
    if rec["due_date"] is not None and not pd.isna(rec["due_date"]):
        due = f"; due {pd.Timestamp(rec['due_date']).date().isoformat()}"
    return (f"- **{md_text(rec['title'])}** — raised in {int(rec['n_sessions'])} sessions "
            f"({_years(rec['years'])}); status: {status}{owner}{due}")


def _recurring_section(store: Store) -> list[str]:
    """What keeps coming back: each recurring recommendation once, by its full title, open ones first."""
    from ..analysis import recommendations_frame

    lines = ["## What keeps coming back", ""]
    recs = recommendations_frame(store, recurring_only=True)
    if recs.empty:
        lines += ["_No recommendation was raised in more than one session yet (after an import the analysis "
                  "runs by itself; `python -m tracker analyze` runs it again)._", ""]
        return lines
    recs = recs.sort_values(["n_sessions", "n_items", "last_year"], ascending=[False, False, False], kind="stable")
    closed = recs["status"].isin(["done", "dropped"])
    if closed.all():
        lines += ["_Every recurring recommendation is done or dropped._", ""]
    else:
        lines += ["Recommendations raised in more than one session and still open — most recurring first:", ""]
        lines += [_recommendation_line(rec) for _, rec in recs[~closed].iterrows()]
        lines.append("")
    if closed.any():
        lines += ["Recurring recommendations already done or dropped:", ""]
        lines += [_recommendation_line(rec) for _, rec in recs[closed].iterrows()]
        lines.append("")
    return lines


def _latest_with_outcomes(items: pd.DataFrame) -> int | None:
    years = items["year"].dropna()
    return int(years.max()) if not years.empty else None


def _unresolved_section(items: pd.DataFrame) -> list[str]:
    lines = ["## Left unresolved by the last sessions", ""]
    latest = _latest_with_outcomes(items)
    if latest is None:
        return lines + ["_No published outcomes yet._", ""]
    recent = items[(items["year"] == latest) & ~items["status"].isin(["done", "dropped"])]
    questions = recent[recent["kind"] == "question"]
    actions = recent[recent["kind"] == "action"]
    if questions.empty and actions.empty:
        return lines + [f"_Nothing open from the {latest} sessions._", ""]
    if not questions.empty:
        lines += [f"Open questions from {latest}:", ""]
        for section, part in questions.groupby("section", sort=False):
            lines.append(f"*{md_text(section or 'Questions')}*")
            lines.append("")
            lines += [f"- {md_text(t)}" for t in part["text"]]
            lines.append("")
    if not actions.empty:
        lines += [f"Calls to action from {latest} not yet done:", ""]
        for _, item in actions.iterrows():
            status = STATUS_LABELS.get(item["status"], item["status"])
            owner = f"; owner: {md_text(item['owner'])}" if item["owner"] else ""
            lines.append(f"- {md_text(item['text'])} ({status}{owner})")
        lines.append("")
    return lines


def _progress_section(items: pd.DataFrame, sessions: pd.DataFrame) -> list[str]:
    lines = ["## Progress to report since the last forum", ""]
    done = items[items["status"] == "done"]
    doing = items[items["status"] == "in_progress"]
    if done.empty and doing.empty:
        return lines + ["_No item is marked done or in progress yet: update the Tracker before drafting._", ""]
    labels = {r.session_id: session_label(r.year, r.type, r.number) for r in sessions.itertuples()}
    for title, part in (("Done", done), ("In progress", doing)):
        if part.empty:
            continue
        lines += [f"{title}:", ""]
        for _, item in part.iterrows():
            extra = []
            if item["owner"]:
                extra.append(f"owner: {md_text(item['owner'])}")
            if item["notes"]:
                extra.append(f"notes: {md_text(item['notes'])}")
            if pd.notna(item["updated_at"]):
                extra.append(f"updated {pd.Timestamp(item['updated_at']).date().isoformat()}")
            session = md_text(labels.get(item["session_id"], item["session_id"]))
            lines.append(f"- {md_text(item['text'])} — _{session}_" + (f" ({'; '.join(extra)})" if extra else ""))
        lines.append("")
    return lines


def _sdg_section(sessions: pd.DataFrame) -> list[str]:
    lines = ["## SDG targets used so far", ""]
    used: Counter[str] = Counter()
    years: dict[str, set[int]] = {}
    for _, session in sessions.iterrows():
        for target in str(session["sdgs"] or "").split():
            used[target] += 1
            if pd.notna(session["year"]):
                years.setdefault(target, set()).add(int(session["year"]))
    if not used:
        return lines + ["_No SDG targets recorded on the session pages._", ""]

    def sort_key(target: str) -> tuple:
        return tuple(int(p) if p.isdigit() else 0 for p in target.split("."))

    lines += ["| Target | Sessions | Years |", "|---|---|---|"]
    for target in sorted(used, key=sort_key):
        lines.append(f"| {md_text(target)} | {used[target]} | {_years(years.get(target, []))} |")
    lines.append("")
    return lines


def build_brief(store: Store, today: date | None = None) -> str:
    """The draft brief as Markdown; every text taken from a document is escaped."""
    today = today or date.today()
    items = items_frame(store, ItemFilter(include_removed=False))
    sessions = sessions_frame(store)
    last_year = int(sessions["year"].max()) if not sessions.empty and sessions["year"].notna().any() else None
    next_year = (last_year + 1) if last_year else today.year
    reported = sessions[sessions["has_outcomes"].astype(bool)] if not sessions.empty else sessions
    silent = sessions[~sessions["has_outcomes"].astype(bool)] if not sessions.empty else sessions
    lines = [f"# Draft brief: session proposal for IGF {next_year}", "",
             f"_Drafted {today.isoformat()} from {len(sessions)} sessions "
             f"({len(reported)} with published outcomes) and {len(items)} items. Edit before sending._", ""]
    if not silent.empty:
        names = "; ".join(md_text(session_label(r.year, r.type, r.number, r.title)) for r in silent.itertuples())
        lines += [f"Sessions without published outcomes (nothing to follow up): {names}", ""]
    lines += _recurring_section(store)
    lines += _unresolved_section(items)
    lines += _progress_section(items, sessions)
    lines += _sdg_section(sessions)
    return "\n".join(lines).rstrip() + "\n"
