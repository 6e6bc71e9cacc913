"""The command line. Most tests run the click group in this process (click's CliRunner: the same parsing, output
and exit codes, without starting Python and importing the tracker per call); the last tests run real processes,
as a user does: the console script, `python -m tracker`, and an error with no traceback."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.helpers import run_cli as run
from tracker.cli import cli
from tracker.store import Store

ROOT = Path(__file__).resolve().parent.parent


def run_process(*args: str, db: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m tracker ARGS` in a new process."""
    env = {**os.environ, "TRACKER_DB": str(db), **(env or {})}
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)


@pytest.fixture
def loaded_db(tmp_path: Path) -> Path:
    db = tmp_path / "cli.duckdb"
    result = run("load", "--no-analyze", db=db)
    assert result.returncode == 0, result.stderr
    return db


def test_load_defaults_to_seeds_and_reports_a_summary(tmp_path: Path):
    db = tmp_path / "t.duckdb"
    result = run("load", "--no-analyze", db=db)
    assert result.returncode == 0, result.stderr
    assert "5 files: 5 added, 0 updated, 0 unchanged, 0 failed; 30 new items" in result.stdout
    again = run("load", "--no-analyze", db=db)
    assert "0 added, 0 updated, 5 unchanged" in again.stdout


def test_load_with_a_bad_file_names_it_loads_the_rest_and_exits_non_zero(tmp_path: Path):
    folder = tmp_path / "pages"
    folder.mkdir()
    for seed in (ROOT / "seeds").iterdir():
        (folder / seed.name).write_bytes(seed.read_bytes())
    (folder / "scan.pdf.txt").write_bytes(b"%PDF-1.4\n...")
    db = tmp_path / "t.duckdb"
    result = run("load", "--no-analyze", str(folder), db=db)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: scan.pdf.txt: not a valid PDF (broken or truncated)"]
    assert "5 added" in result.stdout and "1 failed" in result.stdout
    assert Store(db).scalar("SELECT count(*) FROM items") == 30


def test_db_option_overrides_the_environment(tmp_path: Path):
    explicit = tmp_path / "explicit.duckdb"
    result = run("--db", str(explicit), "load", "--no-analyze", db=tmp_path / "env.duckdb")
    assert result.returncode == 0
    assert explicit.exists() and not (tmp_path / "env.duckdb").exists()


def test_export_items_csv_has_the_documented_columns(loaded_db: Path):
    result = run("export", "--what", "items", "--format", "csv", db=loaded_db)
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    # the 30 items and nothing else: every row has a status a script can read
    assert len(rows) == 30 and {r["review"] for r in rows} == {"accepted"}
    assert all(r["status"] in ("not_started", "in_progress", "done", "dropped") for r in rows)
    for column in ("item_id", "source", "year", "session_type", "session_number", "session_title", "kind", "section",
                   "text", "status", "owner", "due_date", "notes", "in_source", "origin", "review"):
        assert column in rows[0]
    call = next(r for r in rows if r["text"].startswith("We call on relevant government departments"))
    assert (call["year"], call["kind"], call["source"], call["status"]) == (
        "2022", "action", "000_b1319ff3bb3a17cc.txt", "not_started")


def test_export_items_names_recommendation_columns_as_scripts_read_them(analyzed_store: Store) -> None:
    """Scripts that score the grouping read recommendation_id (a member) and suggested_recommendation_id (a
    pending suggestion) from the items export: those names, never the store's rec_id."""
    rows = list(csv.DictReader(io.StringIO(run("export", "--what", "items", db=analyzed_store.path).stdout)))
    header = set(rows[0])
    assert {"recommendation_id", "suggested_recommendation_id", "recommendation_title", "recommendation_sessions",
            "recommendation_years", "recommendation_recurring"} <= header
    assert not {c for c in header if c.startswith(("rec_", "suggested_rec_"))}
    members = [r for r in rows if r["recommendation_id"]]
    assert members and all(re.fullmatch(r"R\d+", r["recommendation_id"]) for r in members)
    assert any(r["suggested_recommendation_id"] for r in rows)  # the seeds' repeated calls wait for review


