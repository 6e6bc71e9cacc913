"""Session pages as organizers and the IGF write them: people lines ("Organizer 1: …", "Speaker 2: …",
moderator and rapporteur blocks) in every input form reaching the proposal; numbered report sections; a
warning for damaged text or missing outcomes; and one session, one page (the PDF and the .docx of a page are
one document, one set of items). The pages are written here from the structure of real IGF 2023-2024 workshop
pages and national IGF reports; every name in them is invented.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_pdf_docx import text_pdf, word_file
from tracker.reading.parsed import parse_bytes
from tracker.reading.people import parse_person
from tracker.reading.quality import fragment_share
from tracker.store import Store
from tracker.store.loading import load_files, load_paths

ROOT = Path(__file__).resolve().parent.parent

ORGANIZERS = ["Marta Oyelaran, Safe Childhood Network", "Tomasz Wielki, Civil Society, Eastern European Group",
              "Hana Kobori, Tokai Youth Lab, Civil Society, Asia-Pacific Group",
              "Rafael Quintero, Ministry of Communications, Government, Latin American and Caribbean Group (GRULAC)"]
SPEAKERS = ["Adaeze Okafor, Government, African Group", "Kenji Arimura, Technical Community, Asia-Pacific Group",
            "Lucia Ferrante, Private Sector, Western European and Others Group (WEOG)",
            "Ines Caldera, Civil Society, Latin American and Caribbean Group (GRULAC)"]
ONSITE = "Sofia Lindqvist, Civil Society, Western European and Others Group (WEOG)"
ONLINE = "Rahul Menon, Technical Community, Asia-Pacific Group"
RAPPORTEUR = "Dmitri Volkan, Intergovernmental Organization, Eastern European Group"

TEXT_PAGE = "\n".join([
    "IGF 2024 WS #318 Growing up online: co-designing safety with young people", "",
    "Wednesday, 18th December, 2024 (09:30 UTC) - Wednesday, 18th December, 2024 (10:30 UTC)",
    "Workshop Room 2", "",
    *[f"Organizer {n}: {line}" for n, line in enumerate(ORGANIZERS, 1)], "",
    *[f"Speaker {n}: {line}" for n, line in enumerate(SPEAKERS, 1)], "",
    "Onsite Moderator", "", ONSITE, "", "Online Moderator", "", ONLINE, "", "Rapporteur", "", RAPPORTEUR, "",
    "Format", "", "Roundtable", "",
    "Key Takeaways", "",
    "Young people want to be asked before safety features are designed, not after they are launched.", "",
    "Call to Action", "",
    "Platforms should involve children's councils in every design review of features used by minors.", "",
])

HTML_PAGE = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>IGF 2024 WS #318</title></head>
<body><nav><a href="/">Home</a></nav><main>
<h1>IGF 2024 WS #318 Growing up online: co-designing safety with young people</h1>
<div class="field"><div class="field__label">Organizers</div><div class="field__items">
{''.join(f'<div class="field__item"><strong>Organizer {n}:</strong> {o}</div>' for n, o in enumerate(ORGANIZERS, 1))}
</div></div>
<div class="field"><div class="field__label">Speakers</div><div class="field__items">
{''.join(f'<div class="field__item"><strong>Speaker {n}:</strong> {line}</div>' for n, line in enumerate(SPEAKERS, 1))}
</div></div>
<h3>Onsite Moderator</h3><p>{ONSITE}</p><h3>Online Moderator</h3><p>{ONLINE}</p>
<h3>Rapporteur</h3><p>{RAPPORTEUR}</p>
<h2>Key Takeaways</h2>
<p>Young people want to be asked before safety features are designed, not after they are launched.</p>
<h2>Call to Action</h2>
<p>Platforms should involve children's councils in every design review of features used by minors.</p>
</main></body></html>"""

