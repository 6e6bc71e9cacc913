"""The next proposal: pre-filled fields on the seeds plus a newly imported 2025 report, scopes, drafts that
keep every version, and exports that show document text literally."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import docx
import pytest

import tracker.analysis as analysis
from tracker.reading.people import parse_person
from tracker.services import planning
from tracker.services.editing import set_item, set_recommendation
from tracker.services.importing import import_paths
from tracker.services.planning import PlanningError, md_text
from tracker.store import Store
from tracker.store.loading import load_files
from tracker.store.queries import ItemFilter, history_frame, items_frame
from tracker.ui.dashboard_data import history_table

ROOT = Path(__file__).resolve().parent.parent
REPORT_2025 = ROOT / "tests" / "data" / "pages" / "2025_open_forum_31.txt"
HOSTILE = b"""IGF 2026 Open Forum #99 Hostile markup test

    Call to Action

    A call with <script>alert(1)</script> and **bold** and [a link](javascript:alert(1)) and ![img](x.png).

    Follow-up Questions

    # Why <img src=x onerror=alert(1)> $x^2$ here? See https://example.org
"""


@pytest.fixture
def with_2025(analyzed_store: Store) -> Store:
    """The seeds, analyzed, plus the 2025 Open Forum #31 report imported the way a user imports it, and every
    suggestion of the analysis accepted by a person (the proposal states only what people confirmed)."""
    imported = import_paths(analyzed_store, [REPORT_2025])
    assert imported.report.ok
    for rec_id in analysis.recommendations_frame(analyzed_store).query("pending > 0")["rec_id"]:
        analysis.accept_all(analyzed_store, rec_id, by="Ana")
    return analyzed_store


@pytest.fixture
def unreviewed_2025(analyzed_store: Store) -> Store:
    """As ``with_2025``, with nobody having reviewed the analysis's suggestions yet."""
    assert import_paths(analyzed_store, [REPORT_2025]).report.ok
    return analyzed_store


def test_the_connection_with_previous_sessions_states_only_confirmed_recurrence(unreviewed_2025: Store) -> None:
    store = unreviewed_2025
    recs = analysis.recommendations_frame(store)
    maybe = recs[recs["recurring_suggested"]]
    assert len(maybe) >= 1 and not recs["recurring"].any()  # recurring only through suggestions
    rec = maybe.iloc[0]
    connection = planning.proposal_fields(store).content["connection"]
    assert rec["title"] not in connection and "came back in" not in connection
    analysis.accept_all(store, rec["rec_id"], by="Ana")  # a person says they are the same
    connection = planning.proposal_fields(store).content["connection"]
    n_sessions = int(rec["n_sessions_suggested"])
    words = {2: "two", 3: "three", 4: "four"}
    assert f"“{rec['title']}” came back in {words[n_sessions]} sessions" in connection


def _section(markdown: str, heading: str) -> str:
    return markdown.split(f"## {heading}\n")[1].split("\n## ")[0]


def test_md_text_defuses_markup_but_stays_readable() -> None:
    assert md_text("Children's rights (SDG 16.2), Open Forum #6.") == "Children's rights (SDG 16.2), Open Forum #6."
    assert md_text("<script>x</script> **b** `c` [l](u) $m$ a|b") == \
        "\\<script\\>x\\</script\\> \\*\\*b\\*\\* \\`c\\` \\[l\\](u) \\$m\\$ a\\|b"
    assert md_text("- not a list") == "\\- not a list"
    assert md_text("1. not a list") == "1\\. not a list"
    assert md_text("# not a heading") == "\\# not a heading"
    assert md_text("---") == "\\---" and md_text("===") == "\\==="
    assert md_text("see https://example.org or www.example.org") == "see https\\:\\/\\/example.org or www\\.example.org"
    assert md_text("&lt;b&gt; R&D") == "\\&lt;b\\&gt; R&D"
    assert md_text("many\n  lines") == "many lines"


