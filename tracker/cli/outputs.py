"""Commands that write what the tracker holds for people: export, history, brief (the next proposal), report,
remind, evidence."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..errors import TrackerError
from .app import cli, store_for, write_private


@cli.command()
@click.option("--what", type=click.Choice(["items", "sessions", "recommendations", "report-calls"]), default="items",
              show_default=True,
              help="Items (takeaways, calls to action, questions), sessions, recommendations, or report-calls: the "
                   "calls found in the report text that nobody accepted (suggested or rejected; not items).")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.option("--labels", is_flag=True,
              help="Readable headers and values for people (Session, Status 'Not started', Recurring Yes/No) "
                   "instead of the machine names and codes scripts read.")
@click.pass_obj
def export(db: str | None, what: str, fmt: str, out: Path | None, labels: bool) -> None:
    """Export items, sessions, recommendations or the report calls not accepted as CSV, JSON or JSON lines."""
    from ..services.exporting import export_frame, write_frame

    frame = export_frame(store_for(db), what, labels=labels)
    text = write_frame(frame, fmt)
    if out:
        write_private(out, text.encode("utf-8"))
        click.echo(f"wrote {len(frame)} {what.replace('-', ' ')} to {out}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command()
@click.option("--subject", "--item", "subject_id",
              help="Only this item, recommendation (R3), call found in a report, or draft (D1), by its id.")
@click.option("--by", "person", help="Only changes by this person.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="csv", show_default=True)
@click.option("--labels", is_flag=True,
              help="The readable form the dashboard downloads: When (to the second), Who, How, Kind of change, What, "
                   "Change in words, Id; the imports included, with who imported.")
@click.pass_obj
def history(db: str | None, subject_id: str | None, person: str | None, fmt: str, labels: bool) -> None:
    """Show the change log (newest first)."""
    from ..services.exporting import readable, write_frame
    from ..store.queries import history_frame

    store = store_for(db)
    if labels:
        from ..ui.dashboard_data import history_table

        frame = readable(history_table(store, subject_id=subject_id, person=person), "history")
    else:
        frame = history_frame(store, subject_id, person)
    click.echo(write_frame(frame, fmt), nl=False)


@cli.command()
@click.option("--year", type=int, help="The forum the proposal is for (default: the one after the latest session).")
@click.option("--scope", default="since-last", show_default=True,
              help="Which sessions to build on: since-last (since the draft for an earlier forum; every earlier "
                   "year when there is none), all, or years (2024, 2023-2025, 2023,2025).")
@click.option("--draft", "draft_name", help="Write this saved draft (by name, for --year) instead of a fresh one.")
@click.option("--format", "fmt", type=click.Choice(["md", "docx"]), default="md", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write here (needed for docx; md goes to stdout without it).")
@click.option("--internal", is_flag=True,
              help="Add the internal appendix for the organizers: follow-up with statuses, owners and notes, "
                   "policy questions not chosen, SDG suggestions. Never for sending.")
@click.pass_obj
def brief(db: str | None, year: int | None, scope: str, draft_name: str | None, fmt: str, out: Path | None,
          internal: bool) -> None:
    """Write the next session proposal pre-filled from the tracker (title, format, description, at most three
    policy questions, expected outcomes, connection with previous sessions, people and their balance, SDGs) as
    Markdown or Word, ready to send: no status, owner, note, id or to-do unless --internal. Nothing is saved
    in the database."""
    from ..services.planning import brief as make_brief
    from ..services.planning import to_docx, to_markdown

    if fmt == "docx" and not out:
        raise click.UsageError("--format docx needs --out FILE")
    draft = make_brief(store_for(db), year=year, scope=scope, draft_name=draft_name)
    data = to_docx(draft, internal) if fmt == "docx" else to_markdown(draft, internal).encode("utf-8")
    if not out:
        click.echo(data.decode("utf-8"), nl=False)
        return
    write_private(out, data)
    click.echo(f"wrote the proposal for IGF {draft.target_year} ({draft.scope_text}) to {out}", err=True)


@cli.command()
@click.option("--year", type=int, help="The forum the report is made for (default: the one after the latest session).")
@click.option("--scope", default="all", show_default=True,
              help="Which sessions it covers: all (every session before --year), years (2024, 2023-2025, "
                   "2023,2025) or since-last (since the proposal draft for an earlier forum).")
@click.option("--format", "fmt", type=click.Choice(["html", "docx"]), default="html", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file to write.")
@click.option("--internal", is_flag=True, help="Also print the recommendations' notes (left out by default).")
@click.pass_obj
def report(db: str | None, year: int | None, scope: str, fmt: str, out: Path, internal: bool) -> None:
    """Write the progress report to share: progress by the year first made, the recurring recommendations with
    their status, outcome and evidence, what is overdue, calls by addressee, sessions without published outcomes
    and the suggestions still to review. HTML is one self-contained file (opens offline, prints to PDF)."""
    from ..services import report as reporting

    made = reporting.build(store_for(db), year=year, scope=scope, internal=internal)
    data = reporting.to_docx(made) if fmt == "docx" else reporting.to_html(made).encode("utf-8")
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise TrackerError(f"{out}: cannot write ({exc.strerror or exc})") from exc
    click.echo(f"wrote the progress report ({made.scope_text}; {len(made.register)} recommendations) to {out}",
               err=True)


@cli.command()
@click.option("--days", type=click.IntRange(min=0), default=14, show_default=True,
              help="Also remind of what falls due within this many days (overdue things always).")
@click.option("--smtp", help="Send the e-mails through this SMTP server, HOST:PORT (without it: print them).")
@click.option("--from", "sender", help="With --smtp: the sender's e-mail address.")
@click.option("--addresses", type=click.Path(dir_okay=False, path_type=Path),
              help="CSV file of owner,address lines, for owners that are not e-mail addresses.")
@click.option("--ics", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a calendar (.ics) of every open due date to this file.")
@click.pass_obj
def remind(db: str | None, days: int, smtp: str | None, sender: str | None, addresses: Path | None,
           ics: Path | None) -> None:
    """For each owner, the recommendations and items overdue or due within --days: one e-mail each with
    --smtp and --from, else printed as they would be sent."""
    from ..services import remind as reminding

    if smtp and not sender:
        raise click.UsageError("--smtp needs --from ADDRESS")
    store = store_for(db)
    mapping = reminding.load_addresses(addresses) if addresses else {}
    if ics:
        data = reminding.calendar_bytes(reminding.due_entries(store, window=False))
        try:
            ics.write_bytes(data)
        except OSError as exc:
            raise TrackerError(f"{ics}: cannot write ({exc.strerror or exc})") from exc
        click.echo(f"wrote the calendar of due dates to {ics}", err=True)
    letters = reminding.reminders(reminding.due_entries(store, days), mapping)
    if not letters:
        click.echo(f"nothing overdue or due within {days} days")
        return
    if not smtp:
        for r in letters:
            click.echo(f"To: {r.address or '(no address)'} ({r.owner})\nSubject: {r.subject(days)}\n\n{r.body(days)}")
        return
    sent, failed = reminding.send(letters, smtp, sender or "", days)
    for line in sent:
        click.echo(line)
    for line in failed:
        click.echo(f"error: {line}", err=True)
    if failed:
        sys.exit(1)


@cli.command()
@click.argument("subject_id")
@click.option("--link", help="Add this web address (http or https) as evidence.")
@click.option("--file", "file_path", type=click.Path(dir_okay=False, path_type=Path),
              help="Add this file (PDF, .docx or an image) as evidence; it is kept in the database.")
@click.option("--label", default="", help="What it is (default: the address or the file name).")
@click.option("--get", "get_id", type=int, help="Write the file kept as evidence number N to --out.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="With --get: where to write it.")
@click.option("--by", help="Your name, recorded with it (with --link or --file).")
@click.pass_obj
def evidence(db: str | None, subject_id: str, link: str | None, file_path: Path | None, label: str,
             get_id: int | None, out: Path | None, by: str | None) -> None:
    """List, add or fetch the evidence of a recommendation (R3) or an item (its id)."""
    from ..services import evidence as ev

    store = store_for(db)
    subject = ev.subject_of(store, subject_id)
    if get_id is not None:
        if not out:
            raise click.UsageError("--get needs --out FILE")
        name, _, data = ev.evidence_file(store, get_id)
        try:
            out.write_bytes(data)
        except OSError as exc:
            raise TrackerError(f"{out}: cannot write ({exc.strerror or exc})") from exc
        click.echo(f"wrote {name} to {out}", err=True)
        return
    if link or file_path:
        if not by:
            raise click.UsageError("adding evidence needs --by NAME")
        new = ev.add_link(store, subject, subject_id, link, label, by=by) if link else \
            ev.add_path(store, subject, subject_id, file_path, label, by=by)  # type: ignore[arg-type]
        click.echo(f"{subject_id}: evidence {new} added")
        return
    for row in ev.evidence_frame(store, subject, subject_id).itertuples():
        what = row.url if isinstance(row.url, str) else f"file {row.file_name}, {int(row.size):,} bytes"
        click.echo(f"{row.evidence_id}\t{row.label}\t{what}\t{row.added_by}")
