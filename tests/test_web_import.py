"""Import from a session page's address and refresh it later: a real HTTP server on 127.0.0.1 serves saved
pages from seeds/ (nothing leaves the machine); edits survive a refresh and vanished items are marked."""

from __future__ import annotations

import gzip
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests import variants
from tracker.reading.fetch import fetch
from tracker.reading.models import BadInput
from tracker.reading.parsed import parse_bytes
from tracker.services.editing import set_item
from tracker.services.exporting import export_frame
from tracker.services.web import import_targets, refresh, web_documents
from tracker.store import Store
from tracker.store.queries import items_frame

ROOT = Path(__file__).resolve().parent.parent
SEED_2022 = ROOT / "seeds" / "000_b1319ff3bb3a17cc.txt"
SEED_2024 = ROOT / "seeds" / "002_5760351643d73f78.txt"


class Site:
    """What the server answers: path -> (status, headers, body); a few paths behave badly on purpose."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []

    def put(self, path: str, body: bytes, content_type: str = "text/html; charset=utf-8", status: int = 200,
            **headers: str) -> None:
        self.pages[path] = (status, {"Content-Type": content_type, **headers}, body)


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Site, str]]:
    # the test server runs on loopback, which is refused unless named as an allowed internal host
    monkeypatch.setenv("TRACKER_FETCH_ALLOW_HOSTS", "127.0.0.1")
    state = Site()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            state.requests.append((self.path, dict(self.headers)))
            if self.path == "/slow":
                time.sleep(3)
            if self.path == "/drip":  # answers at once, then sends a byte every half second, forever
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                for _ in range(40):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.5)
                return
            status, headers, body = state.pages.get(self.path, (404, {"Content-Type": "text/html"}, b"<p>none</p>"))
            self.send_response(status)
            headers = dict(headers)
            for key, value in headers.items():
                if key.startswith("X-"):
                    continue
                self.send_header(key, value)
            if not headers.pop("X-Without-Length", ""):  # without it the body ends when the connection closes
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_page_imported_from_its_address_gives_the_same_items_as_the_file(store: Store, site) -> None:
    state, base = site
    state.put("/en/content/igf-2022-launch-award-event-9", variants.to_html(SEED_2022.read_text(encoding="utf-8")))
    state.put("/report.txt", SEED_2024.read_bytes(), "text/plain; charset=utf-8")
    imported = import_targets(store, [f"{base}/en/content/igf-2022-launch-award-event-9", f"{base}/report.txt"],
                              analyze=False)
    assert imported.report.ok, [r.error for r in imported.report.failed]
    expected = {i.text for p in (SEED_2022, SEED_2024) for i in parse_bytes(p.name, p.read_bytes()).items}
    assert set(items_frame(store)["text"]) == expected
    stored = dict((url, source) for source, url in web_documents(store))
    assert set(stored) == {f"{base}/en/content/igf-2022-launch-award-event-9", f"{base}/report.txt"}
    assert stored[f"{base}/report.txt"].endswith(".txt")
    sessions = export_frame(store, "sessions").set_index("number")
    assert sessions.loc["9", "url"] == f"{base}/en/content/igf-2022-launch-award-event-9"
    assert sessions.loc["9", "forum"] == "IGF"
    # no cookie and no credentials went out
    assert all("Cookie" not in headers and "Authorization" not in headers for _, headers in state.requests)


def test_refresh_after_the_page_changed_keeps_edits_and_marks_vanished_items(store: Store, site) -> None:
    state, base = site
    text = SEED_2022.read_text(encoding="utf-8")
    url = f"{base}/session/9"
    state.put("/session/9", variants.to_html(text))
    assert import_targets(store, [url], analyze=False).report.ok
    before = items_frame(store).set_index("text")
    kept = next(t for t in before.index if t.startswith("International cooperation"))
    dropped = next(t for t in before.index if t.startswith("We hope that UNICEF"))
    set_item(store, before.loc[kept, "item_id"], by="Ana", status="in_progress", owner="CFIS", notes="draft sent")
    set_item(store, before.loc[dropped, "item_id"], by="Ana", status="done")

    unchanged = refresh(store, analyze=False)
    assert unchanged.report.count("unchanged") == 1

    added = "We call on platforms to publish child safety reports every year."
    state.put("/session/9", variants.to_html(text.replace(dropped, added)))
    refreshed = refresh(store, [url], analyze=False)
    assert refreshed.report.ok and refreshed.report.count("updated") == 1
    assert "1 new items, 1 items no longer in their source" in refreshed.summary
    after = items_frame(store).set_index("text")
    assert after.loc[kept, ["status", "owner", "notes"]].tolist() == ["in_progress", "CFIS", "draft sent"]
    assert not after.loc[dropped, "in_source"] and after.loc[dropped, "status"] == "done"  # marked, kept
    assert after.loc[added, "in_source"] and after.loc[added, "status"] == "not_started"
    assert len(web_documents(store)) == 1


def test_refresh_of_a_page_now_served_as_another_type_replaces_it(store: Store, site) -> None:
    state, base = site
    state.put("/s", SEED_2022.read_bytes(), "text/plain")
    assert import_targets(store, [f"{base}/s"], analyze=False).report.ok
    state.put("/s", variants.to_html(SEED_2022.read_text(encoding="utf-8")))
    assert refresh(store, analyze=False).report.ok
    assert len(web_documents(store)) == 1 and web_documents(store)[0][0].endswith(".html")
    assert items_frame(store)["in_source"].all()


def reason(url: str, **kwargs: object) -> str:
    with pytest.raises(BadInput) as caught:
        fetch(url, **kwargs)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.slow
def test_each_failure_is_one_clear_line(site, unused_port: int) -> None:
    state, base = site
    state.put("/big", b"x" * 5000, "text/plain")
    state.put("/unsized-big", b"y" * 5000, "text/plain", **{"X-Without-Length": "1"})
    state.put("/gzip-bomb", gzip.compress(b"z" * 2_000_000), "text/plain", **{"Content-Encoding": "gzip"})
    state.put("/image.png", b"\x89PNG\r\n\x1a\n", "image/png")
    state.put("/to-file", b"", status=302, Location="file:///etc/passwd")
    state.put("/to-secret", b"", status=301, Location="http://user:pw@127.0.0.1/x")
    state.put("/loop", b"", status=302, Location="/loop")
    state.put("/down", b"oops", status=503)
    assert reason(f"{base}/missing") == f"{base}/missing: not found (HTTP 404)"
    assert reason(f"{base}/down").endswith("the server answered HTTP 503 Service Unavailable")
    assert reason(f"{base}/big", max_bytes=1000).startswith(f"{base}/big: too large (")
    assert "too large (over" in reason(f"{base}/unsized-big", max_bytes=1000)
    assert "too large (over" in reason(f"{base}/gzip-bomb", max_bytes=100_000)
    assert reason(f"{base}/slow", timeout=0.5) == f"{base}/slow: timed out after 0.5 s"
    assert reason(f"{base}/drip", timeout=1.5) == f"{base}/drip: timed out after 1.5 s"
    assert reason(f"{base}/image.png").endswith("not a session page (the address serves image/png)")
    assert "redirected to an address that is not fetched (only http:// and https://" in reason(f"{base}/to-file")
    assert "redirected to an address that is not fetched (an address with a user name" in reason(f"{base}/to-secret")
    assert reason(f"{base}/loop").endswith("too many redirects (more than 5)")
    assert reason(f"http://127.0.0.1:{unused_port}/").startswith(f"http://127.0.0.1:{unused_port}/: cannot connect")
    assert reason("ftp://127.0.0.1/page").endswith("only http:// and https:// addresses can be fetched, not ftp:")
    assert reason("http://ana:secret@127.0.0.1/page").endswith("is not fetched (no credentials are sent)")
    assert not any(path == "/x" for path, _ in state.requests)


@pytest.fixture
def unused_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_an_address_that_is_no_session_page_is_named_with_the_reason(store: Store, site) -> None:
    state, base = site
    state.put("/news", b"<!DOCTYPE html><html><body><p>Milk</p><p>Eggs and bread.</p></body></html>")
    state.put("/s", SEED_2022.read_bytes(), "text/plain")
    imported = import_targets(store, [f"{base}/news", f"{base}/missing", f"{base}/s"], analyze=False)
    errors = sorted(r.error for r in imported.report.failed)
    assert errors == [f"{base}/missing: not found (HTTP 404)",
                      f"{base}/news: no IGF session page recognized (no session title, outcome headings or session "
                      "details such as Speakers or SDGs)"]
    assert imported.report.count("added") == 1  # the good page loads all the same


@pytest.mark.slow
def test_cli_load_with_addresses_and_refresh(tmp_path: Path, site) -> None:
    state, base = site
    state.put("/s/9", variants.to_html(SEED_2022.read_text(encoding="utf-8")))
    db = tmp_path / "t.duckdb"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), *args], capture_output=True,
                              text=True, cwd=ROOT, timeout=120,
                              env={"PATH": "/usr/bin:/bin", "TRACKER_FETCH_TIMEOUT": "5",
                                   "TRACKER_FETCH_ALLOW_HOSTS": "127.0.0.1"})

    done = run("load", "--no-analyze", f"{base}/s/9", f"{base}/gone", str(SEED_2024))
    assert done.returncode == 1
    assert [ln for ln in done.stderr.splitlines() if ln.startswith("error:")] == \
        [f"error: {base}/gone: not found (HTTP 404)"]
    assert "2 added" in done.stdout and "1 failed" in done.stdout
    again = run("refresh", "--no-analyze")
    assert again.returncode == 0 and "1 unchanged" in again.stdout
    unknown = run("refresh", f"{base}/never")
    assert unknown.returncode == 1 and unknown.stderr.strip().endswith(
        "no page was imported from this address (or under this name); import it with `tracker load URL` first")
    missing = run("load", "no/such/file.txt")
    assert missing.returncode == 2 and "does not exist" in missing.stderr


@pytest.mark.slow
def test_dashboard_imports_by_address_and_refreshes_keeping_edits(seed_store: Store, site) -> None:
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    state, base = site
    text = (ROOT / "tests" / "data" / "eval_pages" / "e04_aprigf2025_workshop.txt").read_text(encoding="utf-8")
    state.put("/aprigf/ws14", variants.to_html(text))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    at.switch_page("tracker/ui/pages/add_report.py").run()
    at.text_area(key="web-urls").set_value(f"{base}/aprigf/ws14\n{base}/nowhere\n").run()
    at.button(key="web-fetch").click().run()
    assert not at.exception, at.exception
    assert [e.value.replace("\\", "") for e in at.error] == [f"{base}/nowhere: not found (HTTP 404)"]
    assert any("1 added" in i.value for i in at.info)
    regional = items_frame(seed_store).query("session_id == '2025-aprigf-workshop-14'")
    assert len(regional) == len(parse_bytes("e04.txt", text.encode()).items)
    first = regional.iloc[0]
    set_item(seed_store, first["item_id"], by="Ana", status="in_progress")

    state.put("/aprigf/ws14", variants.to_html(text.replace(first["text"], "")))
    st.cache_data.clear()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    at.switch_page("tracker/ui/pages/add_report.py").run()
    assert at.button(key="web-refresh").label == "Refresh from the web (1 page)"
    at.button(key="web-refresh").click().run()
    assert not at.exception, at.exception
    assert any("1 updated" in s.value and "1 items no longer in their source" in s.value for s in at.success)
    row = items_frame(seed_store).set_index("item_id").loc[first["item_id"]]
    assert row["status"] == "in_progress" and not row["in_source"]
    st.cache_data.clear()

    # the Sessions page names the forum and the address the page came from, as text
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=90).run()
    at.switch_page("tracker/ui/pages/sessions.py").run()
    at.selectbox(key="session_pick").set_value("2025-aprigf-workshop-14").run()
    assert not at.exception, at.exception
    assert any("**Forum:** APrIGF" in m.value for m in at.markdown)
    assert f"Fetched from: {base}/aprigf/ws14" in [t.value for t in at.text]
