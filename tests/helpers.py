"""Small helpers shared by test modules."""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI") == "true"


def missing(reason: str) -> None:
    """Skip a test whose optional package is absent here — but in CI, where requirements.txt installs
    everything, an absent package is a broken install and must fail, not hide behind a skip."""
    if IN_CI:
        pytest.fail(f"{reason}: requirements.txt installs it, so in CI this is a failure")
    pytest.skip(reason)


def needs(available: bool, reason: str) -> pytest.MarkDecorator:
    """A skipif marker that never skips in CI (the test then runs and fails on the missing package)."""
    return pytest.mark.skipif(not available and not IN_CI, reason=reason)
