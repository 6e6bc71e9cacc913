"""Other renderings of the seed pages, as users bring them: saved HTML, Windows text, cp1252, lists."""

from __future__ import annotations

import html
import re

from tracker.reading.headings import is_stop_heading, item_heading_kind
from tracker.reading.parsing import extract_items


def to_html(text: str) -> bytes:
    """The page as a browser saves it: chrome around the content, headings as <h2>, paragraphs as <p>."""
    body = []
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        tag = "h2" if item_heading_kind(stripped) or (is_stop_heading(stripped) and len(stripped) < 40) else "p"
        body.append(f"<{tag}>{html.escape(stripped)}</{tag}>")
    page = (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'><title>IGF session</title>"
        "<style>p { color: #333 }</style><script>window.dataLayer = [];</script></head>\n"
        "<body><nav><a href='/'>Home</a></nav><main>\n" + "\n".join(body) +
        "\n</main><footer>© IGF</footer><script>console.log('x')</script></body></html>\n"
    )
    return page.encode("utf-8")


def windows_text(text: str) -> bytes:
    """CRLF line endings and non-breaking spaces after full stops, as Word exports do."""
    return text.replace(". ", ".\u00a0").replace("\n", "\r\n").encode("utf-8")


def cp1252_text(text: str) -> bytes:
    return text.encode("cp1252", errors="replace")


def _rewrite_sections(text: str, marker: str) -> str:
    """Put each item of the outcome sections on its own list line (``- `` / ``• `` / ``1.`` / ``1)``)."""
    items, _ = extract_items(text)
    item_texts = {it.text for it in items}
    out, n = [], 0
    for line in text.split("\n"):
        stripped = line.strip()
        if item_heading_kind(stripped):
            n = 0
        body = re.sub(r"^\d+\.\s+", "", stripped)
        if body and body in item_texts:
            n += 1
            out.append(marker.replace("N", str(n)) + body)
        else:
            out.append(line)
    return "\n".join(out)


def bulleted(text: str) -> str:
    return _rewrite_sections(text, "- ")


def bullet_dots(text: str) -> str:
    return _rewrite_sections(text, "• ")


def numbered(text: str) -> str:
    return _rewrite_sections(text, "N. ")


def numbered_paren(text: str) -> str:
    return _rewrite_sections(text, "N) ")


def heading_variants(text: str) -> str:
    """Other spellings of the outcome headings, without the deadline note."""
    text = re.sub(r"Key Takeaways \(\* deadline[^)]*\)", "Key takeaways", text)
    text = re.sub(r"Call to Action \(\* deadline[^)]*\)", "Calls to Action:", text)
    return text


def hard_wrapped(text: str, width: int = 72) -> str:
    """Paragraphs wrapped at a fixed width, as e-mail clients do."""
    import textwrap

    lines = text.split("\n")
    return "\n".join(textwrap.fill(ln, width, break_on_hyphens=False) if len(ln) > width else ln for ln in lines)
