"""The progress report to share: `tracker report` as HTML (self-contained) and Word (one heading per part)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from tracker import analysis
from tracker.cli import cli
from tracker.services import editing
from tracker.services import report as reporting
from tracker.services.register import set_outcome
from tracker.store import Store

HOSTILE = "Cooperation <script>alert(1)</script> & <b>markup</b>"


def cooperation_id(store: Store) -> str:
    members = analysis.members_frame(store)
    return str(members[members["text"].str.startswith("International cooperation should be strengthened")]
               ["rec_id"].iat[0])


@pytest.fixture
def followed(analyzed_store: Store) -> tuple[Store, str]:
    """The cooperation recommendation confirmed (2022-2024), titled with markup, in progress, overdue, with a
    private note."""
    rec_id = cooperation_id(analyzed_store)
    analysis.accept_all(analyzed_store, rec_id, by="Ana")
    editing.set_recommendation(analyzed_store, rec_id, by="Ana", title=HOSTILE, status="in_progress",
                               owner="CFIS", due_date="2026-03-01", notes="Private: call the ministry again")
    return analyzed_store, rec_id


def test_report_parts_count_member_calls_and_list_suggestions_apart(followed: tuple[Store, str]) -> None:
    store, rec_id = followed
    made = reporting.build(store, today=date(2026, 12, 6))
    assert list(made.recurring["rec_id"]) == [rec_id]  # the other recommendations' suggestions are not accepted
    assert made.pending == analysis.review_count(store) > 0
    assert bool(made.register.set_index("rec_id").loc[rec_id, "overdue"])
    progress = made.progress()
    assert progress["recommendations"].sum() == len(made.register)
    assert set(made.missing["year"]) == {2024, 2025}  # the two proposal-only seeds
    assert "tech companies" in set(made.addressees["addressee"])


def test_html_is_self_contained_escaped_and_leaves_notes_out(followed: tuple[Store, str], tmp_path: Path) -> None:
    store, rec_id = followed
    out = tmp_path / "report.html"
    result = CliRunner().invoke(cli, ["--db", str(store.path), "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    for part in reporting.PARTS:
        assert f"<h2>{part}</h2>" in text
    assert "<script>alert(1)</script>" not in text and "Cooperation &lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "Private: call the ministry" not in text
    assert "<script src" not in text and "<link" not in text  # plotly.js inline, no outside file
    assert len(text.encode()) < 5_000_000
    internal = tmp_path / "internal.html"
    CliRunner().invoke(cli, ["--db", str(store.path), "report", "--internal", "--out", str(internal)])
    assert "Private: call the ministry again" in internal.read_text(encoding="utf-8")


def test_docx_has_one_heading_per_part(followed: tuple[Store, str], tmp_path: Path) -> None:
    store, rec_id = followed
    set_outcome(store, rec_id, "partly_implemented", by="Ana", closed_on="2026-11-30")
    out = tmp_path / "report.docx"
    result = CliRunner().invoke(cli, ["--db", str(store.path), "report", "--format", "docx", "--out", str(out)])
    assert result.exit_code == 0, result.output
    doc = Document(io.BytesIO(out.read_bytes()))
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == list(reporting.PARTS)
    body = "\n".join(p.text for p in doc.paragraphs)
    assert f"{HOSTILE} ({rec_id})" in body  # literal text, as runs
    assert "Outcome: Closed — partly implemented" in body and "Years: 2022, 2023, 2024" in body
    assert "Private" not in body


def test_scope_by_years_and_a_bad_scope_is_one_line(followed: tuple[Store, str], tmp_path: Path) -> None:
    store, rec_id = followed
    only_2025 = reporting.build(store, scope="2025")
    assert only_2025.register.empty and list(only_2025.missing["year"]) == [2025]
    result = CliRunner().invoke(cli, ["--db", str(store.path), "report", "--scope", "last year", "--out",
                                      str(tmp_path / "r.html")])
    assert result.exit_code == 1 and result.stderr.startswith("error: scope 'last year'")
    assert not (tmp_path / "r.html").exists()
