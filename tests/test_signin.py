"""Sign-in end to end, with a real OpenID Connect provider (issue 14): no mock of the login.

The npm package ``oidc-provider`` (tests/oidc/, installed by ``npm ci`` in .ci/run) runs on 127.0.0.1 with
three accounts; ``streamlit run dashboard.py`` runs against it with a secrets file generated in a temporary
folder (and a temporary HOME, so ~/.streamlit is never read or written); Chromium signs in through the
provider's login form. A viewer cannot change a status, in the page or by a direct call of the library; the
admin from the configuration gives the editor role on the Team page; the editor's change is saved and its
history row names the editor (name and e-mail); signing out returns to the sign-in page.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import copy_db
from tests.helpers import import_or_fail_in_ci, missing
from tests.test_browser import (
    IDLE,
    _choose,
    _chromium_or_skip,
    _edit_form,
    _free_port,
    _idle,
    _screenshot,
    launch,
    stop,
)
from tracker.services.access import PermissionDenied, actor_for, remove_role
from tracker.services.editing import set_item
from tracker.store import Store
from tracker.store.queries import items_frame

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parent.parent
OIDC = ROOT / "tests" / "oidc"
ADMIN = "ada@example.org"
ACCOUNTS = {"vera": {"email": "vera@example.org", "name": "Vera Viewer"},
            "ed": {"email": "ed@example.org", "name": "Ed Editor"},
            "ada": {"email": ADMIN, "name": "Ada Admin"},
            # someone whose provider lets them claim Ed's address without confirming it
            "eve": {"email": "ed@example.org", "name": "Eve Impostor", "email_verified": False}}


def _node_or_skip() -> str:
    node = shutil.which("node")
    if node and (OIDC / "node_modules" / "oidc-provider").is_dir():
        return node
    missing("Node.js missing" if not node else "tests/oidc/node_modules missing (.ci/run runs `npm ci` in tests/oidc)")


def _wait_http(url: str, proc: subprocess.Popen, log: Path, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"{what} did not start:\n" + log.read_text(errors="replace"))
        time.sleep(0.3)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, analyzed_templates: dict[str, Path]) -> Iterator[dict]:
    """The provider and the dashboard configured against it: {"url", "db", "issuer"}."""
    _chromium_or_skip()
    node = _node_or_skip()
    tmp = tmp_path_factory.mktemp("signin")
    db = copy_db(analyzed_templates["lexical"], tmp / "tracker.duckdb")
    oidc_port, app_port = _free_port(), _free_port()
    url, issuer = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{oidc_port}"
    client_secret = secrets.token_hex(16)
    (tmp / "oidc.json").write_text(json.dumps({
        "port": oidc_port, "client_id": "tracker", "client_secret": client_secret,
        "redirect_uri": f"{url}/oauth2callback", "accounts": ACCOUNTS}), encoding="utf-8")
    (tmp / "secrets.toml").write_text(f"""
[auth]
redirect_uri = "{url}/oauth2callback"
cookie_secret = "{secrets.token_hex(32)}"
client_id = "tracker"
client_secret = "{client_secret}"
server_metadata_url = "{issuer}/.well-known/openid-configuration"
client_kwargs = {{ prompt = "login" }}

