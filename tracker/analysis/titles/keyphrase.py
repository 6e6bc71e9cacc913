"""The key phrase calls share, for calls that state no action: runs of content words between stop words and
punctuation (the RAKE idea), scored by how many calls contain them and by length. RAKE's packages need NLTK data
downloaded at run time and KeyBERT a transformer model, neither of which this offline tool may fetch."""

from __future__ import annotations

import re
from collections import Counter

from ..corpus import DOMAIN_STOP_WORDS, split_sentences
from .words import MAX_CHARS, STOP, WORD, stem

BREAK = re.compile(r"[,;:.!?()\"“”]")
KEEP_INSIDE = {"of", "for", "and", "on", "in", "to"}  # joins two runs: "protection of minors"


def _phrases(sentence: str) -> list[str]:
    """Candidate phrases: content-word runs, also two runs joined by one of KEEP_INSIDE."""
    out: list[str] = []
    for chunk in BREAK.split(sentence):
        words = WORD.findall(chunk)
        runs: list[list[str]] = [[]]
        joins: list[str] = []
        for word in words:
            if word.lower() in STOP:
                if runs[-1]:
                    runs.append([])
                    joins.append(word.lower())
                elif joins:
                    joins[-1] = ""  # two stop words in a row: no join
            else:
                runs[-1].append(word)
        runs = [r for r in runs if r]
        out.extend(" ".join(r) for r in runs if len(r) <= 6)
        for k in range(len(runs) - 1):
            if k < len(joins) and joins[k] in KEEP_INSIDE and len(runs[k]) + len(runs[k + 1]) <= 6:
                out.append(f"{' '.join(runs[k])} {joins[k]} {' '.join(runs[k + 1])}")
    return out


def keyphrase(texts: list[str]) -> str:
    """The key phrase the calls share ("risks of emerging technologies to children"), taken from their first
    sentences; a candidate scores by how many calls use its words (generic words of the field such as
    "children" count for nothing), a little by its length, and less when it is a name."""
    used: Counter[str] = Counter()
    for text in texts:
        used.update({stem(w) for w in WORD.findall(text)})
    generic = {stem(w) for w in DOMAIN_STOP_WORDS}
    candidates: dict[str, str] = {}
    for text in texts:
        for phrase in _phrases(split_sentences(text)[0]):
            if len(phrase) <= MAX_CHARS - 10:
                candidates.setdefault(phrase.lower(), phrase)
    if not candidates:
        return "these calls"

    def score(key: str) -> tuple[float, int]:
        words = [w for w in WORD.findall(candidates[key]) if w.lower() not in KEEP_INSIDE]
        weight = sum(0 if stem(w) in generic else used[stem(w)] for w in words) / max(len(words), 1)
        name = len(words) >= 2 and all(w[0].isupper() for w in words)
        return weight * (1 + 0.5 * min(len(words), 4)) * (0.5 if name else 1.0), -len(key)

    return candidates[max(candidates, key=score)]
