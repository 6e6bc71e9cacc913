"""The dashboard server is private by default: localhost only, and uploads have a size limit."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from tracker import settings
from tracker.cli import cli
from tracker.errors import SettingError
from tracker.reading.text import MAX_BYTES
from tracker.services.access import configured_admins
from tracker.store import Store
from tracker.store.db import DEFAULT_DB, db_path

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


def test_server_listens_on_localhost_unless_configured_otherwise() -> None:
    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    assert config["server"]["address"] in ("localhost", "127.0.0.1")
    assert config["browser"]["gatherUsageStats"] is False


def test_uploads_have_a_size_limit_no_larger_than_the_loader_accepts() -> None:
    limit_mb = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["server"]["maxUploadSize"]
    assert isinstance(limit_mb, int) and 1 <= limit_mb
    # Streamlit counts megabytes of 2**20 bytes; a bigger limit would accept files the loader then refuses
    assert limit_mb * 2**20 <= MAX_BYTES


# --- settings: declared once (tracker.settings), documented in the README, read nowhere else ----------------

README = CONFIG.parent.parent / "README.md"
_ROW = re.compile(r"^\| `(TRACKER_\w+)` \| (.*?) \| (.*?) \|$", re.M)


def test_settings_are_documented() -> None:
    documented = {name: (default, what) for name, default, what in _ROW.findall(README.read_text(encoding="utf-8"))}
    declared = {s.name: s for s in settings.SETTINGS}
    assert set(declared) - set(documented) == set(), "declared in tracker/settings.py but not in the README's table"
    assert set(documented) - set(declared) == set(), "in the README's table but not declared in tracker/settings.py"
    for name, (default, what) in documented.items():
        assert default == declared[name].default and what.startswith(declared[name].help), name


def test_the_environment_is_read_only_by_the_settings_module() -> None:
    readers = []
    for path in (CONFIG.parent.parent / "tracker").rglob("*.py"):
        if path.name == "settings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            text = ast.unparse(node) if isinstance(node, (ast.Call, ast.Subscript)) else ""
            if text.startswith(("os.environ.get(", "os.getenv(", "os.environ[")):
                readers.append(f"{path.name}: {text}")
    assert readers == []


@pytest.mark.parametrize("setting, value, reason", [
    (settings.LOCK_TIMEOUT, "abc", "is not a number"), (settings.LOCK_TIMEOUT, "-1", "at least 0"),
    (settings.LOAD_WORKERS, "2.5", "is not a whole number"), (settings.FETCH_TIMEOUT, "0", "at least 0.1"),
    (settings.PDF_TIMEOUT, "inf", "at least 1"), (settings.EMBEDDINGS, "maybe", "use on or off")])
def test_a_bad_setting_is_one_line_naming_it(setting: settings.Setting, value: str, reason: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(setting.name, value)
    with pytest.raises(SettingError) as caught:
        setting.on() if setting.kind == "switch" else setting.number(default=-1)
    message = str(caught.value)
    assert message.startswith(f"${setting.name}={value!r}") and reason in message and "\n" not in message


def test_settings_take_their_defaults_and_values(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for setting in settings.SETTINGS:
        monkeypatch.delenv(setting.name, raising=False)
    assert settings.LOCK_TIMEOUT.number() == 30 and settings.EMBEDDINGS.on() and not settings.DEBUG.on()
    assert settings.ADMINS.names() == [] and db_path() == DEFAULT_DB.resolve()
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "x.duckdb"))
    monkeypatch.setenv("TRACKER_ADMINS", " a@example.org, ,B@example.org ")
    monkeypatch.setenv("TRACKER_EMBEDDINGS", "OFF")
    monkeypatch.setenv("TRACKER_LOCK_TIMEOUT", "2.5")
    assert db_path() == tmp_path / "x.duckdb" and Store().lock_timeout == 2.5 and not settings.EMBEDDINGS.on()
    assert configured_admins() == {"a@example.org", "b@example.org"}


def test_a_bad_setting_on_the_command_line_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_PDF_TIMEOUT", "soon")
    page = tmp_path / "page.pdf"
    page.write_bytes(b"%PDF-1.4 not really")
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "t.duckdb"), "load", str(page), "--by", "t"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "$TRACKER_PDF_TIMEOUT='soon' is not a number" in result.output
