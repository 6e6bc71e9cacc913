"""`tracker …` (or `python -m tracker …`): load pages, analyze, review, export and update from a shell.

Every command reports a problem the same way: ``error: <one line>`` on stderr and exit status 1
(``TrackerGroup``); nothing prints a traceback unless ``TRACKER_DEBUG=1``.
"""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import click

from .errors import TrackerError
from .resources import seeds_dir
from .store import Store


def _version() -> str:
    """The installed distribution's version, else (running from a checkout) tracker.__version__."""
    try:
        return metadata.version("igf-recommendations-tracker")
    except metadata.PackageNotFoundError:
        from . import __version__

        return __version__


class TrackerGroup(click.Group):
    """Turns every error into one line on stderr and a non-zero exit, for every command, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except Exception as exc:  # a bug: still one line for the user
            if os.environ.get("TRACKER_DEBUG"):
                raise
            click.echo(f"error: unexpected {type(exc).__name__}: {exc} (set TRACKER_DEBUG=1 for details)", err=True)
            ctx.exit(2)


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="tracker", message="%(prog)s %(version)s")
@click.option("--db", envvar="TRACKER_DB", type=click.Path(dir_okay=False),
              help="DuckDB file (default: data/tracker.duckdb, or $TRACKER_DB).")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """IGF Recommendations Tracker: key takeaways and calls to action from IGF session pages, the
    recommendations they make, and their follow-up."""
    ctx.obj = db


def _store(ctx_obj: str | None) -> Store:
    return Store(ctx_obj)  # made here, not in the group, so a bad setting is reported like any error


def _write_private(out: Path, data: bytes) -> None:
    """Write an export readable by its owner only from the start (it holds people's notes), replacing any
    file there; one line on failure."""
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # an existing file keeps its mode otherwise
            handle.write(data)
    except OSError as exc:
        raise TrackerError(f"{out}: cannot write ({exc.strerror or exc})") from exc
def _os_user() -> str:
    """Who runs the command, for the history's import rows when --by is not given."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no user database entry (some containers)
        return ""


BY_IMPORT = click.option("--by", help="Your name, recorded as who imported (default: your login name).")


def _report(imported: Any) -> None:
    for failure in imported.report.failed:
        click.echo(f"error: {failure.error}", err=True)
    for result in imported.report.results:  # loaded, but a person should look at it
        for warning in result.warnings:
            click.echo(f"warning: {result.source}: {warning}", err=True)
    click.echo(imported.summary)
    if not imported.report.ok:
        sys.exit(1)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--no-analyze", is_flag=True, help="Skip the analysis that normally follows a load.")
@BY_IMPORT
@click.pass_obj
def load(db: str | None, paths: tuple[str, ...], no_analyze: bool, by: str | None) -> None:
    """Load session pages (.txt, .html, .pdf or .docx files, folders of them, or http(s):// addresses of
    session pages; default: the bundled seeds) into the database, then place their calls among the
    recommendations (suggestions to review). A page fetched from an address keeps it: `tracker refresh`
    fetches it again.

    Re-loading is safe: unchanged files are skipped, status/owner/notes are kept for every item
    whose text is unchanged, and items that vanished from a page are marked, not deleted. A page of a
    session (year, type and number) that already has a page of the same kind under another name
    replaces it under those rules, and the summary says so. A page whose text looks damaged (split
    words) or whose outcomes look missing is loaded with a `warning:` line on stderr.
    Exits with status 1 if any file or address could not be loaded (the others are loaded anyway).
    """
    from .services.web import import_targets, split_targets
    from .store.documents import find_files

    files, urls = split_targets(paths)
    for path in files:
        if not Path(path).exists():
            raise click.BadParameter(f"Path '{path}' does not exist.", param_hint="'PATHS...'")
    store = _store(db)
    targets: list[str | Path] = [*paths] or [seeds_dir()]
    length = len(find_files(files or ([] if urls else targets))) + len(urls)
    with click.progressbar(length=length, label="Loading", file=sys.stderr, show_pos=True) as bar:
        imported = import_targets(store, targets, on_progress=bar.update, analyze=not no_analyze,
                                  by=by or _os_user())
    _report(imported)


@cli.command()
@click.argument("pages", nargs=-1)
@click.option("--no-analyze", is_flag=True, help="Skip the analysis that normally follows a load.")
@BY_IMPORT
@click.pass_obj
def refresh(db: str | None, pages: tuple[str, ...], no_analyze: bool, by: str | None) -> None:
    """Fetch the pages imported from web addresses again (all of them, or the PAGES given by address or
    file name) and load what changed: every edit is kept, items no longer on a page are marked.
    Exits with status 1 if any page could not be fetched or read (the others are loaded anyway)."""
    from .services.web import refresh as run
    from .services.web import web_documents

    store = _store(db)
    stored = web_documents(store)
    if not stored:
        click.echo("no page was imported from a web address; nothing to refresh")
        return
    length = len(pages) if pages else len(stored)
    with click.progressbar(length=length, label="Refreshing", file=sys.stderr, show_pos=True) as bar:
        imported = run(store, pages, on_progress=bar.update, analyze=not no_analyze, by=by or _os_user())
    _report(imported)


@cli.command()
@click.option("--full", is_flag=True, help="Re-analyze every item and show what would change in the recommendations.")
@click.option("--apply", "apply_", is_flag=True, help="With --full: carry the changes out (needs --by).")
@click.option("--reset-learning", is_flag=True,
              help="Forget what the grouping learned from people's decisions (needs --by); the decisions stay.")
@click.option("--by", help="Your name, recorded in the history (with --apply or --reset-learning).")
@click.pass_obj
def analyze(db: str | None, full: bool, apply_: bool, reset_learning: bool, by: str | None) -> None:
    """Tag themes and addressees of new items and place new calls among the recommendations (runs after
    every load too): a call that matches a recommendation becomes a suggestion to review, nothing placed
    before moves. --full re-analyzes everything and lists what would change; --full --apply --by NAME
    carries it out for what no person has confirmed.

    The grouping learns from every decision people make on its suggestions (same, not the same, another
    one): each is a labelled pair its pair score is refitted on. --reset-learning --by NAME goes back to the
    shipped scoring; the decisions themselves stay in force."""
    from .analysis import analyze as run
    from .analysis import apply_plan, plan_reanalysis
    from .analysis import reset_learning as reset

    if reset_learning:
        if not by:
            raise click.UsageError("--reset-learning needs --by NAME")
        pairs = reset(_store(db), by)
        click.echo(f"learning reset: the {pairs} labelled pairs from people's decisions so far are no longer "
                   "learned from")
        if not full:
            return
    if apply_ and not full:
        raise click.UsageError("--apply goes with --full")
    if apply_ and not by:
        raise click.UsageError("--apply needs --by NAME")
    store = _store(db)
    if not full:
        click.echo(run(store))
        return
    plan = plan_reanalysis(store)
    for row in plan.changes.itertuples():
        click.echo(f"{row.item_id}: {row.from_rec or '-'} -> {row.to_rec}  {row.text[:70]}")
    if apply_:
        click.echo(apply_plan(store, plan, by or ""))
    else:
        click.echo(plan.summary() + ("" if plan.empty else "; run again with --apply --by NAME to carry it out"))


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
    from .services.exporting import export_frame, write_frame

    frame = export_frame(_store(db), what, labels=labels)
    text = write_frame(frame, fmt)
    if out:
        _write_private(out, text.encode("utf-8"))
        click.echo(f"wrote {len(frame)} {what.replace('-', ' ')} to {out}", err=True)
    else:
        click.echo(text, nl=False)


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
    from .services.planning import brief as make_brief
    from .services.planning import to_docx, to_markdown

    if fmt == "docx" and not out:
        raise click.UsageError("--format docx needs --out FILE")
    draft = make_brief(_store(db), year=year, scope=scope, draft_name=draft_name)
    data = to_docx(draft, internal) if fmt == "docx" else to_markdown(draft, internal).encode("utf-8")
    if not out:
        click.echo(data.decode("utf-8"), nl=False)
        return
    _write_private(out, data)
    click.echo(f"wrote the proposal for IGF {draft.target_year} ({draft.scope_text}) to {out}", err=True)


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
    from .services import remind as reminding

    if smtp and not sender:
        raise click.UsageError("--smtp needs --from ADDRESS")
    store = _store(db)
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
    from .services import report as reporting

    made = reporting.build(_store(db), year=year, scope=scope, internal=internal)
    data = reporting.to_docx(made) if fmt == "docx" else reporting.to_html(made).encode("utf-8")
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise TrackerError(f"{out}: cannot write ({exc.strerror or exc})") from exc
    click.echo(f"wrote the progress report ({made.scope_text}; {len(made.register)} recommendations) to {out}",
               err=True)


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
    from .services import evidence as ev

    store = _store(db)
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


@cli.command("set")
@click.argument("item_id")
@click.option("--status", type=str, help="not_started, in_progress, done or dropped.")
@click.option("--owner", type=str, help="Who follows the item up ('' clears it).")
@click.option("--due", "due_date", type=str, help="Due date, YYYY-MM-DD ('' clears it).")
@click.option("--note", "notes", type=str, help="Notes text (replaces the item's notes; history keeps the old).")
@click.option("--by", required=True, help="Your name, recorded in the history.")
@click.pass_obj
def set_command(db: str | None, item_id: str, status: str | None, owner: str | None, due_date: str | None,
                notes: str | None, by: str) -> None:
    """Update one item's status, owner, due date or notes (validated; nothing is written on error)."""
    from .services.editing import set_item

    changes: dict[str, Any] = {k: v for k, v in {"status": status, "owner": owner, "due_date": due_date,
                                                 "notes": notes}.items() if v is not None}
    if not changes:
        raise click.UsageError("nothing to change: give --status, --owner, --due or --note")
    result = set_item(_store(db), item_id, by=by, via="cli", **changes)
    for name, (old, new) in result.changed.items():
        click.echo(f"{item_id}: {name} {old!s} -> {new!s}")
    if not result.changed:
        click.echo(f"{item_id}: no change")


@cli.command()
@click.argument("rec_id")
@click.option("--title", type=str, help="A short title people recognise the recommendation by.")
@click.option("--status", type=str, help="not_started, in_progress, done or dropped.")
@click.option("--owner", type=str, help="Who follows it up ('' clears it).")
@click.option("--due", "due_date", type=str, help="Due date, YYYY-MM-DD ('' clears it).")
@click.option("--note", "notes", type=str, help="Notes text (replaces the notes; history keeps the old).")
@click.option("--apply-to-calls", is_flag=True,
              help="Also set --status on each of its confirmed calls (pending suggestions keep theirs).")
@click.option("--outcome", type=str,
              help="open, or closed as implemented, partly_implemented or not_implemented (needs --reason).")
@click.option("--reason", default="", help="With --outcome not_implemented: why it was not implemented.")
@click.option("--closed-on", "closed_on", type=str,
              help="With a closed --outcome: the date, YYYY-MM-DD (default today).")
@click.option("--by", required=True, help="Your name, recorded in the history.")
@click.pass_obj
def recommendation(db: str | None, rec_id: str, title: str | None, status: str | None, owner: str | None,
                   due_date: str | None, notes: str | None, apply_to_calls: bool, outcome: str | None, reason: str,
                   closed_on: str | None, by: str) -> None:
    """Update a recommendation's title, status, owner, due date, notes or outcome (validated like `set`); this
    confirms it, so the analysis never moves its calls again."""
    from .services.editing import set_recommendation
    from .services.register import outcome_fields, set_outcome

    changes: dict[str, Any] = {k: v for k, v in {"title": title, "status": status, "owner": owner,
                                                 "due_date": due_date, "notes": notes}.items() if v is not None}
    if not changes and outcome is None:
        raise click.UsageError("nothing to change: give --title, --status, --owner, --due, --note or --outcome")
    if outcome is not None:  # checked before anything is written: a refused outcome leaves the rest unwritten
        outcome_fields(outcome, reason, closed_on)
    store = _store(db)
    changed: dict[str, tuple[Any, Any]] = {}
    result = set_recommendation(store, rec_id, by=by, via="cli", apply_to_calls=apply_to_calls, **changes) \
        if changes else None
    if result:
        changed.update(result.changed)
    if outcome is not None:
        changed.update(set_outcome(store, rec_id, outcome, reason=reason, closed_on=closed_on, by=by, via="cli"))
    for name, (old, new) in changed.items():
        click.echo(f"{rec_id}: {name} {old!s} -> {new!s}")
    if not changed:
        click.echo(f"{rec_id}: no change")
    if result and result.calls_changed:
        click.echo(f"{rec_id}: status set on {result.calls_changed} calls")


@cli.command()
@click.option("--accept", "accept_ids", multiple=True, help="Item id: same recommendation (repeatable).")
@click.option("--reject", "reject_ids", multiple=True, help="Item id: not the same; it starts its own (repeatable).")
@click.option("--calls", is_flag=True, help="List the calls to action found in the report text (suggested items) "
              "instead of the grouping suggestions.")
@click.option("--accept-call", "accept_calls", multiple=True,
              help="Report call id: it is a call to action; it becomes an item (repeatable).")
@click.option("--reject-call", "reject_calls", multiple=True,
              help="Report call id: not a call to action; it never comes back (repeatable).")
@click.option("--choose", "choices", multiple=True, metavar="ITEM_ID=REC_ID",
              help="Put the call in this recommendation: one of those offered for it, or any other (repeatable).")
@click.option("--none", "none_ids", multiple=True, metavar="ITEM_ID",
              help="None of the recommendations offered: the call starts a new one (repeatable).")
@click.option("--by", help="Your name, recorded in the history (with any decision).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json", "jsonl"]), default="text",
              show_default=True)
