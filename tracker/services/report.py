"""The progress report to share (partners, the IGF secretariat, the next session's audience): a self-contained
HTML file (plotly's JavaScript inline, no outside request; readable on a phone, prints to PDF) or a Word file.

Parts, the same in both: progress by the year first made, the recurring recommendations, what is overdue, calls
by addressee, sessions whose outcomes were never published, and the suggestions still to review. Only member
calls count (``services.register``); pending suggestions are counted apart. Notes stay out unless ``internal``.
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from ..store import Store
from ..vocabulary import CLOSED_SQL, STATUS_COLOURS, STATUS_LABELS, STATUSES, session_name
from .planning import default_target_year, resolve_scope
from .register import OUTCOME_LABELS, by_addressee, register_frame, session_labels

PARTS = ("Progress by the year first made", "Recurring recommendations", "Overdue", "Calls by addressee",
         "Sessions whose outcomes were never published", "Suggestions not yet reviewed")
# plotly's default template adds about 8 KB of styles to every figure; these few settings are all the charts use
TEMPLATE = {"layout": {"font": {"family": "system-ui, sans-serif", "size": 13, "color": "#1a202c"},
                       "plot_bgcolor": "white", "paper_bgcolor": "white",
                       "xaxis": {"gridcolor": "#e2e8f0", "zeroline": False, "automargin": True},
                       "yaxis": {"automargin": True}}}
TOP_ADDRESSEES = 15
OVERDUE_ITEMS_SHOWN = 100  # then a count: the Tracker page lists every overdue item
SESSIONS_SHOWN = 12  # a recommendation raised in hundreds of sessions lists the first ones and a count


@dataclass
class ProgressReport:
    target_year: int
    scope_text: str
    made_on: date
    internal: bool
    register: pd.DataFrame  # services.register.register_frame over the scope
    overdue_items: pd.DataFrame  # item_id, session, text, owner, due_date, status
    addressees: pd.DataFrame  # addressee, calls, not_started, in_progress, done, dropped, recommendations
    missing: pd.DataFrame  # year, session (sessions in scope without published outcomes)
    pending: int  # suggested calls waiting for review, over the scope

    @property
    def recurring(self) -> pd.DataFrame:
        return self.register[self.register["recurring"]]

    def progress(self) -> pd.DataFrame:
        """first_year, status, recommendations, share: each recommendation once, under the year first made."""
        frame = self.register.dropna(subset=["first_year"])
        if frame.empty:
            return pd.DataFrame(columns=["first_year", "status", "recommendations", "share"])
        out = frame.groupby(["first_year", "status"]).size().rename("recommendations").reset_index()
        out["share"] = out["recommendations"] / out.groupby("first_year")["recommendations"].transform("sum")
        out["first_year"] = out["first_year"].astype(int)
        return out


def build(store: Store, year: int | None = None, scope: str | None = "all", internal: bool = False,
          today: date | None = None) -> ProgressReport:
    """What the report holds, over the sessions of ``scope`` (as the proposal's scopes: all, years, since-last)."""
    today = today or date.today()
    target = year or default_target_year(store, today)
    chosen = resolve_scope(store, scope or "all", target)
    ids = list(chosen.session_ids)
    register = register_frame(store, today, session_ids=ids)
    return ProgressReport(target, chosen.description, today, internal, register, _overdue_items(store, ids, today),
                          by_addressee(store, ids), _missing(store, ids), _pending(store, ids))


def _in(ids: list[str]) -> str:
    return "(" + ", ".join("?" for _ in ids) + ")" if ids else "(NULL)"


def _overdue_items(store: Store, ids: list[str], today: date) -> pd.DataFrame:
    frame = store.query(f"""
        SELECT i.item_id, i.session_id, i.text, i.owner, i.due_date, i.status, i.notes FROM items i
        WHERE i.in_source AND i.due_date < ? AND i.status NOT IN {CLOSED_SQL} AND i.session_id IN {_in(ids)}
        ORDER BY i.due_date, i.item_id""", [today, *ids])
    labels = session_labels(store) if not frame.empty else {}
    frame["session"] = frame["session_id"].map(lambda s: labels.get(s, s))
    return frame


def _missing(store: Store, ids: list[str]) -> pd.DataFrame:
    frame = store.query(f"""
        SELECT s.year, s.forum, s.session_type, s.number, s.title FROM sessions s
        WHERE s.session_id IN {_in(ids)} AND NOT EXISTS (SELECT 1 FROM items i WHERE i.session_id = s.session_id
                                                         AND i.in_source)
        ORDER BY s.year NULLS LAST, s.session_type, s.number""", ids)
    frame["session"] = [session_name(None, t, n, title, 60, forum, brief=True) for forum, t, n, title in
                        zip(frame["forum"], frame["session_type"], frame["number"], frame["title"], strict=True)]
    return frame[["year", "session"]]


def _pending(store: Store, ids: list[str]) -> int:
    return int(store.scalar(f"""SELECT count(*) FROM memberships m JOIN items i USING (item_id)
                                WHERE m.state = 'suggested' AND i.in_source AND i.session_id IN {_in(ids)}""",
                            ids) or 0)


# --- words shared by both formats -----------------------------------------------------------------

def _title(report: ProgressReport) -> str:
    return f"Follow-up of the recommendations: progress report for IGF {report.target_year}"


def _meta(report: ProgressReport) -> str:
    return (f"Made on {report.made_on.isoformat()} from {report.scope_text}. "
            f"{len(report.register)} recommendation(s), {len(report.recurring)} raised in two or more sessions. "
            "A recommendation counts once, however often it was raised; only calls a person accepted count.")


def _status(value: Any) -> str:
    return STATUS_LABELS.get(str(value), str(value))


def _rec_facts(rec: Any) -> list[tuple[str, str]]:
    sessions = "; ".join(rec.session_labels[:SESSIONS_SHOWN])
    if len(rec.session_labels) > SESSIONS_SHOWN:
        sessions += f" and {len(rec.session_labels) - SESSIONS_SHOWN} more"
    facts = [("Years", ", ".join(str(y) for y in rec.years)), ("Sessions", f"{rec.n_sessions}: {sessions}"),
             ("Status", _status(rec.status)), ("Outcome", OUTCOME_LABELS.get(str(rec.outcome), str(rec.outcome)))]
    if rec.outcome_reason:
        facts.append(("Reason", str(rec.outcome_reason)))
    if rec.closed_on is not None:
        facts.append(("Closed on", rec.closed_on.isoformat()))
    if rec.owner:
        facts.append(("Owner", str(rec.owner)))
    if rec.due_date is not None:
        facts.append(("Due", rec.due_date.isoformat() + (" (overdue)" if rec.overdue else "")))
    if rec.addressees:
        facts.append(("Addressed to", ", ".join(rec.addressees)))
    return facts


def _progress_rows(report: ProgressReport) -> list[list[str]]:
    progress = report.progress()
    rows = []
    for first_year, part in progress.groupby("first_year"):
        counts = dict(zip(part["status"], part["recommendations"], strict=True))
        total = sum(counts.values())
        rows.append([str(first_year), str(total)] +
                    [f"{counts.get(s, 0)} ({counts.get(s, 0) / total:.0%})" for s in STATUSES])
    return rows


PROGRESS_HEADER = ["First made", "Recommendations"] + [STATUS_LABELS[s] for s in STATUSES]
ADDRESSEE_HEADER = ["Addressed to", "Calls", "Recommendations"] + [STATUS_LABELS[s] for s in STATUSES]


def _addressee_rows(report: ProgressReport) -> list[list[str]]:
    return [[str(r.addressee), str(r.calls), str(r.recommendations)] + [str(getattr(r, s)) for s in STATUSES]
            for r in report.addressees.itertuples()]


def _overdue_rows(report: ProgressReport) -> list[list[str]]:
    rows = [[r.due_date.isoformat(), f"Recommendation {r.rec_id}: {r.title}", str(r.owner), _status(r.status)]
            for r in report.register[report.register["overdue"]].itertuples()]
    rows += [[pd.Timestamp(r.due_date).date().isoformat(), f"{r.session}: {_short(r.text)}", str(r.owner),
              _status(r.status)] for r in report.overdue_items.head(OVERDUE_ITEMS_SHOWN).itertuples()]
    return rows


def _overdue_more(report: ProgressReport) -> str:
    more = len(report.overdue_items) - OVERDUE_ITEMS_SHOWN
    return f"… and {more} more overdue items (the tracker's Tracker page lists them all)." if more > 0 else ""


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


OVERDUE_HEADER = ["Due", "What", "Owner", "Status"]


def _missing_lines(report: ProgressReport) -> list[str]:
    lines = []
    for year, part in report.missing.groupby(report.missing["year"].fillna(0).astype(int)):
        lines.append(f"{year or 'Year unknown'}: " + "; ".join(part["session"]))
    return lines


def _pending_text(report: ProgressReport) -> str:
    waiting = report.register[report.register["pending"] > 0]
    return (f"{report.pending} call(s) the analysis matched to a recommendation wait for a person to confirm them "
            f"({len(waiting)} recommendation(s) concerned). They are not counted anywhere in this report.")


# --- HTML -----------------------------------------------------------------------------------------

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0;color:#1a202c;
line-height:1.45;font-size:16px}
main{max-width:62rem;margin:0 auto;padding:1rem}
h1{font-size:1.6rem;margin:.5rem 0}h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #cbd5e0}
h3{font-size:1.05rem;margin:1rem 0 .3rem}
.meta{color:#4a5568}.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;font-size:.92rem}th,td{border:1px solid #cbd5e0;padding:.3rem .45rem;
text-align:left;vertical-align:top}th{background:#edf2f7}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.15rem .8rem;margin:.2rem 0 .8rem}dt{font-weight:600}
dd{margin:0;overflow-wrap:anywhere}.rec{border:1px solid #e2e8f0;border-radius:6px;padding:.2rem .8rem;margin:.6rem 0}
.late{color:#c53030;font-weight:600}.chart{width:100%;min-height:320px}
@media (max-width:40rem){body{font-size:15px}dl{grid-template-columns:1fr}dt{margin-top:.3rem}}
@media print{body{font-size:10.5pt}main{max-width:none;padding:0}.rec,.chart,table{break-inside:avoid}
h2{break-after:avoid}a[href]::after{content:" (" attr(href) ")";font-size:.85em}}
"""


def _e(text: Any) -> str:
    return html.escape("" if text is None else str(text), quote=True)


def _table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th scope='col'>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>" for row in rows)
    return f"<div class='scroll'><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"


def _evidence_html(items: list[str]) -> str:
    """Evidence entries ('label <https://…>' or 'label (file name)') as text; a web address becomes a link."""
    out = []
    for entry in items:
        label, sep, rest = entry.rpartition(" <")
        if sep and rest.endswith(">") and rest.lower().startswith(("http://", "https://")):
            url = rest[:-1]
            out.append(f"<a href='{_e(url)}' rel='noopener noreferrer'>{_e(label)}</a>")
        else:
            out.append(_e(entry))
    return "; ".join(out)


def progress_figure(report: ProgressReport) -> Any:
    import plotly.graph_objects as go

    progress = report.progress()
    fig = go.Figure()
    years = [str(y) for y in sorted(progress["first_year"].unique())]
    for status in STATUSES:
        part = progress[progress["status"] == status].set_index("first_year")
        share = [float(part["share"].get(int(y), 0.0)) for y in years]
        count = [int(part["recommendations"].get(int(y), 0)) for y in years]
        fig.add_bar(y=years, x=share, orientation="h", name=STATUS_LABELS[status],
                    marker_color=STATUS_COLOURS[status], customdata=count,
                    hovertemplate="%{y}: %{customdata} recommendation(s), %{x:.0%}<extra>" + STATUS_LABELS[status]
                                  + "</extra>")
    fig.update_layout(template=TEMPLATE, barmode="stack",
                      title="Recommendations by the year first made: share by status",
                      xaxis=dict(tickformat=".0%", range=[0, 1], title="Share of the year's recommendations"),
                      yaxis=dict(title="First made", type="category", autorange="reversed"),
                      legend=dict(orientation="h", y=-0.25), margin=dict(l=60, r=20, t=50, b=40),
                      height=max(280, 60 * len(years) + 160))
    return fig


def addressee_figure(addressees: pd.DataFrame) -> Any:
    """Stacked bars: the calls addressed to each of the most called-on actors, by status (``by_addressee``)."""
    import plotly.graph_objects as go

    top = addressees.head(TOP_ADDRESSEES)
    fig = go.Figure()
    for status in STATUSES:
        fig.add_bar(y=list(top["addressee"]), x=list(top[status]), orientation="h", name=STATUS_LABELS[status],
                    marker_color=STATUS_COLOURS[status])
    fig.update_layout(template=TEMPLATE, barmode="stack",
                      title=f"Calls by addressee (the {len(top)} most called on), by status",
                      xaxis=dict(title="Takeaways and calls to action"), yaxis=dict(autorange="reversed"),
                      legend=dict(orientation="h", y=-0.25), margin=dict(l=160, r=20, t=50, b=40),
                      height=max(280, 28 * len(top) + 180))
    return fig


def _chart(fig: Any, div_id: str) -> str:
    import plotly.io as pio

    return "<div class='chart'>" + pio.to_html(
        fig, full_html=False, include_plotlyjs=False, div_id=div_id, default_width="100%",
        config={"displayModeBar": False, "responsive": True}) + "</div>"


def to_html(report: ProgressReport) -> str:
    """One HTML file: plotly.js inline once in the head, then the parts; every text from the tracker escaped."""
    from plotly.offline import get_plotlyjs

    parts = [f"<h1>{_e(_title(report))}</h1>", f"<p class='meta'>{_e(_meta(report))}</p>"]
    parts.append(f"<h2>{_e(PARTS[0])}</h2>")
    if report.progress().empty:
        parts.append("<p>No recommendation yet.</p>")
    else:
        parts.append(_chart(progress_figure(report), "chart-progress"))
        parts.append(_table(PROGRESS_HEADER, _progress_rows(report)))
    parts.append(f"<h2>{_e(PARTS[1])}</h2>")
    if report.recurring.empty:
        parts.append("<p>None of the recommendations was raised in two or more sessions yet.</p>")
    for rec in report.recurring.itertuples():
        facts = _rec_facts(rec)
        if rec.evidence:
            facts.append(("Evidence", ""))
        if report.internal and rec.notes:
            facts.append(("Notes (internal)", str(rec.notes)))
        rows = "".join(f"<dt>{_e(k)}</dt><dd>{_evidence_html(rec.evidence) if k == 'Evidence' else _e(v)}</dd>"
                       for k, v in facts)
        late = " <span class='late'>overdue</span>" if rec.overdue else ""
        parts.append(f"<section class='rec'><h3>{_e(rec.title)} <small>({_e(rec.rec_id)})</small>{late}</h3>"
                     f"<dl>{rows}</dl></section>")
    parts.append(f"<h2>{_e(PARTS[2])}</h2>")
    overdue = _overdue_rows(report)
    parts.append(_table(OVERDUE_HEADER, overdue) if overdue else "<p>Nothing is overdue.</p>")
    if _overdue_more(report):
        parts.append(f"<p>{_e(_overdue_more(report))}</p>")
    parts.append(f"<h2>{_e(PARTS[3])}</h2>")
    if report.addressees.empty:
        parts.append("<p>No call names whom it is addressed to.</p>")
    else:
        parts.append(_chart(addressee_figure(report.addressees), "chart-addressees"))
        parts.append(_table(ADDRESSEE_HEADER, _addressee_rows(report)))
    parts.append(f"<h2>{_e(PARTS[4])}</h2>")
    missing = _missing_lines(report)
    parts.append("<ul>" + "".join(f"<li>{_e(line)}</li>" for line in missing) + "</ul>" if missing
                 else "<p>Every session published its outcomes.</p>")
    parts.append(f"<h2>{_e(PARTS[5])}</h2><p>{_e(_pending_text(report))}</p>")
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_e(_title(report))}</title><style>{CSS}</style>"
            f"<script>{get_plotlyjs()}</script></head><body><main>{''.join(parts)}</main></body></html>\n")


# --- Word -----------------------------------------------------------------------------------------

def _docx_table(doc: Any, header: list[str], rows: list[list[str]], empty: str) -> None:
    """The rows as a table under a bold header; the ``empty`` sentence instead when there are none."""
    if not rows:
        doc.add_paragraph(empty)
        return
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text


def to_docx(report: ProgressReport) -> bytes:
    """A Word file with one Heading 1 per part (PARTS); the figures as tables, text as plain runs."""
    from docx import Document

    doc = Document()
    doc.add_heading(_title(report), level=0)
    doc.add_paragraph(_meta(report))
    doc.add_heading(PARTS[0], level=1)
    _docx_table(doc, PROGRESS_HEADER, _progress_rows(report), "No recommendation yet.")
    doc.add_heading(PARTS[1], level=1)
    if report.recurring.empty:
        doc.add_paragraph("None of the recommendations was raised in two or more sessions yet.")
    for rec in report.recurring.itertuples():
        doc.add_heading(f"{rec.title} ({rec.rec_id})" + (" — overdue" if rec.overdue else ""), level=2)
        facts = _rec_facts(rec)
        if rec.evidence:
            facts.append(("Evidence", "; ".join(rec.evidence)))
        if report.internal and rec.notes:
            facts.append(("Notes (internal)", str(rec.notes)))
        for key, value in facts:
            paragraph = doc.add_paragraph()
            paragraph.add_run(f"{key}: ").bold = True
            paragraph.add_run(value)
    doc.add_heading(PARTS[2], level=1)
    _docx_table(doc, OVERDUE_HEADER, _overdue_rows(report), "Nothing is overdue.")
    if _overdue_more(report):
        doc.add_paragraph(_overdue_more(report))
    doc.add_heading(PARTS[3], level=1)
    _docx_table(doc, ADDRESSEE_HEADER, [] if report.addressees.empty else _addressee_rows(report),
                "No call names whom it is addressed to.")
    doc.add_heading(PARTS[4], level=1)
    for line in _missing_lines(report) or ["Every session published its outcomes."]:
        doc.add_paragraph(line, style="List Bullet")
    doc.add_heading(PARTS[5], level=1)
    doc.add_paragraph(_pending_text(report))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def progress_report(store: Store, fmt: str = "html", internal: bool = False) -> bytes:
    """The whole report over every session, as the file's bytes (html or docx)."""
    made = build(store, internal=internal)
    return to_docx(made) if fmt == "docx" else to_html(made).encode("utf-8")
