"""Signs that a page's text is damaged or that its outcomes were not found, said before anything is imported.

A text layer that splits words ("shar ed", "R egulators", "Tu esday", the way some PDF producers position
their letters) leaves many one- and two-letter fragments that are not words; on the seeds and the labelled
pages at most 0.75% of the words are such fragments (contractions' "s", "t", "ll" taken off, common short
words and acronyms not counted), on the same pages printed by Chromium and read letter run by letter run
1.6% to 2.9%. A page that has outcome headings but yields no items, or calls to action without the key
takeaways an outcome page writes before them, or a session report without any outcome, is said too.
"""

from __future__ import annotations

import re
import unicodedata

from .headings import heading_key
from .models import Item

FRAGMENT_SHARE = 0.012  # above this share of fragments among the words, the text looks broken
MIN_WORDS = 150  # fewer words say too little either way
# short words of English, and the particles of French, Spanish and Portuguese names ("Ministère de la Famille",
# "Universidad de la República") that national and regional pages carry
_SHORT_WORDS = set("a i o x v an as at be by do go he if in is it me my no of on or so to up us we am ok id vs mr ms "
                   "dr st nd rd th eu un ai uk de la le du au el et da di y".split())
_CONTRACTION = re.compile(r"[’'](?:s|t|ll|re|ve|d|m)\b|\b[ldjnmsc][’'](?=\w)", re.I)
_WORD = re.compile(r"(?<![\w])[^\W\d_]+(?![\w])")  # letters only: "14h00" and "CO2" are not fragments
_REPORT_HEADINGS = {"session report", "full session report", "session at a glance", "summary", "expanded summary",
                    "session summary", "report"}


def fragment_share(text: str) -> tuple[float, int]:
    """The share of the words that are one- or two-letter fragments, and the number of words."""
    words = _WORD.findall(_CONTRACTION.sub("", text[:200_000]))  # a sample says enough, and bounds the time
    # split words break into lower-case pieces ("shar ed", "fr om"); a short capitalised word is a name ("Ba")
    fragments = sum(1 for w in words if len(w) <= 2 and w.islower() and w not in _SHORT_WORDS)
    return fragments / max(len(words), 1), len(words)


def odd_share(text: str) -> float:
    sample = text[:200_000]
    odd = sum(1 for ch in sample if ch not in "\n\t" and unicodedata.category(ch) in ("Cc", "Co", "Cn"))
    return odd / max(len(sample), 1)


def page_warnings(text: str, items: list[Item], outcome_headings: int) -> list[str]:
    """What a person should check before importing this page; [] for a page that reads well."""
    warnings = []
    share, words = fragment_share(text)
    if words >= MIN_WORDS and share > FRAGMENT_SHARE:
        warnings.append(f"the text looks damaged: {share:.1%} of its words are one- or two-letter fragments "
                        "(split words such as \"shar ed\"); compare the preview with the page, or import the "
                        "page as .docx, .html or text instead")
    if odd_share(text) > 0.005:
        warnings.append("the text looks damaged: it holds control or private-use characters instead of letters")
    kinds = {item.kind for item in items}
    if outcome_headings and not items:
        warnings.append("the page has outcome headings (Key Takeaways, Call to Action …) but no items were found "
                        "under them")
    elif items and "takeaway" not in kinds and "action" in kinds:
        warnings.append("no Key Takeaways found, though the page has calls to action: check that its key "
                        "takeaways heading was read")
    elif not items and any(heading_key(line) in _REPORT_HEADINGS for line in text.split("\n") if len(line) < 60):
        warnings.append("the page has a session report but no Key Takeaways or Calls to Action were found")
    return warnings