def test_export_sessions_json_and_jsonl(loaded_db: Path, tmp_path: Path):
    out = tmp_path / "sessions.json"
    result = run("export", "--what", "sessions", "--format", "json", "--out", str(out), db=loaded_db)
    assert result.returncode == 0
    sessions = json.loads(out.read_text(encoding="utf-8"))
    assert len(sessions) == 5
    assert set(sessions[0]) >= {"source", "year", "session_type", "number", "title", "date", "sdgs", "item_count",
                                "has_outcomes"}
    no_outcomes = sorted(s["source"] for s in sessions if not s["has_outcomes"])
    assert no_outcomes == ["003_25d1d3cd035a7625.txt", "004_496a218183d0acf1.txt"]
    lines = run("export", "--format", "jsonl", db=loaded_db).stdout.splitlines()
    items = [json.loads(line) for line in lines]
    assert len(items) == 30 and items[0]["kind"] in ("takeaway", "action", "question")


def test_export_with_labels_is_readable(analyzed_store: Store):
    """--labels: a session label first (not a hash), headers and values in words, the recommendation's title,
    whether it recurred, in how many sessions and which years; the machine form stays the default."""
    from tracker import analysis

    def exported() -> list[dict]:
        return list(csv.DictReader(io.StringIO(run("export", "--labels", db=analyzed_store.path).stdout)))

    def cooperation_row(rows: list[dict]) -> dict:
        return next(r for r in rows if r["Text"].startswith("International cooperation should be strengthened"))

    # the 2023 and 2024 calls are only suggested: not a recurrence anyone confirmed
    pending = cooperation_row(exported())
    assert (pending["Recurring"], pending["Sessions raised in"], pending["Years raised"]) == ("No", "1", "2022")
    members = analysis.members_frame(analyzed_store)
    rec_id = members[members["text"].str.startswith("International cooperation should be strengthened")]["rec_id"]
    analysis.accept_all(analyzed_store, rec_id.iat[0], by="Ana")
    rows = exported()
    assert len(rows) == 30 and {r["Review"] for r in rows} == {"Accepted"}
    # the calls found in the report text that nobody accepted are their own export, in words
    calls = list(csv.DictReader(io.StringIO(run("export", "--what", "report-calls", "--labels",
                                                db=analyzed_store.path).stdout)))
    assert len(calls) == 14 and {r["Review"] for r in calls} == {"Suggested, to review"}
    assert list(calls[0])[:3] == ["Session", "Year", "Text"] and calls[0]["Session"].startswith("20")
    header = list(rows[0])
    assert header[:6] == ["Session", "Year", "Kind", "Text", "Status", "Owner"]
    assert {"Recommendation", "Recurring", "Sessions raised in", "Years raised", "Item id"} <= set(header)
    assert not {"session_id", "in_source", "item_id"} & set(header)
    call = cooperation_row(rows)
    assert call["Session"].startswith("2022 ") and " — " in call["Session"]
    assert (call["Kind"], call["Status"], call["Recurring"]) == ("Key takeaway", "Not started", "Yes")
    assert call["Years raised"] == "2022; 2023; 2024" and call["Sessions raised in"] == "3"
    assert call["Recommendation"]
    assert {r["Recurring"] for r in rows} == {"Yes", "No"}
    # the 2024 open question on the same matter is part of it: that matter came back
    question = next(r for r in rows if r["Text"].startswith("How can international cooperation be strengthened"))
    assert question["Recommendation"] == call["Recommendation"] and question["Recurring"] == "Yes"
    sessions = list(csv.DictReader(io.StringIO(run("export", "--what", "sessions", "--labels",
                                                   db=analyzed_store.path).stdout)))
    assert list(sessions[0])[0] == "Session" and {s["Published outcomes"] for s in sessions} == {"Yes", "No"}
    recs = list(csv.DictReader(io.StringIO(run("export", "--what", "recommendations", "--labels",
                                               db=analyzed_store.path).stdout)))
    assert list(recs[0])[:3] == ["Recommendation", "Status", "Owner"] and "Recurring" in recs[0]


