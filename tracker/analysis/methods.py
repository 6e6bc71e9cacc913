"""The similarity configurations compared by ``evaluate`` and the two the analysis runs with.

The choice and the figures behind it are in docs/recurrence.md; tests/test_analysis_eval.py fails if a
change makes either configuration score below what was measured there.
"""

from __future__ import annotations

from .similarity import Method

# Chosen by measured pairwise precision/recall on tests/data/recurrence_eval.json (docs/recurrence.md).
SEMANTIC_METHOD = Method("MiniLM + char TF-IDF, same theme", char=0.5, semantic=0.5, threshold=0.35,
                         linkage="average", same_theme=True)
LEXICAL_METHOD = Method("char TF-IDF, same theme", char=1.0, threshold=0.175, linkage="average", same_theme=True)

# What the evaluation compares (thresholds are swept; the value here is only a default).
CANDIDATES: list[Method] = [
    Method("word TF-IDF, whole text", word=1.0, sentences=False),
    Method("char TF-IDF, whole text", char=1.0, sentences=False),
    Method("MiniLM, whole text", semantic=1.0, sentences=False),
    Method("word TF-IDF", word=1.0),
    Method("char TF-IDF", char=1.0),
    Method("MiniLM", semantic=1.0),
    Method("MiniLM + word TF-IDF", word=0.5, semantic=0.5),
    Method("MiniLM + char TF-IDF", char=0.5, semantic=0.5),
    Method("MiniLM + char TF-IDF, whole text", char=0.5, semantic=0.5, sentences=False),
    Method("word TF-IDF, same theme", word=1.0, same_theme=True),
    Method("char TF-IDF, same theme", char=1.0, same_theme=True),
    Method("MiniLM, same theme", semantic=1.0, same_theme=True),
    Method("MiniLM + word TF-IDF, same theme", word=0.5, semantic=0.5, same_theme=True),
    Method("MiniLM + char TF-IDF, same theme", char=0.5, semantic=0.5, same_theme=True),
]
