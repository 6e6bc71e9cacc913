"""The HTML progress report in headless Chromium, opened from a file:// address with every other request
blocked: the charts are drawn, nothing is requested, it fits a phone's width, and it prints to PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import import_or_fail_in_ci, missing
from tracker import analysis
from tracker.cli import cli
from tracker.services import editing
from tracker.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = "/usr/bin/chromium"


def test_report_opens_offline_with_charts_drawn_and_no_request(analyzed_store: Store, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        missing(f"Chromium missing at {CHROMIUM} (.ci/run installs it: apt-get install -y chromium)")
    sync_api = import_or_fail_in_ci("playwright.sync_api")
    members = analysis.members_frame(analyzed_store)
    rec_id = str(members[members["text"].str.startswith("International cooperation should be strengthened")]
                 ["rec_id"].iat[0])
    analysis.accept_all(analyzed_store, rec_id, by="Ana")
    editing.set_recommendation(analyzed_store, rec_id, by="Ana", title="<img src=x onerror=alert(1)> cooperation",
                               status="in_progress", due_date="2026-01-01")
    out = tmp_path / "report.html"
    assert CliRunner().invoke(cli, ["--db", str(analyzed_store.path), "report", "--out", str(out)]).exit_code == 0
    url = out.as_uri()
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True,
                                     args=["--no-sandbox", "--headless", "--disable-gpu",
                                           "--disable-background-networking", "--host-resolver-rules=MAP * ~NOTFOUND"])
        try:
            context = browser.new_context(viewport={"width": 1200, "height": 900})
            requested: list[str] = []
            blocked: list[str] = []
            dialogs: list[str] = []
            context.route("**/*", lambda route: route.continue_() if route.request.url == url
                          else (blocked.append(route.request.url), route.abort()))
            page = context.new_page()
            page.on("request", lambda request: requested.append(request.url))
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(url)
            page.wait_for_selector("#chart-progress .main-svg .bars path", timeout=30_000)
            page.wait_for_selector("#chart-addressees .main-svg .bars path", timeout=30_000)
            assert page.locator("#chart-progress .bars path").count() >= 1
            assert "<img src=x onerror=alert(1)> cooperation" in page.inner_text("main")
            headings = page.locator("h2").all_inner_texts()
            assert headings[0] == "Progress by the year first made" and len(headings) == 6
            page.set_viewport_size({"width": 390, "height": 844})
            page.wait_for_timeout(300)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390  # tables scroll, not the page
            pdf = page.pdf(format="A4")
            assert pdf.startswith(b"%PDF") and len(pdf) > 20_000
            assert requested == [url] and blocked == [] and dialogs == []
        finally:
            browser.close()