FORMS = {
    "txt": lambda: TEXT_PAGE.encode("utf-8"),
    "html": lambda: HTML_PAGE.encode("utf-8"),
    "docx": lambda: word_file(TEXT_PAGE),
    "pdf": lambda: text_pdf(TEXT_PAGE),
}


@pytest.mark.parametrize("form", list(FORMS))
def test_people_lines_as_igf_pages_write_them_are_read_in_every_form(form: str) -> None:
    meta = parse_bytes(f"ws318.{form}", FORMS[form]()).meta
    assert meta.organizers == ORGANIZERS
    assert meta.speakers == SPEAKERS
    assert meta.moderators == [ONSITE, ONLINE]
    assert meta.rapporteur == RAPPORTEUR
    first = parse_person(meta.organizers[0])
    assert first and (first.name, first.organization) == ("Marta Oyelaran", "Safe Childhood Network")
    last = parse_person(meta.organizers[3])
    assert last and (last.organization, last.stakeholder_group, last.region) == (
        "Ministry of Communications", "Government", "Latin American and Caribbean Group")


@pytest.mark.slow
def test_people_lines_of_the_page_saved_as_pdf_by_chromium_are_read(tmp_path: Path) -> None:
    import shutil

    from tests.helpers import missing

    if not shutil.which("chromium"):
        missing("chromium is not installed")
    (tmp_path / "ws318.html").write_text(HTML_PAGE, encoding="utf-8")
    out = tmp_path / "ws318.pdf"
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    f"--print-to-pdf={out}", (tmp_path / "ws318.html").as_uri()], check=True, capture_output=True,
                   timeout=120)
    meta = parse_bytes(out.name, out.read_bytes()).meta
    assert (meta.organizers, meta.speakers, meta.moderators, meta.rapporteur) == (
        ORGANIZERS, SPEAKERS, [ONSITE, ONLINE], RAPPORTEUR)


def test_people_of_an_igf_page_reach_the_proposal_fields_and_the_balance(store: Store) -> None:
    from tracker.services.planning import proposal_fields, speaker_balance

    assert load_files([("ws318.html", HTML_PAGE.encode("utf-8"))], store).ok
    content = proposal_fields(store, year=2025, scope="all").content
    assert [parse_person(line).name for line in content["organizers"].split("\n")] == [  # type: ignore[union-attr]
        "Marta Oyelaran", "Tomasz Wielki", "Hana Kobori", "Rafael Quintero"]
    assert [parse_person(line) for line in content["speakers"].split("\n")] == [parse_person(s) for s in SPEAKERS]
    assert content["rapporteur"] == RAPPORTEUR
    balance = speaker_balance(content["speakers"])
    assert balance.loc["Government", "African Group"] == 1
    assert balance.loc["Technical Community", "Asia-Pacific Group"] == 1
    assert balance.loc["Private Sector", "Western European and Others Group"] == 1
    assert balance.loc["Civil Society", "Latin American and Caribbean Group"] == 1
    assert balance.loc["Not stated", "Total"] == 0 and balance.loc["Total", "Total"] == 4


def test_a_transcript_line_that_starts_with_a_role_is_not_a_person() -> None:
    page = TEXT_PAGE + "\nSession Transcript\n\nModerator: Thank you, Adaeze. Next question, please.\n" \
                       "Speaker 3: I think we agree on that, broadly.\n"
    meta = parse_bytes("ws318.txt", page.encode()).meta
    assert meta.speakers == SPEAKERS and meta.moderators == [ONSITE, ONLINE]


NATIONAL_REPORT = """Nigeria IGF 2025 Workshop 3: Keeping children safe online in Nigeria

1. Introduction
The session, held in Abuja, brought together regulators, teachers and young people.

2. Speakers
Amaka Eze, Nigerian Communications Commission
Bayo Adeyemi, Lagos Digital Schools

4. Key Takeaways
1. Parents need simple tools to understand the risks their children face online.
2. Schools should include digital safety in the curriculum from primary level.
3. Data Protection

5. Call to Action
1. The regulator should publish guidance for platforms serving children.
2. Telecom operators are urged to fund child helplines.

6. Conclusion
The moderator closed the session and thanked the participants.
"""