def test_set_updates_an_item_and_records_history(loaded_db: Path):
    store = Store(loaded_db)
    item_id = store.scalar("SELECT item_id FROM items WHERE text LIKE 'We call on relevant government%'")
    result = run("set", item_id, "--status", "in_progress", "--owner", "CFIS", "--note", "draft sent",
                 "--due", "2026-03-01", "--by", "Li", db=loaded_db)
    assert result.returncode == 0, result.stderr
    assert "status not_started -> in_progress" in result.stdout
    row = store.query("SELECT status, owner, notes, due_date, updated_by FROM items WHERE item_id = ?",
                      [item_id]).iloc[0]
    assert (row["status"], row["owner"], row["notes"], row["updated_by"]) == ("in_progress", "CFIS", "draft sent",
                                                                              "Li")
    assert str(row["due_date"])[:10] == "2026-03-01"
    history = store.query("SELECT field, old_value, new_value, changed_by, via FROM history WHERE subject_id = ?",
                          [item_id])
    assert set(history["field"]) == {"status", "owner", "notes", "due_date"}
    assert set(history["changed_by"]) == {"Li"} and set(history["via"]) == {"cli"}
    log = run("history", "--subject", item_id, db=loaded_db)
    assert "in_progress" in log.stdout and "Li" in log.stdout
    assert run("history", "--item", item_id, db=loaded_db).stdout == log.stdout  # the name before 0.6.0


@pytest.mark.parametrize("args, message", [
    (["no-such-id", "--status", "done"], "unknown item id 'no-such-id'"),
    (["ITEM", "--status", "finished"], "unknown status 'finished'"),
    (["ITEM", "--due", "next week"], "is not a date"),
])
def test_set_refuses_bad_input_and_writes_nothing(loaded_db: Path, args: list[str], message: str):
    store = Store(loaded_db)
    item_id = store.scalar("SELECT min(item_id) FROM items")
    args = [item_id if a == "ITEM" else a for a in args]
    result = run("set", *args, "--by", "Li", db=loaded_db)
    assert result.returncode != 0
    assert message in result.stderr
    assert store.scalar("SELECT count(*) FROM history") == 0
    assert store.scalar("SELECT count(*) FROM items WHERE status <> 'not_started'") == 0


