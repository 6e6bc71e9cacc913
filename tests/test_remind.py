"""`tracker remind`: reminders per owner, printed or sent to a real SMTP server (aiosmtpd on 127.0.0.1), and the
calendar of due dates (.ics)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import date, timedelta
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import import_or_fail_in_ci
from tracker import analysis
from tracker.cli import cli
from tracker.services import editing
from tracker.services.editing import set_item
from tracker.store import Store

TODAY = date.today()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """An aiosmtpd handler: keeps every message; refuses recipients at refused.example like a real server."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, N802
        if address.endswith("@refused.example"):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    controller_module = import_or_fail_in_ci("aiosmtpd.controller")
    inbox = Inbox()
    port = free_port()
    controller = controller_module.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def due(analyzed_store: Store) -> tuple[Store, str, list[str]]:
    """A recommendation overdue for ana@example.org; items overdue for Bob (no address), due soon for Cleo,
    due in two months for Ana, and one done (never reminded)."""
    members = analysis.members_frame(analyzed_store)
    rec_id = str(members[members["text"].str.startswith("International cooperation should be strengthened")]
                 ["rec_id"].iat[0])
    editing.set_recommendation(analyzed_store, rec_id, by="Ana", owner="ana@example.org",
                               due_date=(TODAY - timedelta(days=30)).isoformat(), status="in_progress")
    items = list(analyzed_store.query("SELECT item_id FROM items WHERE in_source ORDER BY item_id")["item_id"][:4])
    set_item(analyzed_store, items[0], by="Ana", owner="Bob", due_date=(TODAY - timedelta(days=2)).isoformat())
    set_item(analyzed_store, items[1], by="Ana", owner="Cleo", due_date=(TODAY + timedelta(days=5)).isoformat())
    set_item(analyzed_store, items[2], by="Ana", owner="ana@example.org",
             due_date=(TODAY + timedelta(days=60)).isoformat())
    set_item(analyzed_store, items[3], by="Ana", owner="Bob", due_date=(TODAY - timedelta(days=9)).isoformat(),
             status="done")
    return analyzed_store, rec_id, items


def run(store: Store, *args: str):
    return CliRunner().invoke(cli, ["--db", str(store.path), "remind", *args])


def test_without_smtp_it_prints_each_owners_message(due: tuple[Store, str, list[str]]) -> None:
    store, rec_id, items = due
    result = run(store)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "To: ana@example.org (ana@example.org)" in out and f"Recommendation {rec_id}" in out
    assert "To: (no address) (Bob)" in out and f"Item {items[0]}" in out and "OVERDUE since" in out
    assert f"Item {items[1]}" in out  # due in 5 days: within the 14-day window
    assert items[2] not in out and items[3] not in out  # due in 60 days; done
    assert f"Item {items[2]}" in run(store, "--days", "90").stdout


def test_sends_one_email_per_owner_and_a_refused_address_is_one_line(
        due: tuple[Store, str, list[str]], smtp: tuple[Inbox, int], tmp_path: Path) -> None:
    store, rec_id, items = due
    inbox, port = smtp
    book = tmp_path / "owners.csv"
    book.write_text("owner,address\nBob,bob@refused.example\nCleo,cleo@example.org\n", encoding="utf-8")
    result = run(store, "--smtp", f"127.0.0.1:{port}", "--from", "tracker@example.org", "--addresses", str(book))
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: Bob: the server refused bob@refused.example (550 5.1.1 mailbox unavailable): not sent"]
    assert "Traceback" not in result.output
    received = {m["To"]: m for m in inbox.messages}
    assert set(received) == {"ana@example.org", "cleo@example.org"}
    ana = received["ana@example.org"]
    assert ana["From"] == "tracker@example.org" and ana["Subject"] == "IGF follow-up: 1 overdue, 0 due within 14 days"
    assert f"Recommendation {rec_id}" in ana.get_payload(decode=True).decode()
    assert f"Item {items[1]}" in received["cleo@example.org"].get_payload(decode=True).decode()
    assert "sent to cleo@example.org (Cleo): 1 due, 0 overdue" in result.stdout


def test_a_refused_connection_is_one_line_and_nothing_is_sent(due: tuple[Store, str, list[str]]) -> None:
    store, _, _ = due
    port = free_port()  # nothing listens there
    result = run(store, "--smtp", f"127.0.0.1:{port}", "--from", "tracker@example.org")
    assert result.exit_code == 1
    assert result.stderr.strip() == (f"error: SMTP server 127.0.0.1:{port}: cannot connect (Connection refused); "
                                     "nothing was sent")
    assert store.scalar("SELECT owner FROM recommendations WHERE due_date IS NOT NULL") == "ana@example.org"


def test_bad_addresses_and_settings_are_one_line_each(due: tuple[Store, str, list[str]], smtp: tuple[Inbox, int],
                                                      tmp_path: Path) -> None:
    store, _, _ = due
    inbox, port = smtp
    book = tmp_path / "owners.csv"
    book.write_text("Bob,bob at example\n", encoding="utf-8")
    result = run(store, "--smtp", f"127.0.0.1:{port}", "--from", "tracker@example.org", "--addresses", str(book))
    assert result.exit_code == 1
    assert "error: Bob: 'bob at example' is not an e-mail address: not sent" in result.stderr
    assert "error: Cleo: no e-mail address" in result.stderr
    assert [m["To"] for m in inbox.messages] == ["ana@example.org"]
    bad_from = run(store, "--smtp", f"127.0.0.1:{port}", "--from", "tracker")
    assert bad_from.exit_code == 1 and bad_from.stderr.strip() == "error: --from 'tracker' is not an e-mail address"
    bad_book = tmp_path / "bad.csv"
    bad_book.write_text("Bob\n", encoding="utf-8")
    bad = run(store, "--addresses", str(bad_book))
    assert bad.exit_code == 1 and bad.stderr.strip() == f"error: {bad_book}: line 1: write owner,address"
    no_port = run(store, "--smtp", "localhost", "--from", "tracker@example.org")
    assert no_port.exit_code == 1 and "write HOST:PORT" in no_port.stderr


def test_calendar_of_due_dates(due: tuple[Store, str, list[str]], tmp_path: Path) -> None:
    store, rec_id, items = due
    icalendar = import_or_fail_in_ci("icalendar")
    target = tmp_path / "due.ics"
    assert run(store, "--ics", str(target)).exit_code == 0
    cal = icalendar.Calendar.from_ical(target.read_bytes())
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"recommendation-{rec_id}@igf-recommendations-tracker"} | {
        f"item-{i}@igf-recommendations-tracker" for i in items[:3]}  # every open due date, not the done one
    rec = events[f"recommendation-{rec_id}@igf-recommendations-tracker"]
    assert rec.decoded("DTSTART") == TODAY - timedelta(days=30)
    assert str(rec["SUMMARY"]).startswith("Due: ")
