"""Reminders: for each owner, the recommendations and items overdue or due soon, as one e-mail each (sent over
SMTP with smtplib) or printed; and a calendar (.ics, RFC 5545, written with icalendar) of every open due date.

An owner is reached at the address its owner field holds when that is an e-mail address, or at the address an
address file gives it (CSV lines ``owner,address``). A failed delivery is one line naming the owner and the
reason; the other owners' messages are still sent.
"""

from __future__ import annotations

import csv
import re
import smtplib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from ..errors import TrackerError
from ..store import Store
from ..vocabulary import CLOSED_SQL, STATUS_LABELS
from .register import session_labels

ADDRESS = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"'.]+$")
NO_OWNER = "(no owner)"


class ReminderError(TrackerError):
    pass


@dataclass
class Due:
    kind: str  # recommendation | item
    id: str
    text: str  # the recommendation's title or the item's text
    owner: str
    due_date: date
    status: str
    where: str  # the years a recommendation was raised in, or an item's session
    overdue: bool


@dataclass
class Reminder:
    owner: str
    address: str | None
    entries: list[Due] = field(default_factory=list)

    @property
    def overdue(self) -> int:
        return sum(e.overdue for e in self.entries)

    def subject(self, days: int) -> str:
        soon = len(self.entries) - self.overdue
        return f"IGF follow-up: {self.overdue} overdue, {soon} due within {days} days"

    def body(self, days: int) -> str:
        lines = [f"Hello {self.owner},", "",
                 f"These recommendations and items of the IGF Recommendations Tracker are yours and are overdue or "
                 f"due within {days} days:", ""]
        for e in self.entries:
            state = "OVERDUE since" if e.overdue else "due"
            name = "Recommendation" if e.kind == "recommendation" else "Item"
            lines.append(f"- {state} {e.due_date.isoformat()} · {name} {e.id} ({e.where}) · "
                         f"{STATUS_LABELS.get(e.status, e.status)}")
            lines.append(f"  {_short(e.text)}")
        lines += ["", "Update their status in the tracker when they move on.", ""]
        return "\n".join(lines)


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def due_entries(store: Store, days: int = 14, today: date | None = None, *, window: bool = True) -> list[Due]:
    """Open recommendations (a member call still on its page, neither done nor dropped, outcome open) and items
    (on their page, neither done nor dropped) with a due date; with ``window`` only those overdue or due within
    ``days``. Soonest first."""
    today = today or date.today()
    until = today + timedelta(days=days) if window else date.max
    recs = store.read(lambda con: con.execute(f"""
        SELECT r.rec_id, r.title, r.owner, r.due_date, r.status,
               (SELECT list(DISTINCT s.year ORDER BY s.year) FROM memberships m JOIN items i USING (item_id)
                  LEFT JOIN sessions s USING (session_id) WHERE m.rec_id = r.rec_id AND m.state = 'member'
                  AND i.in_source AND s.year IS NOT NULL) AS years
        FROM recommendations r
        WHERE r.due_date IS NOT NULL AND r.due_date <= ? AND r.status NOT IN {CLOSED_SQL}
          AND r.outcome = 'open' AND EXISTS (SELECT 1 FROM memberships m JOIN items i USING (item_id)
                                             WHERE m.rec_id = r.rec_id AND m.state = 'member' AND i.in_source)
        """, [until]).fetchall())
    items = store.read(lambda con: con.execute(f"""
        SELECT item_id, text, owner, due_date, status, session_id FROM items
        WHERE in_source AND due_date IS NOT NULL AND due_date <= ? AND status NOT IN {CLOSED_SQL}
        """, [until]).fetchall())
    labels = session_labels(store) if items else {}
    entries = [Due("recommendation", r[0], r[1], r[2], r[3], r[4],
                   "raised " + ", ".join(str(y) for y in (r[5] or [])) if r[5] else "recommendation", r[3] < today)
               for r in recs]
    entries += [Due("item", i[0], i[1], i[2], i[3], i[4], labels.get(i[5], i[5]), i[3] < today) for i in items]
    return sorted(entries, key=lambda e: (e.due_date, e.kind, e.id))


