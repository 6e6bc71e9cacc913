"""Word (.docx) bytes to page text: one line per paragraph, list paragraphs marked, tables row by row.

python-docx reads the document; before it does, the zip's directory is checked, because a .docx is a zip
and python-docx reads every part into memory: too many parts or too much uncompressed data (a zip bomb) is
refused from the sizes the zip declares, which zipfile also enforces while reading.
"""

from __future__ import annotations

import io
import zipfile

from .models import BadInput

MAX_UNCOMPRESSED = 200 * 1024**2  # all parts together, as the zip declares them
MAX_DOCUMENT_XML = 50 * 1024**2  # the main text part
MAX_PARTS = 5000
_WORD_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def is_docx(data: bytes, name: str = "") -> bool:
    """A zip named .docx (a damaged one is then reported as such), or whose directory names the main part of
    a Word document."""
    if data[:4] != b"PK\x03\x04":
        return False
    if name.lower().endswith(".docx"):
        return True
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


def check_zip(data: bytes, source: str) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise BadInput(source, f"broken Word file (not a readable zip: {exc})") from None
    if len(infos) > MAX_PARTS:
        raise BadInput(source, f"Word file with too many parts ({len(infos)}; limit {MAX_PARTS})")
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED:
        raise BadInput(source, f"Word file too large once unpacked ({total / 1e6:.0f} MB; limit "
                               f"{MAX_UNCOMPRESSED // 2**20} MB): a zip bomb?")
    main = next((info for info in infos if info.filename == "word/document.xml"), None)
    if main is None:
        raise BadInput(source, "broken Word file (no word/document.xml)")
    if main.file_size > MAX_DOCUMENT_XML:
        raise BadInput(source, f"Word file's text part is too large ({main.file_size / 1e6:.0f} MB)")


def _is_list(paragraph) -> bool:  # type: ignore[no-untyped-def]
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    ppr = paragraph._p.pPr
    numbered = ppr is not None and ppr.find(f"{_WORD_NS}numPr") is not None
    return numbered or style.lower().startswith("list")


def docx_to_text(data: bytes, source: str) -> str:
    """The page text of a .docx (not yet cleaned), or BadInput naming the file and the reason."""
    check_zip(data, source)
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                text = block.text.replace("\v", "\n").strip()
                if not text:
                    continue
                style = ((block.style.name if block.style is not None else "") or "").lower()
                if style.startswith(("heading", "title")) and lines and lines[-1]:
                    lines.append("")  # a heading starts a new block, as on the web page
                lines.append(f"- {text}" if _is_list(block) else text)
            elif isinstance(block, Table):
                for row in block.rows:
                    cells: list[str] = []
                    for cell in row.cells:  # a merged cell is repeated in every column it spans
                        value = cell.text.strip()
                        if value and value not in cells:
                            cells.append(value)
                    if cells:
                        lines.append("  ".join(cells))
    except BadInput:
        raise
    except Exception as exc:  # python-docx and lxml raise many kinds on a damaged file
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise BadInput(source, f"broken Word file ({reason[:200]})") from None
    return "\n".join(lines) + "\n"
