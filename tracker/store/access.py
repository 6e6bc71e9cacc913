"""Who may change what: the signed-in person (an ``Actor``) on the Store, and the roles kept in the database.

Roles, from least to most: ``viewer`` (read, export), ``editor`` (status, owner, due date, notes, review
decisions, recommendation follow-up, proposal drafts), ``admin`` (imports, the analysis and re-analysis,
the taxonomy, roles). Every library write function starts with one line::

    by = require(store, "editor", "change a status", by)

which refuses (``PermissionDenied``, one line saying who, their role and the role needed) and otherwise
returns the name to record in the change log: the signed-in identity, never what the caller typed.

A Store without an actor is the local single-user tool (the command line, or the dashboard without sign-in
configured): whoever can open the database file can change it anyway, so it acts as an admin. The dashboard
with sign-in sets ``store.actor`` for every request from ``st.user`` and the roles table.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import pandas as pd

from ..errors import TrackerError
from .db import Store
from .history import Change, record

ROLES = ("viewer", "editor", "admin")
DEFAULT_ROLE = "viewer"  # someone the identity provider lets in but nobody gave a role: read and export only


class PermissionDenied(TrackerError):
    """The signed-in person's role does not allow this; nothing was written."""


@dataclass(frozen=True)
class Actor:
    """A signed-in person: name and e-mail from the identity provider, role from the database or config."""

    name: str
    email: str
    role: str = DEFAULT_ROLE
    # the configured admins when the role was looked up (``actor_for``): the role is then looked up again in
    # every write's transaction (``still_allowed``), so a role removed meanwhile stops the next save; None for
    # an actor given its role directly
    admins: tuple[str, ...] | None = field(default=None, compare=False)
    verified: bool = True  # the provider confirmed the e-mail (``email_verified``): roles are matched on it

    def still_allowed(self, con: duckdb.DuckDBPyConnection) -> None:
        """Refuse (PermissionDenied) when the role stored now is lower than the one this actor was given: a
        page or fragment may act on a role read minutes ago. Called inside the write's transaction."""
        if self.admins is None or rank(self.role) <= 0:
            return
        email = normal_email(self.email)
        if email and email in configured_admins(self.admins):
            return
        row = con.execute("SELECT role FROM roles WHERE email = ?", [email]).fetchone() if email else None
        now = str(row[0]) if row and row[0] in ROLES else DEFAULT_ROLE
        if rank(now) < rank(self.role):
            raise PermissionDenied(f"{self.email or self.name} is now {_article(now)} {now} (was {_article(self.role)} "
                                   f"{self.role} when the page was loaded): nothing was saved; reload the page")

    @property
    def label(self) -> str:
        """How the change log names them: 'Ana Lima <ana@example.org>' (the e-mail alone without a name)."""
        if self.name and self.email and self.name != self.email:
            return f"{self.name} <{self.email}>"
        return self.email or self.name


def rank(role: str) -> int:
    return ROLES.index(role) if role in ROLES else -1


def _article(role: str) -> str:
    return "an" if role[:1] in "aeiou" else "a"


def _gerund(action: str) -> str:
    """'change a status' -> 'changing a status': the refusal reads as a sentence."""
    verb, _, rest = action.partition(" ")
    if verb.endswith("ing"):
        return action
    stem = verb[:-1] if verb.endswith("e") and not verb.endswith("ee") else verb
    if verb in ("set", "run", "cut"):
        stem = verb + verb[-1]
    return f"{stem}ing {rest}".strip()


def require(store: Store, role: str, action: str, by: str | None = None) -> str:
    """Refuse unless the store's actor has at least ``role``; the name to record for the change.

    ``action`` says what is being done ("change a status"). Without an actor (local use) nothing is refused
    and ``by`` is returned as given; with one, the actor's identity replaces ``by``."""
    actor: Actor | None = getattr(store, "actor", None)
    if actor is None:
        return (by or "").strip()
    if rank(actor.role) < rank(role):
        who = actor.email or actor.name
        has = f"is {_article(actor.role)} {actor.role}" if actor.role in ROLES else "has no role"
        raise PermissionDenied(f"{who} {has}: {_gerund(action)} needs the {role} role")
    return actor.label