def test_the_2024_open_questions_are_still_offered_after_a_2025_report(with_2025: Store) -> None:
    proposal = planning.proposal_fields(with_2025)
    assert proposal.target_year == 2026
    assert "2022–2025" in proposal.scope.description  # every earlier year: no earlier draft
    questions = proposal.content["policy_questions"]
    offered = [q["text"] for q in questions]
    open_2024 = items_frame(with_2025, ItemFilter(years=[2024], kinds=["question"]))
    assert len(open_2024) == 9
    for text in open_2024["text"]:
        assert offered.count(planning.as_question(text)) == 1
    # at most three chosen, every one a question, at least one of them an open question of 2024
    chosen = [q for q in questions if q["use"]]
    assert len(chosen) == 3 and all(q["text"].endswith("?") for q in chosen)
    assert sum("2024 Open Forum #6" in q["origin"] for q in chosen) >= 1
    # the phrased question keeps the page's own words in its origin
    metrics = next(q for q in questions if "metrics or standards" in q["text"])
    assert metrics["text"].startswith("What are the specific metrics or standards for evaluating")
    assert "“Specific metrics or standards for evaluating" in metrics["origin"]
    # a question marked done is no longer a candidate
    done = open_2024.iloc[0]
    set_item(with_2025, done["item_id"], by="Ana", status="done")
    offered = [q["text"] for q in planning.proposal_fields(with_2025).content["policy_questions"]]
    assert planning.as_question(done["text"]) not in offered
    assert planning.as_question(open_2024["text"].iloc[1]) in offered


def test_the_default_brief_keeps_a_2024_question_among_its_three(with_2025: Store) -> None:
    block = _section(planning.to_markdown(planning.brief(with_2025)), "Policy questions").strip().splitlines()
    assert len(block) == 3 and [line[:3] for line in block] == ["1. ", "2. ", "3. "]
    open_2024 = items_frame(with_2025, ItemFilter(years=[2024], kinds=["question"]))["text"]
    assert any(md_text(planning.as_question(text)) in "\n".join(block) for text in open_2024)


def test_questions_are_phrased_as_questions() -> None:
    assert planning.as_question("How can AI help?") == "How can AI help?"
    assert planning.as_question("How to address conflicts with privacy") == "How can we address conflicts with privacy?"
    assert planning.as_question("Strategies for protecting children.") == \
        "What are the strategies for protecting children?"
    assert planning.as_question("AI literacy for parents") == "What are the AI literacy for parents?"
    assert planning.as_question("The role of platforms") == "What should be done about the role of platforms?"


def test_each_recurring_recommendation_once_with_its_full_title(with_2025: Store) -> None:
    recs = analysis.recommendations_frame(with_2025, recurring_only=True)
    assert len(recs) >= 1
    long_title = ("International cooperation on the protection of minors online, shared standards across regions "
                  "and knowledge exchange between governments, platforms and child helplines")
    members = analysis.members_frame(with_2025)
    coop = members[members["text"].str.startswith("International cooperation should be strengthened")]["rec_id"].iat[0]
    set_recommendation(with_2025, coop, by="Ana", title=long_title, owner="CFIS", notes="MoU drafted")
    recs = analysis.recommendations_frame(with_2025, recurring_only=True)
    draft = planning.brief(with_2025)
    markdown = planning.to_markdown(draft)
    assert "…" not in markdown
    connection = _section(markdown, "Connection with previous sessions")
    for rec in recs.itertuples():
        lines = [line for line in connection.splitlines() if md_text(rec.title) in line]
        assert len(lines) == 1 and lines[0].startswith(f"- “{md_text(rec.title)}” came back in ")
        assert rec.rec_id not in connection
        assert _section(markdown, "Expected outcomes").count(md_text(rec.title)) == 1
    line = next(x for x in connection.splitlines() if long_title in x)
    assert "four sessions, at IGF 2022, 2023, 2024 and 2025" in line
    assert "2025 Open Forum #31 — Keeping children safe online together" in line
    assert "CFIS" not in markdown and "MoU drafted" not in markdown
    # the organizers' own view of it: in the internal appendix only
    internal = planning.to_markdown(draft, internal=True)
    follow_up = _section(internal, "Internal appendix: for the organizers, not part of the proposal")
    line = next(x for x in follow_up.splitlines() if long_title in x)
    assert f"({coop})" in line and "owner: CFIS" in line and "notes: MoU drafted" in line


