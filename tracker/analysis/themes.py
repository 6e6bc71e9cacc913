"""Themes: a small editable taxonomy (data/themes.toml) and keyword-first assignment.

An item gets the themes with the most distinct keyword matches (at most three). An item that matches
no keyword gets its nearest theme by description: sentence-vector cosine in semantic mode, TF-IDF
cosine in lexical mode. People's corrections are applied afterwards by the caller and always win.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import settings
from ..resources import themes_file

THEMES_FILE = themes_file()
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
    return Path(settings.THEMES.text() or THEMES_FILE)


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
    """One compiled regex per keyword; ``scores`` counts the distinct keywords found per theme."""

    def __init__(self, themes: list[Theme]):
        self.themes = themes
        self.keywords = [(col, re.compile(_keyword_pattern(k), re.IGNORECASE))
                         for col, t in enumerate(themes) for k in t.keywords]

    def scores(self, text: str) -> list[int]:
        return self.score_matrix([text])[0].tolist()

    def score_matrix(self, texts: list[str]) -> np.ndarray:
        """texts x themes: how many of each theme's keywords each text contains (a keyword counts once).

        A match stays within one sentence: a keyword's pattern has only its words, ``[\\s-]+`` and ``\\w*``,
        so it cannot match the ". " of a sentence end unless the keyword itself contains the punctuation."""
        out = np.zeros((len(texts), len(self.themes)), dtype=np.int64)
        for row, text in enumerate(texts):
            for col, pattern in self.keywords:
                if pattern.search(text):
                    out[row, col] += 1
        return out


def assign_themes(texts: list[str], themes: list[Theme], fallback_sim: np.ndarray | None = None) -> list[list[str]]:
    """Themes per text: keyword matches ranked by count (ties keep taxonomy order), at most three;
    with no match, the theme most similar by ``fallback_sim`` (n_texts x n_themes) if it is positive."""
    if not texts:
        return []
    distinct, codes = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    scores = KeywordMatcher(themes).score_matrix(list(distinct))[codes]  # once per distinct text
    ranked = np.argsort(-scores, axis=1, kind="stable")[:, :MAX_THEMES]  # stable: ties keep taxonomy order
    names = [t.name for t in themes]
    out = []
    for i, row in enumerate(ranked):
        chosen = [names[k] for k in row if scores[i, k]]
        if not chosen and fallback_sim is not None and fallback_sim.shape[1]:
            best = int(np.argmax(fallback_sim[i]))
            if fallback_sim[i, best] > 0:
                chosen = [names[best]]
        out.append(chosen)
    return out
