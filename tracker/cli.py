"""`python -m tracker …`: load pages, analyze, export and update items from a shell or script."""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

import click

from .edits import EditError, set_item
from .exporting import export_frame, write_frame
from .loader import find_files, load_paths
from .resources import seeds_dir
from .store import Store, StoreError

DEFAULT_SEEDS = seeds_dir()


def _version() -> str:
    """The installed distribution's version, else (running from a checkout) tracker.__version__."""
    try:
        return metadata.version("igf-recommendations-tracker")
    except metadata.PackageNotFoundError:
        from . import __version__

        return __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="tracker", message="%(prog)s %(version)s")
@click.option("--db", envvar="TRACKER_DB", type=click.Path(dir_okay=False),
              help="DuckDB file (default: data/tracker.duckdb, or $TRACKER_DB).")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """IGF Recommendations Tracker: key takeaways and calls to action from IGF session pages."""
    ctx.obj = Store(db)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--no-analyze", is_flag=True, help="Skip the recurrence analysis that normally follows a load.")
@click.pass_obj
def load(store: Store, paths: tuple[Path, ...], no_analyze: bool) -> None:
    """Load session pages (.txt/.html files or folders; default: seeds/) into the database.

    Re-loading is safe: unchanged files are skipped, status/owner/notes are kept for every item
    whose text is unchanged, and items that vanished from a page are marked, not deleted.
    Exits with status 1 if any file could not be loaded (the others are loaded anyway).
    """
    targets = list(paths) or [DEFAULT_SEEDS]
    total = len(find_files(targets))
    try:
        with click.progressbar(length=total, label="Loading", file=sys.stderr,
                               show_pos=True) as bar:
            report = load_paths(targets, store, on_progress=bar.update)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    for failure in report.failed:
        click.echo(f"error: {failure.error}", err=True)
    click.echo(report.summary())
    if not no_analyze and (report.count("added") or report.count("updated")):
        _run_analysis(store)
    if not report.ok:
        sys.exit(1)


def _run_analysis(store: Store) -> None:
    from .analysis import analyze as run

    summary = run(store)
    click.echo(summary)


@cli.command()
@click.pass_obj
def analyze(store: Store) -> None:
    """Group recurring recommendations, tag themes and addressees (runs after every load too)."""
    try:
        _run_analysis(store)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc


@cli.command()
@click.option("--what", type=click.Choice(["items", "sessions"]), default="items", show_default=True,
              help="Export items (takeaways, calls to action, questions) or sessions.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="csv", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write here instead of stdout.")
@click.pass_obj
def export(store: Store, what: str, fmt: str, out: Path | None) -> None:
    """Export items or sessions as CSV, JSON or JSON lines."""
    try:
        frame = export_frame(store, what)
    except StoreError as exc:
        raise click.ClickException(str(exc)) from exc
    text = write_frame(frame, fmt)
    if out:
        out.write_text(text, encoding="utf-8")
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
def set_command(store: Store, item_id: str, status: str | None, owner: str | None, due_date: str | None,
                notes: str | None, by: str) -> None:
    """Update one item's status, owner, due date or notes (validated; nothing is written on error)."""
    changes = {k: v for k, v in {"status": status, "owner": owner, "due_date": due_date, "notes": notes}.items()
               if v is not None}
    if not changes:
        raise click.UsageError("nothing to change: give --status, --owner, --due or --note")
    try:
        result = set_item(store, item_id, by=by, via="cli", **changes)
    except (EditError, StoreError) as exc:
        raise click.ClickException(str(exc)) from exc
    if result.changed:
        for name, (old, new) in result.changed.items():
            click.echo(f"{item_id}: {name} {old!s} -> {new!s}")
    else:
        click.echo(f"{item_id}: no change")


@cli.command()
@click.option("--item", "item_id", help="Only this item.")
@click.option("--by", "person", help="Only changes by this person.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "jsonl"]), default="csv", show_default=True)
@click.pass_obj
def history(store: Store, item_id: str | None, person: str | None, fmt: str) -> None:
    """Show the change log (newest first)."""
    from .queries import history_frame

    click.echo(write_frame(history_frame(store, item_id, person), fmt), nl=False)


def main() -> None:
    cli(prog_name="python -m tracker")
