"""Roles in the library (issue 14): every service that writes checks the acting person's role (``actor=``), a
refusal says who, their role and the role needed and writes nothing; an allowed change is logged with the
signed-in identity, whatever name the caller passes. Without an actor (command line, dashboard without
sign-in) everything works as before. The check is made once, at the services' entry (issue 24)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tracker import analysis
from tracker.cli import cli
from tracker.services import analyzing, editing, evidence, planning
from tracker.services.access import (
    ROLES,
    Actor,
    PermissionDenied,
    actor_for,
    remove_role,
    role_of,
    roles_frame,
    set_role,
)
from tracker.services.editing import save_rows, set_item, set_items
from tracker.services.importing import import_files, import_paths
from tracker.services.register import set_outcome
from tracker.services.web import import_targets
from tracker.store import Store

NEW_PAGE = (Path(__file__).parent / "data" / "pages" / "2025_open_forum_31.txt").read_bytes()
PEOPLE = {"viewer": Actor("Vera Viewer", "vera@example.org", "viewer"),
          "editor": Actor("Ed Editor", "ed@example.org", "editor"),
          "admin": Actor("Ada Admin", "ada@example.org", "admin")}


def _ids(store: Store) -> dict[str, Any]:
    recs = analysis.recommendations_frame(store)
    queue = analysis.review_queue(store)
    members = analysis.members_frame(store)
    call = members[members["state"] == "member"]["item_id"].iat[0]
    return {"item": call, "items": list(members["item_id"].iloc[:3]), "rec": recs["rec_id"].iat[0],
            "rec2": recs["rec_id"].iat[1], "rec3": recs["rec_id"].iat[2], "pending": queue["item_id"].iat[0],
            "version": int(store.scalar("SELECT version FROM items WHERE item_id = ?", [call]))}


def _item_status(store: Store, ids: dict) -> Any:
    return store.scalar("SELECT status FROM items WHERE item_id = ?", [ids["item"]])


# name -> (role needed, the call as the person given (``actor=``), what a refused call must have left unchanged)
WRITES: dict[str, tuple[str, Callable[[Store, dict, Any], Any], Callable[[Store, dict], Any]]] = {
    "set_item": ("editor", lambda s, i, a: set_item(s, i["item"], by="typed", status="done", actor=a), _item_status),
    "set_items": ("editor", lambda s, i, a: set_items(s, i["items"], by="typed", owner="CFIS", actor=a),
                  lambda s, i: s.scalar("SELECT list(owner ORDER BY item_id) FROM items")),
    "save_rows": ("editor", lambda s, i, a: save_rows(s, {i["item"]: {"status": "done"}}, by="typed",
                                                   versions={i["item"]: i["version"]}, actor=a), _item_status),
    "set_recommendation": ("editor", lambda s, i, a: editing.set_recommendation(s, i["rec"], by="typed",
                                                                             status="in_progress", actor=a),
                           lambda s, i: s.scalar("SELECT status FROM recommendations WHERE rec_id = ?", [i["rec"]])),
    "accept": ("editor", lambda s, i, a: analyzing.accept(s, i["pending"], by="typed", actor=a),
               lambda s, i: s.scalar("SELECT state FROM memberships WHERE item_id = ?", [i["pending"]])),
    "reject": ("editor", lambda s, i, a: analyzing.reject(s, i["pending"], by="typed", actor=a),
               lambda s, i: s.scalar("SELECT count(*) FROM rejections")),
    "choose": ("editor", lambda s, i, a: analyzing.choose(s, i["pending"], i["rec3"], by="typed", actor=a),
               lambda s, i: s.scalar("SELECT rec_id FROM memberships WHERE item_id = ?", [i["pending"]])),
    "none_of_these": ("editor", lambda s, i, a: analyzing.none_of_these(s, i["pending"], by="typed", actor=a),
                      lambda s, i: s.scalar("SELECT count(*) FROM rejections")),
    "reset_learning": ("admin", lambda s, i, a: analyzing.reset_learning(s, by="typed", actor=a),
                       lambda s, i: s.scalar("SELECT count(*) FROM analysis_decisions")),
    "accept_all": ("editor", lambda s, i, a: analyzing.accept_all(s, i["rec"], by="typed", actor=a),
                   lambda s, i: s.scalar("SELECT count(*) FROM memberships WHERE state = 'suggested'")),
    "move_item": ("editor", lambda s, i, a: analyzing.move_item(s, i["item"], i["rec3"], by="typed", actor=a),
                  lambda s, i: s.scalar("SELECT rec_id FROM memberships WHERE item_id = ?", [i["item"]])),
    "start_recommendation": ("editor", lambda s, i, a: analyzing.start_recommendation(s, i["item"], by="typed",
                                                                                      actor=a),
                             lambda s, i: s.scalar("SELECT count(*) FROM recommendations")),
    "merge_recommendations": ("editor", lambda s, i, a: analyzing.merge_recommendations(s, i["rec"], i["rec2"],
                                                                                        by="typed", actor=a),
                              lambda s, i: s.scalar("SELECT count(*) FROM recommendations")),
    "set_item_themes": ("editor", lambda s, i, a: analyzing.set_item_themes(s, i["item"], [], by="typed", actor=a),
                        lambda s, i: s.scalar("SELECT count(*) FROM analysis_decisions")),
    "import_files": ("admin", lambda s, i, a: import_files(s, [("new.txt", NEW_PAGE)], actor=a),
                     lambda s, i: s.scalar("SELECT count(*) FROM documents")),
    "import_paths": ("admin", lambda s, i, a: import_paths(s, [Path(__file__).parent / "data" / "pages"], actor=a),
                     lambda s, i: s.scalar("SELECT count(*) FROM documents")),
    "analyze": ("admin", lambda s, i, a: analyzing.analyze(s, actor=a),
                lambda s, i: s.scalar("SELECT count(*) FROM analysis_runs")),
    "plan_reanalysis": ("admin", lambda s, i, a: analyzing.plan_reanalysis(s, actor=a),
                        lambda s, i: s.scalar("SELECT count(*) FROM memberships")),
    "apply_plan": ("admin", lambda s, i, a: analyzing.apply_plan(s, analysis.plan_reanalysis(s), by="typed", actor=a),
                   lambda s, i: s.scalar("SELECT list(rec_id ORDER BY item_id) FROM memberships")),
    "set_role": ("admin", lambda s, i, a: set_role(s, "new@example.org", "editor", actor=a),
                 lambda s, i: len(roles_frame(s))),
    "remove_role": ("admin", lambda s, i, a: remove_role(s, "old@example.org", actor=a),
                    lambda s, i: len(roles_frame(s))),
    "set_outcome": ("editor", lambda s, i, a: set_outcome(s, i["rec"], "implemented", by="typed", actor=a),
                    lambda s, i: s.scalar("SELECT count(*) FROM history")),
    "add_link": ("editor", lambda s, i, a: evidence.add_link(s, "item", i["item"], "https://example.org/r", by="typed",
                                                             actor=a),
                 lambda s, i: s.scalar("SELECT count(*) FROM evidence")),
    "create_draft": ("editor", lambda s, i, a: planning.create_draft(s, "Next", 2026, by="typed", actor=a),
                     lambda s, i: s.scalar("SELECT count(*) FROM drafts")),
    "import_targets": ("admin", lambda s, i, a: import_targets(s, [Path(__file__).parent / "data" / "pages"],
                                                               analyze=False, actor=a),
                       lambda s, i: s.scalar("SELECT count(*) FROM documents")),
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
    if ROLES.index(role) >= ROLES.index(needed):
        call(store, ids, PEOPLE[role])  # allowed: no refusal (the change itself is tested elsewhere)
        return
    before = state(store, ids)
    history = store.scalar("SELECT count(*) FROM history")
    with pytest.raises(PermissionDenied) as refused:
        call(store, ids, PEOPLE[role])
    assert str(refused.value).startswith(f"{PEOPLE[role].email} is {'a' if role == 'viewer' else 'an'} {role}: ")
    assert str(refused.value).endswith(f"needs the {needed} role")
    assert "\n" not in str(refused.value)
    assert state(store, ids) == before and store.scalar("SELECT count(*) FROM history") == history


def test_the_refusal_reads_as_a_sentence(analyzed_store: Store) -> None:
    item = analyzed_store.scalar("SELECT min(item_id) FROM items")
    viewer = Actor("Ana", "ana@example.org", "viewer")
    with pytest.raises(PermissionDenied, match=r"^ana@example\.org is a viewer: changing a status needs the editor "
                                               r"role$"):
        set_item(analyzed_store, item, by="Ana", status="done", actor=viewer)
    editor = Actor("Ed", "ed@example.org", "editor")
    with pytest.raises(PermissionDenied, match="^ed@example.org is an editor: importing reports needs the admin role$"):
        import_files(analyzed_store, [("new.txt", NEW_PAGE)], actor=editor)


def test_the_change_log_records_the_signed_in_identity_not_the_typed_name(analyzed_store: Store) -> None:
    item = analyzed_store.scalar("SELECT min(item_id) FROM items")
    editor = Actor("Ed Editor", "ed@example.org", "editor")
    set_item(analyzed_store, item, by="Somebody Else", status="in_progress", via="dashboard", actor=editor)
    row = analyzed_store.query("SELECT changed_by, new_value FROM history WHERE subject_id = ? AND field = 'status'",
                               [item]).iloc[-1]
    assert (row["changed_by"], row["new_value"]) == ("Ed Editor <ed@example.org>", "in_progress")
    assert analyzed_store.scalar("SELECT updated_by FROM items WHERE item_id = ?", [item]) == \
        "Ed Editor <ed@example.org>"
    rec = analysis.recommendations_frame(analyzed_store)["rec_id"].iat[0]
    editing.set_recommendation(analyzed_store, rec, by="", owner="UNICEF", actor=editor)
    assert analyzed_store.scalar("SELECT updated_by FROM recommendations WHERE rec_id = ?", [rec]) == \
        "Ed Editor <ed@example.org>"


def test_roles_come_from_the_database_and_the_configured_admins(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_ADMINS", "Boss@Example.org, other@example.org")
    assert role_of(store, "boss@example.org") == "admin"
    assert role_of(store, "nobody@example.org") == "viewer"  # signed in, no role given: read and export
    assert role_of(store, "sec@example.org", admins=["SEC@example.org"]) == "admin"
    boss = actor_for(store, "Boss", "BOSS@example.org")
    assert boss.role == "admin"
    assert set_role(store, "Ed@Example.org", "editor", actor=boss) is None
    assert role_of(store, "ed@example.org") == "editor"
    assert set_role(store, "ed@example.org", "viewer", actor=boss) == "editor"
    log = store.read(lambda con: con.execute("""SELECT subject_id, old_value, new_value, changed_by, subject
                                                FROM history WHERE field = 'role' ORDER BY change_id""").fetchall())
    assert [list(row) for row in log] == [["ed@example.org", None, "editor", "Boss <boss@example.org>", "person"],
                                   ["ed@example.org", "editor", "viewer", "Boss <boss@example.org>", "person"]]
    from tracker.ui.dashboard_data import history_table

    shown = history_table(store).iloc[0]  # the History page, newest first
    assert (shown["kind"], shown["what"], shown["change"]) == ("Roles", "ed@example.org", "role: editor → viewer")
    assert remove_role(store, "ed@example.org", actor=boss) and not remove_role(store, "ed@example.org", actor=boss)
    assert role_of(store, "ed@example.org") == "viewer"
    # a configured admin stays admin whatever the table says: nobody can lock every admin out
    set_role(store, "boss@example.org", "viewer", actor=boss)
    assert role_of(store, "boss@example.org") == "admin"


@pytest.mark.parametrize("email, role, message", [("not-an-address", "editor", "not an e-mail address"),
                                                  ("a@example.org", "owner", "unknown role 'owner'")])
def test_bad_role_changes_write_nothing(store: Store, email: str, role: str, message: str) -> None:
    with pytest.raises(Exception, match=message):
        set_role(store, email, role, by="Ana")
    assert roles_frame(store).empty


def test_without_an_actor_everything_works_as_before(analyzed_store: Store) -> None:
    item = analyzed_store.scalar("SELECT min(item_id) FROM items")
    set_item(analyzed_store, item, by="Ana", status="done")
    by = analyzed_store.scalar("SELECT changed_by FROM history WHERE subject_id = ? AND field = 'status'", [item])
    assert by == "Ana"
    result = CliRunner().invoke(cli, ["--db", str(analyzed_store.path), "set", item, "--owner", "CFIS", "--by", "Bo"])
    assert result.exit_code == 0, result.output


def test_an_editor_accepting_a_report_call_gets_it_placed_by_the_analysis(analyzed_store: Store) -> None:
    """Accepting is an editor's decision; the analysis that places the new item runs as part of it, without
    the admin role a run of its own needs (and without a second Store made to get round the check)."""
    from tracker.services.report_calls import accept_call, report_calls_frame

    call_id = str(report_calls_frame(analyzed_store)["call_id"].iat[0])
    runs = analyzed_store.scalar("SELECT count(*) FROM analysis_runs")
    assert accept_call(analyzed_store, call_id, by="typed", actor=PEOPLE["editor"]) == call_id
    assert analyzed_store.scalar("SELECT count(*) FROM analysis_runs") == runs + 1
    assert analysis.item_annotations(analyzed_store).set_index("item_id").loc[call_id, "rec_id"]
    assert analyzed_store.scalar("SELECT changed_by FROM history WHERE subject_id = ? ORDER BY change_id DESC LIMIT 1",
                                 [call_id]) == "Ed Editor <ed@example.org>"
    with pytest.raises(PermissionDenied, match="^vera@example.org is a viewer: accepting a call found in the report "
                                               "needs the editor role$"):
        accept_call(analyzed_store, call_id, by="typed", actor=PEOPLE["viewer"])


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
    from tracker.vocabulary import escape_markdown

    assert [e.value for e in at.error] == [escape_markdown("ed@example.org is an editor: changing a role needs the "
                                                           "admin role")]
    assert role_of(store, "vera@example.org") == "viewer"


def test_an_editor_cannot_import_from_the_add_a_report_page(seed_store: Store) -> None:
    from tracker.vocabulary import escape_markdown

    documents = seed_store.scalar("SELECT count(*) FROM documents")
    at = _page_as("add_report", PEOPLE["editor"])
    at.text_area(key="paste-0").set_value(NEW_PAGE.decode("utf-8")).run()
    at.button(key="import").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == [escape_markdown("ed@example.org is an editor: importing reports needs "
                                                           "the admin role")]
    assert seed_store.scalar("SELECT count(*) FROM documents") == documents


# services that write but are no entry point of their own: called only by a checked service just before
CHECKED_BY_CALLER = {"tracker.services.evidence._insert", "tracker.services.importing.record_importer"}


def _functions(folder: str) -> Iterator[tuple[str, ast.FunctionDef]]:
    root = Path(__file__).resolve().parent.parent
    for path in sorted((root / "tracker" / folder).rglob("*.py")):
        module = ".".join(path.relative_to(root).with_suffix("").parts)
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef):
                yield module + "." + node.name, node


def test_every_service_that_writes_declares_its_role() -> None:
    """A service that writes (``store.write`` / ``store.holding``) is an entry point: ``@requires(ROLE, …)``."""
    unchecked = []
    for name, node in _functions("services"):
        if name in CHECKED_BY_CALLER:
            continue
        calls = [c for c in ast.walk(node) if isinstance(c, ast.Call)]
        writes = any(isinstance(c.func, ast.Attribute) and c.func.attr in ("write", "holding")
                     and isinstance(c.func.value, ast.Name) and c.func.value.id == "store" for c in calls)
        declared = any(isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "requires"
                       for d in node.decorator_list)
        if writes and not declared:
            unchecked.append(name)
    assert unchecked == [], "services that write without @requires(ROLE, ACTION)"


def test_the_store_and_the_analysis_know_nothing_of_who_acts() -> None:
    """Permissions are checked once, in the services: nothing below them takes or checks a person."""
    root = Path(__file__).resolve().parent.parent
    found = []
    for folder in ("store", "analysis", "reading"):
        for path in sorted((root / "tracker" / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} | \
                {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
            arguments = {a.arg for a in ast.walk(tree) if isinstance(a, ast.arg)}  # ("actor" is also a word of
            # the calls' text: the addressee a title names)
            found += [f"{path.name}: {n}" for n in sorted(names & {"Actor", "require", "requires", "PermissionDenied",
                                                                   "permit"} | arguments & {"actor"})]
    assert found == []


def test_the_pages_pass_the_signed_in_person_with_every_change() -> None:
    """Every call of a page that names who changes something (``by=``) also passes ``actor=``."""
    root = Path(__file__).resolve().parent.parent
    missing = []
    for path in sorted((root / "tracker" / "ui").rglob("*.py")):
        for call in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(call, ast.Call):
                keywords = {k.arg for k in call.keywords}
                if "by" in keywords and "actor" not in keywords:
                    missing.append(f"{path.name}:{call.lineno}")
    assert missing == []
