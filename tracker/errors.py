"""One error model: every problem a user can cause or meet is a ``TrackerError`` with a one-line message.

The CLI turns it into ``error: <message>`` and exit status 1 in one place (``cli.TrackerGroup``); the
dashboard shows it once around the page (``dashboard.py``). Anything else is a bug: the CLI still
prints one line (and the traceback only with ``TRACKER_DEBUG=1``).
"""

from __future__ import annotations


class TrackerError(Exception):
    """A problem worded for the user; the message is one line."""


class SettingError(TrackerError):
    """An environment setting with a value that cannot be used (``tracker.settings``)."""


class UnknownRecommendation(TrackerError):
    """No recommendation has this id (merged into another, or never made): the one error for it, whether an
    edit or a review decision asked."""