def load_addresses(path: Path) -> dict[str, str]:
    """owner -> e-mail address from a CSV file of ``owner,address`` lines (a header line and lines starting with
    '#' are skipped)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ReminderError(f"{path}: cannot read the address file ({getattr(exc, 'strerror', None) or exc})") from exc
    mapping: dict[str, str] = {}
    for number, row in enumerate(csv.reader(text.splitlines()), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) != 2:
            raise ReminderError(f"{path}: line {number}: write owner,address")
        if number == 1 and not ADDRESS.match(cells[1]) and cells[1].lower() in ("address", "email", "e-mail"):
            continue
        mapping[cells[0]] = cells[1]
    return mapping


def reminders(entries: list[Due], addresses: dict[str, str] | None = None) -> list[Reminder]:
    """One reminder per owner (owners without any name gathered under NO_OWNER, who cannot be sent anything)."""
    addresses = addresses or {}
    by_owner: dict[str, Reminder] = {}
    for entry in entries:
        owner = entry.owner.strip() or NO_OWNER
        if owner not in by_owner:
            address = addresses.get(owner) or (owner if ADDRESS.match(owner) else None)
            by_owner[owner] = Reminder(owner, None if owner == NO_OWNER else address)
        by_owner[owner].entries.append(entry)
    return sorted(by_owner.values(), key=lambda r: (r.owner == NO_OWNER, r.owner.lower()))


def message(reminder: Reminder, sender: str, days: int) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = reminder.address or ""
    msg["Subject"] = reminder.subject(days)
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    msg.set_content(reminder.body(days))
    return msg


def _server(smtp: str) -> tuple[str, int]:
    host, _, port = smtp.strip().rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ReminderError(f"--smtp {smtp!r}: write HOST:PORT (for example localhost:25)")
    return host.strip("[]"), int(port)


def send(items: list[Reminder], smtp: str, sender: str, days: int,
         timeout: float = 20.0) -> tuple[list[str], list[str]]:
    """Send each reminder that has an address; returns (lines for what was sent, one line per owner not reached).
    A server that cannot be reached raises ReminderError before anything is sent."""
    if not ADDRESS.match(sender.strip()):
        raise ReminderError(f"--from {sender!r} is not an e-mail address")
    host, port = _server(smtp)
    sent: list[str] = []
    failed: list[str] = []
    reachable = [r for r in items if r.address]
    for r in items:
        if r.owner == NO_OWNER:
            failed.append(f"{len(r.entries)} due without an owner: not sent (give them an owner)")
        elif not r.address:
            failed.append(f"{r.owner}: no e-mail address (the owner is not one, and the address file has none): "
                          "not sent")
        elif not ADDRESS.match(r.address):
            failed.append(f"{r.owner}: {r.address!r} is not an e-mail address: not sent")
    reachable = [r for r in reachable if ADDRESS.match(r.address or "")]
    if not reachable:
        return sent, failed
    try:
        server = smtplib.SMTP(host, port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or type(exc).__name__
        raise ReminderError(f"SMTP server {host}:{port}: cannot connect ({reason}); nothing was sent") from None
    try:
        for r in reachable:
            try:
                server.send_message(message(r, sender.strip(), days))
            except smtplib.SMTPRecipientsRefused as exc:
                code, text = next(iter(exc.recipients.values()))
                failed.append(f"{r.owner}: the server refused {r.address} ({code} "
                              f"{text.decode(errors='replace') if isinstance(text, bytes) else text}): not sent")
            except smtplib.SMTPSenderRefused as exc:
                raise ReminderError(f"the SMTP server refused the sender {sender} ({exc.smtp_code}); "
                                    f"{len(sent)} sent before") from None
            except (smtplib.SMTPException, OSError) as exc:
                failed.append(f"{r.owner}: not sent ({exc})")
            else:
                sent.append(f"sent to {r.address} ({r.owner}): {len(r.entries)} due, {r.overdue} overdue")
    finally:
        try:
            server.quit()
        except (smtplib.SMTPException, OSError):
            server.close()
    return sent, failed


def calendar_bytes(entries: list[Due]) -> bytes:
    """An RFC 5545 calendar: one all-day event per due date, with a stable UID so a re-import updates it."""
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", "-//IGF Recommendations Tracker//due dates//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "IGF follow-up due dates")
    stamp = datetime.now(UTC)
    for e in entries:
        event = Event()
        event.add("uid", f"{e.kind}-{e.id}@igf-recommendations-tracker")
        event.add("dtstamp", stamp)
        event.add("dtstart", e.due_date)
        event.add("dtend", e.due_date + timedelta(days=1))
        name = "Recommendation" if e.kind == "recommendation" else "Item"
        event.add("summary", f"Due: {_short(e.text, 80)}")
        event.add("description", f"{name} {e.id} ({e.where})\nOwner: {e.owner or NO_OWNER}\n"
                                 f"Status: {STATUS_LABELS.get(e.status, e.status)}\n\n{e.text}")
        cal.add_component(event)
    return cal.to_ical()
