"""Roles in the library (issue 14): every write function checks the signed-in person's role, a refusal says
who, their role and the role needed and writes nothing; an allowed change is logged with the signed-in
identity, whatever name the caller passes. A Store without an actor (command line, dashboard without sign-in)
works as before."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tracker import analysis
from tracker.cli import cli
from tracker.services import editing
from tracker.services.editing import save_rows, set_item, set_items
from tracker.services.importing import import_files, import_paths
from tracker.store import Store
from tracker.store.access import (
    ROLES,
    Actor,
    PermissionDenied,
    actor_for,
    remove_role,
    role_of,
    roles_frame,
    set_role,
)
from tracker.store.documents import load_files

NEW_PAGE = (Path(__file__).parent / "data" / "pages" / "2025_open_forum_31.txt").read_bytes()
PEOPLE = {"viewer": Actor("Vera Viewer", "vera@example.org", "viewer"),
          "editor": Actor("Ed Editor", "ed@example.org", "editor"),
          "admin": Actor("Ada Admin", "ada@example.org", "admin")}


def _ids(store: Store) -> dict[str, Any]:
    recs = analysis.recommendations_frame(store)
    queue = analysis.review_queue(store)
    members = analysis.members_frame(store)
    call = members[members["state"] == "member"]["id"].iat[0]
    return {"item": call, "items": list(members["id"].iloc[:3]), "rec": recs["rec_id"].iat[0],
            "rec2": recs["rec_id"].iat[1], "rec3": recs["rec_id"].iat[2], "pending": queue["item_id"].iat[0],
            "version": int(store.scalar("SELECT version FROM items WHERE item_id = ?", [call])),
            "plan": analysis.plan_reanalysis(store)}


def _item_status(store: Store, ids: dict) -> Any:
    return store.scalar("SELECT status FROM items WHERE item_id = ?", [ids["item"]])


# name -> (role needed, the call, what a refused call must have left unchanged)
WRITES: dict[str, tuple[str, Callable[[Store, dict], Any], Callable[[Store, dict], Any]]] = {
    "set_item": ("editor", lambda s, i: set_item(s, i["item"], by="typed", status="done"), _item_status),
    "set_items": ("editor", lambda s, i: set_items(s, i["items"], by="typed", owner="CFIS"),
                  lambda s, i: s.scalar("SELECT list(owner ORDER BY item_id) FROM items")),
    "save_rows": ("editor", lambda s, i: save_rows(s, {i["item"]: {"status": "done"}}, by="typed",
                                                   versions={i["item"]: i["version"]}), _item_status),
    "set_recommendation": ("editor", lambda s, i: editing.set_recommendation(s, i["rec"], by="typed",
                                                                             status="in_progress"),
                           lambda s, i: s.scalar("SELECT status FROM recommendations WHERE rec_id = ?", [i["rec"]])),
    "accept": ("editor", lambda s, i: analysis.accept(s, i["pending"], by="typed"),
               lambda s, i: s.scalar("SELECT state FROM memberships WHERE item_id = ?", [i["pending"]])),
    "reject": ("editor", lambda s, i: analysis.reject(s, i["pending"], by="typed"),
               lambda s, i: s.scalar("SELECT count(*) FROM rejections")),
    "choose": ("editor", lambda s, i: analysis.choose(s, i["pending"], i["rec3"], by="typed"),
               lambda s, i: s.scalar("SELECT rec_id FROM memberships WHERE item_id = ?", [i["pending"]])),
    "none_of_these": ("editor", lambda s, i: analysis.none_of_these(s, i["pending"], by="typed"),
                      lambda s, i: s.scalar("SELECT count(*) FROM rejections")),
    "reset_learning": ("admin", lambda s, i: analysis.reset_learning(s, by="typed"),
                       lambda s, i: s.scalar("SELECT count(*) FROM analysis_decisions")),
    "accept_all": ("editor", lambda s, i: analysis.accept_all(s, i["rec"], by="typed"),
                   lambda s, i: s.scalar("SELECT count(*) FROM memberships WHERE state = 'suggested'")),
    "move_item": ("editor", lambda s, i: analysis.move_item(s, i["item"], i["rec3"], by="typed"),
                  lambda s, i: s.scalar("SELECT rec_id FROM memberships WHERE item_id = ?", [i["item"]])),
    "start_recommendation": ("editor", lambda s, i: analysis.start_recommendation(s, i["item"], by="typed"),
                             lambda s, i: s.scalar("SELECT count(*) FROM recommendations")),
    "merge_recommendations": ("editor", lambda s, i: analysis.merge_recommendations(s, i["rec"], i["rec2"], by="typed"),
                              lambda s, i: s.scalar("SELECT count(*) FROM recommendations")),
    "set_item_themes": ("editor", lambda s, i: analysis.set_item_themes(s, i["item"], [], by="typed"),
                        lambda s, i: s.scalar("SELECT count(*) FROM analysis_decisions")),
    "import_files": ("admin", lambda s, i: import_files(s, [("new.txt", NEW_PAGE)]),
                     lambda s, i: s.scalar("SELECT count(*) FROM documents")),
    "import_paths": ("admin", lambda s, i: import_paths(s, [Path(__file__).parent / "data" / "pages"]),
                     lambda s, i: s.scalar("SELECT count(*) FROM documents")),
    "load_files": ("admin", lambda s, i: load_files([("new.txt", NEW_PAGE)], s),
                   lambda s, i: s.scalar("SELECT count(*) FROM documents")),
    "analyze": ("admin", lambda s, i: analysis.analyze(s), lambda s, i: s.scalar("SELECT count(*) FROM analysis_runs")),
    "plan_reanalysis": ("admin", lambda s, i: analysis.plan_reanalysis(s),
                        lambda s, i: s.scalar("SELECT count(*) FROM memberships")),
    "apply_plan": ("admin", lambda s, i: analysis.apply_plan(s, i["plan"], by="typed"),
                   lambda s, i: s.scalar("SELECT list(rec_id ORDER BY item_id) FROM memberships")),
    "set_role": ("admin", lambda s, i: set_role(s, "new@example.org", "editor"),
                 lambda s, i: len(roles_frame(s))),
    "remove_role": ("admin", lambda s, i: remove_role(s, "old@example.org"), lambda s, i: len(roles_frame(s))),
}


@pytest.fixture
def prepared(analyzed_store: Store) -> tuple[Store, dict]:
    set_role(analyzed_store, "old@example.org", "editor", by="setup")  # local use: no actor, acts as admin
    return analyzed_store, _ids(analyzed_store)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(WRITES))
def test_each_write_function_checks_the_role(prepared: tuple[Store, dict], name: str, role: str) -> None:
    store, ids = prepared
    needed, call, state = WRITES[name]
    acting = Store(store.path, actor=PEOPLE[role])
    if ROLES.index(role) >= ROLES.index(needed):
        call(acting, ids)  # allowed: no refusal (the change itself is tested elsewhere)
        return
    before = state(store, ids)
    history = store.scalar("SELECT count(*) FROM history")
    with pytest.raises(PermissionDenied) as refused:
        call(acting, ids)
    assert str(refused.value).startswith(f"{PEOPLE[role].email} is {'a' if role == 'viewer' else 'an'} {role}: ")
    assert str(refused.value).endswith(f"needs the {needed} role")
    assert "\n" not in str(refused.value)
    assert state(store, ids) == before and store.scalar("SELECT count(*) FROM history") == history


def test_the_refusal_reads_as_a_sentence(analyzed_store: Store) -> None:
    item = analyzed_store.scalar("SELECT min(item_id) FROM items")
    viewer = Store(analyzed_store.path, actor=Actor("Ana", "ana@example.org", "viewer"))
    with pytest.raises(PermissionDenied, match=r"^ana@example\.org is a viewer: changing a status needs the editor "
                                               r"role$"):
        set_item(viewer, item, by="Ana", status="done")
    editor = Store(analyzed_store.path, actor=Actor("Ed", "ed@example.org", "editor"))
    with pytest.raises(PermissionDenied, match="^ed@example.org is an editor: importing reports needs the admin role$"):
        import_files(editor, [("new.txt", NEW_PAGE)])


def test_the_change_log_records_the_signed_in_identity_not_the_typed_name(analyzed_store: Store) -> None:
    item = analyzed_store.scalar("SELECT min(item_id) FROM items")
    editor = Store(analyzed_store.path, actor=Actor("Ed Editor", "ed@example.org", "editor"))
    set_item(editor, item, by="Somebody Else", status="in_progress", via="dashboard")
    row = analyzed_store.query("SELECT changed_by, new_value FROM history WHERE subject_id = ? AND field = 'status'",
                               [item]).iloc[-1]
    assert (row["changed_by"], row["new_value"]) == ("Ed Editor <ed@example.org>", "in_progress")
    assert analyzed_store.scalar("SELECT updated_by FROM items WHERE item_id = ?", [item]) == \
        "Ed Editor <ed@example.org>"
    rec = analysis.recommendations_frame(analyzed_store)["rec_id"].iat[0]
    editing.set_recommendation(editor, rec, by="", owner="UNICEF")
    assert analyzed_store.scalar("SELECT updated_by FROM recommendations WHERE rec_id = ?", [rec]) == \
        "Ed Editor <ed@example.org>"


def test_roles_come_from_the_database_and_the_configured_admins(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_ADMINS", "Boss@Example.org, other@example.org")
    assert role_of(store, "boss@example.org") == "admin"
    assert role_of(store, "nobody@example.org") == "viewer"  # signed in, no role given: read and export
    assert role_of(store, "sec@example.org", admins=["SEC@example.org"]) == "admin"
    boss = Store(store.path, actor=actor_for(store, "Boss", "BOSS@example.org"))
    assert boss.actor is not None and boss.actor.role == "admin"
    assert set_role(boss, "Ed@Example.org", "editor") is None
    assert role_of(store, "ed@example.org") == "editor"
    assert set_role(boss, "ed@example.org", "viewer") == "editor"
    log = store.read(lambda con: con.execute("""SELECT subject_id, old_value, new_value, changed_by, subject
                                                FROM history WHERE field = 'role' ORDER BY change_id""").fetchall())
    assert [list(row) for row in log] == [["ed@example.org", None, "editor", "Boss <boss@example.org>", "person"],
                                   ["ed@example.org", "editor", "viewer", "Boss <boss@example.org>", "person"]]
    from tracker.ui.dashboard_data import history_table

    shown = history_table(store).iloc[0]  # the History page, newest first
    assert (shown["kind"], shown["what"], shown["change"]) == ("Roles", "ed@example.org", "role: editor → viewer")
    assert remove_role(boss, "ed@example.org") and not remove_role(boss, "ed@example.org")
    assert role_of(store, "ed@example.org") == "viewer"
    # a configured admin stays admin whatever the table says: nobody can lock every admin out
    set_role(boss, "boss@example.org", "viewer")
    assert role_of(store, "boss@example.org") == "admin"


@pytest.mark.parametrize("email, role, message", [("not-an-address", "editor", "not an e-mail address"),
                                                  ("a@example.org", "owner", "unknown role 'owner'")])
def test_bad_role_changes_write_nothing(store: Store, email: str, role: str, message: str) -> None:
    with pytest.raises(Exception, match=message):
        set_role(store, email, role, by="Ana")
    assert roles_frame(store).empty


def test_without_an_actor_everything_works_as_before(analyzed_store: Store) -> None:
    item = analyzed_store.scalar("SELECT min(item_id) FROM items")
    assert analyzed_store.actor is None
    set_item(analyzed_store, item, by="Ana", status="done")
    by = analyzed_store.scalar("SELECT changed_by FROM history WHERE subject_id = ? AND field = 'status'", [item])
    assert by == "Ana"
    result = CliRunner().invoke(cli, ["--db", str(analyzed_store.path), "set", item, "--owner", "CFIS", "--by", "Bo"])
    assert result.exit_code == 0, result.output


def _page_as(name: str, actor: Actor) -> Any:
    """A dashboard page under AppTest, as the dashboard runs it for ``actor`` after sign-in."""
    from streamlit.testing.v1 import AppTest

    from tracker.ui.auth import ACTOR_KEY

    at = AppTest.from_file(str(Path(__file__).resolve().parent.parent / f"tracker/ui/pages/{name}.py"),
                           default_timeout=60)
    at.session_state[ACTOR_KEY] = actor
    return at.run()


def _team_page(store: Store, actor: Actor) -> Any:
    return _page_as("team", actor)


def test_the_team_page_gives_roles_and_refuses_non_admins(store: Store) -> None:
    at = _team_page(store, PEOPLE["admin"])
    assert not at.exception, at.exception
    at.text_input[0].set_value("Ed@Example.org")
    at.selectbox[0].set_value("editor")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert role_of(store, "ed@example.org") == "editor"
    assert store.scalar("SELECT granted_by FROM roles") == "Ada Admin <ada@example.org>"

    at = _team_page(store, PEOPLE["editor"])  # the page is only in an admin's navigation; the library refuses too
    at.text_input[0].set_value("vera@example.org")
    at.button[0].click().run()
    from tracker.ui.dashboard_data import escape_markdown

    assert [e.value for e in at.error] == [escape_markdown("ed@example.org is an editor: changing a role needs the "
                                                           "admin role")]
    assert role_of(store, "vera@example.org") == "viewer"


def test_an_editor_cannot_import_from_the_add_a_report_page(seed_store: Store) -> None:
    from tracker.ui.dashboard_data import escape_markdown

    documents = seed_store.scalar("SELECT count(*) FROM documents")
    at = _page_as("add_report", PEOPLE["editor"])
    at.text_area(key="paste-0").set_value(NEW_PAGE.decode("utf-8")).run()
    at.button(key="import").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [escape_markdown("ed@example.org is an editor: importing reports needs "
                                                           "the admin role")]
    assert seed_store.scalar("SELECT count(*) FROM documents") == documents


# writes through a connection that a checked function opened (load_files -> load_documents)
# written only from functions that checked the role just before: the load (documents), adding evidence
CHECKED_BY_CALLER = {"tracker.store.documents.load_documents", "tracker.services.evidence._insert",
                     "tracker.services.importing.record_importer"}


def test_every_function_that_writes_checks_the_role_first() -> None:
    """A new write function (``store.write`` / ``store.holding``) must start with ``require(store, …)``."""
    import ast

    root = Path(__file__).resolve().parent.parent
    unchecked = []
    for path in sorted((root / "tracker").rglob("*.py")):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef) or module + "." + node.name in CHECKED_BY_CALLER:
                continue
            calls = [c for c in ast.walk(node) if isinstance(c, ast.Call)]
            writes = any(isinstance(c.func, ast.Attribute) and c.func.attr in ("write", "holding")
                         and isinstance(c.func.value, ast.Name) and c.func.value.id == "store" for c in calls)
            checks = any(isinstance(c.func, ast.Name) and c.func.id == "require" for c in calls)
            if writes and not checks:
                unchecked.append(f"{module}.{node.name}")
    assert unchecked == [], "write functions without require(store, ROLE, ACTION, by)"
