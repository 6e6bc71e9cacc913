"""Evidence on recommendations and items: links and small files kept in the database, downloadable again, bad
files refused with one line, shown in the register and the report as text."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from click.testing import CliRunner
from docx import Document

from tracker import analysis
from tracker.cli import cli
from tracker.reading.models import BadInput
from tracker.services import evidence as ev
from tracker.services import report as reporting
from tracker.services.register import readable_register, register_frame
from tracker.store import Store
from tracker.store.queries import history_frame

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")


def docx_bytes(text: str) -> bytes:
    doc = Document()
    doc.add_paragraph(text)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def rec(analyzed_store: Store) -> tuple[Store, str]:
    members = analysis.members_frame(analyzed_store)
    rec_id = str(members[members["text"].str.startswith("International cooperation should be strengthened")]
                 ["rec_id"].iat[0])
    analysis.accept_all(analyzed_store, rec_id, by="Ana")
    return analyzed_store, rec_id


def test_links_and_files_are_kept_and_downloadable(rec: tuple[Store, str]) -> None:
    store, rec_id = rec
    link = ev.add_link(store, "recommendation", rec_id, "https://example.org/toolkit.pdf", "Toolkit published",
                       by="Ana")
    letter = docx_bytes("Letter to the ministry")
    kept = ev.add_file(store, "recommendation", rec_id, "C:\\Users\\ana\\letter.docx", letter, by="Ben")
    frame = ev.evidence_frame(store, "recommendation", rec_id)
    assert list(frame["evidence_id"]) == [link, kept]
    assert frame.iloc[1]["file_name"] == "letter.docx" and frame.iloc[1]["size"] == len(letter)
    assert frame.iloc[1]["added_by"] == "Ben" and frame.iloc[1]["media_type"].endswith("wordprocessingml.document")
    assert ev.evidence_file(store, kept) == ("letter.docx", frame.iloc[1]["media_type"], letter)
    row = readable_register(register_frame(store)).set_index("Id").loc[rec_id]
    assert row["Evidence"] == "Toolkit published <https://example.org/toolkit.pdf>; letter.docx (file letter.docx)"
    html = reporting.to_html(reporting.build(store))
    assert "<a href='https://example.org/toolkit.pdf' rel='noopener noreferrer'>Toolkit published</a>" in html
    log = history_frame(store, subject_id=rec_id)
    assert (log["field"] == "evidence").sum() == 2
    ev.remove_evidence(store, link, by="Ana")
    assert list(ev.evidence_frame(store, "recommendation", rec_id)["evidence_id"]) == [kept]
    assert store.scalar("SELECT removed_by FROM evidence WHERE evidence_id = ?", [link]) == "Ana"  # row kept


def test_an_item_carries_evidence_too(rec: tuple[Store, str]) -> None:
    store, _ = rec
    item = str(store.scalar("SELECT min(item_id) FROM items"))
    ev.add_file(store, "item", item, "photo.png", PNG, "Photo of the workshop", by="Ana")
    assert ev.evidence_frame(store, "item", item).iloc[0]["media_type"] == "image/png"


@pytest.mark.parametrize(("name", "data", "reason"), [
    ("page.html", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "web pages are not kept as evidence"),
    ("logo.svg", b"<?xml version='1.0'?><svg onload='alert(1)'></svg>", "SVG images can carry scripts"),
    ("report.pdf", b"MZ\x90\x00 not really a pdf", "not a file kept as evidence"),
    ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old Office file"),
    ("empty.pdf", b"", "empty file"),
])
def test_bad_files_are_refused_with_one_line_and_nothing_is_kept(rec: tuple[Store, str], name: str, data: bytes,
                                                                 reason: str) -> None:
    store, rec_id = rec
    with pytest.raises(BadInput) as refused:
        ev.add_file(store, "recommendation", rec_id, name, data, by="Ana")
    assert str(refused.value).startswith(f"{name}: ") and reason in str(refused.value)
    assert "\n" not in str(refused.value)
    assert ev.evidence_frame(store, "recommendation", rec_id).empty


def test_a_broken_docx_and_bad_links_are_refused(rec: tuple[Store, str]) -> None:
    store, rec_id = rec
    broken = docx_bytes("x")[:-200]  # cut short, as a failed download leaves it
    with pytest.raises(BadInput, match="broken Word file"):
        ev.add_file(store, "recommendation", rec_id, "cut.docx", broken, by="Ana")
    for url in ("javascript:alert(1)", "file:///etc/passwd", "https://example.org/a b", "example.org"):
        with pytest.raises(ev.EvidenceError, match="is not a web address"):
            ev.add_link(store, "recommendation", rec_id, url, by="Ana")
    with pytest.raises(ev.EvidenceError, match="unknown recommendation 'R999'"):
        ev.add_link(store, "recommendation", "R999", "https://example.org", by="Ana")
    assert ev.evidence_frame(store, "recommendation", rec_id).empty


def test_cli_adds_lists_and_writes_back_a_file(rec: tuple[Store, str], tmp_path: Path) -> None:
    store, rec_id = rec
    runner = CliRunner()
    db = ["--db", str(store.path)]
    letter = tmp_path / "letter.docx"
    letter.write_bytes(docx_bytes("Signed"))
    added = runner.invoke(cli, [*db, "evidence", rec_id, "--file", str(letter), "--label", "Signed letter",
                                "--by", "Ana"])
    assert added.exit_code == 0, added.output
    runner.invoke(cli, [*db, "evidence", rec_id, "--link", "https://example.org/t", "--by", "Ana"])
    listed = runner.invoke(cli, [*db, "evidence", rec_id]).stdout.splitlines()
    assert len(listed) == 2 and "Signed letter\tfile letter.docx" in listed[0]
    number = listed[0].split("\t")[0]
    out = tmp_path / "back.docx"
    assert runner.invoke(cli, [*db, "evidence", rec_id, "--get", number, "--out", str(out)]).exit_code == 0
    assert out.read_bytes() == letter.read_bytes()
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"#!/bin/sh\necho hi\n")
    refused = runner.invoke(cli, [*db, "evidence", rec_id, "--file", str(fake), "--by", "Ana"])
    assert refused.exit_code == 1 and refused.stderr.strip().startswith("error: fake.pdf: not a file kept as evidence")
    assert "Traceback" not in refused.output
