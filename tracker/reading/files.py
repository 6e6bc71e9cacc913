"""Which files are session pages, and the name each one goes by.

A folder's pages are its files with a page suffix (PAGE_SUFFIXES), hidden files and links that lead out of
the folder left out; a file named directly is always read, so a wrong one gets its reason from the reader.
Every page is stored under a display name: its base name without path or odd characters (an upload's name
comes from the browser and must not reach the disk or the screen as it was given).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

PAGE_SUFFIXES = {".txt", ".text", ".html", ".htm", ".xhtml", ".md", ".pdf", ".docx"}
PASTED_SUFFIXES = (".txt", ".html", ".htm")  # pasted text is text or HTML, whatever name it is given
PASTED_NAME = "pasted-session.txt"


def safe_source_name(name: str) -> str:
    """A display name for an uploaded or loaded file: its base name, without path or odd characters."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[^\w.\- ()]+", "_", base).strip(" .")
    return base[:120] or "unnamed"


def pasted_name(name: str) -> str:
    """The name of pasted text: the one given (cleaned), read as text unless it says HTML."""
    safe = safe_source_name(name if name.strip() else PASTED_NAME)
    return safe if safe.lower().endswith(PASTED_SUFFIXES) else safe + ".txt"


def numbered_name(name: str, n: int) -> str:
    """``a_b.txt`` -> ``a_b (2).txt``: the n-th document under one file name."""
    path = Path(name)
    return f"{path.stem} ({n}){path.suffix}"


def find_files(paths: Iterable[str | Path]) -> list[Path]:
    """Files named directly, plus every page file (.txt, .html, …) under the folders named."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            inside = path.resolve()
            # a link that leads out of the folder is not part of it (a folder of pages must not reach /etc)
            found.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in PAGE_SUFFIXES
                                and not p.name.startswith(".") and p.resolve().is_relative_to(inside)))
        else:
            found.append(path)
    return found


def load_names(names: Iterable[str | Path]) -> list[str]:
    """The display name of each file of one load, all different: the same base name from two folders gets
    its folder's name in front (``a_page.txt``), names that are the same once cleaned get ``(2)``, ``(3)``."""
    used: set[str] = set()
    out: list[str] = []
    for name in names:
        path = Path(name)
        source = safe_source_name(path.name)
        if source in used and path.parent.name:  # same file name in two folders: tell them apart
            source = safe_source_name(f"{path.parent.name}_{path.name}")
        n, base = 1, source
        while source in used:  # names that are the same once cleaned (a*b.txt, a|b.txt)
            n += 1
            source = numbered_name(base, n)
        used.add(source)
        out.append(source)
    return out