def test_every_command_has_help_and_is_in_the_readme(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TRACKER_LOCK_TIMEOUT", "abc")  # a bad setting never stops --help
    commands = sorted(cli.commands)
    assert {"load", "analyze", "export", "set", "recommendation", "review", "history"} <= set(commands)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for command in commands:
        result = run(command, "--help", db=tmp_path / "h.duckdb")
        assert result.returncode == 0
        assert "Usage: tracker " + command in result.stdout
        assert cli.commands[command].help, command
        assert f"tracker {command}" in readme, command


# every command, with arguments that would work on the seeds
COMMANDS = [["load", str(ROOT / "seeds")], ["analyze"], ["analyze", "--full"], ["export"], ["review"], ["history"],
            ["set", "e4371e64ce8c6019", "--status", "done", "--by", "Ana"],
            ["recommendation", "R1", "--status", "done", "--by", "Ana"], ["brief"]]


def test_brief_writes_the_prefilled_proposal_as_markdown_and_word(loaded_db: Path, tmp_path: Path) -> None:
    import docx

    result = run("brief", "--year", "2026", "--scope", "2024", db=loaded_db)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# Session proposal for IGF 2026: draft\n")
    assert "scope: the sessions of 2024" in result.stdout
    questions = result.stdout.split("## Policy questions\n")[1].split("\n## ")[0]
    assert "1. What are the specific metrics or standards for evaluating the effectiveness of child online " \
        "safety measures?" in questions
    assert len([line for line in questions.splitlines() if line[:1].isdigit()]) == 3
    out = tmp_path / "proposal.docx"
    result = run("brief", "--format", "docx", "--out", str(out), db=loaded_db)
    assert result.returncode == 0, result.stderr
    assert "wrote the proposal for IGF 2026" in result.stderr
    headings = [p.text for p in docx.Document(str(out)).paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["Session title", "Session type"] and "SDG goals" in headings
    assert not any("Follow-up" in h or "Internal" in h for h in headings)  # the organizers' own: not sent
    out = tmp_path / "internal.docx"
    assert run("brief", "--format", "docx", "--internal", "--out", str(out), db=loaded_db).returncode == 0
    headings = [p.text for p in docx.Document(str(out)).paragraphs if p.style.name.startswith("Heading")]
    assert "Internal appendix: for the organizers, not part of the proposal" in headings
    assert "Follow-up for the organizers" in headings
    assert "scope 'last year'" in one_line_error(run("brief", "--scope", "last year", db=loaded_db))
    assert "no draft named 'Main'" in one_line_error(run("brief", "--draft", "Main", db=loaded_db))
    assert run("brief", "--format", "docx", db=loaded_db).returncode == 2  # a docx needs --out


def one_line_error(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("Loading")]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@pytest.mark.parametrize("command, setting", [(c, ("TRACKER_LOCK_TIMEOUT", "abc")) for c in COMMANDS]
                         + [(["history"], ("TRACKER_LOCK_TIMEOUT", "nan")), (["load"], ("TRACKER_LOAD_WORKERS", "x"))],
                         ids=lambda v: " ".join(v[:2]) if isinstance(v, list) else "=".join(v))
def test_a_bad_setting_is_one_line_for_every_command(command: list[str], setting: tuple[str, str],
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(*setting)
    line = one_line_error(run(*command, db=tmp_path / "bad.duckdb"))
    assert setting[0] in line


@pytest.mark.slow
def test_a_busy_database_is_one_line_for_every_command(loaded_db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    holder = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('held', flush=True); time.sleep(120)", str(loaded_db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        monkeypatch.setenv("TRACKER_LOCK_TIMEOUT", "1")
        for command in COMMANDS:
            line = one_line_error(run(*command, db=loaded_db))
            assert "busy" in line, (command, line)
    finally:
        holder.kill()
        holder.wait()


def test_export_and_history_on_an_empty_database_print_the_header(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    for command, first in ((["export"], "item_id,source,year"),
                           (["export", "--what", "sessions"], "source,year,session_type"),
                           (["history"], "changed_at,changed_by,subject,subject_id")):
        result = run(*command, db=db)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith(first), (command, result.stdout)


def test_history_right_after_a_load_is_an_empty_log(loaded_db: Path) -> None:
    result = run("history", db=loaded_db)
    assert result.returncode == 0, result.stderr
    header = "changed_at,changed_by,subject,subject_id,field,old_value,new_value,via,subject_text"
    assert result.stdout.splitlines() == [header]


def test_history_with_labels_is_readable_and_names_who_imported(tmp_path: Path):
    """The change log in the readable form of the other exports: headers in words, times to the second, the
    change in words; an import names who ran it (--by, else the login name)."""
    import getpass

    db = tmp_path / "h.duckdb"
    assert run("load", "--no-analyze", db=db).returncode == 0
    page = tmp_path / "2025_open_forum_31.txt"
    page.write_bytes((ROOT / "tests" / "data" / "pages" / "2025_open_forum_31.txt").read_bytes())
    assert run("load", "--no-analyze", "--by", "Ming Yan", str(page), db=db).returncode == 0
    item_id = Store(db).scalar("SELECT item_id FROM items WHERE text LIKE 'We call on relevant government%'")
    assert run("set", item_id, "--status", "done", "--by", "Li", db=db).returncode == 0
    result = run("history", "--labels", db=db)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["When", "Who", "How", "Kind of change", "What", "Change", "Id"]
    edit = rows[0]
    assert (edit["Who"], edit["How"], edit["Change"]) == ("Li", "on the command line", "Status: Not started → Done")
    assert len(edit["When"]) == 19 and edit["When"][4] == "-" and "." not in edit["When"]  # to the second
    imports = {r["Id"]: r["Who"] for r in rows if r["Kind of change"] == "Import"}
    assert imports["2025_open_forum_31.txt"] == "Ming Yan"
    assert imports["000_b1319ff3bb3a17cc.txt"] == getpass.getuser()
    machine = list(csv.DictReader(io.StringIO(run("history", db=db).stdout)))
    assert "changed_at" in machine[0] and "field" in machine[0]  # the machine form stays the default


# Real processes, as a user starts them: what the in-process runs above cannot show.

def test_the_console_script_runs_the_command_line(tmp_path: Path) -> None:
    """`tracker` as pip installs it: pyproject.toml's entry point, called the way the generated script calls it."""
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["scripts"]
    module, function = scripts["tracker"].split(":")
    script = f"import sys; from {module} import {function}; sys.argv[0] = 'tracker'; sys.exit({function}())"
    result = subprocess.run([sys.executable, "-c", script, "export", "--help"], cwd=ROOT, capture_output=True,
                            env={**os.environ, "TRACKER_DB": str(tmp_path / "s.duckdb")}, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: tracker export")


def test_python_m_tracker_reports_a_bad_setting_in_one_line_without_traceback(tmp_path: Path) -> None:
    result = run_process("export", db=tmp_path / "p.duckdb", env={"TRACKER_LOCK_TIMEOUT": "abc"})
    assert result.returncode == 1
    assert "TRACKER_LOCK_TIMEOUT" in one_line_error(result)
