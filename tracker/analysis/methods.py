"""The two configurations the analysis runs with, chosen by ``python -m tracker.analysis.evaluate``.

The choice and the figures behind it are in docs/recurrence.md (tuned on the seeds and half of the labelled
pages, reported on the other half); tests/test_analysis_eval.py fails if a change scores below them.
"""

from __future__ import annotations

from .similarity import Method

SEMANTIC_METHOD = Method("MiniLM + char n-grams", semantic=0.5, char=0.5, gate=0.5, threshold=0.45)
LEXICAL_METHOD = Method("char n-grams", char=1.0, gate=0.3, threshold=0.3)