@click.pass_obj
def review(db: str | None, accept_ids: tuple[str, ...], reject_ids: tuple[str, ...], calls: bool,
           accept_calls: tuple[str, ...], reject_calls: tuple[str, ...], choices: tuple[str, ...],
           none_ids: tuple[str, ...], by: str | None, fmt: str) -> None:
    """List the machine's pending suggestions (a call that would join a recommendation), each with the three
    most likely recommendations and their evidence, or decide them: --accept (the first one), --reject (not
    the same: the call starts its own), --choose ITEM_ID=REC_ID (one of the others, or any recommendation),
    --none ITEM_ID (none of these: a new recommendation).

    --calls lists the other kind of suggestion: sentences of a session report or summary that read as calls
    to action ("All parties were called upon to …"). They count nowhere until accepted with --accept-call
    (then they are items like any other); --reject-call keeps them out for good."""
    from .analysis import accept, choose, none_of_these, reject, review_candidates, review_queue
    from .services.exporting import write_frame
    from .services.report_calls import accept_call, reject_call, report_calls_frame

    store = _store(db)
    if accept_ids or reject_ids or accept_calls or reject_calls or choices or none_ids:
        if not by:
            raise click.UsageError("deciding needs --by NAME")
        for choice in choices:
            item_id, _, rec_id = choice.partition("=")
            if not item_id.strip() or not rec_id.strip():
                raise click.UsageError(f"--choose {choice!r}: write ITEM_ID=REC_ID")
            click.echo(f"{item_id.strip()}: joined {choose(store, item_id.strip(), rec_id.strip(), by)}")
        for item_id in none_ids:
            click.echo(f"{item_id}: none of these; now its own recommendation {none_of_these(store, item_id, by)}")
        for item_id in accept_ids:
            click.echo(f"{item_id}: joined {accept(store, item_id, by)}")
        for item_id in reject_ids:
            click.echo(f"{item_id}: not the same; now its own recommendation {reject(store, item_id, by)}")
        for call_id in reject_calls:
            reject_call(store, call_id, by)
            click.echo(f"{call_id}: not a call to action; rejected")
        for n, call_id in enumerate(accept_calls, start=1):
            # the analysis that places the new items runs once, after the last one
            click.echo(f"{accept_call(store, call_id, by, analyze=n == len(accept_calls))}: now an item")
        return
    if calls:
        pending = report_calls_frame(store)
        if fmt != "text":
            click.echo(write_frame(pending, fmt), nl=False)
        elif pending.empty:
            click.echo("no calls from report text to review")
        for row in pending.itertuples() if fmt == "text" else ():
            click.echo(f"{row.call_id} ({row.year}, {row.source}, {row.section}):\n  {row.text}")
        return
    queue = review_queue(store)
    if fmt != "text":
        click.echo(write_frame(queue, fmt), nl=False)
        return
    if queue.empty:
        click.echo("nothing to review")
    for row in queue.itertuples():
        click.echo(f"{row.item_id} ({row.year}): {row.text}")
        options = review_candidates(store, row.item_id)
        for option in options.itertuples():
            years = ", ".join(str(y) for y in option.rec_years)
            click.echo(f"  {option.rank}. {option.rec_id} {option.title!r} ({years}; likelihood {option.score:.2f})")
            if option.evidence_mine:
                click.echo(f"     this call:  {option.evidence_mine}\n     its member: {option.evidence_theirs}")
            elif option.representative:
                click.echo(f"     one of its calls: {option.representative}")
        if options.empty:
            years = ", ".join(str(y) for y in row.rec_years)
            click.echo(f"  1. {row.rec_id} {row.title!r} ({years}; likelihood {row.score:.2f})")
        click.echo(f"  or none of these: --none {row.item_id}")
    from .services.report_calls import review_counts

    waiting = review_counts(store)["suggested"]
    if waiting:
        click.echo(f"also {waiting} calls found in the report text: tracker review --calls")