def test_sessions_without_outcomes_are_follow_up_tasks(with_2025: Store) -> None:
    past = items_frame(with_2025, ItemFilter(kinds=["action"])).iloc[0]
    set_item(with_2025, past["item_id"], by="Ana", due_date="2025-01-31", owner="UNICEF")
    tasks = planning.proposal_fields(with_2025, today=date(2026, 3, 1)).content["follow_up"].splitlines()
    assert ("Report missing: 2024 Launch / Award Event #30 — Protecting Children from Online Abuse in AI Age — no "
            "outcomes published; ask for the session report") in tasks
    assert any(t.startswith("Report missing: 2025 Open Forum #28 — Responsible Innovation") for t in tasks)
    assert not any(t.startswith("Report missing") and "Open Forum #31" in t for t in tasks)  # its report is in
    assert f"Overdue since 2025-01-31: {past['text']}" in "\n".join(tasks)


def test_speaker_balance_counts_stakeholder_groups_and_regions(seed_store: Store) -> None:
    proposal = planning.proposal_fields(seed_store, 2026, "sessions:2024-launch-award-event-30")
    speakers = proposal.content["speakers"].splitlines()
    assert speakers[0] == "Hui ZHAO, China Federation of Internet Societies, Civil Society, Asia-Pacific Group"
    assert len(speakers) == 5
    table = planning.speaker_balance(proposal.content["speakers"])
    assert table.loc["Civil Society", "Asia-Pacific Group"] == 2
    assert table.loc["Civil Society", "Western European and Others Group"] == 2
    assert table.loc["Private Sector", "Asia-Pacific Group"] == 1
    assert table.loc["Total", "Total"] == 5 and table.loc["Government", "Total"] == 0
    # the 2025 proposal: two UNICEF speakers whose page gives no region, one online
    table = planning.speaker_balance(planning.proposal_fields(seed_store, 2026, "2025").content["speakers"])
    assert table.loc["Intergovernmental Organization", "Not stated"] == 2
    assert table.loc["Civil Society", "Not stated"] == 1 and table.loc["Private Sector", "Asia-Pacific Group"] == 1
    assert table.loc["Total", "Total"] == 5
    # a person typed by hand counts too; a line with neither group nor region counts as not stated
    table = planning.speaker_balance("Ana Díaz, ITU, Intergovernmental Organization, GRULAC\nSomeone\n\n")
    assert table.loc["Intergovernmental Organization", "Latin American and Caribbean Group"] == 1
    assert table.loc["Not stated", "Not stated"] == 1 and table.loc["Total", "Total"] == 2


def test_people_lines_are_read_whatever_the_order_and_case(seed_store: Store) -> None:
    person = parse_person("Chen CHEN, Beijing Baidu Netcom Science Technology Co., Ltd., private sector, "
                          "Asia-Pacific States")
    assert person is not None
    assert (person.organization, person.stakeholder_group, person.region) == \
        ("Beijing Baidu Netcom Science Technology Co., Ltd.", "Private Sector", "Asia-Pacific Group")
    people = planning.people_in_scope(seed_store, 2026, "all")
    hui = people[people["name"].str.casefold().isin(["hui zhao", "zhao hui"])]
    assert len(hui) == 1 and hui["years"].iat[0] == "2022, 2024, 2025"  # "Hui ZHAO", "Zhao Hui", "Hui Zhao"
    # the 2025 page runs its organizers into one line "Organizer 1: … Organizer 2: …"
    organizers = planning.proposal_fields(seed_store, 2026, "2025").content["organizers"]
    assert "Meiqi Luo, Communication University of China, Civil Society, Asia-Pacific Group" in organizers


