"""End to end in headless Chromium: `streamlit run dashboard.py` on a fresh temporary database.

Covers the first-run seed load, an edit through the Tracker's item form that survives a reload
and is stored in DuckDB with its history, a hostile page that must display literally, the review
queue (a suggestion accepted, the count in the navigation drops), the international-cooperation
recommendation spanning 2022-2024, and a screenshot of every page under test-artifacts/screenshots/
(the main pages also at a phone's 390 px).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tracker import analysis
from tracker.store import Store
from tracker.store.queries import history_frame, items_frame
from tracker.ui.dashboard_data import history_table

pytestmark = [pytest.mark.browser, pytest.mark.slow]
LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
SHOTS = ROOT / "test-artifacts" / "screenshots"
PAGES = {"overview": "", "tracker": "tracker", "recommendations": "recurring", "review": "review",
         "sessions": "sessions", "plan": "plan", "add_report": "add", "history": "history"}
TITLES = {"overview": "Overview", "tracker": "Tracker", "recommendations": "Recommendations", "review": "To review",
          "sessions": "Sessions", "plan": "Plan next proposal", "add_report": "Add a report", "history": "History"}
IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"
HOSTILE_PAGE = """IGF 2026 Open Forum #99 Hostile <script>alert(1)</script> markup test

    Key Takeaways

    Children need safer platforms <script>alert(1)</script> and <img src=x onerror=alert(1)> with **bold** claims.

    Call to Action

    Platforms must act now on <b>markup</b>, $x$ maths, :red[colour] and [a link](javascript:alert(1)).
