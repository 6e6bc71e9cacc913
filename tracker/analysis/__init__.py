"""Recurrence analysis (placeholder until issue 3 lands)."""

from __future__ import annotations

import pandas as pd

from ..store import Store


def analyze(store: Store) -> str:
    return "analysis: not available yet"


def item_annotations(store: Store) -> pd.DataFrame:
    return pd.DataFrame()