def test_sdg_targets_and_goals_are_kept_apart_with_suggestions(analyzed_store: Store) -> None:
    for rec_id in analysis.recommendations_frame(analyzed_store).query("pending > 0")["rec_id"]:
        analysis.accept_all(analyzed_store, rec_id, by="Ana")  # suggested from confirmed recurrence only
    content = planning.proposal_fields(analyzed_store, 2026, "all").content
    assert content["sdg_targets"].splitlines() == ["16.1", "16.2", "16.10"]
    assert content["sdg_goals"].splitlines() == ["3", "4", "9", "16"]
    suggestions = content["sdg_suggestions"].splitlines()
    assert any(s.startswith("16.a — International cooperation") for s in suggestions)


def test_scopes(with_2025: Store) -> None:
    ids = planning.resolve_scope(with_2025, "2024", 2026).session_ids
    assert sorted(ids) == ["2024-launch-award-event-30", "2024-open-forum-6"]
    assert len(planning.resolve_scope(with_2025, "2023-2024", 2026).session_ids) == 3
    assert len(planning.resolve_scope(with_2025, "all", 2025).session_ids) == 4  # before the forum only
    for bad in ("last year", "2025-2023", "sessions:nope"):
        with pytest.raises(PlanningError):
            planning.resolve_scope(with_2025, bad, 2026)
    # since the last proposal: once a draft for IGF 2025 exists, the 2026 draft builds on 2025 on
    planning.create_draft(with_2025, "Submitted", 2025, by="Ana")
    scope = planning.resolve_scope(with_2025, "since-last", 2026)
    assert sorted(scope.session_ids) == ["2025-open-forum-28", "2025-open-forum-31"]
    assert "since the draft for IGF 2025" in scope.description


def test_drafts_keep_every_version_and_restore_with_history(seed_store: Store) -> None:
    draft = planning.create_draft(seed_store, "Main", 2026, by="Ana")
    assert draft.version == 1 and draft.content["title"]
    with pytest.raises(PlanningError, match="exists already"):
        planning.create_draft(seed_store, "main", 2026, by="Bo")
    with pytest.raises(PlanningError, match="who is saving"):
        planning.save_draft(seed_store, draft.draft_id, draft.content, by=" ")
    first = dict(draft.content)
    edited = {**first, "title": "Children's safety, together", "description": "Our own words.\nSecond line."}
    assert planning.save_draft(seed_store, draft.draft_id, edited, by="Bo").version == 2
    assert planning.save_draft(seed_store, draft.draft_id, edited, by="Bo").version == 2  # unchanged: no version
    restored = planning.restore_version(seed_store, draft.draft_id, 1, by="Ana")
    assert restored.version == 3 and restored.content == first
    assert planning.load_draft(seed_store, draft.draft_id, 2).content["description"] == "Our own words.\nSecond line."
    versions = planning.draft_versions(seed_store, draft.draft_id)
    assert list(versions["version"]) == [3, 2, 1] and list(versions["saved_by"]) == ["Ana", "Bo", "Ana"]
    assert list(versions["note"]) == ["restored version 1", "changed: Session title, Description", "created"]
    log = history_table(seed_store)
    drafts = log[log["subject"] == "draft"]
    assert list(drafts["changed_by"]) == ["Ana", "Bo", "Ana"]
    assert set(drafts["what"]) == {"Proposal draft 'Main' (IGF 2026)"}
    assert drafts["change"].iat[1].startswith("saved version 2: Session title, Description")
    assert len(history_frame(seed_store, subject_id=f"D{draft.draft_id}")) == 3
    # several drafts per forum, the last saved first
    planning.create_draft(seed_store, "Plan B", 2026, by="Bo", scope="2024")
    assert list(planning.list_drafts(seed_store, 2026)["name"]) == ["Plan B", "Main"]


