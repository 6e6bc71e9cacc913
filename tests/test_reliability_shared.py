"""A tracker shared by many people: an import's analysis never keeps editors out, nothing someone changed
meanwhile is overwritten by the analysis, and the analysis re-checks what changed while it computed.

Saves from other processes are real ``python -m tracker`` commands against the same DuckDB file.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest

import tracker.analysis.runs as runs
import tracker.analysis.sentences as sentences
from tracker.analysis import set_item_themes
from tracker.reading.fetch import fetch, internal
from tracker.reading.models import BadInput
from tracker.services import editing
from tracker.services.access import Actor, PermissionDenied, actor_for, remove_role, set_role
from tracker.services.editing import set_item
from tracker.services.web import import_targets, refresh
from tracker.store import Store

ROOT = Path(__file__).resolve().parent.parent


def cli(db: Path, *args: str, lock_timeout: float = 30, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_DB"}
    env["TRACKER_LOCK_TIMEOUT"] = str(lock_timeout)
    return subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def lexical(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_EMBEDDINGS", "off")


def _while_computing(monkeypatch: pytest.MonkeyPatch, action) -> list:
    """Run ``action`` once, at the moment the analysis computes its sentence vectors (the real computation
    follows)."""
    done: list = []
    real = sentences.char_vectors

    def computing(texts: list[str]) -> np.ndarray:
        if not done:
            done.append(action())
        return real(texts)

    monkeypatch.setattr(sentences, "char_vectors", computing)
    return done


def test_a_save_from_another_process_goes_through_while_the_analysis_computes(
        seed_store: Store, lexical: None, monkeypatch: pytest.MonkeyPatch) -> None:
    item_id = str(seed_store.scalar("SELECT min(item_id) FROM items"))
    # a short wait: the save must find the file free, not wait for the analysis to finish
    done = _while_computing(monkeypatch, lambda: cli(seed_store.path, "set", item_id, "--status", "in_progress",
                                                     "--by", "Bob", lock_timeout=2))
    result = runs.run_analysis(seed_store)
    assert done, "the analysis computed no vectors"
    assert done[0].returncode == 0, done[0].stderr
    assert seed_store.scalar("SELECT status FROM items WHERE item_id = ?", [item_id]) == "in_progress"
    assert result.placed > 0 and "calls placed" in result.summary


def test_a_theme_correction_made_while_the_analysis_computes_wins(
        seed_store: Store, lexical: None, monkeypatch: pytest.MonkeyPatch) -> None:
    item_id = str(seed_store.scalar("SELECT min(item_id) FROM items WHERE kind = 'action'"))
    _while_computing(monkeypatch, lambda: set_item_themes(seed_store, item_id, ["Research and data"], "Ana"))
    runs.run_analysis(seed_store)
    row = seed_store.read(lambda con: con.execute(
        "SELECT themes, themes_by FROM item_analysis WHERE item_id = ?", [item_id]).fetchone())
    assert row is not None and list(row[0]) == ["Research and data"] and row[1] == "Ana"


def test_calls_placed_by_another_run_meanwhile_are_not_placed_twice(
        seed_store: Store, lexical: None, monkeypatch: pytest.MonkeyPatch) -> None:
    alone = Store(seed_store.path.with_name("alone.duckdb"))
    from tests.conftest import copy_db

    copy_db(seed_store.path, alone.path)
    runs.run_analysis(alone)
    expected = alone.scalar("SELECT count(*) FROM recommendations")
    members = alone.scalar("SELECT count(*) FROM memberships")
    assert expected > 0

    def other_run() -> runs.RunResult:
        monkeypatch.setattr(sentences, "char_vectors", real)
        return runs.run_analysis(seed_store)

    real = sentences.char_vectors
    _while_computing(monkeypatch, other_run)
    outer = runs.run_analysis(seed_store)
    assert seed_store.scalar("SELECT count(*) FROM recommendations") == expected
    assert seed_store.scalar("SELECT count(*) FROM memberships") == members
    assert outer.placed == 0 and outer.deferred == members
    assert "left for the next analysis" in outer.summary


# --- the server's fetch: admins only, never into the server's own network, bounded in time ----------------

@pytest.fixture
def local_site() -> Iterator[tuple[list[str], int]]:
    """A web server on 127.0.0.1: /page is a session page, /hop redirects to /page by the loopback address,
    /secret is what must never be read; returns (paths requested, port)."""
    requested: list[str] = []
    page = (ROOT / "seeds" / "000_b1319ff3bb3a17cc.txt").read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            requested.append(self.path)
            port = self.server.server_address[1]
            if self.path == "/hop":
                self.send_response(302)
                self.send_header("Location", f"http://127.0.0.1:{port}/secret")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield requested, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def test_a_viewer_cannot_make_the_server_fetch_anything(store: Store, local_site, monkeypatch) -> None:
    requested, port = local_site
    monkeypatch.setenv("TRACKER_FETCH_ALLOW_HOSTS", "127.0.0.1")
    viewer = Actor("Vera", "vera@example.org", "viewer")
    for attempt in (lambda: import_targets(store, [f"http://127.0.0.1:{port}/page"], analyze=False, actor=viewer),
                    lambda: refresh(store, analyze=False, actor=viewer)):
        with pytest.raises(PermissionDenied, match="vera@example.org is a viewer: .* needs the admin role"):
            attempt()
    assert requested == []


def test_loopback_and_private_addresses_are_refused_after_resolution_and_on_redirects(local_site, monkeypatch) -> None:
    requested, port = local_site
    monkeypatch.delenv("TRACKER_FETCH_ALLOW_HOSTS", raising=False)
    for url, host in ((f"http://127.0.0.1:{port}/page", "127.0.0.1"), (f"http://localhost:{port}/page", "localhost")):
        with pytest.raises(BadInput) as refused:
            fetch(url)
        assert refused.value.reason == (f"{host} is a loopback address on the server's own network: not fetched "
                                        "(name it in $TRACKER_FETCH_ALLOW_HOSTS to allow it)")
    assert requested == []  # refused before anything was sent
    for address, why in (("169.254.169.254", "a link-local (cloud metadata) address"),
                         ("10.1.2.3", "a private address"), ("192.168.0.1", "a private address"),
                         ("::ffff:127.0.0.1", "a loopback address"), ("100.64.0.1", "a non-public address"),
                         ("fd00:ec2::254", "a private address"), ("240.0.0.1", "a private address")):
        assert internal(address) == why, address
    assert internal("93.184.215.14") is None

    # a host named in the setting is fetched; its redirect to another, unnamed, internal host is not
    monkeypatch.setenv("TRACKER_FETCH_ALLOW_HOSTS", "localhost")
    assert b"Key Takeaways" in fetch(f"http://localhost:{port}/page").data
    with pytest.raises(BadInput, match="127.0.0.1 is a loopback address"):
        fetch(f"http://localhost:{port}/hop")
    assert "/secret" not in requested and "/hop" in requested


def test_a_server_that_drips_its_headers_times_out_at_the_deadline(monkeypatch) -> None:
    monkeypatch.setenv("TRACKER_FETCH_ALLOW_HOSTS", "127.0.0.1")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def drip() -> None:
        conn, _ = listener.accept()
        with conn:
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nX-Padding: " + b"x" * 1000:
                if stop.wait(0.3):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return

    threading.Thread(target=drip, daemon=True).start()
    started = time.monotonic()
    try:
        with pytest.raises(BadInput) as refused:
            fetch(f"http://127.0.0.1:{listener.getsockname()[1]}/", timeout=1.5)
    finally:
        stop.set()
        listener.close()
    assert refused.value.reason == "timed out after 1.5 s"
    assert time.monotonic() - started < 3


# --- roles: checked at each write against the database; only a verified e-mail gets one --------------------

def test_an_editor_whose_role_was_removed_cannot_save_with_the_role_read_before(seed_store: Store) -> None:
    set_role(seed_store, "ed@example.org", "editor", by="Ada")
    ed = actor_for(seed_store, "Ed Editor", "ed@example.org")
    item_id = str(seed_store.scalar("SELECT min(item_id) FROM items"))
    set_item(seed_store, item_id, by="Ed", status="in_progress", actor=ed)
    remove_role(seed_store, "ed@example.org", by="Ada")  # the page still holds Ed's actor, read as an editor
    with pytest.raises(PermissionDenied, match=r"^ed@example.org is now a viewer \(was an editor when the page "
                                               r"was loaded\): nothing was saved; reload the page$"):
        set_item(seed_store, item_id, by="Ed", status="done", actor=ed)
    assert seed_store.scalar("SELECT status FROM items WHERE item_id = ?", [item_id]) == "in_progress"
    # an admin named in the configuration stays one whatever the table says
    ada = actor_for(seed_store, "Ada", "ada@example.org", admins=["ada@example.org"])
    set_item(seed_store, item_id, by="Ada", status="done", actor=ada)


def test_an_unverified_e_mail_gets_no_role(seed_store: Store) -> None:
    set_role(seed_store, "ed@example.org", "editor", by="Ada")
    assert actor_for(seed_store, "Eve", "ed@example.org", verified=False).role == "viewer"
    assert actor_for(seed_store, "Eve", "ada@example.org", admins=["ada@example.org"], verified=False).role == "viewer"
    assert actor_for(seed_store, "Ed", "ed@example.org").role == "editor"


# --- control characters: cleaned at input, and never able to break an export ---------------------------------

def test_control_characters_are_cleaned_at_input_and_exports_survive_what_is_stored(
        analyzed_store: Store, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from tracker import analysis
    from tracker.services.exporting import excel_bytes, export_frame, readable, write_frame

    rec = analysis.recommendations_frame(analyzed_store)["rec_id"].iat[0]
    editing.set_recommendation(analyzed_store, rec, by="Ana", title="Ring\x07 the \x1b[31mbell")
    assert analyzed_store.scalar("SELECT title FROM recommendations WHERE rec_id = ?", [rec]) == "Ring the [31mbell"

    page = (ROOT / "seeds" / "000_b1319ff3bb3a17cc.txt").read_text(encoding="utf-8")
    page = page.replace("International cooperation", "International\x07 cooperation", 1)
    (tmp_path / "bell.txt").write_text(page, encoding="utf-8")
    from tracker.reading.parsed import parse_bytes

    texts = [i.text for i in parse_bytes("bell.txt", page.encode()).items]
    assert any(t.startswith("International cooperation") for t in texts)
    assert not any("\x07" in t for t in texts)

    # a title stored before input was cleaned (or written by another tool): every export still works
    analyzed_store.write(lambda con: con.execute("UPDATE recommendations SET title = 'Old\x07\x1b title' "
                                                 "WHERE rec_id = ?", [rec]))
    for what in ("recommendations", "items"):
        frame = readable(export_frame(analyzed_store, what), what)
        book = load_workbook(io.BytesIO(excel_bytes(frame)))
        values = [str(c.value) for row in book.active.iter_rows() for c in row if c.value is not None]
        assert any("Old title" in v for v in values), what
        csv = write_frame(export_frame(analyzed_store, what), "csv")
        assert "Old title" in csv and "\x07" not in csv and "\x1b" not in csv


# --- files private from their creation -------------------------------------------------------------------

@pytest.mark.slow
def test_database_log_and_exports_are_never_readable_by_others_even_for_a_moment(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "tracker.duckdb"
    env = {k: v for k, v in os.environ.items() if k != "TRACKER_DB"}
    seen: dict[str, int] = {}

    def run(*args: str) -> subprocess.CompletedProcess:
        proc = subprocess.Popen([sys.executable, "-m", "tracker", "--db", str(db), *args], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: os.umask(0o022))
        while proc.poll() is None:  # watch every file as it appears, as another user of the machine could
            for entry in os.scandir(folder):
                try:
                    seen[entry.name] = seen.get(entry.name, 0) | entry.stat().st_mode & 0o077
                except OSError:
                    pass
            time.sleep(0.001)
        out, err = proc.communicate()
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    assert run("load", "--no-analyze", str(ROOT / "seeds")).returncode == 0
    item_id = str(Store(db).scalar("SELECT min(item_id) FROM items"))
    for n in range(3):
        assert run("set", item_id, "--note", f"note {n}", "--by", "Ana").returncode == 0
    (folder / "old.csv").write_text("made readable by others\n")
    os.chmod(folder / "old.csv", 0o644)
    assert run("export", "--out", str(folder / "items.csv")).returncode == 0
    assert run("export", "--out", str(folder / "old.csv")).returncode == 0
    assert run("brief", "--format", "docx", "--out", str(folder / "proposal.docx")).returncode == 0
    assert {"tracker.duckdb", "tracker.duckdb.wal"} <= set(seen), seen
    assert {name: oct(mode) for name, mode in seen.items() if mode and name != "old.csv"} == {}
    for name in ("tracker.duckdb", "items.csv", "old.csv", "proposal.docx"):
        assert (folder / name).stat().st_mode & 0o777 == 0o600, name


# --- bulk update: only the rows the person saw, at the versions they saw -----------------------------------

@pytest.mark.slow
def test_bulk_apply_to_all_shown_leaves_rows_a_load_added_meanwhile(seed_store: Store) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    from tests.test_dashboard_pages import PAGES, _button
    from tracker.store.loading import load_files
    from tracker.store.queries import items_frame

    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    at.text_input(key="_name_input").set_value("Ana").run()
    at.switch_page(PAGES["tracker"]).run()
    shown = set(at.dataframe[0].value["item_id"])
    at.checkbox(key="bulk_all").check().run()
    at.selectbox(key="bulk_status").set_value("dropped").run()
    assert _button(at, "Apply to").label == f"Apply to {len(shown)} item(s)"
    # another process loads a page (new items) after Ana saw the rows, and Bob takes one of them up
    page = (ROOT / "tests" / "data" / "pages" / "2025_open_forum_31.txt").read_bytes()
    assert load_files([("2025_open_forum_31.txt", page)], seed_store).count("added") == 1
    new = set(items_frame(seed_store)["item_id"]) - shown
    assert new
    set_item(seed_store, sorted(new)[0], by="Bob", status="in_progress")
    st.cache_data.clear()
    _button(at, "Apply to").click().run()
    assert not at.exception, at.exception
    frame = items_frame(seed_store).set_index("item_id")
    assert set(frame.loc[list(shown), "status"]) == {"dropped"}
    assert frame.loc[sorted(new)[0], "status"] == "in_progress"
    assert set(frame.loc[sorted(new)[1:], "status"]) == {"not_started"}
    assert any(f"of {len(shown)} item(s)" in s.value for s in at.success), [s.value for s in at.success]
    st.cache_data.clear()


def test_bulk_update_refuses_items_without_the_version_they_were_seen_at(seed_store: Store) -> None:
    from tracker.services.editing import EditError, set_items

    ids = [str(i) for i in seed_store.query("SELECT item_id FROM items ORDER BY item_id LIMIT 3")["item_id"]]
    with pytest.raises(EditError, match="was not among the items shown"):
        set_items(seed_store, ids, by="Ana", expected_versions={ids[0]: 1}, status="done")
    assert seed_store.scalar("SELECT count(*) FROM items WHERE status = 'done'") == 0


def test_setting_a_status_on_the_calls_refuses_a_call_changed_since_the_page_was_opened(analyzed_store: Store) -> None:
    from tracker import analysis
    from tracker.services.editing import EditConflict

    members = analysis.members_frame(analyzed_store)
    members = members[members["state"] == "member"]
    rec = members["rec_id"].value_counts().index[0]
    calls = list(members[members["rec_id"] == rec]["item_id"])
    opened = editing.call_versions(analyzed_store, rec)  # Ana opens the recommendation
    set_item(analyzed_store, calls[0], by="Bob", status="done")  # Bob changes one of its calls meanwhile
    with pytest.raises(EditConflict, match=f"item {calls[0]} was changed by Bob"):
        editing.set_recommendation(analyzed_store, rec, by="Ana", status="in_progress", apply_to_calls=True,
                                   call_versions=opened)
    assert analyzed_store.scalar("SELECT status FROM items WHERE item_id = ?", [calls[0]]) == "done"
    assert analyzed_store.scalar("SELECT status FROM recommendations WHERE rec_id = ?", [rec]) == "not_started"
    # opened again, the calls as they are now: the save goes through
    result = editing.set_recommendation(analyzed_store, rec, by="Ana", status="in_progress", apply_to_calls=True,
                                        call_versions=editing.call_versions(analyzed_store, rec))
    assert result.calls_changed == len(calls)


# --- pages that name no session ---------------------------------------------------------------------------

def test_two_pasted_pages_without_a_title_stay_two_sessions(store: Store) -> None:
    from tracker.services.importing import import_files
    from tracker.store.queries import items_frame

    first = b"Key Takeaways\n\nSchools should teach children to report online abuse.\n"
    second = b"Key Takeaways\n\nPlatforms must publish how fast they remove harmful content.\n"
    loaded = import_files(store, [("pasted-session.txt", first)], analyze=False)
    assert "session unknown for pasted-session.txt" in loaded.summary and "add the title" in loaded.summary
    item_id = str(items_frame(store)["item_id"].iat[0])
    set_item(store, item_id, by="Ana", status="in_progress", notes="asked the ministry")
    again = import_files(store, [("pasted-session.txt", second)], analyze=False)  # another paste, another day
    assert again.report.count("added") == 1 and again.report.count("updated") == 0
    assert "session unknown for pasted-session (2).txt" in again.summary
    frame = items_frame(store).set_index("item_id")
    assert len(frame) == 2 and frame["in_source"].all()
    assert (frame.loc[item_id, "status"], frame.loc[item_id, "notes"]) == ("in_progress", "asked the ministry")
    assert store.scalar("SELECT count(DISTINCT session_id) FROM documents") == 2
    # two files of that name from different folders, loaded together, stay apart too
    together = import_files(store, [("a/pasted-session.txt", first.replace(b"abuse", b"grooming")),
                                    ("b/pasted-session.txt", second.replace(b"fast", b"often"))], analyze=False)
    assert together.report.count("added") == 2
    assert store.scalar("SELECT count(*) FROM items WHERE in_source") == 4


# --- one long item ------------------------------------------------------------------------------------------

def test_a_page_with_one_giant_item_is_refused_naming_the_limit(store: Store) -> None:
    from tracker.services.importing import import_files

    head = b"IGF 2025 Open Forum #77: Children online\n\nKey Takeaways\n\n"
    for body in (b"children need safer platforms and " * 300_000, b"x" * 5_000_000,
                 b"\n".join(b"line %d of a paragraph that goes on and on" % n for n in range(99_000))):
        imported = import_files(store, [("long.txt", head + body + b"\n")], analyze=False)
        (failure,) = imported.report.failed
        assert "(limit 5,000 per takeaway, call or question): not a session page" in failure.error
        assert failure.error.startswith("long.txt: a takeaway of ")
    assert store.scalar("SELECT count(*) FROM items") == 0


def test_the_analysis_reads_a_bounded_part_of_each_item() -> None:
    long_sentence = "word " * 2_000
    many = " ".join(f"Sentence number {n} asks platforms to act." for n in range(50))
    units, starts = sentences.bounded_units([long_sentence, many, "Governments should act."])
    assert starts.tolist() == [0, 1, 1 + sentences.MAX_ITEM_SENTENCES, 2 + sentences.MAX_ITEM_SENTENCES]
    assert len(units[0]) == sentences.MAX_SENTENCE_CHARS
    assert units[1] == "Sentence number 0 asks platforms to act." and units[-1] == "Governments should act."
