"""PDFs as organizers' programs write them: each seed printed by Chromium ("Save as PDF"), exported by
LibreOffice from a .docx, distilled again by Ghostscript (ps2pdf), and laid out in two columns, gives the
items (text, kind, section) and the session of its .txt. The committed fixtures in tests/data/producers/ were
made by those programs (``python -m tests.data.producers.make`` regenerates them); the Chromium test below
also prints a session page in the test run.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.data.producers.make import HERE as FIXTURES
from tests.data.producers.make import PRODUCERS
from tests.helpers import missing
from tracker.reading.models import Document
from tracker.reading.parsed import parse_bytes
from tracker.reading.parsing import parse_text
from tracker.reading.text import bytes_to_text

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))


def session(doc: Document) -> tuple:
    m = doc.meta
    return doc.session_id, doc.page_kind, m.forum, m.year, m.session_type, m.number, m.title, m.date


@pytest.mark.parametrize("producer", PRODUCERS)
@pytest.mark.parametrize("page", SEEDS, ids=lambda p: p.name[:3])
def test_a_seed_as_each_producer_writes_it_gives_the_items_and_session_of_its_txt(page: Path, producer: str) -> None:
    expected = parse_text(bytes_to_text(page.read_bytes(), page.name), page.name)
    got = parse_bytes(f"{page.stem}.pdf", (FIXTURES / f"{page.name[:3]}.{producer}.pdf").read_bytes())
    assert [(i.kind, i.text, i.section) for i in got.items] == [(i.kind, i.text, i.section) for i in expected.items]
    assert session(got) == session(expected)


@pytest.mark.parametrize("page", SEEDS, ids=lambda p: p.name[:3])
def test_a_seed_saved_as_pdf_by_chromium_keeps_every_person_and_sdg(page: Path) -> None:
    expected = parse_text(bytes_to_text(page.read_bytes(), page.name), page.name).meta
    got = parse_bytes(f"{page.stem}.pdf", (FIXTURES / f"{page.name[:3]}.chromium.pdf").read_bytes()).meta
    assert (got.organizers, got.speakers, got.moderators, got.rapporteur, got.sdgs) == (
        expected.organizers, expected.speakers, expected.moderators, expected.rapporteur, expected.sdgs)


PAGE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>IGF 2021</title>
<style>body {{ font-family: 'Liberation Serif', serif; font-size: 15px; text-align: justify; max-width: 40em }}
h1 {{ font-size: 26px; letter-spacing: 0.02em }} p {{ font-kerning: normal; font-variant-ligatures: common-ligatures }}
</style></head><body><nav>Home › Sessions</nav>
<h1>IGF 2021 Workshop #212 Age-appropriate design: from principles to practice</h1>
<p>Tuesday, 7th December, 2021 (09:30 UTC) - Tuesday, 7th December, 2021 (11:00 UTC)</p>
<h2>Key Takeaways</h2>
{takeaways}
<h2>Call to Action</h2>
{calls}
<h2>Session Report</h2><p>The session was held in a hybrid format and the affiliated reflections were shared.</p>
</body></html>"""
TAKEAWAYS = ["Regulators, platforms and civil society agree that age-appropriate design must be defined with "
             "children, not only for them, and that the first efforts of the affected firms are promising.",
             "Official evaluation frameworks differ from country to country; shared definitions would reduce the "
             "fragmentation that small developers find difficult to afford."]
CALLS = ["Regulators should publish a shared evaluation method for age assurance tools before making them "
         "mandatory.",
         "Platforms are invited to offer effective reporting flows that children find and understand, and to "
         "publish their figures every year.",
         "Governments should fund independent research on the effects of design choices on children's wellbeing."]


@pytest.mark.slow
def test_a_session_page_saved_as_pdf_by_chromium_reads_like_its_text(tmp_path: Path) -> None:
    """Justified text, kerning, ligatures (ffi, fi, fl) and a large heading: every word whole, every item."""
    if not shutil.which("chromium"):
        missing("chromium is not installed")
    html = PAGE.format(takeaways="\n".join(f"<p>{t}</p>" for t in TAKEAWAYS),
                       calls="\n".join(f"<p>{c}</p>" for c in CALLS))
    (tmp_path / "page.html").write_text(html, encoding="utf-8")
    out = tmp_path / "ws2021_page.pdf"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={out}", (tmp_path / "page.html").as_uri()], check=True, capture_output=True,
                   timeout=120)
    doc = parse_bytes(out.name, out.read_bytes())
    assert doc.meta.title == "Age-appropriate design: from principles to practice"
    assert (doc.meta.year, doc.meta.session_type, doc.meta.number) == (2021, "Workshop", "212")
    assert [(i.kind, i.text) for i in doc.items] == [("takeaway", t) for t in TAKEAWAYS] + \
        [("action", c) for c in CALLS]


def test_a_hyphen_that_broke_a_word_goes_and_one_of_a_compound_stays() -> None:
    from tracker.reading.pdf import Line, lines_to_text

    # Chromium writes a soft hyphen's break as U+2010, PDFium reports one as \u00ad; "age-" is typed
    rows = ["Call to Action", "National regu\u2010", "lators and inter\u00ad", "national bodies should publish age-",
            "appropriate guidance, and regulators should make it age-appropriate for every child and every language",
            "for ever."]
    lines = [Line(72, 72 + 6 * len(text), 700 - 14 * k, 690 - 14 * k, text) for k, text in enumerate(rows)]
    lines[0].right = 400  # the heading ends short of the margin
    for line in lines[1:4]:
        line.right = 672  # each broken line reaches the margin
    text = lines_to_text([lines])
    assert "National regulators and international bodies should publish age-appropriate guidance" in text
