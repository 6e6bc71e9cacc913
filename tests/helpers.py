"""Small helpers shared by test modules."""

from __future__ import annotations

import os
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
