"""A day's work in the dashboard, in headless Chromium at 1440 px and 390 px, on the seeds, a 2025 report and a
proposal draft: every page accessible, drawn without an error and making no request off the machine; what a
person sees of the proposal's policy questions, the Overview's words and review count, the Tracker's filters
kept in the address and its recommendation column, the two status levels of a recommendation and its calls,
sign-in being off, the source text reached with the keyboard, and the history download in words.

Accessibility: axe-core (the npm package in tests/a11y, installed by `.ci/run` with npm ci) runs inside every
page at both widths and must find no serious or critical violation of the WCAG 2.0/2.1 A and AA rules (text
contrast, names of controls, keyboard access to scrollable regions, …)."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from tests.helpers import import_or_fail_in_ci, missing
from tests.test_browser import (
    CHROMIUM,
    IDLE,
    LOCAL_HOSTS,
    PAGES,
    ROOT,
    TITLES,
    _idle,
    _open,
    _screenshot,
    dashboard,
    launch,
)
from tracker import analysis
from tracker.services import editing, planning
from tracker.services.editing import set_item
from tracker.services.importing import import_paths
from tracker.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]
HEIGHTS = {1440: 1000, 390: 844}
AXE = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
REPORT_2025 = ROOT / "tests" / "data" / "pages" / "2025_open_forum_31.txt"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return {passed: result.passes.length, violations: result.violations.map(v => ({id: v.id, impact: v.impact,
    help: v.help, nodes: v.nodes.map(n => ({target: n.target.join(' '), why: n.failureSummary,
                                            html: n.html.slice(0, 160)}))}))};
}"""


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The dashboard on the seeds (analyzed), a 2025 report and a saved proposal draft."""
    if not Path(CHROMIUM).exists():
        missing(f"Chromium missing at {CHROMIUM} (.ci/run installs it: apt-get install -y chromium)")
    if not AXE.exists():
        missing(f"axe-core missing at {AXE} (.ci/run installs it: cd tests/a11y && npm ci)")
    tmp = tmp_path_factory.mktemp("daily")
    db = tmp / "tracker.duckdb"
    env = {**os.environ, "TRACKER_DB": str(db), "ORT_DISABLE_TELEMETRY": "1"}
    subprocess.run([sys.executable, "-m", "tracker", "load"], cwd=ROOT, env=env, check=True, capture_output=True)
    store = Store(db)
    assert import_paths(store, [REPORT_2025], by="Ming Yan").report.ok
    planning.create_draft(store, "Proposal", 2026, by="Ana")
    with dashboard(tmp, env) as url:
        yield url, db


def serious(page) -> list[dict]:
    """axe-core's serious and critical WCAG 2 A/AA violations on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN_AXE, WCAG_AA)
    assert found["passed"] >= 10, found  # the rules ran on a page with content
    return [v for v in found["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One Chromium for the module; each test gets a fresh context (cookies, storage) of its own."""
    sync_api = import_or_fail_in_ci("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        chromium, context = launch(pw)
        context.close()
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(params=list(HEIGHTS), ids=lambda w: f"{w}px")
def tab(request: pytest.FixtureRequest, loaded: tuple[str, Path], browser) -> Iterator:
    """A browser tab at the width, as the editor Ana (the name cookie the sidebar box writes)."""
    url, _ = loaded
    context = browser.new_context(viewport={"width": request.param, "height": HEIGHTS[request.param]})
    context.set_default_timeout(60_000)
    context.add_cookies([{"name": "tracker_editor", "value": "Ana", "url": url}])
    page = context.new_page()
    page.width = request.param
    try:
        yield page
    finally:
        context.close()


def test_every_page_passes_axe_wcag_aa_draws_and_stays_on_the_machine(loaded: tuple[str, Path], tab) -> None:
    outside: list[str] = []  # a private tool makes no request off the machine (fonts, icons, telemetry)
    tab.on("request", lambda request: None if urlparse(request.url).hostname in LOCAL_HOSTS
           or request.url.startswith(("data:", "blob:")) else outside.append(request.url))
    url, _ = loaded
    report: dict[str, list[dict]] = {}
    # the eight pages, and the page /team, /login and /signin show while sign-in is off
    for name, path in {**PAGES, "signin_off": "team"}.items():
        _open(tab, url, path, TITLES.get(name, "Sign-in is off"), timeout=240_000)
        tab.wait_for_selector(IDLE)
        if found := serious(tab):
            report[name] = found
    assert report == {}, json.dumps(report, indent=1)[:6000]
    assert outside == [], outside


def test_the_proposals_policy_questions_read_in_full(loaded: tuple[str, Path], tab) -> None:
    url, db = loaded
    _open(tab, url, "plan", "Plan next proposal", timeout=240_000)
    draft = planning.load_draft(Store(db), int(planning.list_drafts(Store(db))["draft_id"].iat[0]))
    chosen = [q["text"] for q in draft.content["policy_questions"] if q["use"]]
    assert len(chosen) == 3
    for n, text in enumerate(chosen, start=1):
        box = tab.get_by_role("textbox", name=f"Question {n}", exact=True)
        # the boxes can be filled a rerun after the page first draws: wait for the value
        import_or_fail_in_ci("playwright.sync_api").expect(box).to_have_value(text)
        # the whole question shows: a box that wraps, nothing hidden past its edge
        assert box.evaluate("e => e.scrollHeight <= e.clientHeight + 2 && e.scrollWidth <= e.clientWidth + 2")
    # the controls sit on one line under the question, not stacked in a column of their own
    use = tab.get_by_text("Use in the proposal").first.bounding_box()
    down = tab.get_by_role("button", name="↓").first.bounding_box()
    assert use and down and abs((use["y"] + use["height"] / 2) - (down["y"] + down["height"] / 2)) < 20
    assert any("2024 Open Forum #6" in q["origin"] for q in draft.content["policy_questions"] if q["use"])
    height = tab.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
    assert height < 6100 * 0.85, height  # the phone's page was 6,100 px tall with eight one-line boxes
    # the organizers' own fields are marked as theirs, apart from the proposal
    tab.get_by_role("heading", name="For the organizers: not part of the proposal").wait_for()
    _screenshot(tab, f"daily-plan-{tab.width}", width=tab.width)


def test_overview_words_and_one_count_of_what_waits(loaded: tuple[str, Path], tab) -> None:
    url, _ = loaded
    _open(tab, url, "", "Overview", timeout=240_000)
    main = tab.get_by_test_id("stMain")
    assert "MiniLM" not in main.inner_text() and "average linkage" not in main.inner_text()
    link = tab.get_by_role("link", name=re.compile(r"^To review \(\d+\): ")).first
    shown = int(re.search(r"\((\d+)\)", link.inner_text())[1])
    # the navigation's count (on a phone the menu is folded away, its link says the same)
    nav = tab.get_by_test_id("stSidebarNav").locator("a", has_text="To review").first
    assert f"To review ({shown})" in nav.text_content()
    expander = tab.get_by_text("About the analysis")
    expander.scroll_into_view_if_needed()
    expander.click()
    tab.get_by_text(re.compile("Method in use: ")).first.wait_for()
    _screenshot(tab, f"daily-overview-{tab.width}", width=tab.width)


def test_tracker_filters_live_in_the_address(loaded: tuple[str, Path], tab) -> None:
    url, _ = loaded
    expect = import_or_fail_in_ci("playwright.sync_api").expect
    _open(tab, url, "tracker?q=cooperation&kind=takeaway&status=nonsense", "Tracker", timeout=240_000)
    expect(tab.get_by_role("textbox", name="Search text")).to_have_value("cooperation")
    tab.get_by_text("Filters (1 on)").first.wait_for()  # the kind; an unknown status is left out
    box = tab.get_by_role("textbox", name="Search text")
    box.fill("children")
    box.press("Enter")
    expect(tab).to_have_url(re.compile(r"[?&]q=children"))
    _idle(tab)
    query = parse_qs(urlparse(tab.url).query)
    assert query.get("q") == ["children"] and query.get("kind") == ["takeaway"] and "status" not in query
    count = tab.get_by_text(re.compile(r"of \d+ items shown")).first
    shown = count.inner_text()
    tab.reload()
    _idle(tab, "Tracker")
    expect(tab.get_by_role("textbox", name="Search text")).to_have_value("children")
    tab.get_by_text("Filters (1 on)").first.wait_for()
    expect(tab.get_by_text(re.compile(r"of \d+ items shown")).first).to_have_text(shown)
    # the recommendation is the third column, next to the item: in view at 1440 px
    tab.get_by_test_id("stDataFrame").first.scroll_into_view_if_needed()
    tab.wait_for_selector("[data-testid=stDataFrame] th", state="attached")
    headers = tab.evaluate("() => Array.from(document.querySelectorAll('[data-testid=stDataFrame] th'))"
                           ".map(e => e.textContent)")
    # (the grid names only the columns it draws, those in view: at 390 px the item fills the screen)
    assert headers[:3] == (["⚠", "Item", "Recommendation"] if tab.width == 1440 else ["⚠", "Item"]), headers


def test_a_recommendation_and_its_calls_meet(loaded: tuple[str, Path], tab) -> None:
    url, db = loaded
    store = Store(db)
    recs = analysis.recommendations_frame(store)
    # a recurring recommendation a person confirmed (the page lists the recurring ones first)
    rec = recs[recs["recurring"] | recs["recurring_suggested"]].iloc[0]
    if not rec["recurring"]:
        analysis.accept_all(store, rec["rec_id"], by="Ana")
    rec = analysis.recommendations_frame(store).set_index("rec_id").loc[rec["rec_id"]]
    if rec["status"] != "not_started":  # the other width's run marked it done: start again from there
        editing.set_recommendation(store, rec.name, by="Ana", status="not_started")
    rec = analysis.recommendations_frame(store).set_index("rec_id").loc[rec.name]
    rec_id = str(rec.name)
    members = analysis.members_frame(store)
    members = members[(members["state"] == "member") & members["in_source"]
                      & members["kind"].isin(["takeaway", "action"])]
    mine = members[members["rec_id"] == rec_id]
    assert len(mine) >= 1 and rec["status"] == "not_started" and rec["recurring"]
    for item_id in mine["item_id"]:
        set_item(store, item_id, by="Ana", status="done")
    _open(tab, url, "recurring", "Recommendations", timeout=240_000)
    card = tab.locator(f".st-key-rec-card-{rec_id}")
    n = len(mine)
    card.get_by_text(f"Its calls: {n} of {n} call{'s' if n > 1 else ''} done").wait_for()
    every = f"All {n} calls are" if n > 1 else "Its call is"
    button = card.get_by_role("button", name=f"{every} done: mark the recommendation done")
    button.click()
    _idle(tab)
    assert analysis.recommendations_frame(store).set_index("rec_id").loc[rec_id, "status"] == "done"
    expect = import_or_fail_in_ci("playwright.sync_api").expect
    expect(card.get_by_role("button", name=re.compile("mark the recommendation"))).to_have_count(0)
    card.get_by_text("marked done, like its calls").or_(tab.get_by_text("marked done, like its calls")).first.wait_for()
    # the Tracker says the call's recommendation has a status of its own, and links to it
    _open(tab, url, "tracker", "Tracker")
    tab.get_by_role("tab", name="Edit an item").click()
    _idle(tab)
    item = tab.get_by_role("combobox", name="Item")
    item.click()
    item.fill(str(mine["text"].iat[0])[:40])
    tab.get_by_role("option").first.click()
    _idle(tab)
    tab.get_by_text("The recommendation has its own status: Done").first.wait_for()
    tab.get_by_role("link", name="Open Recommendations").first.wait_for()


def test_sign_in_off_is_said_not_page_not_found(loaded: tuple[str, Path], tab) -> None:
    url, _ = loaded
    for path in ("team", "login", "signin"):
        _open(tab, url, path, "Sign-in is off", timeout=240_000)
        assert "Page not found" not in tab.get_by_test_id("stApp").inner_text()
        tab.get_by_text("secrets.toml").first.wait_for()


def test_source_text_is_reached_with_the_keyboard(loaded: tuple[str, Path], tab) -> None:
    url, _ = loaded
    _open(tab, url, "sessions", "Sessions", timeout=240_000)
    source = tab.locator(".doc-text").first
    assert source.get_attribute("tabindex") == "0" and source.get_attribute("role") == "region"
    assert source.get_attribute("aria-label").startswith("Source text")
    # Tab reaches it; the arrow keys then scroll it
    for _ in range(80):
        tab.keyboard.press("Tab")
        if tab.evaluate("() => document.activeElement && document.activeElement.classList.contains('doc-text')"):
            break
    else:
        pytest.fail("the source text never got the keyboard focus")
    before = source.evaluate("e => e.scrollTop")
    tab.keyboard.press("PageDown")
    tab.wait_for_timeout(300)
    assert source.evaluate("e => e.scrollTop") > before


def test_history_download_in_words_with_who_imported(loaded: tuple[str, Path], tab) -> None:
    import getpass

    url, _ = loaded
    _open(tab, url, "history", "History", timeout=240_000)
    with tab.expect_download() as download:
        tab.get_by_role("button", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert list(rows[0]) == ["When", "Who", "How", "Kind of change", "What", "Change", "Id"]
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", r["When"]) for r in rows)
    imports = [r for r in rows if r["Kind of change"] == "Import"]
    # the seeds came in with `tracker load` (the login name), the 2025 report named its importer
    assert {r["Who"] for r in imports} == {getpass.getuser(), "Ming Yan"}
    assert tab.wait_for_selector(IDLE)
