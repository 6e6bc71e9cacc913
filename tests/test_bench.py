"""The benchmarks keep working: each bench/ script's --quick mode (small sizes) runs as a module from the checkout
and prints its figures. No figure is checked against a goal here (a shared CI machine's times say little); the
full runs and their results are in bench/RESULTS.md."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
NUMBER = r"[\d,]+(?:\.\d+)?"

# script -> lines its quick run must print, each with its figures (a number where a figure belongs)
FIGURES = {
    "run": [rf"\| 50 \| {NUMBER} \| {NUMBER} \| {NUMBER} \|", rf"lexical mode: {NUMBER} s, peak RSS {NUMBER} MB",
            rf"\| items_frame\(\) all items \| 300 \| {NUMBER} \| {NUMBER} \|",
            rf"\| set_item\(status, owner, notes, due\) \+ 4 history rows \| 1 \| {NUMBER} \| {NUMBER} \|"],
    "recommendations": [rf"\| first analysis \(embeds every sentence\) \| {NUMBER} \| {NUMBER} \|",
                        rf"\| full re-analysis, vectors cached \| {NUMBER} \| {NUMBER} \|",
                        rf"adding a report: {NUMBER} s at {NUMBER} items vs {NUMBER} s empty"],
    "report": [rf"tracker report --format html: {NUMBER} s median", rf"file size: {NUMBER} bytes = {NUMBER} MB"],
    "learning": [r"lexical: holdout pages e07", rf"before +P {NUMBER} R {NUMBER} F1 {NUMBER}",
                 rf"after +oldest first +P {NUMBER} R {NUMBER} F1 {NUMBER} .*\| 5 decisions, \d+ pairs \(\d+ same\)"],
    "load_with_saves": [r"load exit 0", rf"\d+ saves during a {NUMBER} s load, \d+ refused",
                        rf"command line: \d+ `tracker set` one after another during a {NUMBER} s load, 0 refused; "
                        rf"slowest {NUMBER} s .*\(slowest during the load = {NUMBER}x an idle one\)"],
    "long_items": [rf"word: {NUMBER} MB page, exit 1, {NUMBER} s, peak {NUMBER} MB",
                   rf"allowed: {NUMBER} MB page, exit 0, {NUMBER} s, peak {NUMBER} MB"],
    "analysis_scale": [rf"embedding throughput: {NUMBER} sentences/s",
                       rf"\| 300 \| {NUMBER} \| {NUMBER} \| {NUMBER} \|",
                       rf"reload after adding 100 items: 100 sentences embedded, {NUMBER} s"],
}


def test_every_benchmark_is_run_here_and_none_edits_sys_path():
    scripts = {p.stem for p in BENCH.glob("*.py")} - {"__init__", "generate"}  # generate: the corpora, used by others
    assert scripts == set(FIGURES)
    for path in BENCH.glob("*.py"):
        assert "sys.path" not in path.read_text(encoding="utf-8"), f"{path.name}: run it as python -m bench.{path.stem}"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(FIGURES))
def test_each_benchmark_runs_quick_and_prints_its_figures(name: str, tmp_path: Path) -> None:
    results = (BENCH / "RESULTS.md").read_bytes()
    # TMPDIR: the scripts' temporary corpora and databases go where pytest cleans up
    env = {**os.environ, "TMPDIR": str(tmp_path), "PYTHONUNBUFFERED": "1"}
    done = subprocess.run([sys.executable, "-m", f"bench.{name}", "--quick"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    for pattern in FIGURES[name]:
        assert re.search(pattern, done.stdout), (pattern, done.stdout[-3000:])
    assert (BENCH / "RESULTS.md").read_bytes() == results  # a quick run never overwrites the recorded results


def test_the_corpus_generator_runs_as_a_module(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bench.generate", "5", str(tmp_path / "pages")], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert '"bytes"' in done.stdout and len(list((tmp_path / "pages").glob("*.txt"))) == 5
