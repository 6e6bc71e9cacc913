"""The `tracker` command group and what its commands share: one place that turns every error into one line on
stderr, the database option, private writes of exports, and the import report."""

from __future__ import annotations

import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

import click

from .. import settings
from ..errors import TrackerError
from ..store import Store


def _version() -> str:
    """The installed distribution's version, else (running from a checkout) tracker.__version__."""
    try:
        return metadata.version("igf-recommendations-tracker")
    except metadata.PackageNotFoundError:
        from .. import __version__

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
            if settings.DEBUG.on():
                raise
            click.echo(f"error: unexpected {type(exc).__name__}: {exc} (set TRACKER_DEBUG=1 for details)", err=True)
            ctx.exit(2)


@click.group(cls=TrackerGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(_version(), "--version", prog_name="tracker", message="%(prog)s %(version)s")
@click.option("--db", envvar=settings.DB.name, type=click.Path(dir_okay=False),
              help="DuckDB file (default: data/tracker.duckdb, or $TRACKER_DB).")
@click.pass_context
def cli(ctx: click.Context, db: str | None) -> None:
    """IGF Recommendations Tracker: key takeaways and calls to action from IGF session pages, the
    recommendations they make, and their follow-up."""
    ctx.obj = db


def store_for(ctx_obj: str | None) -> Store:
    return Store(ctx_obj)  # made here, not in the group, so a bad setting is reported like any error


def write_private(out: Path, data: bytes) -> None:
    """Write an export readable by its owner only from the start (it holds people's notes), replacing any
    file there; one line on failure."""
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), 0o600)  # an existing file keeps its mode otherwise
            handle.write(data)
    except OSError as exc:
        raise TrackerError(f"{out}: cannot write ({exc.strerror or exc})") from exc


def os_user() -> str:
    """Who runs the command, for the history's import rows when --by is not given."""
    import getpass

    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name and no user database entry (some containers)
        return ""


BY_IMPORT = click.option("--by", help="Your name, recorded as who imported (default: your login name).")


def report_import(imported: Any) -> None:
    for failure in imported.report.failed:
        click.echo(f"error: {failure.error}", err=True)
    for result in imported.report.results:  # loaded, but a person should look at it
        for warning in result.warnings:
            click.echo(f"warning: {result.source}: {warning}", err=True)
    click.echo(imported.summary)
    if not imported.report.ok:
        sys.exit(1)


def main() -> None:
    cli(prog_name="tracker")
