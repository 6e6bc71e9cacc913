"""The two configurations the analysis runs with, chosen by ``python -m tracker.analysis.evaluate --sweep``.

The rule, fixed before looking: on the seeds plus the "tune" half of the labelled pages, the best pair F1 among
the settings whose cross-session pair precision is at least 0.85 (a suggestion people review should usually
be right). Reported on the other half too (docs/recurrence.md); tests/test_analysis_eval.py fails if a
change scores below what was measured.
"""

from __future__ import annotations

from .similarity import Method

SEMANTIC_METHOD = Method("MiniLM + char n-grams", semantic=0.5, char=0.5, gate=0.3, threshold=0.35)
LEXICAL_METHOD = Method("char n-grams", char=1.0, gate=0.1, threshold=0.25)
