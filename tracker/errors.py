"""One error model: every problem a user can cause or meet is a ``TrackerError`` with a one-line message.

The CLI turns it into ``error: <message>`` and exit status 1 in one place (``cli.TrackerGroup``); the
dashboard shows it once around the page (``dashboard.py``). Anything else is a bug: the CLI still
prints one line (and the traceback only with ``TRACKER_DEBUG=1``).
"""

from __future__ import annotations

import math
import os


class TrackerError(Exception):
    """A problem worded for the user; the message is one line."""


class SettingError(TrackerError):
    """An environment setting with a value that cannot be used."""


def env_number(name: str, default: float, minimum: float = 0.0, integer: bool = False) -> float:
    """A numeric environment setting, read when used: missing -> default; not a finite number at least
    ``minimum`` -> SettingError naming the variable."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw) if integer else float(raw)
    except ValueError:
        kind = "a whole number" if integer else "a number"
        raise SettingError(f"${name}={raw!r} is not {kind}") from None
    if not math.isfinite(value) or value < minimum:
        raise SettingError(f"${name}={raw!r}: use a number of at least {minimum:g}")
    return value
