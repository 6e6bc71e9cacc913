"""Who may do what: roles (viewer/editor/admin), the signed-in person (an ``Actor``), and ``requires``, the
one check at the entry of every service that changes something.

Roles, from least to most: ``viewer`` (read, export), ``editor`` (status, owner, due date, notes, review
decisions, recommendation follow-up, proposal drafts), ``admin`` (imports, the analysis and re-analysis,
the taxonomy, roles). A service that changes something is declared with the role it needs::

    @requires("editor", "change a status")
    def set_item(store, item_id, by="", ...): ...

and is called with the acting person, ``set_item(store, item_id, actor=actor, ...)``: with an actor, the call
is refused (``PermissionDenied``, one line saying who, their role and the role needed) or runs with ``by``
replaced by the signed-in identity, never what the caller typed. Without one (``actor=None``: the command
line, or the dashboard without sign-in configured) nothing is refused: whoever can open the database file can
change it anyway. The store knows nothing of who acts; services called from a checked service run unchecked.

The roles table's reads and writes are ``store/roles.py``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd

from .. import settings
from ..errors import TrackerError
from ..store import Store
from ..store import roles as role_table

ROLES = ("viewer", "editor", "admin")
DEFAULT_ROLE = "viewer"  # someone the identity provider lets in but nobody gave a role: read and export only

T = TypeVar("T")


class PermissionDenied(TrackerError):
    """The signed-in person's role does not allow this; nothing was written."""


@dataclass(frozen=True)
class Actor:
    """A signed-in person: name and e-mail from the identity provider, role from the database or config."""

    name: str
    email: str
    role: str = DEFAULT_ROLE
    # the configured admins when the role was looked up (``actor_for``): the role is then looked up again at
    # every checked call (``requires``), so a role removed meanwhile stops the next save; None for an actor
    # given its role directly
    admins: tuple[str, ...] | None = field(default=None, compare=False)
    verified: bool = True  # the provider confirmed the e-mail (``email_verified``): roles are matched on it

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


def permit(actor: Actor, role: str, action: str, store: Store | None = None) -> str:
    """Refuse unless ``actor`` has at least ``role``; the name to record for the change. With ``store``, an
    actor whose role was looked up (``actor_for``) is checked against the role stored now: a page may act on
    a role read minutes ago."""
    if rank(actor.role) < rank(role):
        who = actor.email or actor.name
        has = f"is {_article(actor.role)} {actor.role}" if actor.role in ROLES else "has no role"
        raise PermissionDenied(f"{who} {has}: {_gerund(action)} needs the {role} role")
    if store is not None and actor.admins is not None and rank(actor.role) > 0:
        email = normal_email(actor.email)
        if not (email and email in configured_admins(actor.admins)):
            stored = role_table.stored_role(store, email) if email else None
            now = stored if stored in ROLES else DEFAULT_ROLE
            if rank(now) < rank(actor.role):
                raise PermissionDenied(f"{actor.email or actor.name} is now {_article(now)} {now} (was "
                                       f"{_article(actor.role)} {actor.role} when the page was loaded): nothing "
                                       f"was saved; reload the page")
    return actor.label


def requires(role: str, action: str | Callable[[Mapping[str, Any]], str]) -> Callable[[Callable[..., T]],
                                                                                       Callable[..., T]]:
    """Declare a service's role. The service gets a keyword argument ``actor`` (an Actor, or None for local
    use); with an actor, the call is refused below ``role`` and otherwise runs with its ``by`` argument set to
    the actor's name. ``action`` says what it does ("change a status"), or computes that from the call's
    arguments. The store argument is the one named ``store``."""

    def decorate(fn: Callable[..., T]) -> Callable[..., T]:
        signature = inspect.signature(fn)

        @functools.wraps(fn)
        def checked(*args: Any, actor: Actor | None = None, **kwargs: Any) -> T:
            if actor is None:
                return fn(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            what = action(bound.arguments) if callable(action) else action
            name = permit(actor, role, what, bound.arguments.get("store"))
            if "by" in signature.parameters:
                bound.arguments["by"] = name
            return fn(*bound.args, **bound.kwargs)

        checked.required_role = role  # type: ignore[attr-defined]  # read by the tests' list of entry points
        return checked

    return decorate


# --- configuration: the first admins ------------------------------------------------------------------

def configured_admins(extra: Iterable[str] = ()) -> set[str]:
    """E-mails that are always admins: $TRACKER_ADMINS (comma-separated) plus ``extra`` (the dashboard
    passes ``[tracker] admins`` from its secrets file). Kept outside the database so that nobody can lock
    every admin out."""
    return {normal_email(e) for e in [*settings.ADMINS.names(), *extra] if e and e.strip()}


def normal_email(email: str) -> str:
    return str(email or "").strip().lower()


# --- roles of people ----------------------------------------------------------------------------------

def role_of(store: Store, email: str, admins: Iterable[str] = ()) -> str:
    """The role of a signed-in e-mail: admin if configured so, else the stored role, else ``viewer``."""
    email = normal_email(email)
    if email and email in configured_admins(admins):
        return "admin"
    if not email:
        return DEFAULT_ROLE
    stored = role_table.stored_role(store, email)
    return stored if stored in ROLES else DEFAULT_ROLE  # type: ignore[return-value]


def actor_for(store: Store, name: str, email: str, admins: Iterable[str] = (), verified: bool = True) -> Actor:
    """The Actor for a person the identity provider signed in. Roles are matched on the e-mail, so only an
    e-mail the provider says it verified (``email_verified``) gets one: an unverified e-mail is a viewer."""
    email = normal_email(email)
    admins = tuple(admins)
    role = role_of(store, email, admins) if verified else DEFAULT_ROLE
    return Actor(" ".join(str(name or "").split()) or email, email, role, admins, verified)


def roles_frame(store: Store) -> pd.DataFrame:
    """Stored roles: email, role, granted_by, granted_at (configured admins are not rows here)."""
    return role_table.roles_frame(store)


@requires("admin", "change a role")
def set_role(store: Store, email: str, role: str, by: str = "") -> str | None:
    """Give ``email`` a role (admin only); returns the role it had before (None: none stored). The change is
    in the history (subject 'person')."""
    email = normal_email(email)
    if "@" not in email or any(c.isspace() for c in email):
        raise TrackerError(f"{email!r} is not an e-mail address")
    if role not in ROLES:
        raise TrackerError(f"unknown role {role!r}; use one of: {', '.join(ROLES)}")
    by = (by or "").strip()
    if not by:
        raise TrackerError("say who gives the role (--by NAME): role changes are kept with the person's name")
    return role_table.write_role(store, email, role, by)


@requires("admin", "change a role")
def remove_role(store: Store, email: str, by: str = "") -> bool:
    """Forget a stored role (admin only): the person is a viewer again. False when there was none."""
    return role_table.delete_role(store, normal_email(email), (by or "").strip())