# --- configuration: the first admins ------------------------------------------------------------------

def configured_admins(extra: Iterable[str] = ()) -> set[str]:
    """E-mails that are always admins: $TRACKER_ADMINS (comma-separated) plus ``extra`` (the dashboard
    passes ``[tracker] admins`` from its secrets file). Kept outside the database so that nobody can lock
    every admin out."""
    raw = os.environ.get("TRACKER_ADMINS", "")
    return {normal_email(e) for e in [*raw.split(","), *extra] if e and e.strip()}


def normal_email(email: str) -> str:
    return str(email or "").strip().lower()


# --- the roles table (migration 009) --------------------------------------------------------------------

def role_of(store: Store, email: str, admins: Iterable[str] = ()) -> str:
    """The role of a signed-in e-mail: admin if configured so, else the stored role, else ``viewer``."""
    email = normal_email(email)
    if email and email in configured_admins(admins):
        return "admin"
    if not email:
        return DEFAULT_ROLE
    stored = store.scalar("SELECT role FROM roles WHERE email = ?", [email])
    return str(stored) if stored in ROLES else DEFAULT_ROLE


def actor_for(store: Store, name: str, email: str, admins: Iterable[str] = (), verified: bool = True) -> Actor:
    """The Actor for a person the identity provider signed in. Roles are matched on the e-mail, so only an
    e-mail the provider says it verified (``email_verified``) gets one: an unverified e-mail is a viewer."""
    email = normal_email(email)
    admins = tuple(admins)
    role = role_of(store, email, admins) if verified else DEFAULT_ROLE
    return Actor(" ".join(str(name or "").split()) or email, email, role, admins, verified)


def roles_frame(store: Store) -> pd.DataFrame:
    """Stored roles: email, role, granted_by, granted_at (configured admins are not rows here)."""
    return store.query("SELECT email, role, granted_by, granted_at FROM roles ORDER BY email")


def set_role(store: Store, email: str, role: str, by: str = "") -> str | None:
    """Give ``email`` a role (admin only); returns the role it had before (None: none stored). The change is
    in the history (subject 'person')."""
    by = require(store, "admin", "change a role", by)
    email = normal_email(email)
    if "@" not in email or any(c.isspace() for c in email):
        raise TrackerError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise TrackerError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    if not by:
        raise TrackerError("say who gives the role (--by NAME): role changes are kept with the person's name")

    def run(con: duckdb.DuckDBPyConnection) -> str | None:
        row = con.execute("SELECT role FROM roles WHERE email = ?", [email]).fetchone()
        old = row[0] if row else None
        if old == role:
            return old
        now = datetime.now()
        con.execute("""INSERT INTO roles VALUES (?, ?, ?, ?)
                       ON CONFLICT (email) DO UPDATE SET role = excluded.role, granted_by = excluded.granted_by,
                       granted_at = excluded.granted_at""", [email, role, by, now])
        _log(con, email, old, role, by, now)
        return old

    return store.write(run)


def remove_role(store: Store, email: str, by: str = "") -> bool:
    """Forget a stored role (admin only): the person is a viewer again. False when there was none."""
    by = require(store, "admin", "change a role", by)
    email = normal_email(email)

    def run(con: duckdb.DuckDBPyConnection) -> bool:
        row = con.execute("DELETE FROM roles WHERE email = ? RETURNING role", [email]).fetchone()
        if row:
            _log(con, email, row[0], None, by or "?", datetime.now())
        return row is not None

    return store.write(run)


def _log(con: duckdb.DuckDBPyConnection, email: str, old: str | None, new: str | None, by: str,
         now: datetime) -> None:
    record(con, [Change("person", email, "role", old, new, by, now, "roles")])
