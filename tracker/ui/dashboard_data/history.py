"""The change log in words: every history row described with full values and names for its ids, the
loads of files, and what an import did."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from ...store import Store
from ...store.dashboard import draft_names, loaded_files, recommendation_titles
from ...store.queries import history_frame
from ...vocabulary import status_label
from .labels import FIELD_LABELS, HISTORY_KINDS, VIA_LABELS, blank, recommendation_name, session_label


def history_table(store: Store, subject_id: str | None = None, person: str | None = None,
                  limit: int = 5000) -> pd.DataFrame:
    """The change log, newest first, in readable rows: changed_at, changed_by, kind (``HISTORY_KINDS``),
    subject ('item' | 'recommendation' | 'report_call' | 'draft' | 'person' | 'document'), subject_id, what (the
    item's or the report call's full text, the recommendation's id and title, the draft's name and forum, or the
    file and its session), change ("Status: Not started → In progress", "moved to R3 'International
    cooperation'", "saved version 3", "imported … : 8 items"), how ("in the dashboard"), via, and the raw field,
    old_value and new_value. Imports are the last load of each file (the store keeps no more); they are left
    out when one subject or person is asked for."""
    log = history_frame(store, subject_id, person, limit)
    titles = recommendation_titles(store)
    drafts = {f"D{i}": f"Proposal draft '{name}' (IGF {year})" for i, name, year in draft_names(store)}
    columns = ["changed_at", "changed_by", "kind", "subject", "subject_id", "what", "change", "how", "via", "field",
               "old_value", "new_value"]
    if not log.empty:
        log["what"] = [text if subject in ("item", "report_call") and isinstance(text, str) else
                       ("Recommendation " + recommendation_name(sid, titles.get(sid)) if subject == "recommendation"
                        else drafts.get(sid, str(sid)) if subject == "draft" else str(sid))
                       for subject, sid, text in zip(log["subject"], log["subject_id"], log["subject_text"],
                                                     strict=True)]
        log["change"] = [describe_change(f, old, new, via, titles) for f, old, new, via in
                         zip(log["field"], log["old_value"], log["new_value"], log["via"], strict=True)]
        log["kind"] = [HISTORY_KINDS["decision"] if f in ("recommendation", "not_same", "not_same_started", "created",
                                                          "merged_into", "review") else
                       HISTORY_KINDS[subject if subject in ("recommendation", "person", "draft") else "item"]
                       for f, subject in zip(log["field"], log["subject"], strict=True)]
    parts = [log.reindex(columns=columns)] if not log.empty else []
    if subject_id is None and person is None:
        imports = _imports(store)
        if not imports.empty:
            parts.append(imports.reindex(columns=columns))
    if not parts:
        return pd.DataFrame(columns=columns)
    table = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    table["how"] = table["via"].map(lambda v: VIA_LABELS.get(str(v), "" if blank(v) else f"via {v}"))
    table = table.sort_values("changed_at", ascending=False, kind="stable", na_position="last")
    return table.reset_index(drop=True)[columns]


def _imports(store: Store) -> pd.DataFrame:
    """One row per loaded file: when it was last loaded and by whom, what session it is and how many items it
    gave."""
    docs = loaded_files(store)
    if docs.empty:
        return pd.DataFrame()
    label = [session_label(y, t, n, title, 80, forum) for forum, y, t, n, title in
             zip(docs["forum"], docs["year"], docs["session_type"], docs["number"], docs["title"], strict=True)]
    return pd.DataFrame({
        "changed_at": docs["loaded_at"], "changed_by": docs["loaded_by"].fillna(""), "kind": HISTORY_KINDS["import"],
        "subject": "document",
        "subject_id": docs["source"], "what": label,
        "change": [f"imported {src}: {int(n)} item{'s' if int(n) != 1 else ''}" if int(n) else
                   f"imported {src}: no published outcomes" for src, n in zip(docs["source"], docs["item_count"],
                                                                          strict=True)],
        "via": "load", "field": "import", "old_value": None, "new_value": docs["item_count"].astype(str)})


def describe_change(field_name: str, old: Any, new: Any, via: Any, titles: Mapping[str, str]) -> str:
    """One history row in words, with full values (nothing cut)."""
    old = "" if blank(old) else str(old)
    new = "" if blank(new) else str(new)

    def rec(rec_id: str) -> str:
        return recommendation_name(rec_id, titles.get(rec_id))

    if field_name == "recommendation":
        if old.startswith("suggested: ") and old[len("suggested: "):] == new:
            return f"accepted into {rec(new)} (same recommendation)"
        if not old:
            return f"placed in {rec(new)}"
        how = " by the re-analysis" if via == "reanalysis" else ""
        if old.startswith("suggested: "):  # it was only a suggestion there, never in it
            return f"placed{how} in {rec(new)} (it had been suggested for {rec(old.removeprefix('suggested: '))})"
        return f"moved{how} to {rec(new)} (from {rec(old)})"
    if field_name in ("not_same", "not_same_started"):
        turned_down = ", ".join(rec(r.strip()) for r in old.split(",") if r.strip())
        done = "started" if field_name == "not_same_started" else "added to"
        return f"not the same as {turned_down}; {done} {rec(new)}"
    if field_name == "created":
        return "started this recommendation" + (f", titled '{new}'" if new else "")
    if field_name == "merged_into":
        return f"merged into {rec(new)}"
    if field_name == "review":  # a call found in the report text
        return {"accepted": "accepted as a call to action from the report text",
                "rejected": "rejected: not a call to action"}.get(new, f"review: {old} → {new}")
    if field_name == "draft_created":
        return f"started the draft, version 1: {new}"
    if field_name == "draft_saved":
        return f"saved version {new}"
    label = FIELD_LABELS.get(field_name, field_name)
    if field_name == "status":
        old, new = (status_label(v) if v else "" for v in (old, new))
    return f"{label}: {old or '(empty)'} → {new or '(empty)'}"


def import_summary(imported: Any) -> str:
    """What an import did, in words: one sentence per file, then what the analysis placed."""
    sentences = []
    for result in imported.report.results:
        items = f"{result.items} item{'s' if result.items != 1 else ''}"
        if result.replaced and result.status in ("added", "updated"):
            gone = f", {result.items_gone} no longer on the page (kept, marked removed)" if result.items_gone else ""
            sentences.append(f"{result.source} replaced {', '.join(result.replaced)} (the same session's page): "
                             f"{result.items_new} new item(s){gone}.")
        elif result.status == "added":
            sentences.append(f"Added {result.source}: {items}.")
        elif result.status == "updated":
            gone = f", {result.items_gone} no longer on the page (kept, marked removed)" if result.items_gone else ""
            sentences.append(f"Updated {result.source}: {result.items_new} new item(s){gone}.")
        elif result.status == "unchanged":
            sentences.append(f"{result.source} was already imported with the same content: nothing changed.")
        else:
            sentences.append(f"Not imported: {result.error}")
    if imported.analysis:
        sentences.append(f"Analysis: {imported.analysis}")
    return " ".join(sentences)