WIKI_PAGE = """EuroDIG 2025 Workshop 3: Age verification between privacy and protection

Key takeaways:
Age verification must not become a tool for collecting more personal data than needed.

IV. Calls to action
Member states should align their rules on age assurance.
Platforms should publish independent audits of their age checks.

Video record
Will be provided here after the event.

Transcript
Provided by: Caption First, Inc.
"""


def test_numbered_sections_of_a_national_report_are_read_to_the_next_section() -> None:
    doc = parse_bytes("nigeria.txt", NATIONAL_REPORT.encode())
    assert [(i.kind, i.section, i.text) for i in doc.items] == [
        ("takeaway", "Key Takeaways", "Parents need simple tools to understand the risks their children face online."),
        ("takeaway", "Key Takeaways", "Schools should include digital safety in the curriculum from primary level."),
        ("takeaway", "Key Takeaways", "Data Protection"),
        ("action", "Call to Action", "The regulator should publish guidance for platforms serving children."),
        ("action", "Call to Action", "Telecom operators are urged to fund child helplines.")]
    assert (doc.meta.forum, doc.meta.year, doc.meta.number) == ("Nigeria IGF", 2025, "3")
    assert doc.warnings == []


def test_a_wiki_page_ends_its_calls_at_the_video_record_and_transcript_blocks() -> None:
    doc = parse_bytes("eurodig.txt", WIKI_PAGE.encode())
    assert [(i.kind, i.section, i.text) for i in doc.items] == [
        ("takeaway", "Key takeaways",
         "Age verification must not become a tool for collecting more personal data than needed."),
        ("action", "Calls to action", "Member states should align their rules on age assurance."),
        ("action", "Calls to action", "Platforms should publish independent audits of their age checks.")]


SPLIT = ("Regulators should publish a shar ed evaluation method for age assurance tools befor e making them "
         "mandatory . Platfor ms ar e invited to of fer ef fective reporting flows that childr en find and "
         "understand, and to publish their figur es every year . ")


