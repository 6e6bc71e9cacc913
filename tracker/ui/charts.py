"""Plotly figures for the Overview page, built from the analysis frames (no Streamlit here).

Every figure has a title, labelled axes and a legend; text that comes from documents or people
(recommendation titles, item text) is HTML-escaped because Plotly interprets a subset of HTML in labels and
hover text. Recommendation titles are wrapped over as many lines as they need, never cut.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from ..vocabulary import STATUS_COLOURS, STATUS_LABELS, STATUSES

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


def wrap_label(text: str, width: int = 30, lines: int | None = 2) -> str:
    """A label broken over lines of about ``width`` characters (Plotly's <br>), HTML-escaped; with
    ``lines`` set, cut after that many lines with "…" (theme names), with ``lines=None`` never cut
    (recommendation titles)."""
    words, rows, row = str(text).split(), [], ""
    for word in words:
        if row and len(row) + 1 + len(word) > width:
            rows.append(row)
            row = word
        else:
            row = f"{row} {word}".strip()
    rows.append(row)
    if lines is not None and len(rows) > lines:
        rows = rows[:lines]
        rows[-1] = rows[-1][: width - 1].rstrip() + "…"
    return "<br>".join(html.escape(r) for r in rows)


def _year_axis(years: pd.Series) -> list[str]:
    values = sorted({int(y) for y in years.dropna()})
    if values:
        values = list(range(values[0], values[-1] + 1))  # show gap years: a gap is information too
    return [str(y) for y in values]


SUGGESTED_NAME = "Suggested, to review"
SUGGESTED_COLOR = "#C05621"


def recurrence_timeline(recommendations: pd.DataFrame, members: pd.DataFrame, top: int = 20) -> go.Figure:
    """Dot timeline: one row per recurring recommendation (its full title), a dot in every year it was raised.

    ``recommendations`` as ``recommendations_frame`` (rec_id, title, status, recurring, recurring_suggested,
    n_sessions, n_sessions_suggested, n_items, first_year), ``members`` as ``members_frame`` (rec_id, state,
    year, kind, in_source). Rows and filled dots are confirmed calls only: dot size is the number of its key
    takeaways and calls to action made that year (hover: each counted on its own, with the sessions and the
    status); colour is the recommendation's own status (the legend says so). Pending suggestions are a separate
    trace of hollow rings ("Suggested, to review" in the legend); a recommendation that recurs only through them
    comes after the confirmed ones, its label marked "suggested, to review".
    """
    title = "Recurring recommendations by year"
    if recommendations.empty or members.empty:
        return empty_figure(title, "No recommendation raised in two or more sessions yet")
    maybe = (recommendations["recurring_suggested"].astype(bool) if "recurring_suggested" in recommendations
             else pd.Series(False, index=recommendations.index))
    confirmed = recommendations["recurring"].astype(bool)
    recurring = recommendations[confirmed | maybe].assign(_maybe=maybe[confirmed | maybe])
    if recurring.empty:
        return empty_figure(title, "No recommendation raised in two or more sessions yet")
    recurring = recurring.sort_values(["_maybe", "n_sessions", "n_items", "first_year"],
                                      ascending=[True, False, False, True]).head(top)
    live = members[members["in_source"].astype(bool)] if "in_source" in members else members
    live = live[live["rec_id"].isin(recurring["rec_id"])].dropna(subset=["year"])
    states = live["state"] if "state" in live else pd.Series("member", index=live.index)
    kinds = live["kind"] if "kind" in live else pd.Series("action", index=live.index)
    # "calls" means calls to action only, as on the tiles: takeaways are counted on their own
    counted = live.assign(takeaways=(kinds == "takeaway").astype(int), actions=(kinds == "action").astype(int))

    def per_year(part: pd.DataFrame) -> pd.DataFrame:
        out = part.groupby(["rec_id", "year"])[["takeaways", "actions"]].sum().reset_index()
        out["items"] = out["takeaways"] + out["actions"]
        return out

    sure, pending = per_year(counted[states == "member"]), per_year(counted[states == "suggested"])
    labels = {r: wrap_label(t, 26, None) + ("<br><i>suggested, to review</i>" if m else "")
              for r, t, m in zip(recurring["rec_id"], recurring["title"], recurring["_maybe"], strict=True)}
    order = [labels[r] for r in recurring["rec_id"]][::-1]  # most recurring at the top
    status = dict(zip(recurring["rec_id"], recurring["status"], strict=True))
    sessions = dict(zip(recurring["rec_id"], recurring["n_sessions"], strict=True))
    years = _year_axis(live["year"])
    fig = go.Figure()
    for code in STATUSES:
        part = sure[sure["rec_id"].map(status) == code]
        if part.empty:
            continue
        fig.add_trace(go.Scatter(
            x=part["year"].astype(int).astype(str), y=[labels[r] for r in part["rec_id"]],
            mode="markers", name=STATUS_LABELS[code],
            marker=dict(size=12 + 6 * part["items"].clip(upper=4), color=STATUS_COLOURS[code],
                        line=dict(width=1, color="white")),
            customdata=[[_made(int(t), int(a)), int(sessions[r]), STATUS_LABELS[code]] for r, t, a in
                        zip(part["rec_id"], part["takeaways"], part["actions"], strict=True)],
            hovertemplate=("%{y}<br>%{x}: %{customdata[0]}<br>raised in %{customdata[1]} sessions (confirmed)"
                           "<br>status: %{customdata[2]}<extra></extra>")))
    if not pending.empty:
        fig.add_trace(go.Scatter(
            x=pending["year"].astype(int).astype(str), y=[labels[r] for r in pending["rec_id"]],
            mode="markers", name=SUGGESTED_NAME,
            marker=dict(symbol="circle-open", size=14 + 6 * pending["items"].clip(upper=4), color=SUGGESTED_COLOR,
                        line=dict(width=2.5, color=SUGGESTED_COLOR)),
            customdata=[[_made(int(t), int(a))] for t, a in zip(pending["takeaways"], pending["actions"],
                                                                  strict=True)],
            hovertemplate=("%{y}<br>%{x}: %{customdata[0]} suggested by the analysis, not yet reviewed"
                           "<extra>" + SUGGESTED_NAME + "</extra>")))
    fig.update_xaxes(type="category", categoryorder="array", categoryarray=years)
    fig.update_yaxes(type="category", categoryorder="array", categoryarray=order, tickfont=dict(size=12))
    lines = sum(label.count("<br>") + 1 for label in order)
    fig = _layout(fig, title, "Year raised", "Recommendation",
                  height=max(300, 110 + 30 * len(order) + 16 * lines))
    fig.update_layout(showlegend=True, legend_title_text="Status:")
    return fig


def _made(takeaways: int, actions: int) -> str:
    """'1 key takeaway, 2 calls to action' (the parts that are not zero)."""
    parts = [f"{takeaways} key takeaway{'s' if takeaways != 1 else ''}" if takeaways else "",
             f"{actions} call{'s' if actions != 1 else ''} to action" if actions else ""]
    return ", ".join(p for p in parts if p) or "none"


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
    """Stacked horizontal bars: recommendations per theme (each once under each of its themes), split by
    the recommendation's own status (``status_by_theme_frame``: theme, status, recommendations)."""
    title = "Recommendations by theme and status"
    if frame.empty:
        return empty_figure(title, "No themes assigned yet")
    totals = frame.groupby("theme")["recommendations"].sum().sort_values()
    fig = go.Figure()
    for code in STATUSES:
        part = (frame[frame["status"] == code].set_index("theme")["recommendations"]
                .reindex(totals.index, fill_value=0))
        if not part.any():
            continue
        fig.add_trace(go.Bar(x=part.values, y=[wrap_label(t, 28, 3) for t in part.index], orientation="h",
                             name=STATUS_LABELS[code], marker_color=STATUS_COLOURS[code],
                             hovertemplate="%{y}<br>" + STATUS_LABELS[code] + ": %{x} recommendation(s)"
                                           "<extra></extra>"))
    fig.update_layout(barmode="stack", showlegend=True, bargap=0.25)
    lines = sum(wrap_label(t, 28, 3).count("<br>") + 1 for t in totals.index)
    return _layout(fig, title, "Recommendations", "Theme", height=max(300, 110 + 12 * len(totals) + 20 * lines))


def progress_by_first_year(frame: pd.DataFrame) -> go.Figure:
    """100 % stacked bars: of the recommendations first made in each year, the share done / in progress /
    not started / dropped (``progress_by_first_year_frame``: first_year, status, recommendations, share).
    A frame with an ``items`` count instead (``progress_from_items``, before the analysis) counts each
    takeaway and call to action on its own."""
    unit = "recommendations" if "recommendations" in frame else "items"
    title = "Share by status, by year first made" if unit == "recommendations" else "Share of items by status"
    if frame.empty:
        return empty_figure(title, "Nothing to follow up yet")
    data = frame.copy()
    data["first_year"] = data["first_year"].astype(int).astype(str)
    years = sorted(data["first_year"].unique())
    totals = data.groupby("first_year")[unit].sum()
    fig = go.Figure()
    for code in STATUSES:
        part = data[data["status"] == code].set_index("first_year").reindex(years)
        if part[unit].fillna(0).sum() == 0:
            continue
        share = part["share"].fillna(0).astype(float) * 100
        fig.add_trace(go.Bar(
            x=years, y=share.values, name=STATUS_LABELS[code], marker_color=STATUS_COLOURS[code],
            customdata=part[unit].fillna(0).astype(int).values,
            text=[f"{v:.0f}%" if v >= 8 else "" for v in share.values], textposition="inside",
            hovertemplate="%{x}: %{y:.0f}% (%{customdata} " + unit + ")<extra>" + STATUS_LABELS[code] + "</extra>"))
    fig.update_layout(barmode="stack", showlegend=True)
    fig.update_xaxes(type="category", tickvals=years, tickangle=0,
                     ticktext=[f"{y}<br>({int(totals[y])})" for y in years])
    fig.update_yaxes(range=[0, 100], ticksuffix="%")
    return _layout(fig, title, f"Year first made (number of {unit})", f"Share of {unit}")


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
                             name=STATUS_LABELS[code], marker_color=STATUS_COLOURS[code]))
    fig.update_layout(barmode="stack", showlegend=True)
    return _layout(fig, title, "Items", "Kind", height=260)
