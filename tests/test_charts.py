"""Plotly figure builders: titles, labelled axes, escaped labels, and sensible empty figures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from tracker import charts

GROUPS = pd.DataFrame({
    "group_id": ["g1", "g2", "g3"], "label": ["<b>Cooperation</b> across borders", "Safety by design", "Once"],
    "n_items": [3, 2, 1], "n_sessions": [3, 2, 1], "recurring": [True, True, False],
    "report_status": ["in_progress", "not_started", "done"], "first_year": [2022, 2023, 2024],
})
MEMBERS = pd.DataFrame({"group_id": ["g1", "g1", "g1", "g2", "g2", "g3"],
                        "year": [2022, 2023, 2025, 2023, 2024, 2024]})
THEME_YEAR = pd.DataFrame({"theme": ["Cooperation", "Cooperation", "AI", "Safety by design and impact assessment"],
                           "year": [2022, 2024, 2023, 2024], "items": [2, 1, 3, 1], "sessions": [1, 1, 1, 1]})
STATUS = pd.DataFrame({"theme": ["AI", "AI", "Cooperation"], "status": ["done", "not_started", "in_progress"],
                       "items": [1, 2, 4]})
PROGRESS = pd.DataFrame({"first_year": [2022, 2022, 2023], "status": ["done", "not_started", "in_progress"],
                         "items": [1, 3, 2], "share": [0.25, 0.75, 1.0]})


def _labelled(fig: go.Figure) -> None:
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_recurrence_timeline_shows_recurring_groups_by_year() -> None:
    fig = charts.recurrence_timeline(GROUPS, MEMBERS)
    _labelled(fig)
    assert "Recurring" in fig.layout.title.text
    ys = {y for trace in fig.data for y in trace.y}
    assert len(ys) == 2 and not any("Once" in y for y in ys)
    assert all("<b>" not in y for y in ys) and any("&lt;b&gt;" in y for y in ys)
    assert list(fig.layout.xaxis.categoryarray) == ["2022", "2023", "2024", "2025"]  # gap years included
    assert {trace.name for trace in fig.data} == {"In progress", "Not started"}


def test_theme_heatmap_counts_items_per_theme_and_year() -> None:
    fig = charts.theme_year_heatmap(THEME_YEAR)
    _labelled(fig)
    heat = fig.data[0]
    assert list(heat.x) == ["2022", "2023", "2024"]
    assert sum(sum(row) for row in heat.z) == THEME_YEAR["items"].sum()
    assert any("<br>" in y for y in heat.y)  # long theme names wrap instead of squeezing the plot


def test_status_by_theme_is_stacked_in_status_order() -> None:
    fig = charts.status_by_theme_bars(STATUS)
    _labelled(fig)
    assert fig.layout.barmode == "stack"
    assert [t.name for t in fig.data] == ["Not started", "In progress", "Done"]
    assert [t.marker.color for t in fig.data] == [charts.STATUS_COLORS[s] for s in ("not_started", "in_progress",
                                                                                     "done")]


def test_progress_by_first_year_shows_shares_in_percent() -> None:
    fig = charts.progress_by_first_year(PROGRESS)
    _labelled(fig)
    done = next(t for t in fig.data if t.name == "Done")
    assert list(done.x) == ["2022", "2023"] and done.y[0] == pytest.approx(25)
    assert tuple(fig.layout.yaxis.range) == (0, 100)
    assert "4 calls" in fig.layout.xaxis.ticktext[0]


@pytest.mark.parametrize("build, args", [
    (charts.recurrence_timeline, (pd.DataFrame(columns=GROUPS.columns), pd.DataFrame(columns=MEMBERS.columns))),
    (charts.theme_year_heatmap, (pd.DataFrame(columns=THEME_YEAR.columns),)),
    (charts.status_by_theme_bars, (pd.DataFrame(columns=STATUS.columns),)),
    (charts.progress_by_first_year, (pd.DataFrame(columns=PROGRESS.columns),)),
    (charts.status_by_kind_bars, (pd.DataFrame(columns=["kind", "status"]),)),
])
def test_empty_frames_give_a_titled_figure_with_a_message(build, args) -> None:
    fig = build(*args)
    assert fig.layout.title.text and fig.layout.annotations and not fig.data


def test_status_by_kind_fallback() -> None:
    items = pd.DataFrame({"kind": ["action", "action", "takeaway"], "status": ["done", "not_started", "done"]})
    fig = charts.status_by_kind_bars(items)
    _labelled(fig)
    assert set(fig.data[0].y) == {"Call to action", "Key takeaway"}
