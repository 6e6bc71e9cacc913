"""Themes: a small editable taxonomy (data/themes.toml) and keyword-first assignment.

An item gets the themes with the most distinct keyword matches (at most three). An item that matches
no keyword gets its nearest theme by description: sentence-vector cosine in semantic mode, TF-IDF
cosine in lexical mode. People's corrections are applied afterwards by the caller and always win.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..store import PROJECT_ROOT

THEMES_FILE = PROJECT_ROOT / "data" / "themes.toml"
MAX_THEMES = 3


@dataclass(frozen=True)
class Theme:
    name: str
    description: str
    keywords: tuple[str, ...]

    @property
    def profile(self) -> str:
        """The text an unmatched item is compared with."""
        return f"{self.name}. {self.description} {', '.join(k.rstrip('*') for k in self.keywords)}"


def themes_path() -> Path:
    return Path(os.environ.get("TRACKER_THEMES") or THEMES_FILE)


def load_themes(path: Path | None = None) -> list[Theme]:
    """The taxonomy; a broken file is an error worded for the person who edited it."""
    path = path or themes_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"themes file {path} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"themes file {path} is not valid TOML: {exc}") from None
    themes, seen = [], set()
    for n, entry in enumerate(data.get("theme", []), start=1):
        name = str(entry.get("name", "")).strip()
        if not name:
            raise ValueError(f"themes file {path}: theme #{n} has no name")
        if name in seen:
            raise ValueError(f"themes file {path}: theme {name!r} appears twice")
        seen.add(name)
        keywords = tuple(str(k).strip().lower() for k in entry.get("keywords", []) if str(k).strip())
        themes.append(Theme(name, str(entry.get("description", "")).strip(), keywords))
    if not themes:
        raise ValueError(f"themes file {path} defines no [[theme]]")
    return themes


def _keyword_pattern(keyword: str) -> str:
    stem = keyword.endswith("*")
    words = keyword.rstrip("*").split()
    body = r"[\s-]+".join(re.escape(w) for w in words)
    return r"\b" + body + (r"\w*" if stem else r"\b")


class KeywordMatcher:
    """One compiled regex per theme; ``matches`` lists the keywords found (for explanations)."""

    def __init__(self, themes: list[Theme]):
        self.themes = themes
        self.patterns = [[(k, re.compile(_keyword_pattern(k), re.IGNORECASE)) for k in t.keywords] for t in themes]
        self.any = [re.compile("|".join(_keyword_pattern(k) for k in t.keywords), re.IGNORECASE) if t.keywords
                    else None for t in themes]

    def scores(self, text: str) -> list[int]:
        out = []
        for quick, patterns in zip(self.any, self.patterns, strict=True):
            if quick is None or not quick.search(text):  # one search per theme for most items
                out.append(0)
                continue
            out.append(sum(1 for _, p in patterns if p.search(text)))
        return out


def assign_themes(texts: list[str], themes: list[Theme], fallback_sim: np.ndarray | None = None) -> list[list[str]]:
    """Themes per text: keyword matches ranked by count (ties keep taxonomy order), at most three;
    with no match, the theme most similar by ``fallback_sim`` (n_texts x n_themes) if it is positive."""
    matcher = KeywordMatcher(themes)
    out = []
    for i, text in enumerate(texts):
        scores = matcher.scores(text)
        ranked = sorted((k for k, s in enumerate(scores) if s), key=lambda k: -scores[k])
        chosen = [themes[k].name for k in ranked[:MAX_THEMES]]
        if not chosen and fallback_sim is not None and fallback_sim.shape[1]:
            best = int(np.argmax(fallback_sim[i]))
            if fallback_sim[i, best] > 0:
                chosen = [themes[best].name]
        out.append(chosen)
    return out
