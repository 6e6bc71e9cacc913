"""Small helpers shared by test modules."""

from __future__ import annotations

import os
import subprocess
import traceback
from pathlib import Path
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI") == "true"


def missing(reason: str) -> NoReturn:
    """Skip a test whose optional package is absent here — but in CI, where requirements.txt installs
    everything, an absent package is a broken install and must fail, not hide behind a skip."""
    if IN_CI:
        pytest.fail(f"{reason}: requirements.txt installs it, so in CI this is a failure")
    pytest.skip(reason)


def import_or_fail_in_ci(module: str):
    """``pytest.importorskip`` that never skips in CI (where requirements-test.txt installs the module)."""
    try:
        return __import__(module, fromlist=["_"])
    except ImportError:
        missing(f"{module} not installed")


def needs(available: bool, reason: str) -> pytest.MarkDecorator:
    """A skipif marker that never skips in CI (the test then runs and fails on the missing package)."""
    return pytest.mark.skipif(not available and not IN_CI, reason=reason)


def run_cli(*args: str, db: Path) -> subprocess.CompletedProcess:
    """`tracker ARGS` on the database DB, run in this process with click's CliRunner (the same parsing, output
    and exit codes as the command, without starting Python and importing the tracker per call); the result has
    the fields of a finished process. An exception the command line let through is written to stderr with its
    traceback, as Python would print it, so checks that no traceback reaches the user still catch it."""
    from click.testing import CliRunner

    from tracker.cli import cli

    # click >= 8.2 keeps stdout and stderr apart (result.stdout / result.stderr; mix_stderr is gone)
    result = CliRunner().invoke(cli, list(args), env={"TRACKER_DB": str(db)}, prog_name="tracker")
    stderr = result.stderr
    if result.exc_info is not None and not isinstance(result.exception, SystemExit):
        stderr += "Traceback (most recent call last):\n" + "".join(traceback.format_exception(*result.exc_info))
    return subprocess.CompletedProcess(["tracker", *args], result.exit_code, result.stdout, stderr)