def test_exports_keep_document_text_literal(seed_store: Store) -> None:
    assert load_files([("hostile.txt", HOSTILE)], seed_store).ok
    draft = planning.create_draft(seed_store, "Literal", 2027, by="Ana", scope="2026")
    content = dict(draft.content)
    content["description"] = "## Not a heading\n**not bold** <b>x</b>"
    draft = planning.save_draft(seed_store, draft.draft_id, content, by="Ana")
    markdown = planning.to_markdown(draft)
    questions = _section(markdown, "Policy questions")
    assert r"1. \# Why \<img src=x onerror=alert(1)\> \$x^2\$ here? See https\:\/\/example.org" in questions
    assert not re.search(r"(?<!\\)(<script|<img|<b>|\*\*not|\$x)", markdown)
    assert "\n## Not a heading" not in markdown and r"\## Not a heading" in markdown
    expected = ["# Session proposal for IGF 2027: Literal"]
    for f in planning.PUBLIC_FIELDS:
        expected.append(f"## {md_text(f.label)}")
        if f.key == "speakers":
            expected.append("### Balance of the speakers: stakeholder groups × regions")
    assert [line for line in markdown.splitlines() if line.startswith("#")] == expected
    document = docx.Document(io.BytesIO(planning.to_docx(draft)))
    texts = [p.text for p in document.paragraphs]
    assert "# Why <img src=x onerror=alert(1)> $x^2$ here? See https://example.org" in texts
    assert "## Not a heading" in texts and "**not bold** <b>x</b>" in texts
    assert not any(p.style.name.startswith("Heading") and "Not a heading" in p.text for p in document.paragraphs)


def test_docx_has_a_heading_per_field_and_lists(with_2025: Store) -> None:
    draft = planning.create_draft(with_2025, "Main", 2026, by="Ana")
    document = docx.Document(io.BytesIO(planning.to_docx(draft)))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [f.label for f in planning.PUBLIC_FIELDS]
    assert document.paragraphs[0].text == "Session proposal for IGF 2026: Main"
    props = document.core_properties
    assert props.author == "Ana" and props.last_modified_by == "Ana"
    assert props.title == "Session proposal for IGF 2026: Main"
    assert props.created is not None and props.created.date() == draft.saved_at.date()
    numbered = [p.text for p in document.paragraphs if p.style.name == "List Number"]
    assert numbered == [q["text"] for q in draft.content["policy_questions"] if q["use"]]
    bullets = [p.text for p in document.paragraphs if p.style.name == "List Bullet"]
    assert draft.content["speakers"].splitlines()[0] in bullets
    balance = document.tables[0]
    assert balance.cell(0, 0).text == "Stakeholder group" and balance.cell(7, 0).text == "Total"
    assert balance.cell(7, 7).text == str(len(draft.content["speakers"].splitlines()))


def test_unticked_reworded_and_reordered_questions_in_the_export(seed_store: Store) -> None:
    draft = planning.create_draft(seed_store, "Main", 2026, by="Ana", scope="2024")
    questions = draft.content["policy_questions"]
    assert len(questions) >= 3
    questions[0]["use"] = False
    questions[1]["text"] = "Reworded: how do we measure safety?"
    questions[1], questions[2] = questions[2], questions[1]
    draft = planning.save_draft(seed_store, draft.draft_id, draft.content, by="Ana")
    block = _section(planning.to_markdown(draft), "Policy questions").strip().splitlines()
    assert block[0] == f"1. {md_text(questions[1]['text'])}" and block[1] == "2. Reworded: how do we measure safety?"
    assert md_text(questions[0]["text"]) not in "\n".join(block)
    assert planning.field_text(draft.content, "policy_questions").splitlines()[1] == \
        "2. Reworded: how do we measure safety?"


def test_on_an_empty_database(store: Store) -> None:
    proposal = planning.proposal_fields(store, today=date(2026, 5, 1))
    assert proposal.target_year == 2026 and proposal.scope.session_ids == []
    markdown = planning.to_markdown(planning.brief(store, today=date(2026, 5, 1)))
    assert markdown.startswith("# Session proposal for IGF 2026") and "_(to write)_" in markdown


