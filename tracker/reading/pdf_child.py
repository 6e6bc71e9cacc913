"""The PDFium side of reading a PDF, run as a script in a child process by ``pdf.pdf_to_text``.

Reads the PDF's bytes on stdin and writes JSON on stdout: ``{"pages": [[[left, right, top, bottom, text],
...], ...]}`` (each page's text lines, top to bottom) or ``{"error": "<reason>"}``. It imports nothing of
the tracker, so starting it costs only Python and PDFium; its memory and CPU are limited before the file
is opened.
"""

from __future__ import annotations

import json
import os
import sys

MAX_PAGES = int(os.environ.get("PDF_MAX_PAGES", "1000"))
MAX_CHARS = int(os.environ.get("PDF_MAX_CHARS", "5000000"))
MEMORY_LIMIT = int(os.environ.get("PDF_MEMORY_LIMIT", str(2 * 1024**3)))
CPU_SECONDS = int(os.environ.get("PDF_CPU_SECONDS", "61"))

REASONS = {  # FPDF_GetLastError codes
    2: "the PDF could not be opened",
    3: "not a valid PDF (broken or truncated)",
    4: "the PDF is encrypted (password-protected): save it without a password, or paste the text instead",
    5: "the PDF uses an unsupported security handler (encrypted)",
    6: "the PDF's page data is broken",
}


def limit_resources() -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the parent's timeout still holds


def page_lines(page) -> list[list]:  # type: ignore[no-untyped-def]
    """One page's text lines, top to bottom: PDFium's text rectangles grouped by their height band."""
    textpage = page.get_textpage()
    rects = []
    for i in range(textpage.count_rects()):
        left, bottom, right, top = textpage.get_rect(i)
        text = textpage.get_text_bounded(left, bottom, right, top)
        # PDFium marks a hyphen it thinks breaks a word at the line end with \x02
        text = text.replace("\r", " ").replace("\n", " ").replace("\x02", "\u00ad").strip()
        if text:
            rects.append((left, bottom, right, top, text))
    rects.sort(key=lambda r: (-r[3], r[0]))
    lines: list[list[tuple[float, float, float, float, str]]] = []
    for rect in rects:
        if lines:
            last = lines[-1][-1]
            overlap = min(last[3], rect[3]) - max(last[1], rect[1])
            if overlap > 0.5 * min(last[3] - last[1], rect[3] - rect[1]):
                lines[-1].append(rect)
                continue
        lines.append([rect])
    out = []
    for parts in lines:
        parts.sort(key=lambda r: r[0])
        out.append([parts[0][0], max(p[2] for p in parts), max(p[3] for p in parts), min(p[1] for p in parts),
                    " ".join(p[4] for p in parts)])
    return out


def extract(data: bytes) -> dict:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        return {"error": REASONS.get(getattr(exc, "err_code", None) or 0, f"not a readable PDF ({exc})")}
    try:
        n_pages = len(document)
        if n_pages > MAX_PAGES:
            return {"error": f"the PDF has too many pages ({n_pages}; limit {MAX_PAGES})"}
        pages, size = [], 0
        for index in range(n_pages):
            try:
                lines = page_lines(document[index])
            except pdfium.PdfiumError as exc:
                return {"error": f"page {index + 1} of the PDF is broken ({exc})"}
            size += sum(len(line[4]) for line in lines)
            if size > MAX_CHARS:
                return {"error": f"the PDF has too much text (over {MAX_CHARS:,} characters)"}
            pages.append(lines)
        return {"pages": pages}
    finally:
        document.close()


def main() -> None:
    limit_resources()
    data = sys.stdin.buffer.read()
    try:
        answer = extract(data)
    except MemoryError:
        answer = {"error": "the PDF needs too much memory to read; paste the text instead"}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
