"""Plotly figures for the Overview page, built from the analysis frames (no Streamlit here).

Every figure has a title and labelled axes; text that comes from documents (group labels) is
HTML-escaped because Plotly interprets a subset of HTML in labels and hover text.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from .dashboard_data import STATUS_LABELS
from .models import STATUSES

STATUS_COLORS = {"not_started": "#A0AEC0", "in_progress": "#F2A93B", "done": "#2E9E5B", "dropped": "#5A6B7D"}
FONT = dict(family="Source Sans Pro, Arial, sans-serif", size=13)


def _layout(fig: go.Figure, title: str, x_title: str, y_title: str, height: int = 380) -> go.Figure:
    # title on the first line, legend on its own line under it: neither overlaps on a narrow column
    fig.update_layout(title=dict(text=title, x=0, xanchor="left", y=0.985, yanchor="top", font=dict(size=16)),
                      font=FONT, height=height + 30, margin=dict(l=10, r=10, t=90, b=10),
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0, xanchor="left", title_text=""))
    fig.update_xaxes(title_text=x_title, automargin=True)
    fig.update_yaxes(title_text=y_title, automargin=True)
    return fig


def empty_figure(title: str, message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=html.escape(message), showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font=dict(size=14, color="#666"))
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(title=dict(text=title, x=0, xanchor="left"), height=240, font=FONT,
                      margin=dict(l=10, r=10, t=60, b=10))
    return fig


def wrap_label(text: str, width: int = 30, lines: int = 2) -> str:
    """An axis label broken over at most ``lines`` lines (Plotly's <br>), HTML-escaped."""
    words, rows, row = str(text).split(), [], ""
    for word in words:
        if row and len(row) + 1 + len(word) > width:
            rows.append(row)
            row = word
        else:
            row = f"{row} {word}".strip()
    rows.append(row)
    if len(rows) > lines:
        rows = rows[:lines]
        rows[-1] = rows[-1][: width - 1].rstrip() + "…"
    return "<br>".join(html.escape(r) for r in rows)


def _year_axis(years: pd.Series) -> list[str]:
    values = sorted({int(y) for y in years.dropna()})
    if values:
        values = list(range(values[0], values[-1] + 1))  # show gap years: a gap is information too
    return [str(y) for y in values]


def recurrence_timeline(groups: pd.DataFrame, members: pd.DataFrame, top: int = 20) -> go.Figure:
    """Dot timeline: one row per recurring recommendation, a dot in every year it was raised.

    Dot size is the number of items that year; colour is the status to report for the group.
    """
    title = "Recurring recommendations: when each was raised"
    recurring = groups[groups["recurring"].astype(bool)] if not groups.empty else groups
    if recurring.empty or members.empty:
        return empty_figure(title, "No recurring recommendations found yet")
    recurring = recurring.sort_values(["n_sessions", "n_items", "first_year"],
                                      ascending=[False, False, True]).head(top)
    per_year = (members[members["group_id"].isin(recurring["group_id"])]
                .groupby(["group_id", "year"]).size().rename("items").reset_index())
    labels = {g: wrap_label(label, 45) for g, label in zip(recurring["group_id"], recurring["label"], strict=True)}
    full = dict(zip(recurring["group_id"], recurring["label"], strict=True))
    order = [labels[g] for g in recurring["group_id"]][::-1]  # most recurring at the top
    status = dict(zip(recurring["group_id"], recurring["report_status"], strict=True))
    years = _year_axis(members["year"])
    fig = go.Figure()
    for code in STATUSES:
        part = per_year[per_year["group_id"].map(status) == code]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["year"].astype(int).astype(str), y=[labels[g] for g in part["group_id"]],
            mode="markers", name=STATUS_LABELS[code],
            marker=dict(size=12 + 6 * part["items"].clip(upper=4), color=STATUS_COLORS[code],
                        line=dict(width=1, color="white")),
            customdata=list(zip(part["items"], [wrap_label(full[g], 60, 4) for g in part["group_id"]], strict=True)),
            hovertemplate="%{customdata[1]}<br>%{x}: %{customdata[0]} item(s)<extra></extra>"))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=years)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=order)
    fig.update_layout(legend_title_text="Status to report")
    return _layout(fig, title, "Year raised", "Recommendation", height=max(300, 110 + 48 * len(order)))


