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


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--no-analyze", is_flag=True, help="Skip the analysis that normally follows a load.")
@click.pass_obj
def load(db: str | None, paths: tuple[Path, ...], no_analyze: bool) -> None:
    """Load session pages (.txt/.html files or folders; default: the bundled seeds) into the database,
    then place their calls among the recommendations (suggestions to review).

    Re-loading is safe: unchanged files are skipped, status/owner/notes are kept for every item
    whose text is unchanged, and items that vanished from a page are marked, not deleted.
    Exits with status 1 if any file could not be loaded (the others are loaded anyway).
    """
    from .services.importing import import_paths
    from .store.documents import find_files

    store = _store(db)
    targets = list(paths) or [seeds_dir()]
    with click.progressbar(length=len(find_files(targets)), label="Loading", file=sys.stderr, show_pos=True) as bar:
        imported = import_paths(store, targets, on_progress=bar.update, analyze=not no_analyze)
    for failure in imported.report.failed:
        click.echo(f"error: {failure.error}", err=True)
    click.echo(imported.summary)
    if not imported.report.ok:
        sys.exit(1)


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
@click.option("--by", help="Your name, recorded in the history (with --accept/--reject).")
@click.option("--format", "fmt", type=click.Choice(["text", "csv", "json", "jsonl"]), default="text",
              show_default=True)
@click.pass_obj
def review(db: str | None, accept_ids: tuple[str, ...], reject_ids: tuple[str, ...], by: str | None,
           fmt: str) -> None:
    """List the machine's pending suggestions (a call that would join a recommendation), or decide them."""
    from .analysis import accept, reject, review_queue
    from .services.exporting import write_frame

    store = _store(db)
    if accept_ids or reject_ids:
        if not by:
            raise click.UsageError("deciding needs --by NAME")
        for item_id in accept_ids:
            click.echo(f"{item_id}: joined {accept(store, item_id, by)}")
        for item_id in reject_ids:
            click.echo(f"{item_id}: not the same; now its own recommendation {reject(store, item_id, by)}")
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


@cli.command()
@click.option("--item", "item_id", help="Only this item (or recommendation id).")
@click.option("--by", "person", help="Only changes by this person.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="csv", show_default=True)
@click.pass_obj
def history(db: str | None, item_id: str | None, person: str | None, fmt: str) -> None:
    """Show the change log (newest first)."""
    from .services.exporting import write_frame
    from .store.queries import history_frame

    click.echo(write_frame(history_frame(_store(db), item_id, person), fmt), nl=False)


def main() -> None:
    cli(prog_name="tracker")