[tracker]
admins = ["{ADMIN.upper()}"]
""", encoding="utf-8")
    home = tmp / "home"
    home.mkdir()
    oidc_log, app_log = tmp / "oidc.log", tmp / "streamlit.log"
    with oidc_log.open("wb") as out:
        provider = subprocess.Popen([node, str(OIDC / "server.mjs"), str(tmp / "oidc.json")], cwd=OIDC,
                                    stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_http(f"{issuer}/.well-known/openid-configuration", provider, oidc_log, "the OIDC provider")
        env = {**os.environ, "TRACKER_DB": str(db), "ORT_DISABLE_TELEMETRY": "1", "TRACKER_EMBEDDINGS": "off",
               "HOME": str(home)}
        env.pop("TRACKER_ADMINS", None)
        with app_log.open("wb") as out:
            app = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", "dashboard.py", "--server.headless", "true",
                 "--server.port", str(app_port), "--server.address", "127.0.0.1",
                 "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
                 "--secrets.files", str(tmp / "secrets.toml")],
                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_http(url + "/_stcore/health", app, app_log, "streamlit")
            yield {"url": url, "db": db, "issuer": issuer, "log": app_log}
        finally:
            stop(app)
    finally:
        stop(provider)


@pytest.fixture(scope="module")
def page(deployment: dict) -> Iterator:
    sync_api = import_or_fail_in_ci("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        browser, context = launch(pw)
        try:
            yield context.new_page()
        finally:
            context.close()
            browser.close()


def _on_sign_in_page(page) -> None:
    page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    page.wait_for_selector(IDLE)
    assert page.get_by_role("heading", name="IGF Recommendations Tracker").count() == 1
    assert page.get_by_test_id("stSidebar").count() == 0  # no navigation, no page of the tracker


def _sign_in(page, url: str, login: str) -> None:
    page.goto(url)
    _on_sign_in_page(page)
    page.get_by_role("button", name="Sign in").click()
    page.locator("input[name=login]").fill(login)  # the provider's own login form
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.wait_for_url(lambda u: u.startswith(url) or "/interaction/" in u)
    if page.get_by_role("button", name="Continue").count():  # the provider asks for consent the first time
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda u: u.startswith(url) and "oauth2callback" not in u)
    _idle(page, "Overview")
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_text(ACCOUNTS[login]["email"], exact=False).first.wait_for()


def _sign_out(page, url: str) -> None:
    page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").click()
    # the provider ends its own session too (RP-initiated logout), then sends the browser back
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_url(lambda u: u.startswith(url))
    _on_sign_in_page(page)


def _set_status(page, url: str, status: str, expect: str) -> None:
    """Change the first item's status in the Tracker's item form; wait for ``expect`` on the page."""
    page.goto(f"{url}/tracker")
    _idle(page, "Tracker")
    form = _edit_form(page)
    _choose(page, form.get_by_role("combobox", name="Status"), status)
    form.get_by_test_id("stFormSubmitButton").get_by_role("button").click()
    page.get_by_test_id("stMain").get_by_text(expect).first.wait_for()
    _idle(page)


def test_viewer_refused_editor_saves_with_identity_and_sign_out(deployment: dict, page) -> None:
    url, db = deployment["url"], Path(deployment["db"])
    store = Store(db)
    target = items_frame(store).iloc[0]
    assert target["status"] != "done"

    # every page needs sign-in: a page's own address shows the sign-in page too
    page.goto(f"{url}/tracker")
    _on_sign_in_page(page)
    _screenshot(page, "sign-in")

    # a viewer (no role given) reads, but cannot change a status: the page shows the library's refusal
    _sign_in(page, url, "vera")
    assert "viewer" in page.get_by_test_id("stSidebar").inner_text()
    assert page.get_by_role("textbox", name="Your name (for the change log)").count() == 0
    _set_status(page, url, "Done", "vera@example.org is a viewer: changing a status needs the editor role")
    assert items_frame(store).set_index("item_id").loc[target["item_id"], "status"] == target["status"]
    # ... and so does the library, called directly as that person
    vera = actor_for(store, "Vera Viewer", "vera@example.org")
    with pytest.raises(PermissionDenied, match="vera@example.org is a viewer"):
        set_item(store, target["item_id"], by="Vera Viewer", status="done", actor=vera)
    assert page.get_by_role("link", name="Team").count() == 0  # roles are for admins
    _sign_out(page, url)

    # the admin named in the configuration gives Ed the editor role on the Team page
    _sign_in(page, url, "ada")
    page.goto(f"{url}/team")
    _idle(page, "Team")
    page.get_by_role("textbox", name="E-mail (as the identity provider gives it)").fill("Ed@Example.org")
    page.get_by_role("button", name="Give the role").click()
    _idle(page)
    assert store.scalar("SELECT role FROM roles WHERE email = 'ed@example.org'") == "editor"
    assert store.scalar("SELECT granted_by FROM roles") == "Ada Admin <ada@example.org>"
    _idle(page, "Team")
    _screenshot(page, "team")
    _sign_out(page, url)

    # the editor's change is saved, and the history names the editor as the provider signed them in
    _sign_in(page, url, "ed")
    assert "editor" in page.get_by_test_id("stSidebar").inner_text()
    _set_status(page, url, "Done", "Saved status")
    row = items_frame(store).set_index("item_id").loc[target["item_id"]]
    assert (row["status"], row["updated_by"]) == ("done", "Ed Editor <ed@example.org>")
    log = store.query("SELECT changed_by, old_value, new_value, via FROM history "
                      "WHERE subject_id = ? AND field = 'status'",
                      [target["item_id"]])
    assert log.values.tolist() == [["Ed Editor <ed@example.org>", target["status"], "done", "dashboard"]]
    page.goto(f"{url}/history")
    _idle(page, "History")
    assert "Ed Editor <ed@example.org>" in page.get_by_test_id("stMain").inner_text()

    _sign_out(page, url)

    # an e-mail the provider did not verify gets no role, even one that has a role stored
    _sign_in(page, url, "eve")
    sidebar = page.get_by_test_id("stSidebar").inner_text()
    assert "viewer" in sidebar and "did not confirm this e-mail address" in sidebar
    _set_status(page, url, "In progress", "ed@example.org is a viewer: changing a status needs the editor role")
    assert items_frame(store).set_index("item_id").loc[target["item_id"], "status"] == "done"
    _sign_out(page, url)

    # an editor whose role is removed while the page is open cannot save any more from that page
    _sign_in(page, url, "ed")
    page.goto(f"{url}/tracker")
    _idle(page, "Tracker")
    form = _edit_form(page)
    remove_role(store, "ed@example.org", by="Ada Admin")
    _choose(page, form.get_by_role("combobox", name="Status"), "In progress")
    form.get_by_test_id("stFormSubmitButton").get_by_role("button").click()
    page.get_by_test_id("stMain").get_by_text("ed@example.org is now a viewer").first.wait_for()
    _idle(page)
    assert items_frame(store).set_index("item_id").loc[target["item_id"], "status"] == "done"
    assert store.scalar("SELECT count(*) FROM history WHERE subject_id = ? AND field = 'status'",
                        [target["item_id"]]) == 1

    _sign_out(page, url)
    page.goto(f"{url}/history")  # signed out: the pages are closed again
    _on_sign_in_page(page)