def theme_year_heatmap(theme_year: pd.DataFrame) -> go.Figure:
    """Heatmap of themes by year: how many items on each theme were raised in each year."""
    title = "Themes raised per year (number of items)"
    if theme_year.empty:
        return empty_figure(title, "No themes assigned yet")
    frame = theme_year.copy()
    frame["year"] = frame["year"].astype(int)
    years = _year_axis(frame["year"])
    pivot = (frame.pivot_table(index="theme", columns="year", values="items", aggfunc="sum", fill_value=0)
             .reindex(columns=[int(y) for y in years], fill_value=0))
    pivot = pivot.loc[pivot.sum(axis=1).sort_values().index]  # busiest theme at the top
    themes = [wrap_label(t) for t in pivot.index]
    fig = go.Figure(go.Heatmap(
        z=pivot.values, x=years, y=themes, colorscale="Blues", xgap=2, ygap=2,
        text=pivot.values, texttemplate="%{text}", colorbar=dict(title=dict(text="Items")),
        hovertemplate="%{y}<br>%{x}: %{z} item(s)<extra></extra>"))
    fig.update_xaxes(type="category")
    return _layout(fig, title, "Year", "Theme", height=max(300, 110 + 32 * len(themes)))


def status_by_theme_bars(frame: pd.DataFrame) -> go.Figure:
    """Stacked horizontal bars: items per theme, split by follow-up status."""
    title = "Follow-up status by theme"
    if frame.empty:
        return empty_figure(title, "No themes assigned yet")
    totals = frame.groupby("theme")["items"].sum().sort_values()
    fig = go.Figure()
    for code in STATUSES:
        part = frame[frame["status"] == code].set_index("theme")["items"].reindex(totals.index, fill_value=0)
        if not part.any():
            continue
        fig.add_trace(go.Bar(x=part.values, y=[wrap_label(t) for t in part.index], orientation="h",
                             name=STATUS_LABELS[code], marker_color=STATUS_COLORS[code],
                             hovertemplate="%{y}<br>" + STATUS_LABELS[code] + ": %{x}<extra></extra>"))
    fig.update_layout(barmode="stack")
    return _layout(fig, title, "Items", "Theme", height=max(300, 110 + 36 * len(totals)))


def progress_by_first_year(frame: pd.DataFrame) -> go.Figure:
    """100 % stacked bars: for the calls first made in each year, the share done / in progress / not started."""
    title = "Follow-up progress by the year a call was first made"
    if frame.empty:
        return empty_figure(title, "No calls to follow up yet")
    data = frame.copy()
    data["first_year"] = data["first_year"].astype(int).astype(str)
    years = sorted(data["first_year"].unique())
    totals = data.groupby("first_year")["items"].sum()
    fig = go.Figure()
    for code in STATUSES:
        part = data[data["status"] == code].set_index("first_year").reindex(years)
        if part["items"].fillna(0).sum() == 0:
            continue
        share = part["share"].fillna(0).astype(float) * 100
        fig.add_trace(go.Bar(
            x=years, y=share.values, name=STATUS_LABELS[code], marker_color=STATUS_COLORS[code],
            customdata=part["items"].fillna(0).astype(int).values,
            text=[f"{v:.0f}%" if v >= 8 else "" for v in share.values], textposition="inside",
            hovertemplate="%{x}: %{y:.0f}% (%{customdata} item(s))<extra>" + STATUS_LABELS[code] + "</extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category", ticktext=[f"{y}<br>({int(totals[y])} calls)" for y in years], tickvals=years)
    fig.update_yaxes(range=[0, 100], ticksuffix="%")
    return _layout(fig, title, "Year first made", "Share of calls")


def status_by_kind_bars(items: pd.DataFrame) -> go.Figure:
    """Fallback before analysis: follow-up status of takeaways, calls to action and questions."""
    from .dashboard_data import kind_label

    title = "Follow-up status by kind of item"
    if items.empty:
        return empty_figure(title, "No items loaded yet")
    counts = items.groupby(["kind", "status"]).size().rename("items").reset_index()
    kinds = list(dict.fromkeys(items["kind"]))
    fig = go.Figure()
    for code in STATUSES:
        part = counts[counts["status"] == code].set_index("kind")["items"].reindex(kinds, fill_value=0)
        if not part.any():
            continue
        fig.add_trace(go.Bar(x=part.values, y=[kind_label(k) for k in kinds], orientation="h",
                             name=STATUS_LABELS[code], marker_color=STATUS_COLORS[code]))
    fig.update_layout(barmode="stack")
    return _layout(fig, title, "Items", "Kind", height=260)
