"""The dashboard server is private by default: localhost only, and uploads have a size limit."""

from __future__ import annotations

import tomllib
from pathlib import Path

from tracker.reading.text import MAX_BYTES

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
