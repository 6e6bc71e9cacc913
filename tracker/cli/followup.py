"""Commands that record people's follow-up and decisions: set (an item), recommendation, review."""

from __future__ import annotations

from typing import Any

import click

from .app import cli, store_for


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
    from ..services.editing import set_item

    changes: dict[str, Any] = {k: v for k, v in {"status": status, "owner": owner, "due_date": due_date,
                                                 "notes": notes}.items() if v is not None}
    if not changes:
        raise click.UsageError("nothing to change: give --status, --owner, --due or --note")
    result = set_item(store_for(db), item_id, by=by, via="cli", **changes)
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
    from ..services.editing import set_recommendation
    from ..services.register import outcome_fields, set_outcome

    changes: dict[str, Any] = {k: v for k, v in {"title": title, "status": status, "owner": owner,
                                                 "due_date": due_date, "notes": notes}.items() if v is not None}
    if not changes and outcome is None:
        raise click.UsageError("nothing to change: give --title, --status, --owner, --due, --note or --outcome")
    if outcome is not None:  # checked before anything is written: a refused outcome leaves the rest unwritten
        outcome_fields(outcome, reason, closed_on)
    store = store_for(db)
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
    from ..analysis import review_candidates, review_queue
    from ..services.analyzing import accept, choose, none_of_these, reject
    from ..services.exporting import write_frame
    from ..services.report_calls import accept_call, reject_call, report_calls_frame

    store = store_for(db)
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
    from ..services.report_calls import review_counts

    waiting = review_counts(store)["suggested"]
    if waiting:
        click.echo(f"also {waiting} calls found in the report text: tracker review --calls")
