"""A short title suggested for a recommendation from its calls, which people then edit.

The title is the key phrase the calls share: runs of content words between stop words and punctuation
(the RAKE idea), scored by how many calls contain them and by length, taken from the calls' first sentences
where the call itself is usually stated. Keyphrase libraries were considered: RAKE's packages need NLTK data
downloaded at run time and KeyBERT a transformer model, neither of which this offline tool may fetch.
"""

from __future__ import annotations

import re
from collections import Counter

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from .similarity import DOMAIN_STOP_WORDS, split_sentences

MAX_CHARS = 80
# words that start or end no title: verbs and hedges of the call ("should be strengthened")
EXTRA_STOP = set("""
    should must shall need needs needed call calls called recommended suggested urged encourage encouraged
    important essential crucial vital necessary ensure ensuring also including like make making made way ways
    use used better strengthened promoted developed established recommend recommends suggest urge stakeholders
    relevant various different new key order particular""".split())
STOP = frozenset(ENGLISH_STOP_WORDS) | EXTRA_STOP
WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*")
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


def _stem(word: str) -> str:
    word = word.lower().strip("'’-")
    return word[:-1] if len(word) > 4 and word.endswith("s") and not word.endswith("ss") else word


def suggest_title(texts: list[str]) -> str:
    """"International cooperation on cyber protection of minors"-like phrase for these calls; never cut.

    Candidates come from each call's first sentence; a candidate scores by how many of the calls use its
    words (generic words of the field such as "children" or "online" count for nothing), a little by its
    length, and less when it is a name ("China Federation of Internet Societies")."""
    if not texts:
        return "Untitled recommendation"
    used: Counter[str] = Counter()
    for text in texts:
        used.update({_stem(w) for w in WORD.findall(text)})
    generic = {_stem(w) for w in DOMAIN_STOP_WORDS}
    candidates: dict[str, str] = {}
    for text in texts:
        for phrase in _phrases(split_sentences(text)[0]):
            if len(phrase) <= MAX_CHARS:
                candidates.setdefault(phrase.lower(), phrase)
    if not candidates:
        first = split_sentences(texts[0])[0]
        return first if len(first) <= MAX_CHARS else "Recommendation: " + " ".join(WORD.findall(first)[:6])

    def score(key: str) -> tuple[float, int]:
        words = [w for w in WORD.findall(candidates[key]) if w.lower() not in KEEP_INSIDE]
        weight = sum(0 if _stem(w) in generic else used[_stem(w)] for w in words) / max(len(words), 1)
        name = len(words) >= 2 and all(w[0].isupper() for w in words)
        return weight * (1 + 0.5 * min(len(words), 4)) * (0.5 if name else 1.0), -len(key)

    ranked = sorted(candidates, key=score, reverse=True)
    best = candidates[ranked[0]]
    title = best[0].upper() + best[1:]
    # a second, different phrase when the first is a single word ("Cooperation" says little)
    if len(best.split()) == 1:
        for key in ranked[1:]:
            if best.lower() not in key and key not in best.lower() and len(title) + len(key) + 5 <= MAX_CHARS:
                title = f"{title} and {candidates[key]}"
                break
    return title
