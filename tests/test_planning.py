"""The proposal brief: sections, ordering, escaping, and that it works with or without analysis."""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

import tracker.analysis as analysis
from tracker.services.editing import set_item
from tracker.services.planning import build_brief, md_text
from tracker.store import Store
from tracker.store.documents import load_files
from tracker.store.queries import ItemFilter, items_frame

HOSTILE = b"""IGF 2026 Open Forum #99 Hostile markup test

    Call to Action

    A call with <script>alert(1)</script> and **bold** and [a link](javascript:alert(1)).

    Follow-up Questions

    Why <img src=x onerror=alert(1)> here?
"""


def test_md_text_defuses_markup_but_stays_readable() -> None:
    assert md_text("Children's rights (SDG 16.2), Open Forum #6.") == "Children's rights (SDG 16.2), Open Forum #6."
    assert md_text("<script>x</script> **b** `c` [l](u) $m$ a|b") == \
        "\\<script\\>x\\</script\\> \\*\\*b\\*\\* \\`c\\` \\[l\\](u) \\$m\\$ a\\|b"
    assert md_text("- not a list") == "\\- not a list"
    assert md_text("1. not a list") == "1\\. not a list"
    assert md_text("# not a heading") == "\\# not a heading"
    assert md_text("&lt;b&gt; R&D") == "\\&lt;b\\&gt; R&D"
    assert md_text("many\n  lines") == "many lines"


def test_brief_on_the_seeds(seed_store: Store) -> None:
    brief = build_brief(seed_store, today=date(2025, 12, 1))
    assert brief.startswith("# Draft brief: session proposal for IGF 2026\n")
    for heading in ("## What keeps coming back", "## Left unresolved by the last sessions",
                    "## Progress to report since the last forum", "## SDG targets used so far"):
        assert heading in brief
    # the 2024 open forum asked follow-up questions and left issues unresolved
    assert "Open questions from 2024" in brief and "Follow-up Questions" in brief
    assert "| 16.2 | 3 | 2022, 2023, 2024 |" in brief
    assert "without published outcomes" in brief


def _recs(**columns) -> pd.DataFrame:
    base = {"rec_id": ["R1", "R2", "R3"],
            "title": ["Twice raised", "Three times raised and with a long title that is never cut in the brief",
                      "Closed one"],
            "n_items": [2, 3, 2], "n_sessions": [2, 3, 2],
            "years": [[2023, 2024], [2022, 2023, 2024], [2022, 2023]], "last_year": [2024, 2024, 2023],
            "recurring": [True, True, True], "status": ["not_started", "in_progress", "done"],
            "owner": ["", "UNICEF China", ""], "due_date": [None, None, None]}
    base.update(columns)
    return pd.DataFrame(base)


def test_brief_reports_progress_and_orders_recurring_recommendations(seed_store: Store, monkeypatch) -> None:
    items = items_frame(seed_store, ItemFilter(kinds=["action"]))
    done, doing = items["id"].iloc[0], items["id"].iloc[1]
    set_item(seed_store, done, by="t", status="done", owner="UNICEF", notes="standard published")
    set_item(seed_store, doing, by="t", status="in_progress")
    monkeypatch.setattr(analysis, "recommendations_frame", lambda store, recurring_only=False: _recs())
    brief = build_brief(seed_store)
    recurring = brief.split("## What keeps coming back")[1].split("## ")[0]
    opened, closed = recurring.split("already done or dropped")
    assert opened.index("Three times raised") < opened.index("Twice raised")
    assert "Closed one" not in opened and "Closed one" in closed
    line = next(x for x in recurring.splitlines() if "Three times" in x)
    assert line == ("- **Three times raised and with a long title that is never cut in the brief** — raised in 3 "
                    "sessions (2022, 2023, 2024); status: In progress; owner: UNICEF China")
    progress = brief.split("## Progress to report since the last forum")[1].split("## ")[0]
    assert "Done:" in progress and "In progress:" in progress
    assert "owner: UNICEF" in progress and "notes: standard published" in progress


def test_brief_lists_each_recurring_recommendation_once_on_the_seeds(seed_store: Store) -> None:
    analysis.analyze(seed_store)
    recs = analysis.recommendations_frame(seed_store, recurring_only=True)
    assert not recs.empty
    brief = build_brief(seed_store)
    recurring = brief.split("## What keeps coming back")[1].split("## ")[0]
    bullets = [line for line in recurring.splitlines() if line.startswith("- **")]
    assert len(bullets) == len(recs)
    for rec in recs.itertuples():
        assert sum(f"**{md_text(rec.title)}**" in line for line in bullets) == 1
    members = analysis.members_frame(seed_store)
    coop = members[members["text"].str.startswith("International cooperation should be strengthened")]
    rec = recs.set_index("rec_id").loc[coop["rec_id"].iat[0]]
    line = next(x for x in bullets if f"**{md_text(rec['title'])}**" in x)
    assert "(2022, 2023, 2024)" in line and "status: Not started" in line and "…" not in line


def test_brief_escapes_document_text(seed_store: Store) -> None:
    assert load_files([("hostile.txt", HOSTILE)], seed_store).ok
    brief = build_brief(seed_store)
    expected = r"- A call with \<script\>alert(1)\</script\> and \*\*bold\*\* and \[a link\](javascript:alert(1))."
    assert expected in brief
    assert not re.search(r"(?<!\\)(<script|<img|\*\*bold)", brief)
    assert "Why \\<img src=x onerror=alert(1)\\> here?" in brief


def test_brief_on_an_empty_database(store: Store) -> None:
    brief = build_brief(store, today=date(2025, 5, 1))
    assert brief.startswith("# Draft brief: session proposal for IGF 2025")
    assert "_No published outcomes yet._" in brief and "_No SDG targets recorded" in brief