@cli.command()
@click.option("--item", "item_id", help="Only this item (or recommendation id, or report call id).")
@click.option("--by", "person", help="Only changes by this person.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="csv", show_default=True)
@click.option("--labels", is_flag=True,
              help="The readable form the dashboard downloads: When (to the second), Who, How, Kind of change, What, "
                   "Change in words, Id; the imports included, with who imported.")
@click.pass_obj
def history(db: str | None, item_id: str | None, person: str | None, fmt: str, labels: bool) -> None:
    """Show the change log (newest first)."""
    from .services.exporting import readable, write_frame
    from .store.queries import history_frame

    store = _store(db)
    if labels:
        from .ui.dashboard_data import history_table

        frame = readable(history_table(store, subject_id=item_id, person=person), "history")
    else:
        frame = history_frame(store, item_id, person)
    click.echo(write_frame(frame, fmt), nl=False)


@cli.command()
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup(db: str | None, target: Path) -> None:
    """Write a consistent copy of the database to TARGET (a new file), including the edits still in its
    write-ahead log (copying the .duckdb file alone can miss them). It is a DuckDB file like the original:
    to restore, stop the dashboard and any load, copy it over the database file and delete that file's
    .wal, if any."""
    out = _store(db).backup(target)
    click.echo(f"backed up to {out} ({out.stat().st_size / 1e6:.1f} MB)")


def main() -> None:
    cli(prog_name="tracker")
