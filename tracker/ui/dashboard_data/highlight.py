"""A session's source text as HTML with its items highlighted, and its items as a linked list: every fragment
of page text escaped, only our tags."""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping
from typing import Any

from ...vocabulary import KIND_LABELS, KINDS, kind_label, status_label
from .labels import OVERDUE_FLAG


def highlight_html(text: str, spans: Iterable[tuple], *, title: str = "") -> str:
    """The document text as HTML with each item span in ``<mark class="kind">``; a span given as
    (start, end, kind, anchor) gets ``id="occ-<anchor>"`` so a link can jump to it.

    Every fragment of the document is passed through ``html.escape``; only the ``<mark>`` and
    wrapper tags are ours. Overlapping spans are clipped so tags always nest correctly.
    """
    parts: list[str] = []
    cursor = 0
    marks: list[tuple[int, int, str, str]] = sorted(
        (int(span[0]), int(span[1]), str(span[2]), str(span[3]) if len(span) > 3 else "") for span in spans)
    for start, end, kind, anchor in marks:
        start = max(start, cursor)
        end = min(end, len(text))
        if end <= start:
            continue
        parts.append(html.escape(text[cursor:start]))
        css = kind if kind in KINDS else "item"
        ident = f' id="occ-{html.escape(anchor)}"' if anchor else ""
        parts.append(f'<mark class="{css}"{ident} title="{html.escape(kind_label(kind))}">'
                     f"{html.escape(text[start:end])}</mark>")
        cursor = end
    parts.append(html.escape(text[cursor:]))
    heading = f'<div class="doc-title">{html.escape(title)}</div>' if title else ""
    # a scrollable region: focusable and named, so it can be scrolled with the keyboard (WCAG 2.1.1)
    label = html.escape(f"Source text{': ' + title if title else ''}", quote=True)
    return (f'{heading}<div class="doc-text" tabindex="0" role="region" aria-label="{label}">'
            f'{"".join(parts)}</div>')


def items_html(items: Iterable[Mapping[str, Any]]) -> str:
    """The items of a session as an escaped list; each links to its first highlight (``anchor``) in the source
    text shown by ``highlight_html``. Item text stays literal: addresses in it are text, never links."""
    rows = []
    for item in items:
        anchor = item.get("anchor")
        jump = (f' <a class="jump" href="#occ-{html.escape(str(anchor))}" title="Show it in the source text">'
                "in the text ↓</a>" if anchor is not None else "")
        kind, status = str(item.get("kind")), status_label(item.get("status"))
        late = f' <span class="overdue">{html.escape(OVERDUE_FLAG)}</span>' if item.get("overdue") else ""
        rows.append(f'<li><mark class="{html.escape(kind)}">{html.escape(kind_label(kind))}</mark> '
                    f'<span class="status">{html.escape(status)}</span>{late}{jump}'
                    f'<div class="item-text">{html.escape(str(item.get("text") or ""))}</div></li>')
    return f'<ol class="item-list">{"".join(rows)}</ol>'


HIGHLIGHT_CSS = """<style>
.doc-title{font-weight:600;margin:.25rem 0 .4rem}
.doc-text{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.9rem;line-height:1.5;max-height:36rem;
  overflow-y:auto;padding:.75rem 1rem;border:1px solid rgba(128,128,128,.35);border-radius:.5rem}
.doc-text mark{border-radius:.2rem;padding:0 .1rem;color:inherit}
.doc-text mark.takeaway{background:rgba(59,130,246,.22)}
.doc-text mark.action{background:rgba(245,158,11,.32)}
.doc-text mark.question{background:rgba(168,85,247,.22)}
.doc-text mark:target{outline:2px solid #c81e1e;outline-offset:1px}
.doc-text:focus-visible{outline:2px solid #0b57d0;outline-offset:2px}
.doc-text{scroll-padding-top:2rem}
.item-list{padding-left:1.4rem;margin:0}
.item-list li{margin:.2rem 0 .6rem}
.item-list mark{border-radius:.2rem;padding:0 .3rem;color:inherit;font-size:.8rem}
.item-list mark.takeaway{background:rgba(59,130,246,.22)}
.item-list mark.action{background:rgba(245,158,11,.32)}
.item-list mark.question{background:rgba(168,85,247,.22)}
.item-list .status{font-size:.8rem;color:#4a4a4a;margin-left:.3rem}
.item-list .overdue{font-size:.8rem;color:#c53030;font-weight:600;margin-left:.3rem}
.item-list .jump{font-size:.8rem;margin-left:.5rem}
.item-list .item-text{white-space:pre-wrap;overflow-wrap:anywhere}
.doc-legend mark{border-radius:.2rem;padding:0 .3rem;margin-right:.6rem;color:inherit}
.doc-legend mark.takeaway{background:rgba(59,130,246,.22)}
.doc-legend mark.action{background:rgba(245,158,11,.32)}
.doc-legend mark.question{background:rgba(168,85,247,.22)}
</style>"""


HIGHLIGHT_LEGEND = ('<div class="doc-legend">' + "".join(
    f'<mark class="{k}">{html.escape(KIND_LABELS[k])}</mark>' for k in KINDS) + "</div>")
