"""PDF and Word reports: the same page as .txt, printed to a text-layer PDF or saved as .docx, gives the same
items; scans, encrypted, broken and oversized files get their one-line reasons and the other files load.

The fixtures are made here with real writers: fpdf2 lays the page out and wraps its lines like a print
(DejaVu Sans, Debian's fonts-dejavu-core), python-docx writes the Word file with heading and list styles.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tracker.reading.headings import is_stop_heading, item_heading_kind
from tracker.reading.models import BadInput
from tracker.reading.parsed import parse_bytes
from tracker.reading.parsing import _MARKER, parse_text
from tracker.reading.text import bytes_to_text
from tracker.store import Store
from tracker.store.loading import load_paths

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))
NEW_PAGE = ("IGF 2026 Open Forum #98 Safer design for children\n\nKey Takeaways\n\n"
            "Platforms should publish child risk assessments every year.\n\nCall to Action\n\n"
            "Regulators must check age assurance systems against children's rights.\n")
_PDF_READERS: list[str] = []


def _count_pdf_readers(event: str, args: tuple) -> None:
    # the interpreter's own audit hook (PEP 578) reports every process it starts: a real count, no stand-in
    if event == "subprocess.Popen":
        command = args[1]
        parts = [command] if isinstance(command, (str, bytes, Path)) else list(command or ())
        if any(str(part).endswith("pdf_child.py") for part in parts):
            _PDF_READERS.append(" ".join(map(str, parts)))


sys.addaudithook(_count_pdf_readers)


def pdf_readers_started() -> int:
    """How many PDFium child processes (pdf_child.py) this test process has started so far."""
    return len(_PDF_READERS)
EVAL_PAGES = sorted((ROOT / "tests" / "data" / "eval_pages").glob("*.txt"))
FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def text_pdf(text: str, size: float = 10, page_format: str = "A4", password: str | None = None) -> bytes:
    """The page printed to PDF: wrapped to the page width, blank lines kept as space, a text layer."""
    from fpdf import FPDF

    pdf = FPDF(format=page_format)
    pdf.add_font("DejaVu", fname=str(FONT))
    pdf.set_font("DejaVu", size=size)
    if password:
        pdf.set_encryption(owner_password="owner", user_password=password)
    pdf.add_page()
    pdf.multi_cell(0, size / 2, text.replace("🔒", ""))  # the font has no emoji; the parser drops it anyway
    return bytes(pdf.output())


def scan_pdf() -> bytes:
    """A 'scanned' page: one image of text, no text layer."""
    from fpdf import FPDF
    from PIL import Image, ImageDraw

    image = Image.new("L", (800, 300), 255)
    ImageDraw.Draw(image).text((20, 20), "Key Takeaways\nInternational cooperation should be strengthened.", fill=0)
    pdf = FPDF()
    pdf.add_page()
    pdf.image(image, x=10, y=10, w=180)
    return bytes(pdf.output())


def word_file(text: str) -> bytes:
    """The page saved from Word: headings in heading styles, list entries as list paragraphs."""
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        marker = _MARKER.match(line)
        if marker:
            numbered = stripped[0].isdigit() or stripped[0] == "("
            document.add_paragraph(line[marker.end():].strip(), style="List Number" if numbered else "List Bullet")
        elif item_heading_kind(stripped) or (is_stop_heading(stripped) and len(stripped) < 60):
            document.add_heading(stripped, level=2)
        else:
            document.add_paragraph(stripped)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def items_of(name: str, data: bytes) -> list[tuple[str, str]]:
    return [(item.kind, item.text) for item in parse_bytes(name, data).items]


@pytest.mark.parametrize("suffix", [".pdf", ".docx"])
@pytest.mark.parametrize("page", SEEDS, ids=lambda p: p.name[:3])
def test_a_seed_printed_to_pdf_or_saved_as_docx_gives_the_same_items_and_session_as_its_txt(page: Path,
                                                                                          suffix: str) -> None:
    text = page.read_text(encoding="utf-8")
    expected = parse_text(bytes_to_text(page.read_bytes(), page.name), page.name)
    converted = parse_bytes(page.stem + suffix, text_pdf(text) if suffix == ".pdf" else word_file(text))
    assert [(i.kind, i.text) for i in converted.items] == [(i.kind, i.text) for i in expected.items]
    assert (converted.session_id, converted.page_kind, converted.meta.title) == \
        (expected.session_id, expected.page_kind, expected.meta.title)


LIBERATION = Path("/usr/share/fonts/truetype/liberation")


@pytest.mark.slow
def test_other_fonts_sizes_and_renderings_give_nearly_all_items() -> None:
    """Printed in other fonts (serif, monospace), sizes, paper and alignment, as-is and as bulleted or numbered
    lists: at least 98% of the items come out exactly as from the .txt (measured: see README)."""
    from fpdf import FPDF

    from tests import variants

    def printed(text: str, font: Path, size: float, page_format: str, align: str) -> bytes:
        pdf = FPDF(format=page_format)
        pdf.add_font("F", fname=str(font))
        pdf.set_font("F", size=size)
        pdf.add_page()
        pdf.multi_cell(0, size * 0.45, text.replace("🔒", ""), align=align)
        return bytes(pdf.output())

    layouts = [(FONT.with_name("DejaVuSansMono.ttf"), 9, "A4", "L"), (LIBERATION / "LiberationSerif-Regular.ttf",
               11, "Letter", "J"), (FONT, 12, "A5", "L")]
    found = total = exact = pages = 0
    # each page in one of the layouts, in turn: every page and every layout is printed, in a third of the time
    for n, page in enumerate([*SEEDS, *EVAL_PAGES]):
        font, size, page_format, align = layouts[n % len(layouts)]
        for render in (lambda t: t, variants.bulleted):
            text = render(page.read_text(encoding="utf-8"))
            expected = items_of(page.name, text.encode())
            got = items_of(page.stem + ".pdf", printed(text, font, size, page_format, align))
            found += len(set(got) & set(expected))
            total += len(expected)
            exact += got == expected
            pages += 1
    assert found / total >= 0.98, (found, total)
    assert exact / pages >= 0.9, (exact, pages)


def reason(name: str, data: bytes) -> str:
    with pytest.raises(BadInput) as caught:
        parse_bytes(name, data)
    message = str(caught.value)
    assert message.startswith(f"{name}: ") and "\n" not in message
    return message


def test_a_scan_without_text_layer_is_refused_with_what_to_do() -> None:
    assert reason("scan.pdf", scan_pdf()) == \
        "scan.pdf: the PDF has no text to read (a scan?): paste the text or attach the page instead"


def test_an_encrypted_pdf_is_refused_as_encrypted() -> None:
    data = text_pdf(SEEDS[0].read_text(encoding="utf-8"), password="secret")
    assert "encrypted (password-protected)" in reason("locked.pdf", data)


def test_a_broken_pdf_is_refused_as_broken() -> None:
    whole = text_pdf(SEEDS[0].read_text(encoding="utf-8"))
    assert "not a valid PDF (broken or truncated)" in reason("broken.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4)
    message = reason("cut.pdf", whole[: len(whole) // 3])  # a download that stopped a third of the way
    assert "PDF" in message


def test_a_pdf_with_too_many_pages_is_refused_before_reading_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from fpdf import FPDF

    from tracker.reading import pdf

    many = FPDF()
    many.set_font("helvetica", size=10)
    for k in range(30):
        many.add_page()
        many.cell(text=f"Key Takeaways page {k}")
    monkeypatch.setattr(pdf, "MAX_PAGES", 20)
    assert "too many pages (30; limit 20)" in reason("long.pdf", bytes(many.output()))


def test_a_pdf_reader_that_hangs_is_stopped_by_the_timeout(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from tracker.reading import pdf

    slow = tmp_path / "slow_child.py"
    slow.write_text("import time\ntime.sleep(30)\n")
    monkeypatch.setattr(pdf, "_CHILD", slow)
    monkeypatch.setenv("TRACKER_PDF_TIMEOUT", "1")
    assert "took too long to read (over 1 s)" in reason("slow.pdf", text_pdf("Key Takeaways"))


def test_a_corrupt_docx_is_refused_as_broken() -> None:
    good = word_file(SEEDS[0].read_text(encoding="utf-8"))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(good)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == "word/document.xml":
                body = body[: len(body) // 2]  # the text part cut in the middle
            target.writestr(info, body)
    assert "broken Word file" in reason("damaged.docx", out.getvalue())
    assert "broken Word file" in reason("truncated.docx", good[: len(good) // 2])


def test_a_zip_bomb_docx_is_refused_from_its_declared_sizes() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/bomb.bin", b"\0" * (210 * 1024**2))  # 210 MB of zeros, ~200 KB packed
    data = out.getvalue()
    assert len(data) < 1_000_000
    assert "too large once unpacked" in reason("bomb.docx", data)


def test_an_old_doc_file_is_told_to_save_as_docx() -> None:
    assert "save it as .docx or PDF" in reason("report.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))


@pytest.mark.slow
def test_cli_loads_pdf_and_docx_names_the_bad_ones_and_exits_1(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    (folder / "launch-2022.pdf").write_bytes(text_pdf(SEEDS[0].read_text(encoding="utf-8")))
    (folder / "forum-2024.docx").write_bytes(word_file(SEEDS[2].read_text(encoding="utf-8")))
    (folder / "scan.pdf").write_bytes(scan_pdf())
    (folder / "locked.pdf").write_bytes(text_pdf("Key Takeaways", password="x"))
    db = tmp_path / "t.duckdb"
    done = subprocess.run([sys.executable, "-m", "tracker", "--db", str(db), "load", "--no-analyze", str(folder)],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1, done.stderr
    errors = sorted(line for line in done.stderr.splitlines() if line.startswith("error:"))
    assert errors[0].startswith("error: locked.pdf: the PDF is encrypted")
    assert errors[1] == ("error: scan.pdf: the PDF has no text to read (a scan?): paste the text or attach the "
                         "page instead")
    assert len(errors) == 2 and "2 added" in done.stdout and "2 failed" in done.stdout
    expected = sum(len(parse_bytes(p.name, p.read_bytes()).items) for p in (SEEDS[0], SEEDS[2]))
    assert Store(db).scalar("SELECT count(*) FROM items") == expected


def test_a_pdf_and_its_txt_are_one_session_and_reloading_keeps_edits(store: Store, tmp_path: Path) -> None:
    from tracker.services.editing import set_item
    from tracker.store.queries import items_frame

    page = tmp_path / "launch.pdf"
    page.write_bytes(text_pdf(SEEDS[0].read_text(encoding="utf-8")))
    assert load_paths([page], store).ok
    first = items_frame(store).iloc[0]
    set_item(store, first["item_id"], by="Ana", status="in_progress")
    report = load_paths([SEEDS[0]], store)  # the same page as .txt joins the same session and items
    assert report.ok and report.results[0].items_new == 0
    assert items_frame(store).set_index("item_id").loc[first["item_id"], "status"] == "in_progress"


def test_a_pdf_imported_as_bytes_is_read_by_one_pdfium_process(store: Store) -> None:
    """The import counts the items of what it is given and stores them from the same parse."""
    from tracker.services.importing import import_files

    data = text_pdf(NEW_PAGE)
    before = pdf_readers_started()
    imported = import_files(store, [("forum98.pdf", data)], analyze=False)
    assert imported.report.ok and imported.report.results[0].items_new == 2
    assert pdf_readers_started() - before == 1
    assert store.scalar("SELECT count(*) FROM items WHERE source = 'forum98.pdf'") == 2


def test_a_pdf_parsed_before_the_import_is_not_read_again(store: Store) -> None:
    """A preview's parse goes to the import as it is: no PDFium process at all, the same items stored."""
    from tracker.reading.parsed import parse_file
    from tracker.services.importing import import_files

    parsed = parse_file("forum98.pdf", text_pdf(NEW_PAGE))
    before = pdf_readers_started()
    imported = import_files(store, [parsed], analyze=False)
    assert pdf_readers_started() == before
    assert [(r.source, r.status, r.items) for r in imported.report.results] == [("forum98.pdf", "added", 2)]
    again = import_files(store, [parsed], analyze=False)  # the same bytes again: skipped by their content hash
    assert [r.status for r in again.report.results] == ["unchanged"] and pdf_readers_started() == before
