"""Commands that bring pages in and analyze them: load, refresh, analyze, backup."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..resources import seeds_dir
from .app import BY_IMPORT, cli, os_user, report_import, store_for


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
    from ..reading.files import find_files
    from ..services.web import import_targets, split_targets

    files, urls = split_targets(paths)
    for path in files:
        if not Path(path).exists():
            raise click.BadParameter(f"Path '{path}' does not exist.", param_hint="'PATHS...'")
    store = store_for(db)
    targets: list[str | Path] = [*paths] or [seeds_dir()]
    length = len(find_files(files or ([] if urls else targets))) + len(urls)
    with click.progressbar(length=length, label="Loading", file=sys.stderr, show_pos=True) as bar:
        imported = import_targets(store, targets, on_progress=bar.update, analyze=not no_analyze,
                                  by=by or os_user())
    report_import(imported)


@cli.command()
@click.argument("pages", nargs=-1)
@click.option("--no-analyze", is_flag=True, help="Skip the analysis that normally follows a load.")
@BY_IMPORT
@click.pass_obj
def refresh(db: str | None, pages: tuple[str, ...], no_analyze: bool, by: str | None) -> None:
    """Fetch the pages imported from web addresses again (all of them, or the PAGES given by address or
    file name) and load what changed: every edit is kept, items no longer on a page are marked.
    Exits with status 1 if any page could not be fetched or read (the others are loaded anyway)."""
    from ..services.web import refresh as run
    from ..services.web import web_documents

    store = store_for(db)
    stored = web_documents(store)
    if not stored:
        click.echo("no page was imported from a web address; nothing to refresh")
        return
    length = len(pages) if pages else len(stored)
    with click.progressbar(length=length, label="Refreshing", file=sys.stderr, show_pos=True) as bar:
        imported = run(store, pages, on_progress=bar.update, analyze=not no_analyze, by=by or os_user())
    report_import(imported)


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
    from ..services.analyzing import analyze as run
    from ..services.analyzing import apply_plan, plan_reanalysis
    from ..services.analyzing import reset_learning as reset

    if reset_learning:
        if not by:
            raise click.UsageError("--reset-learning needs --by NAME")
        pairs = reset(store_for(db), by)
        click.echo(f"learning reset: the {pairs} labelled pairs from people's decisions so far are no longer "
                   "learned from")
        if not full:
            return
    if apply_ and not full:
        raise click.UsageError("--apply goes with --full")
    if apply_ and not by:
        raise click.UsageError("--apply needs --by NAME")
    store = store_for(db)
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
@click.argument("target", type=click.Path(dir_okay=False, path_type=Path))
@click.pass_obj
def backup(db: str | None, target: Path) -> None:
    """Write a consistent copy of the database to TARGET (a new file), including the edits still in its
    write-ahead log (copying the .duckdb file alone can miss them). It is a DuckDB file like the original:
    to restore, stop the dashboard and any load, copy it over the database file and delete that file's
    .wal, if any."""
    out = store_for(db).backup(target)
    click.echo(f"backed up to {out} ({out.stat().st_size / 1e6:.1f} MB)")
