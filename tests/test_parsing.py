"""The loader's reading and parsing on the five real seeds and on other renderings of them."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests import variants
from tracker.reading.models import normalize_text
from tracker.reading.parsed import parse_bytes

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
S2022, S2023, S2024, P2024, P2025 = sorted(SEEDS.iterdir())


def parse_seed(path: Path):
    return parse_bytes(path.name, path.read_bytes())


def kinds(doc) -> Counter:
    return Counter(item.kind for item in doc.items)


def signature(doc) -> list[tuple[str, str]]:
    """What 'the same items' means across renderings: kind and normalized text, in order."""
    return [(item.kind, normalize_text(item.text)) for item in doc.items]


def test_2022_page_has_two_takeaways_and_two_calls():
    doc = parse_seed(S2022)
    assert kinds(doc) == {"takeaway": 2, "action": 2}
    assert doc.items[1].text.startswith("International cooperation should be strengthened in the cyber protection")
    assert doc.items[2].text.startswith("We call on relevant government departments")
    assert [it.section for it in doc.items] == ["Key Takeaways"] * 2 + ["Call to Action"] * 2
    assert doc.page_kind == "outcomes"


def test_2023_page_has_two_takeaways_and_two_calls():
    doc = parse_seed(S2023)
    assert kinds(doc) == {"takeaway": 2, "action": 2}
    assert doc.items[2].text.startswith("It is recommended that the United Nations analyse")
    assert doc.items[3].text.startswith("It is suggested that the international community strengthen dialogue")


def test_2024_report_merges_word_for_word_repeats_and_keeps_near_repeats():
    doc = parse_seed(S2024)
    assert doc.page_kind == "glance"
    takeaways = [it for it in doc.items if it.kind == "takeaway"]
    # 6 + 5 listed, three of them word for word in both lists -> 8 distinct items
    assert sum(len(it.occurrences) for it in takeaways) == 11
    assert len(takeaways) == 8
    repeated = [it for it in takeaways if len(it.occurrences) == 2]
    assert len(repeated) == 3
    assert all(it.sections == ["Key Takeaways and Action Items", "Key Takeaways"] for it in repeated)
    texts = [it.text for it in takeaways]
    assert any(t.startswith("Technology companies must play a proactive role") for t in texts)
    assert any(t.startswith("Technology companies play a critical role") for t in texts)  # near repeat stays


def test_2024_report_actions_and_questions():
    doc = parse_seed(S2024)
    actions = [it for it in doc.items if it.kind == "action"]
    questions = [it for it in doc.items if it.kind == "question"]
    assert Counter(it.section for it in actions) == {"Resolutions and Action Items": 3, "Suggested Compromises": 2}
    assert Counter(it.section for it in questions) == {"Unresolved Issues": 3, "Follow-up Questions": 6}
    followups = [it for it in questions if it.section == "Follow-up Questions"]
    assert followups[0].text == ("How can AI be effectively incorporated into education to help children understand "
                                 "and use it wisely?")
    assert followups[0].speaker == "Li Yi"
    assert followups[0].explanation.startswith("As AI becomes more prevalent")
    # speaker names and explanations belong to their question, they are never items themselves
    all_texts = {it.text for it in doc.items}
    assert "Dora Giusti" not in all_texts and "speaker" not in all_texts
    assert not any(t.startswith(("As AI becomes", "Disclaimer", "The forum concluded")) for t in all_texts)


@pytest.mark.parametrize("path", [P2024, P2025], ids=["2024-proposal", "2025-proposal"])
def test_proposal_pages_have_no_items(path: Path):
    doc = parse_seed(path)
    assert doc.items == []
    assert doc.page_kind == "proposal"
    assert not doc.has_outcomes


def test_metadata_2022():
    meta = parse_seed(S2022).meta
    assert (meta.year, meta.session_type, meta.number) == (2022, "Launch / Award Event", "9")
    assert meta.title == "Launches of group standards related to minors' Internet protection"
    assert meta.date == "2022-11-29"
    assert meta.sdgs == ["16.1", "16.2", "16.10"]
    assert meta.organizers[0].startswith("Ming Yan")
    assert any(s.startswith("Dora Giusti") for s in meta.speakers)
    assert meta.moderators[0].startswith("Afi Edoh")


def test_metadata_2023():
    meta = parse_seed(S2023).meta
    assert (meta.year, meta.session_type, meta.number, meta.date) == (2023, "Open Forum", "15", "2023-10-10")
    assert meta.sdgs == ["16.1", "16.10", "16.2"]
    assert meta.rapporteur.startswith("Ming Yan")
    assert meta.speakers[0].startswith("Ren Xianliang") and len(meta.speakers) == 7
    assert meta.moderators == ["Shenrui Li, UNICEF China", "Xiuyun Ding, China Federation of Internet Societies"]


def test_metadata_2024_report_takes_year_from_related_event():
    meta = parse_seed(S2024).meta
    assert (meta.year, meta.session_type, meta.number) == (2024, "Open Forum", "6")
    assert meta.title == "Promoting tech companies to ensure children’s online safety"
    assert meta.moderators == ["Shenrui Li, UNICEF China"]
    assert any(s.startswith("Afrooz Kaviani Johnson") for s in meta.speakers)


def test_metadata_proposals():
    m2024, m2025 = parse_seed(P2024).meta, parse_seed(P2025).meta
    assert (m2024.year, m2024.session_type, m2024.number, m2024.sdgs) == (2024, "Launch / Award Event", "30", ["16.2"])
    assert m2024.rapporteur == "Han JIANG"
    assert (m2025.year, m2025.session_type, m2025.number) == (2025, "Open Forum", "28")
    assert m2025.sdgs == ["3", "4", "9", "16"]


def test_offsets_point_at_the_item_text():
    for path in (S2022, S2023, S2024):
        doc = parse_seed(path)
        for item in doc.items:
            for occ in item.occurrences:
                assert " ".join(doc.text[occ.start:occ.end].split()) == item.text


RENDERINGS = {
    "html": lambda text: variants.to_html(text),
    "windows": lambda text: variants.windows_text(text),
    "cp1252": lambda text: variants.cp1252_text(text),
    "bullets": lambda text: variants.bulleted(text).encode(),
    "bullet-dots": lambda text: variants.bullet_dots(text).encode(),
    "numbered": lambda text: variants.numbered(text).encode(),
    "numbered-paren": lambda text: variants.numbered_paren(text).encode(),
    "headings": lambda text: variants.heading_variants(text).encode(),
}


@pytest.mark.parametrize("rendering", sorted(RENDERINGS))
@pytest.mark.parametrize("path", [S2022, S2023, S2024, P2024], ids=["2022", "2023", "2024-report", "2024-proposal"])
def test_other_renderings_give_the_same_items(path: Path, rendering: str):
    original = parse_seed(path)
    text = path.read_text(encoding="utf-8")
    suffix = ".html" if rendering == "html" else ".txt"
    variant = parse_bytes(path.stem + suffix, RENDERINGS[rendering](text))
    assert signature(variant) == signature(original)
    assert [variant.item_id(it) for it in variant.items] == [original.item_id(it) for it in original.items]
    assert variant.session_id == original.session_id


@pytest.mark.parametrize("path", [S2022, S2023], ids=["2022", "2023"])
def test_hard_wrapped_paragraphs_give_the_same_items(path: Path):
    original = parse_seed(path)
    wrapped = variants.hard_wrapped(path.read_text(encoding="utf-8"))
    assert signature(parse_bytes(path.name, wrapped.encode())) == signature(original)


def test_html_rendering_keeps_metadata_and_drops_scripts():
    doc = parse_bytes("page.html", variants.to_html(S2022.read_text(encoding="utf-8")))
    assert doc.meta.year == 2022 and doc.meta.number == "9"
    assert "dataLayer" not in doc.text and "console.log" not in doc.text


def test_cp1252_file_keeps_curly_quotes():
    text = S2024.read_text(encoding="utf-8")
    doc = parse_bytes("report.txt", variants.cp1252_text(text))
    assert doc.meta.title == "Promoting tech companies to ensure children’s online safety"


def test_heading_variants_keep_the_heading_as_written():
    text = variants.heading_variants(S2022.read_text(encoding="utf-8"))
    doc = parse_bytes("x.txt", text.encode())
    assert [it.section for it in doc.items] == ["Key takeaways"] * 2 + ["Calls to Action"] * 2


def test_session_report_sentences_are_not_calls_to_action():
    doc = parse_seed(S2022)
    assert not any("All parties were called upon" in it.text for it in doc.items)


# ---------------------------------------------------------------- shortcuts taken for speed change nothing

_HEADING_ALPHABET = st.sampled_from(["Key Takeaways", "TAKEAWAYS", "Call to Action", "calls to action:",
                                     "Resolutions and action items", "Follow-up questions", "Unresolved Issues",
                                     "Recommendations", "### Suggested compromises", "Speakers", "SDGs:",
                                     "Targets: 4.7 16.2", "Organizers", "ß", "ﬁ", "ſ", "K", "İ", " ", ":", "–", "-",
                                     "Action", "actions", "question?", "Session Report", "text.", "a", "\u00a0"])
_PAGE_LINES = st.lists(st.lists(_HEADING_ALPHABET, max_size=4).map(" ".join), max_size=40)
_PAGE = _PAGE_LINES.map("\n".join)
SHORTCUTS = settings(max_examples=300, deadline=None, database=None)


@SHORTCUTS
@given(_PAGE)
def test_the_heading_prefilter_keeps_every_line_that_is_an_item_heading(text: str) -> None:
    from tracker.reading.headings import item_heading_kind
    from tracker.reading.parsing import _heading_candidates

    every_line = [i for i, line in enumerate(text.split("\n")) if item_heading_kind(line)]
    assert set(every_line) <= set(_heading_candidates(text))


@SHORTCUTS
@given(_PAGE_LINES)
def test_the_label_shortcut_gives_what_folding_every_line_gives(lines: list[str]) -> None:
    from tracker.reading import metadata

    for line in lines:  # the definition: stripped of spaces and trailing colons, casefolded
        folded = line.strip().rstrip(":").strip().casefold()
        assert (metadata._label(line) in metadata.METADATA_LABELS) == (folded in metadata.METADATA_LABELS)
        assert (metadata._label(line) == "sdgs") == (folded == "sdgs")


@SHORTCUTS
@given(st.text(max_size=300) | st.text(st.characters(max_codepoint=0x3000), max_size=300))
def test_the_control_character_ratio_counts_exactly_the_control_private_and_unassigned_characters(text: str) -> None:
    import unicodedata

    from tracker.reading.text import _control_ratio

    bad = sum(1 for ch in text if unicodedata.category(ch) in ("Cc", "Co", "Cn") and ch not in "\n\r\t\f")
    assert _control_ratio(text) == (bad / len(text) if text else 0.0)
