"""The PDFium side of reading a PDF, run as a script in a child process by ``pdf.pdf_to_text``.

Its one argument is its limits as JSON from ``pdf.pdf_to_text`` (``{"max_pages": …, "max_chars": …, "memory":
bytes, "cpu_seconds": …}``: the parent's constants, not settings of their own). Reads the PDF's bytes on stdin
and writes JSON on stdout: ``{"pages": [[[left, right, top, bottom, text, first word's width], ...], ...]}``
(each page's text lines, top to bottom) or ``{"error": "<reason>"}``. It imports nothing of the tracker, so
starting it costs only Python and PDFium; its memory and CPU are limited before the file is opened.
"""

from __future__ import annotations

import json
import sys

REASONS = {  # FPDF_GetLastError codes
    2: "the PDF could not be opened",
    3: "not a valid PDF (broken or truncated)",
    4: "the PDF is encrypted (password-protected): save it without a password, or paste the text instead",
    5: "the PDF uses an unsupported security handler (encrypted)",
    6: "the PDF's page data is broken",
}


def limit_resources(memory: int, cpu_seconds: int) -> None:
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
    except (ImportError, ValueError, OSError):
        pass  # not on this platform: the parent's timeout still holds


def page_lines(page) -> list[list]:  # type: ignore[no-untyped-def]
    """One page's text lines, in PDFium's reading order: PDFium joins the characters into words and lines by
    their boxes and gaps (kerned runs, as browsers write them, become one word again; the spaces and line
    breaks it infers are marked as generated). Each line's box is the union of its characters' boxes."""
    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        lines: list[list] = []
        chars: list[str] = []
        box: list[float] = []
        first_done = False
        for index in range(textpage.count_chars()):
            code = raw.FPDFText_GetUnicode(textpage, index)
            char = chr(code) if 0 < code < 0x110000 else ""
            if char in ("\r", "\n"):
                if char == "\n":
                    _close(lines, chars, box)
                    chars, box, first_done = [], [], False
                continue
            if char in ("\x02", "\ufffe") or (char == "-" and raw.FPDFText_IsHyphen(textpage, index) == 1):
                # a hyphen that ends a line inside a word: PDFium runs the two lines together without a break;
                # the line ends here, and the parent decides whether the hyphen stays (a compound) or goes. A
                # soft hyphen (PDFium's \x02) is told apart from a typed one (\ufffe: PDFium's mark for a typed
                # hyphen it found at a line end)
                chars.append("\u00ad" if char == "\x02" else "-")
                _close(lines, chars, box)
                chars, box, first_done = [], [], False
                continue
            chars.append(char)
            if char.strip():
                left, bottom, right, top = textpage.get_charbox(index, loose=True)
                if box:
                    box = [min(box[0], left), max(box[1], right), max(box[2], top), min(box[3], bottom), box[4]]
                else:
                    box = [left, right, top, bottom, right]
                if not first_done:
                    box[4] = right  # the right edge of the line's first word, so far
            elif box:
                first_done = True
        _close(lines, chars, box)
        return lines
    finally:
        textpage.close()


def _close(lines: list[list], chars: list[str], box: list[float]) -> None:
    text = "".join(chars).strip()
    if text and box:
        lines.append([*box[:4], text, box[4] - box[0]])  # and the width of its first word


def extract(data: bytes, max_pages: int, max_chars: int) -> dict:
    import pypdfium2 as pdfium

    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        return {"error": REASONS.get(getattr(exc, "err_code", None) or 0, f"not a readable PDF ({exc})")}
    try:
        n_pages = len(document)
        if n_pages > max_pages:
            return {"error": f"the PDF has too many pages ({n_pages}; limit {max_pages})"}
        pages, size = [], 0
        for index in range(n_pages):
            try:
                lines = page_lines(document[index])
            except pdfium.PdfiumError as exc:
                return {"error": f"page {index + 1} of the PDF is broken ({exc})"}
            size += sum(len(line[4]) for line in lines)
            if size > max_chars:
                return {"error": f"the PDF has too much text (over {max_chars:,} characters)"}
            pages.append(lines)
        return {"pages": pages}
    finally:
        document.close()


def main() -> None:
    limits = json.loads(sys.argv[1])
    limit_resources(int(limits["memory"]), int(limits["cpu_seconds"]))
    data = sys.stdin.buffer.read()
    try:
        answer = extract(data, int(limits["max_pages"]), int(limits["max_chars"]))
    except MemoryError:
        answer = {"error": "the PDF needs too much memory to read; paste the text instead"}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    main()
