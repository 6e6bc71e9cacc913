"""Accessibility in a real browser: axe-core (the npm package in tests/a11y, installed by `.ci/run` with npm ci)
runs inside every page of the dashboard at 1440 px and 390 px, with the seeds, a 2025 report and a proposal
draft loaded, and must find no serious or critical violation of the WCAG 2.0/2.1 A and AA rules (text
contrast, names of controls, keyboard access to scrollable regions, …)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import import_or_fail_in_ci, missing
from tests.test_browser import CHROMIUM, IDLE, PAGES, ROOT, TITLES, _open, dashboard, launch
from tracker.services import planning
from tracker.services.importing import import_paths
from tracker.store import Store

pytestmark = [pytest.mark.browser, pytest.mark.slow]

AXE = ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
REPORT_2025 = ROOT / "tests" / "data" / "pages" / "2025_open_forum_31.txt"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
RUN_AXE = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return {passed: result.passes.length, violations: result.violations.map(v => ({id: v.id, impact: v.impact,
    help: v.help, nodes: v.nodes.map(n => ({target: n.target.join(' '), why: n.failureSummary,
                                            html: n.html.slice(0, 160)}))}))};
}"""
WIDTHS = {1440: 1000, 390: 844}


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The dashboard on the seeds (analyzed), a 2025 report and a saved proposal draft."""
    if not Path(CHROMIUM).exists():
        missing(f"Chromium missing at {CHROMIUM} (.ci/run installs it: apt-get install -y chromium)")
    if not AXE.exists():
        missing(f"axe-core missing at {AXE} (.ci/run installs it: cd tests/a11y && npm ci)")
    tmp = tmp_path_factory.mktemp("a11y")
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


@pytest.mark.parametrize("width", list(WIDTHS))
def test_every_page_passes_axe_wcag_aa(loaded: tuple[str, Path], width: int) -> None:
    url, _ = loaded
    sync_api = import_or_fail_in_ci("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser, context = launch(pw)
        context.close()
        # an editor (the name cookie the sidebar box writes): the pages show their editing controls
        context = browser.new_context(viewport={"width": width, "height": WIDTHS[width]})
        context.set_default_timeout(60_000)
        context.add_cookies([{"name": "tracker_editor", "value": "Ana", "url": url}])
        page = context.new_page()
        report: dict[str, list[dict]] = {}
        try:
            # the eight pages, and the page /team, /login and /signin show while sign-in is off
            for name, path in {**PAGES, "signin_off": "team"}.items():
                _open(page, url, path, TITLES.get(name, "Sign-in is off"), timeout=240_000)
                page.wait_for_selector(IDLE)
                if found := serious(page):
                    report[name] = found
        finally:
            context.close()
            browser.close()
    assert report == {}, json.dumps(report, indent=1)[:6000]
