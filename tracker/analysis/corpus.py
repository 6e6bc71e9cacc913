"""How the analysis reads any text of this corpus: sentence splitting and the corpus's generic words. Shared by
the pair signals (``similarity``) and the titles (``titles``), which each build on it, so neither imports the
other for it."""

from __future__ import annotations

import re

# punctuation, whitespace, then a capital, bracket or quote: the end of a sentence
SENTENCE_END = re.compile(r"(?<=[.;!?])\s+(?=[A-Z(\"'])")

# generic words of this corpus carry no signal about *which* call an item makes (titles, theme fallback)
DOMAIN_STOP_WORDS = ["children", "child", "online", "protection", "protect", "protecting", "minors", "internet",
                     "digital", "need", "needs", "needed", "necessary", "essential", "crucial", "vital", "important",
                     "ensure", "ensuring", "effective", "effectively", "including", "include", "based", "ways",
                     "strategies", "specific", "continue", "continued", "continuing"]


def split_sentences(text: str) -> list[str]:
    parts = [p.strip() for p in SENTENCE_END.split(text.strip()) if len(p.strip()) > 3]
    return parts or [text.strip() or "-"]
