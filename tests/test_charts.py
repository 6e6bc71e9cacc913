"""Plotly figure builders: titles, labelled axes, escaped labels, and sensible empty figures."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from tracker.ui import charts
from tracker.vocabulary import STATUS_COLOURS

RECS = pd.DataFrame({
    "rec_id": ["R1", "R2", "R3"],
    "title": ["<b>Cooperation</b> across borders on the protection of minors online, with shared standards",
              "Safety by design", "Once"],
    "n_items": [3, 2, 1], "n_sessions": [3, 2, 1], "recurring": [True, True, False],
    "status": ["in_progress", "not_started", "done"], "first_year": [2022, 2023, 2024],
})
MEMBERS = pd.DataFrame({"rec_id": ["R1", "R1", "R1", "R2", "R2", "R3"],
                        "year": [2022, 2023, 2025, 2023, 2024, 2024], "in_source": [True] * 6})
THEME_YEAR = pd.DataFrame({"theme": ["Cooperation", "Cooperation", "AI", "Safety by design and impact assessment"],
                           "year": [2022, 2024, 2023, 2024], "items": [2, 1, 3, 1], "sessions": [1, 1, 1, 1]})
STATUS = pd.DataFrame({"theme": ["AI", "AI", "Cooperation"], "status": ["done", "not_started", "in_progress"],
                       "recommendations": [1, 2, 4]})
PROGRESS = pd.DataFrame({"first_year": [2022, 2022, 2023], "status": ["done", "not_started", "in_progress"],
                         "recommendations": [1, 3, 2], "share": [0.25, 0.75, 1.0]})


def _labelled(fig: go.Figure) -> None:
    assert fig.layout.title.text
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text


def test_recurrence_timeline_shows_recurring_recommendations_by_year() -> None:
    fig = charts.recurrence_timeline(RECS, MEMBERS)
    _labelled(fig)
    assert "Recurring" in fig.layout.title.text
    ys = {y for trace in fig.data for y in trace.y}
    assert len(ys) == 2 and not any("Once" in y for y in ys)
    assert all("<b>" not in y for y in ys) and any("&lt;b&gt;" in y for y in ys)
    # the full title, wrapped over lines, never cut
    long = next(y for y in ys if "Cooperation" in y)
    assert "…" not in long and long.replace("<br>", " ").endswith("with shared standards")
    assert list(fig.layout.xaxis.categoryarray) == ["2022", "2023", "2024", "2025"]  # gap years included
    # colour is the recommendation's own status, with a legend; hover names sessions and status
    assert {trace.name for trace in fig.data} == {"In progress", "Not started"} and fig.layout.showlegend
    assert "sessions" in fig.data[0].hovertemplate and "status" in fig.data[0].hovertemplate


def test_recurrence_timeline_counts_takeaways_and_calls_to_action_apart() -> None:
    members = MEMBERS.assign(kind=["takeaway", "action", "action", "action", "takeaway", "action"],
                             year=[2022, 2022, 2025, 2023, 2024, 2024])
    fig = charts.recurrence_timeline(RECS, members)
    hover = {(x, c[0]) for trace in fig.data for x, c in zip(trace.x, trace.customdata, strict=True)}
    assert ("2022", "1 key takeaway, 1 call to action") in hover  # "calls" = calls to action, as on the tiles
    assert ("2025", "1 call to action") in hover and ("2024", "1 key takeaway") in hover


def test_recurrence_timeline_counts_live_calls_only() -> None:
    members = MEMBERS.assign(in_source=[True, True, False, True, True, True])
    fig = charts.recurrence_timeline(RECS, members)
    assert "2025" not in {x for trace in fig.data for x in trace.x}


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
    assert fig.layout.barmode == "stack" and fig.layout.showlegend
    assert fig.layout.xaxis.title.text == "Recommendations"
    assert [t.name for t in fig.data] == ["Not started", "In progress", "Done"]
    assert [t.marker.color for t in fig.data] == [STATUS_COLOURS[s] for s in ("not_started", "in_progress",
                                                                                     "done")]


def test_progress_by_first_year_shows_shares_of_recommendations_in_percent() -> None:
    fig = charts.progress_by_first_year(PROGRESS)
    _labelled(fig)
    done = next(t for t in fig.data if t.name == "Done")
    assert list(done.x) == ["2022", "2023"] and done.y[0] == pytest.approx(25)
    assert tuple(fig.layout.yaxis.range) == (0, 100)
    assert "(4)" in fig.layout.xaxis.ticktext[0] and "recommendations" in fig.layout.xaxis.title.text
    assert "recommendations" in done.hovertemplate


def test_progress_has_a_legend_even_with_one_status() -> None:
    one = pd.DataFrame({"first_year": [2022], "status": ["not_started"], "recommendations": [3], "share": [1.0]})
    fig = charts.progress_by_first_year(one)
    assert len(fig.data) == 1 and fig.layout.showlegend and fig.data[0].name == "Not started"


def test_progress_before_the_analysis_counts_items() -> None:
    items = PROGRESS.rename(columns={"recommendations": "items"})
    fig = charts.progress_by_first_year(items)
    assert "items" in fig.layout.xaxis.title.text and "items" in fig.layout.yaxis.title.text


@pytest.mark.parametrize("build, args", [
    (charts.recurrence_timeline, (pd.DataFrame(columns=RECS.columns), pd.DataFrame(columns=MEMBERS.columns))),
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


def test_wrap_label_cuts_theme_names_but_never_titles() -> None:
    text = "one two three four five six seven eight nine ten eleven twelve thirteen"
    assert charts.wrap_label(text, 10, 2).endswith("…")
    whole = charts.wrap_label(text, 10, None)
    assert "…" not in whole and whole.replace("<br>", " ") == text


def test_recurrence_timeline_draws_suggestions_apart_and_marks_recurrence_only_they_make() -> None:
    recs = RECS.assign(recurring=[True, False, False], recurring_suggested=[False, True, False],
                       n_sessions=[3, 1, 1])
    members = pd.DataFrame({"rec_id": ["R1", "R1", "R1", "R1", "R2", "R2", "R3"],
                            "state": ["member", "member", "member", "suggested", "member", "suggested", "member"],
                            "year": [2022, 2023, 2025, 2024, 2023, 2024, 2024], "kind": ["action"] * 7,
                            "in_source": [True] * 7})
    fig = charts.recurrence_timeline(recs, members)
    by_name = {trace.name: trace for trace in fig.data}
    # confirmed calls are filled dots in the status colours; suggestions a separate, labelled trace of rings
    suggested = by_name[charts.SUGGESTED_NAME]
    assert suggested.marker.symbol == "circle-open" and len(suggested.x) == 2
    assert "not yet reviewed" in suggested.hovertemplate
    assert sorted(by_name["In progress"].x) == ["2022", "2023", "2025"]  # R1's confirmed years only
    labels = list(fig.layout.yaxis.categoryarray)
    assert labels[0].endswith("<i>suggested, to review</i>") and "Safety by design" in labels[0]
    assert "Once" not in " ".join(labels) and not labels[-1].endswith("</i>")  # confirmed ones first (at the top)
    assert list(by_name["Not started"].x) == ["2023"]  # R2: its one confirmed call; 2024 is only a ring
    assert sorted(suggested.x) == ["2024", "2024"]
