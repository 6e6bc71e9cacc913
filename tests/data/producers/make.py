"""Regenerate the PDFs of the seed pages as the programs organizers use write them (run from the repository
root; needs Debian's chromium, libreoffice-writer and ghostscript):

    python -m tests.data.producers.make

For each seed ``seeds/NNN_*.txt`` it writes, in this folder:

- ``NNN.chromium.pdf``: the page as HTML (tests/variants.to_html), printed by ``chromium --headless
  --no-sandbox --disable-gpu --no-pdf-header-footer --print-to-pdf=NNN.chromium.pdf page.html``;
- ``NNN.libreoffice.pdf``: the page saved as .docx (heading and list styles, tests/test_pdf_docx.word_file),
  exported by ``soffice --headless --convert-to pdf page.docx``;
- ``NNN.ghostscript.pdf``: the LibreOffice PDF distilled again by Ghostscript, ``ps2pdf in.pdf out.pdf``
  (what a print-to-PDF printer driver makes of a printed report: fonts re-embedded, text re-encoded, its
  ligatures written into the font's map with their bytes swapped);
- ``NNN.twocolumn.pdf``: the .docx laid out in two columns, exported by LibreOffice.

and ``garbled.pdf``: seed 000's LibreOffice PDF through ``pdf2ps`` and ``ps2pdf``, whose fonts lose their
map back to letters (the text layer is codes, not words): what the reader must refuse, not import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent.parent
PRODUCERS = ("chromium", "libreoffice", "ghostscript", "twocolumn")


def chromium_pdf(html: bytes, work: Path) -> bytes:
    page = work / "page.html"
    page.write_bytes(html)
    out = work / "chromium.pdf"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={out}", page.as_uri()], check=True, capture_output=True, timeout=120)
    return out.read_bytes()


def two_columns(docx_bytes: bytes) -> bytes:
    """The same Word file with its section set in two columns."""
    import io

    import docx
    from docx.oxml.ns import qn
    from docx.oxml.shared import OxmlElement

    document = docx.Document(io.BytesIO(docx_bytes))
    section = document.sections[0]._sectPr
    cols = section.find(qn("w:cols"))
    if cols is None:
        cols = OxmlElement("w:cols")
        section.append(cols)
    cols.set(qn("w:num"), "2")
    cols.set(qn("w:space"), "567")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def office_pdf(docx_bytes: bytes, work: Path, name: str) -> bytes:
    page = work / f"{name}.docx"
    page.write_bytes(docx_bytes)
    subprocess.run(["soffice", "--headless", f"-env:UserInstallation={(work / 'profile').as_uri()}",
                    "--convert-to", "pdf", "--outdir", str(work), str(page)],
                   check=True, capture_output=True, timeout=180)
    return (work / f"{name}.pdf").read_bytes()


def ghostscript_pdf(pdf: bytes, work: Path) -> bytes:
    (work / "in.pdf").write_bytes(pdf)
    subprocess.run(["ps2pdf", str(work / "in.pdf"), str(work / "gs.pdf")], check=True, capture_output=True,
                   timeout=120)
    return (work / "gs.pdf").read_bytes()


def garbled_pdf(pdf: bytes, work: Path) -> bytes:
    (work / "in.pdf").write_bytes(pdf)
    subprocess.run(["pdf2ps", str(work / "in.pdf"), str(work / "page.ps")], check=True, capture_output=True,
                   timeout=120)
    subprocess.run(["ps2pdf", str(work / "page.ps"), str(work / "out.pdf")], check=True, capture_output=True,
                   timeout=120)
    return (work / "out.pdf").read_bytes()


def produce(text: str, producer: str, work: Path) -> bytes:
    from tests.test_pdf_docx import word_file
    from tests.variants import to_html

    if producer == "chromium":
        return chromium_pdf(to_html(text), work)
    if producer == "libreoffice":
        return office_pdf(word_file(text), work, "page")
    if producer == "ghostscript":
        return ghostscript_pdf(office_pdf(word_file(text), work, "page"), work)
    return office_pdf(two_columns(word_file(text)), work, "columns")


def main() -> None:
    only = set(sys.argv[1:])  # producer names, or "garbled": make only those
    for tool in ("chromium", "soffice", "pdf2ps", "ps2pdf"):
        if not shutil.which(tool):
            sys.exit(f"{tool} is not installed")
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        for producer in PRODUCERS:
            if only and producer not in only:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                (HERE / f"{seed.name[:3]}.{producer}.pdf").write_bytes(produce(text, producer, Path(tmp)))
                print(seed.name[:3], producer)
    if not only or "garbled" in only:
        from tests.test_pdf_docx import word_file

        with tempfile.TemporaryDirectory() as tmp:
            seed = sorted((ROOT / "seeds").glob("*.txt"))[0].read_text(encoding="utf-8")
            pdf = office_pdf(word_file(seed), Path(tmp), "page")
            (HERE / "garbled.pdf").write_bytes(garbled_pdf(pdf, Path(tmp)))


if __name__ == "__main__":
    main()
