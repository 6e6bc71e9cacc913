"""Every setting of the tracker, declared once: its environment variable, default, bounds and help.

Settings are read and checked when used (a test or a server may change the environment between calls), never
cached. A value that cannot be used is a ``SettingError`` naming the variable, one line like every
``TrackerError``. The README's table of settings is tested against ``SETTINGS``.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

from .errors import SettingError

_OFF = ("off", "0", "false", "no", "lexical")
_ON = ("on", "1", "true", "yes", "semantic")


@dataclass(frozen=True, slots=True)
class Setting:
    """One environment variable. ``kind``: number, integer, path, names (comma-separated), switch (on/off) or
    flag (any value turns it on). An unset or blank variable means the default."""

    name: str
    kind: str
    default: str  # as the README shows it
    help: str
    minimum: float = 0.0

    def raw(self) -> str:
        return os.environ.get(self.name, "").strip()

    def number(self, default: float | None = None) -> float:
        """The value of a number or integer setting, at least ``minimum``; ``default`` overrides the declared
        one (a caller's own default, such as "automatic")."""
        raw = self.raw()
        if not raw:
            return float(self.default) if default is None else default
        try:
            value = int(raw) if self.kind == "integer" else float(raw)
        except ValueError:
            kind = "a whole number" if self.kind == "integer" else "a number"
            raise SettingError(f"${self.name}={raw!r} is not {kind}") from None
        if not math.isfinite(value) or value < self.minimum:
            raise SettingError(f"${self.name}={raw!r}: use a number of at least {self.minimum:g}")
        return value

    def text(self) -> str:
        """A path setting's value, or '' when unset (the caller knows its default)."""
        return self.raw()

    def names(self) -> list[str]:
        return [part.strip() for part in self.raw().split(",") if part.strip()]

    def on(self) -> bool:
        raw = self.raw().lower()
        if self.kind == "flag":
            return bool(raw)
        if not raw:
            return self.default == "on"
        if raw in _OFF:
            return False
        if raw in _ON:
            return True
        raise SettingError(f"${self.name}={self.raw()!r}: use on or off")


DB = Setting("TRACKER_DB", "path", "data/tracker.duckdb",
             "the database file (`--db` overrides it)")
LOCK_TIMEOUT = Setting("TRACKER_LOCK_TIMEOUT", "number", "30",
                       "seconds to wait for a database another process holds")
LOAD_WORKERS = Setting("TRACKER_LOAD_WORKERS", "integer", "automatic",
                       "processes that parse files in a large load (0: none; automatic: up to 4 from 400 files)")
THEMES = Setting("TRACKER_THEMES", "path", "data/themes.toml",
                 "the theme taxonomy file")
EMBEDDINGS = Setting("TRACKER_EMBEDDINGS", "switch", "on",
                     "`off` runs the analysis without sentence embeddings (lexical mode)")
ADMINS = Setting("TRACKER_ADMINS", "names", "none",
                 "comma-separated e-mails that are admins when the dashboard has sign-in")
FETCH_TIMEOUT = Setting("TRACKER_FETCH_TIMEOUT", "number", "20",
                        "seconds for fetching one page, headers included", minimum=0.1)
FETCH_ALLOW_HOSTS = Setting("TRACKER_FETCH_ALLOW_HOSTS", "names", "none",
                            "comma-separated hosts on the server's own network that may be fetched (an intranet)")
PDF_TIMEOUT = Setting("TRACKER_PDF_TIMEOUT", "number", "60",
                      "seconds for reading one PDF", minimum=1)
DEBUG = Setting("TRACKER_DEBUG", "flag", "off",
                "any value: an unexpected error shows its traceback")

SETTINGS = (DB, LOCK_TIMEOUT, LOAD_WORKERS, THEMES, EMBEDDINGS, ADMINS, FETCH_TIMEOUT, FETCH_ALLOW_HOSTS,
            PDF_TIMEOUT, DEBUG)