def test_damaged_text_and_missing_outcomes_are_said_and_the_cli_prints_it(tmp_path: Path) -> None:
    garbled = ("IGF 2021 Workshop #212 Age-appr opriate design: fr om principles to practice\n\n"
               "Key takeaway s\n\n" + SPLIT * 3 + "\n\nCall to Action\n\n" + SPLIT * 6 + "\n")
    doc = parse_bytes("ws2021_page.txt", garbled.encode())
    assert fragment_share(garbled)[0] > 0.05
    assert any("looks damaged" in w for w in doc.warnings)
    assert any("no Key Takeaways found" in w for w in doc.warnings)
    report_only = ("IGF 2024 WS #57 Safer gaming for children\n\nSession Report\n\n" + "The panel discussed "
                   "loot boxes, chat moderation and parental tools at length with the audience. " * 20 + "\n")
    warnings = parse_bytes("ws57.txt", report_only.encode()).warnings
    assert any("session report but no Key Takeaways" in w for w in warnings)
    (tmp_path / "ws2021_page.txt").write_text(garbled, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "tracker", "--db", str(tmp_path / "t.duckdb"), "load",
                           "--no-analyze", str(tmp_path / "ws2021_page.txt")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "warning: ws2021_page.txt: the text looks damaged" in done.stderr
    assert "warning: ws2021_page.txt: no Key Takeaways found" in done.stderr


def test_the_seeds_and_labelled_pages_read_without_warnings() -> None:
    pages = [*sorted((ROOT / "seeds").glob("*.txt")), *sorted((ROOT / "tests/data/eval_pages").glob("*.txt"))]
    assert len(pages) == 59  # the five seeds and the 54 labelled pages
    assert {p.name: parse_bytes(p.name, p.read_bytes()).warnings for p in pages} == {p.name: [] for p in pages}


def test_a_pdf_whose_fonts_lost_their_letters_is_refused_with_its_reason() -> None:
    from tracker.reading.models import BadInput

    data = (ROOT / "tests/data/producers/garbled.pdf").read_bytes()
    with pytest.raises(BadInput, match="garbled.pdf: the PDF's text cannot be read: its fonts do not say"):
        parse_bytes("garbled.pdf", data)


# --- one session, one page --------------------------------------------------------------------------------

def test_the_pdf_then_the_docx_of_one_page_are_one_document_with_one_set_of_items(store: Store,
                                                                                   tmp_path: Path) -> None:
    from tracker.services.editing import set_item
    from tracker.services.importing import replacement_note
    from tracker.store.queries import items_frame

    seed = (ROOT / "seeds" / "001_ea05bb5c5b5740a5.txt").read_text(encoding="utf-8")
    pdf = (ROOT / "tests/data/producers/001.chromium.pdf").read_bytes()
    assert load_files([("of15_page.pdf", pdf)], store).ok
    first = items_frame(store).iloc[0]
    set_item(store, first["item_id"], by="Ana", status="in_progress", owner="CFIS")
    # the .docx says one item differently: one new, one no longer on the page
    changed = seed.replace("international community strengthen dialogue", "international community deepen dialogue")
    assert changed != seed
    docx = word_file(changed)
    note = replacement_note(store, "of15_page.docx", parse_bytes("of15_page.docx", docx))
    assert note.startswith("Same session as of15_page.pdf, already imported: importing of15_page.docx replaces it")
    assert "1 item new, 1 no longer on the page" in note
    report = load_files([("of15_page.docx", docx)], store)
    assert report.ok and report.results[0].replaced == ["of15_page.pdf"]
    assert "of15_page.docx replaced of15_page.pdf" in report.summary()
    assert store.scalar("SELECT count(*) FROM documents") == 1
    items = items_frame(store)
    assert len(items) == 5 and int(items["in_source"].sum()) == 4
    kept = items.set_index("item_id").loc[first["item_id"]]
    assert (kept["status"], kept["owner"]) == ("in_progress", "CFIS")


def test_two_sessions_with_one_file_name_stay_apart_and_a_page_without_a_session_key_replaces_nothing(
        store: Store) -> None:
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    assert load_files([("page.txt", seeds[0].read_bytes())], store).ok
    report = load_files([("page.txt", seeds[1].read_bytes())], store)
    assert report.results[0].source == "page (2).txt" and not report.results[0].replaced
    untitled = "Key Takeaways\n\nChildren should be heard in every design review.\n"
    assert load_files([("notes-a.txt", untitled.encode())], store).ok
    report = load_files([("notes-b.txt", untitled.encode())], store)
    assert not report.results[0].replaced
    assert store.scalar("SELECT count(*) FROM documents") == 4


@pytest.mark.slow
def test_cli_says_the_same_session_page_replaced_the_other(tmp_path: Path) -> None:
    seed = ROOT / "seeds" / "000_b1319ff3bb3a17cc.txt"
    (tmp_path / "launch.pdf").write_bytes((ROOT / "tests/data/producers/000.libreoffice.pdf").read_bytes())
    db = str(tmp_path / "t.duckdb")
    run = [sys.executable, "-m", "tracker", "--db", db, "load", "--no-analyze"]
    first = subprocess.run([*run, str(tmp_path / "launch.pdf")], cwd=ROOT, capture_output=True, timeout=120)
    assert first.returncode == 0
    done = subprocess.run([*run, str(seed)], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"({seed.name} replaced launch.pdf: the same session's page)" in done.stdout
    assert "0 new items, 0 items no longer in their source" in done.stdout
    assert Store(db).scalar("SELECT count(*) FROM documents") == 1
    assert load_paths([seed], Store(db)).results[0].status == "unchanged"
