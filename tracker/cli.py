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
@click.pass_obj
def load(db: str | None, paths: tuple[str, ...], no_analyze: bool) -> None:
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
        imported = import_targets(store, targets, on_progress=bar.update, analyze=not no_analyze)
    _report(imported)


@cli.command()
@click.argument("pages", nargs=-1)
@click.option("--no-analyze", is_flag=True, help="Skip the analysis that normally follows a load.")
@click.pass_obj
def refresh(db: str | None, pages: tuple[str, ...], no_analyze: bool) -> None:
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
        imported = run(store, pages, on_progress=bar.update, analyze=not no_analyze)
    _report(imported)


@cli.command()
@click.option("--full", is_flag=True, help="Re-analyze every item and show what would change in the recommendations.")
@click.option("--apply", "apply_", is_flag=True, help="With --full: carry the changes out (needs --by).")
@click.option("--by", help="Your name, recorded in the history (with --apply).")
@click.pass_obj
def analyze(db: str | None, full: bool, apply_: bool, by: str | None) -> None:
    """Tag themes and addressees of new items and place new calls among the recommendations (runs after
    every load too): a call that matches a recommendation becomes a suggestion to review, nothing placed
    before moves. --full re-analyzes everything and lists what would change; --full --apply --by NAME
    carries it out for what no person has confirmed."""
    from .analysis import analyze as run
    from .analysis import apply_plan, plan_reanalysis

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
@click.option("--what", type=click.Choice(["items", "sessions", "recommendations"]), default="items",
              show_default=True, help="Items (takeaways, calls to action, questions), sessions or recommendations.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.option("--labels", is_flag=True,
              help="Readable headers and values for people (Session, Status 'Not started', Recurring Yes/No) "
                   "instead of the machine names and codes scripts read.")
@click.pass_obj
def export(db: str | None, what: str, fmt: str, out: Path | None, labels: bool) -> None:
    """Export items, sessions or recommendations as CSV, JSON or JSON lines."""
    from .services.exporting import export_frame, write_frame

    frame = export_frame(_store(db), what, labels=labels)
    text = write_frame(frame, fmt)
    if out:
        try:
            out.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise TrackerError(f"{out}: cannot write ({exc.strerror or exc})") from exc
        click.echo(f"wrote {len(frame)} {what} to {out}", err=True)
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
@click.pass_obj
def brief(db: str | None, year: int | None, scope: str, draft_name: str | None, fmt: str, out: Path | None) -> None:
    """Write the next session proposal pre-filled from the tracker (title, format, description, policy
    questions, expected outcomes, connection with previous sessions, people and their balance, SDGs,
    follow-up tasks) as Markdown or Word. Nothing is saved in the database."""
    from .services.planning import brief as make_brief
    from .services.planning import to_docx, to_markdown

    if fmt == "docx" and not out:
        raise click.UsageError("--format docx needs --out FILE")
    draft = make_brief(_store(db), year=year, scope=scope, draft_name=draft_name)
    data = to_docx(draft) if fmt == "docx" else to_markdown(draft).encode("utf-8")
    if not out:
        click.echo(data.decode("utf-8"), nl=False)
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise TrackerError(f"{out}: cannot write ({exc.strerror or exc})") from exc
    click.echo(f"wrote the proposal for IGF {draft.target_year} ({draft.scope_text}) to {out}", err=True)


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
@click.option("--apply-to-calls", is_flag=True, help="Also set --status on each of its calls.")
@click.option("--by", required=True, help="Your name, recorded in the history.")
@click.pass_obj
def recommendation(db: str | None, rec_id: str, title: str | None, status: str | None, owner: str | None,
                   due_date: str | None, notes: str | None, apply_to_calls: bool, by: str) -> None:
    """Update a recommendation's title, status, owner, due date or notes (validated like `set`); this
    confirms it, so the analysis never moves its calls again."""
    from .analysis import set_recommendation

    changes: dict[str, Any] = {k: v for k, v in {"title": title, "status": status, "owner": owner,
                                                 "due_date": due_date, "notes": notes}.items() if v is not None}
    if not changes:
        raise click.UsageError("nothing to change: give --title, --status, --owner, --due or --note")
    result = set_recommendation(_store(db), rec_id, by=by, via="cli", apply_to_calls=apply_to_calls, **changes)
    for name, (old, new) in result.changed.items():
        click.echo(f"{rec_id}: {name} {old!s} -> {new!s}")
    if not result.changed:
        click.echo(f"{rec_id}: no change")
    if result.calls_changed:
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
@click.option("--by", help="Your name, recorded in the history (with --accept/--reject/--accept-call/--reject-call).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json", "jsonl"]), default="text",
              show_default=True)
@click.pass_obj
def review(db: str | None, accept_ids: tuple[str, ...], reject_ids: tuple[str, ...], calls: bool,
           accept_calls: tuple[str, ...], reject_calls: tuple[str, ...], by: str | None, fmt: str) -> None:
    """List the machine's pending suggestions (a call that would join a recommendation), or decide them.

    --calls lists the other kind of suggestion: sentences of a session report or summary that read as calls
    to action ("All parties were called upon to …"). They count nowhere until accepted with --accept-call
    (then they are items like any other); --reject-call keeps them out for good."""
    from .analysis import accept, reject, review_queue
    from .services.exporting import write_frame
    from .services.report_calls import accept_call, reject_call, report_calls_frame

    store = _store(db)
    if accept_ids or reject_ids or accept_calls or reject_calls:
        if not by:
            raise click.UsageError("deciding needs --by NAME")
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
        years = ", ".join(str(y) for y in row.rec_years)
        click.echo(f"{row.item_id} ({row.year}) -> {row.rec_id} {row.title!r} ({years}; score {row.score:.2f})\n"
                   f"  this call:  {row.evidence_mine}\n  its member: {row.evidence_theirs}")
    from .services.report_calls import review_counts

    waiting = review_counts(store)["suggested"]
    if waiting:
        click.echo(f"also {waiting} calls found in the report text: tracker review --calls")


@cli.command()
@click.option("--item", "item_id", help="Only this item (or recommendation id, or report call id).")
@click.option("--by", "person", help="Only changes by this person.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="csv", show_default=True)
@click.pass_obj
def history(db: str | None, item_id: str | None, person: str | None, fmt: str) -> None:
    """Show the change log (newest first)."""
    from .services.exporting import write_frame
    from .store.queries import history_frame

    click.echo(write_frame(history_frame(_store(db), item_id, person), fmt), nl=False)


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
