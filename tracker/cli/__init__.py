"""`tracker …` (or `python -m tracker …`): load pages, analyze, review, export and update from a shell.

Every command reports a problem the same way: ``error: <one line>`` on stderr and exit status 1
(``TrackerGroup`` in ``app``); nothing prints a traceback unless ``TRACKER_DEBUG=1``. The commands live by what
they do: ``loading`` (load, refresh, analyze, backup), ``followup`` (set, recommendation, review) and ``outputs``
(export, history, brief, report, remind, evidence); importing this package registers them all on ``cli``.
"""

from __future__ import annotations

from . import followup, loading, outputs
from .app import TrackerGroup, cli, main

__all__ = ["TrackerGroup", "cli", "followup", "loading", "main", "outputs"]