"""


def _chromium_or_skip() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"Chromium missing at {CHROMIUM} in CI: .ci/run must install it (apt-get install -y chromium)")
    pytest.skip("Chromium not installed: apt-get install -y chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    _chromium_or_skip()
    tmp = tmp_path_factory.mktemp("browser")
    db = tmp / "tracker.duckdb"
    port = _free_port()
    log = (tmp / "streamlit.log").open("wb")
    env = {**os.environ, "TRACKER_DB": str(db), "ORT_DISABLE_TELEMETRY": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("streamlit did not start:\n" + (tmp / "streamlit.log").read_text(errors="replace"))
            time.sleep(0.3)
        yield url, db
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def page(server: tuple[str, Path]) -> Iterator:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--headless", "--disable-gpu",
                                           "--disable-background-networking"])
        context = browser.new_context(viewport={"width": 1440, "height": 1000})
        context.set_default_timeout(30_000)
        tab = context.new_page()
        tab.alerts = []  # any JavaScript dialog means injected markup ran
        tab.on("dialog", lambda dialog: (tab.alerts.append(dialog.message), dialog.dismiss()))
        tab.outside = []  # a private tool makes no request off the machine (fonts, icons, telemetry)
        tab.on("request", lambda request: None if urlparse(request.url).hostname in LOCAL_HOSTS
               or request.url.startswith(("data:", "blob:")) else tab.outside.append(request.url))
        try:
            yield tab
        finally:
            context.close()
            browser.close()


def _idle(page, title: str | None = None, timeout: int = 60_000) -> None:
    if title:
        page.get_by_role("heading", name=title, level=1).first.wait_for(timeout=timeout)
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(400)  # let charts and grids finish drawing
    page.wait_for_selector(IDLE, timeout=timeout)


def _open(page, url: str, path: str, title: str, timeout: int = 60_000) -> None:
    page.goto(f"{url}/{path}")
    _idle(page, title, timeout)
    assert page.get_by_test_id("stException").count() == 0, page.get_by_test_id("stException").first.inner_text()


def _screenshot(page, name: str, width: int = 1440) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    if width != 1440:
        page.set_viewport_size({"width": width, "height": 900})
        page.wait_for_timeout(600)
    # Streamlit scrolls inside its main block: grow the viewport to the content for a whole-page image
    height = page.evaluate("() => { const m = document.querySelector('[data-testid=\"stMain\"]');"
                           " return m ? m.scrollHeight : document.body.scrollHeight; }")
    page.set_viewport_size({"width": width, "height": max(900, min(int(height) + 40, 8000))})
    page.wait_for_timeout(600)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 1000})


def _choose(page, combobox, option: str) -> None:
    """Pick an option of a Streamlit selectbox: type to filter the list, then click the match."""
    combobox.click()
    combobox.fill(option)
    page.get_by_role("option", name=option).first.click()
    _idle(page)


def _edit_form(page):
    page.get_by_role("tab", name="Edit an item").click()
    form = page.get_by_test_id("stForm").first
    form.wait_for()
    return form


def test_first_run_edit_reload_hostile_and_screenshots(server: tuple[str, Path], page) -> None:
    url, db = server
    # fresh database: the first visit loads seeds/ before showing the Overview
    _open(page, url, "", "Overview", timeout=240_000)
    assert "Sessions" in page.get_by_test_id("stMetric").first.inner_text()
    store = Store(db)
    items = items_frame(store)
    assert len(items) > 0 and items["session_id"].nunique() >= 3
    target = items.iloc[0]

    # edit status and owner through the Tracker's item form
    _open(page, url, "tracker", "Tracker")
    name_box = page.get_by_role("textbox", name="Your name (for the change log)")
    name_box.fill("Browser Tester")
    name_box.press("Enter")
    _idle(page)
    form = _edit_form(page)
    _choose(page, form.get_by_role("combobox", name="Status"), "In progress")
    form.get_by_role("textbox", name="Owner").fill("UNICEF China")
    form.get_by_test_id("stFormSubmitButton").get_by_role("button").click()
    page.get_by_text("Saved").first.wait_for()
    _idle(page)

    # a reload starts a new browser session: the change must come back from the database
    page.reload()
    _idle(page, "Tracker")
    form = _edit_form(page)
    assert form.get_by_role("combobox", name="Status").input_value() == "In progress"
    assert form.get_by_role("textbox", name="Owner").input_value() == "UNICEF China"

    # stored in DuckDB (a short-lived read while the server runs: it holds no lock between reruns)
    row = items_frame(store).set_index("id").loc[target["id"]]
    assert (row["status"], row["owner"], row["updated_by"]) == ("in_progress", "UNICEF China", "Browser Tester")
    log = history_frame(store, item_id=target["id"])
    assert {"status", "owner"} <= set(log["field"]) and set(log["changed_by"]) == {"Browser Tester"}

    # hostile markup in an imported page is shown as the characters it is made of
    _open(page, url, "add", "Add a report")
    page.get_by_role("textbox", name="Page text").fill(HOSTILE_PAGE)
    page.get_by_role("textbox", name="Name it").fill("../../etc/evil name?.txt")
    page.get_by_role("textbox", name="Name it").press("Enter")
    _idle(page)
    preview = page.get_by_test_id("stMarkdown").filter(has_text="Open Forum #99").first
    assert "Hostile <script>alert(1)</script> markup test" in preview.inner_text()
    assert "evil name_.txt" in preview.inner_text()
    _screenshot(page, "add_report-preview")
    page.get_by_role("button", name="Import 1 page(s)").click()
    page.get_by_text("Added evil name_.txt").first.wait_for(timeout=120_000)
    _idle(page)
    assert not (ROOT / "etc").exists() and not (db.parent.parent / "etc").exists()

    _open(page, url, "sessions", "Sessions")
    _choose(page, page.get_by_role("combobox", name="Session"), "Open Forum #99")
    _idle(page)
    source = page.locator(".doc-text")
    text = source.inner_text()
    for literal in ("<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "**bold**", "<b>markup</b>",
                    "[a link](javascript:alert(1))"):
        assert literal in text
    assert source.locator("img, script, b").count() == 0
    assert source.locator("mark").count() == 2
    _screenshot(page, "sessions-hostile")

    _open(page, url, "tracker", "Tracker")
    page.get_by_role("textbox", name="Search text").fill("bold")
    page.get_by_role("textbox", name="Search text").press("Enter")
    _idle(page)
    form = _edit_form(page)
    detail = page.get_by_test_id("stText").filter(has_text="Children need safer platforms").first
    assert "<script>alert(1)</script> and <img src=x onerror=alert(1)> with **bold** claims." in detail.inner_text()
    assert page.alerts == []

    # every page renders without an exception; keep a picture of each
    for name, path in PAGES.items():
        _open(page, url, path, TITLES[name])
        _screenshot(page, name)
        if name in ("overview", "recommendations", "review", "tracker"):
            _screenshot(page, f"{name}-390", width=390)
    _open(page, url, "", "Overview")
    page.get_by_role("tab", name="By theme").click()
    page.wait_for_timeout(800)
    _screenshot(page, "overview-themes")
    _open(page, url, "tracker", "Tracker")
    _edit_form(page)
    _screenshot(page, "tracker-edit-form")
    assert page.alerts == []


def _sign_in(page, name: str) -> None:
    box = page.get_by_role("textbox", name="Your name (for the change log)")
    box.fill(name)
    box.press("Enter")
    _idle(page)


def _nav_link(page, label: str):
    return page.get_by_test_id("stSidebarNav").get_by_role("link", name=label, exact=True)


def test_review_a_suggestion_and_the_count_drops(server: tuple[str, Path], page) -> None:
    url, db = server
    store = Store(db)
    _open(page, url, "review", "To review", timeout=240_000)  # alone: the first visit loads the seeds
    queue = analysis.review_queue(store)
    before = len(queue)
    assert before >= 2, "the seeds' repeated calls are suggestions to review"
    _nav_link(page, f"To review ({before})").wait_for()
    _sign_in(page, "Reviewer")
    page.get_by_text(f"Suggestion 1 of {before}").first.wait_for()
    first = queue.iloc[0]
    shown = page.get_by_test_id("stMain").inner_text()
    assert first["title"] in shown and first["text"] in shown  # the recommendation by its title, the call in full
    page.get_by_role("button", name="Same recommendation").click()
    page.get_by_text("Added to").first.wait_for()
    _idle(page)
    _nav_link(page, f"To review ({before - 1})").wait_for()
    page.get_by_text(f"Suggestion 1 of {before - 1}").first.wait_for()
    assert analysis.review_count(store) == before - 1
    member = analysis.members_frame(store).set_index("id").loc[first["item_id"]]
    assert (member["rec_id"], member["state"]) == (first["rec_id"], "member")
    log = history_table(store, person="Reviewer")
    assert list(log["change"]) == [f"accepted into {first['rec_id']} '{first['title']}' (same recommendation)"]
    _screenshot(page, "review-after-a-decision")

    # the History page shows the decision in words
    _open(page, url, "history", "History")
    assert log["change"].iat[0] in page.locator(".st-key-history-log").inner_text()
    _screenshot(page, "history-after-a-decision")
    assert page.alerts == []


def test_international_cooperation_spans_2022_to_2024(server: tuple[str, Path], page) -> None:
    url, db = server
    store = Store(db)
    _open(page, url, "recurring", "Recommendations", timeout=240_000)
    # found by its calls, not by a title: the 2022 call on strengthening international cooperation
    members = analysis.members_frame(store)
    rec_id = members[members["text"].str.startswith("International cooperation should be strengthened")]["rec_id"]
    rec = analysis.recommendations_frame(store).set_index("rec_id").loc[rec_id.iat[0]]
    assert rec["years"] == [2022, 2023, 2024] and rec["recurring"]
    card = page.locator(f".st-key-rec-card-{rec.name}")
    text = card.inner_text()
    assert rec["title"] in text and "2022, 2023, 2024 · 3 sessions" in text
    card.get_by_role("button", name="Open").click()
    _idle(page)
    opened = page.locator(f".st-key-rec-card-{rec.name}").inner_text()
    for call in members[members["rec_id"] == rec.name]["text"]:
        assert call in opened  # every call in full
    assert "Also set this status on its" in opened
    _screenshot(page, "recommendations-open")
    _screenshot(page, "recommendations-open-390", width=390)


def test_no_page_makes_a_request_off_the_machine(server: tuple[str, Path], page) -> None:
    url, _ = server
    for path in ["", "tracker", "recurring", "review", "sessions", "plan", "add", "history"]:
        page.goto(f"{url}/{path}")
        _idle(page)
        assert page.get_by_test_id("stException").count() == 0, path
    assert page.outside == [], page.outside