def test_brief_writes_a_saved_draft_by_name(seed_store: Store) -> None:
    draft = planning.create_draft(seed_store, "Main", 2026, by="Ana", scope="2024")
    planning.save_draft(seed_store, draft.draft_id, {**draft.content, "title": "Our saved title"}, by="Ana")
    written = planning.brief(seed_store, year=2026, draft_name="main")
    assert written.version == 2 and written.scope_text == "the sessions of 2024"
    markdown = planning.to_markdown(written)
    assert "## Session title\n\nOur saved title\n" in markdown and "Version 2, saved by Ana" in markdown
    with pytest.raises(PlanningError, match="no draft named"):
        planning.brief(seed_store, year=2025, draft_name="Main")


@pytest.mark.slow
def test_the_exports_carry_no_internal_follow_up_unless_asked(with_2025: Store, tmp_path: Path) -> None:
    """What organizers paste into the IGF form: no owner, note, status, due date, id or to-do line, in Markdown
    or Word, from the command line or a saved draft; the internal appendix has them when asked for."""
    from click.testing import CliRunner

    from tracker.cli import cli

    recs = analysis.recommendations_frame(with_2025, recurring_only=True)
    rec = recs.iloc[0]
    set_recommendation(with_2025, rec["rec_id"], by="Ana", status="in_progress", owner="CFIS",
                       notes="Draft letter to UNICEF sent", due_date="2025-02-01")
    calls = items_frame(with_2025, ItemFilter(kinds=["action"]))
    for item_id in calls["item_id"].head(4):
        set_item(with_2025, item_id, by="Ana", status="in_progress", owner="Zed Quill", notes="Asked the ministry",
                 due_date="2025-01-31")
    item_ids = list(items_frame(with_2025)["item_id"])
    forbidden = ["CFIS", "Zed Quill", "owner", "Draft letter to UNICEF sent", "Asked the ministry", "In progress",
                 "Not started", "Done", "Report missing", "Overdue", "2025-01-31", "2025-02-01", "Follow-up for the "
                 "organizers", "Internal appendix", "suggested by the open recommendations"]

    def check(text: str) -> None:
        for word in forbidden:
            assert word not in text, word
        assert not re.search(r"\bR\d+\b", text), re.search(r"\bR\d+\b", text)
        assert not any(i in text for i in item_ids)

    def docx_text(path: Path) -> str:
        document = docx.Document(str(path))
        cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)

    runner = CliRunner()
    db = str(with_2025.path)
    md_out, docx_out, internal_out = tmp_path / "p.md", tmp_path / "p.docx", tmp_path / "internal.md"
    for args in (["--format", "md", "--out", str(md_out)], ["--format", "docx", "--out", str(docx_out)],
                 ["--format", "md", "--internal", "--out", str(internal_out)]):
        result = runner.invoke(cli, ["--db", db, "brief", *args])
        assert result.exit_code == 0, result.output
    check(md_out.read_text(encoding="utf-8"))
    check(docx_text(docx_out))
    # a saved draft too, in both forms
    draft = planning.create_draft(with_2025, "Sent", 2026, by="Ana")
    check(planning.to_markdown(planning.with_scope_text(with_2025, draft)))
    path = tmp_path / "draft.docx"
    path.write_bytes(planning.to_docx(draft))
    check(docx_text(path))
    # asked for: the appendix after the proposal, with the follow-up, statuses, owners and candidates
    internal = internal_out.read_text(encoding="utf-8")
    proposal, appendix = internal.split("## Internal appendix: for the organizers, not part of the proposal")
    check(proposal)
    for word in ("CFIS", "Draft letter to UNICEF sent", "In progress", "Report missing", rec["rec_id"],
                 "Overdue since 2025-01-31", "Policy questions not chosen"):
        assert word in appendix, word
    path.write_bytes(planning.to_docx(draft, internal=True))
    assert "CFIS" in docx_text(path) and "Report missing" in docx_text(path)
