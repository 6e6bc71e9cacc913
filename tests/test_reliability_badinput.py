"""Bad input: whatever a user drops on the loader, it answers quickly with a document or one clear error.

Generated with hypothesis: random text and bytes, text in many encodings, pages assembled from
real page fragments with headings repeated thousands of times, huge lines, HTML with scripts, and a
real 50 MB file. The loader must never raise anything but ``BadInput`` from parsing, never take
unbounded time, and leave the database exactly as it was when a file fails.
"""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from tracker.reading.models import BadInput, Document, normalize_text
from tracker.reading.parsed import parse_bytes
from tracker.reading.text import MAX_BYTES
from tracker.store import Store
from tracker.store.loading import load_files, load_paths

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
TABLES = ("schema_migrations", "sessions", "documents", "items", "occurrences", "history")

# No example database on disk (the work tree stays clean); bounded examples keep the file under a minute.
FAST = settings(max_examples=150, deadline=2000, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
SLOW = settings(max_examples=25, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])


def check_parse(name: str, data: bytes, budget_s: float = 10.0) -> Document | None:
    """Parse; a failure must be BadInput with one line naming the file. Returns the document or None."""
    started = time.perf_counter()
    try:
        doc = parse_bytes(name, data)
    except BadInput as exc:
        message = str(exc)
        assert message.startswith(f"{name}: ") and len(message) > len(name) + 5
        assert "\n" not in message and len(message) < 300
        doc = None
        _note(f"refused: {exc.reason.split('(')[0].strip()}")
    elapsed = time.perf_counter() - started
    assert elapsed < budget_s, f"{len(data)} bytes took {elapsed:.1f} s"
    if doc is not None:
        _note(f"parsed: {doc.page_kind}, {'some' if doc.items else 'no'} items")
        _check_document(doc)
    return doc


def _note(label: str) -> None:
    """Count outcomes in hypothesis' statistics (--hypothesis-show-statistics) to see what was covered."""
    if currently_in_test_context():
        event(label)


def _check_document(doc: Document) -> None:
    """Whatever was found is consistent: ids unique, offsets inside the text and pointing at the item."""
    assert doc.page_kind in ("outcomes", "glance", "proposal")
    assert doc.session_id
    ids = [doc.item_id(i) for i in doc.items]
    assert len(ids) == len(set(ids))
    positions = [o.position for i in doc.items for o in i.occurrences]
    assert sorted(positions) == list(range(len(positions)))
    for item in doc.items:
        assert item.text.strip() and item.kind in ("takeaway", "action", "question")
        for occ in item.occurrences:
            assert 0 <= occ.start <= occ.end <= len(doc.text)
            assert normalize_text(doc.text[occ.start:occ.end]) == normalize_text(item.text)


# ---------------------------------------------------------------- random text and bytes, many encodings

@FAST
@given(st.binary(max_size=20_000))
def test_random_bytes_give_a_document_or_one_clear_error(data: bytes) -> None:
    check_parse("random.txt", data)


@FAST
@given(st.text(max_size=5_000),
       st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-32", "cp1252", "latin-1", "gb18030",
                        "shift_jis", "koi8-r", "mac-roman"]),
       st.sampled_from(["page.txt", "page.html", "page.md", "page"]))
def test_random_text_in_any_encoding_gives_a_document_or_one_clear_error(text: str, encoding: str,
                                                                          name: str) -> None:
    check_parse(name, text.encode(encoding, errors="replace"))


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252", "utf-8-sig"])
def test_seed_pages_in_other_encodings_give_the_same_items(encoding: str) -> None:
    for path in sorted(SEEDS.iterdir()):
        text = path.read_text(encoding="utf-8")
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            continue  # e.g. an emoji has no cp1252 byte; the UTF-16 case covers those pages
        reference = parse_bytes(path.name, path.read_bytes())
        doc = parse_bytes(path.name, data)
        assert [reference.item_id(i) for i in reference.items] == [doc.item_id(i) for i in doc.items]
        assert doc.session_id == reference.session_id


def test_text_in_an_east_asian_encoding_is_refused_or_read_without_crashing() -> None:
    page = "IGF 2024 Open Forum #6 儿童在线安全\n\nKey Takeaways\n\n科技公司必须在保护儿童方面发挥积极作用。\n"
    for encoding in ("gb18030", "big5", "shift_jis", "euc-kr"):
        check_parse("page.txt", page.encode(encoding, errors="replace"))


# ---------------------------------------------------------------- pages built from real fragments

_HEADINGS = ["Key Takeaways", "Key Takeaways (* deadline 2 hours after session)", "Call to Action",
             "Calls to Action (* deadline 2 hours after session)", "## Key Takeaways", "**Call to Action**",
             "Resolutions and Action Items", "Unresolved Issues", "Follow-up Questions", "Suggested Compromises",
             "Takeaways", "Key Takeaways and Action Items", "Session Report", "Summary", "Speakers", "SDGs",
             "Session at a Glance", "Description", "Disclaimer: this is not an official record", "Speaker",
             "Explanation", "Key Points", "Onsite Moderator"]
_LINES = ["IGF 2023 Open Forum #15 Protecting children online", "Open Forum #6 Promoting tech companies",
          "IGF 2022 Launch / Award Event #9: Launches of group standards", "Tuesday, 10th October, 2023",
          "Governments should fund digital literacy programmes.", "- Tech companies to adopt safety by design",
          "• UNICEF to continue research", "1. Strengthen cooperation", "2) Publish the report", "(3) Review laws",
          "and continue the work in 2025.", "How can AI be used in education?", "Ming Yan, Civil Society, CUC",
          "16.1 16.2", "Short Title Case Line", "", "", "   ", "\t- nested item with tab",
          "<script>alert('x')</script>", "**bold** and _italic_ [link](http://example.org)", "#", "- ", "1.",
          "(* deadline 2 hours after session)", "Speech speed", "178 words per minute"]

# random text without control characters: those make a file "binary", which the other tests cover
fragment = st.one_of(st.sampled_from(_HEADINGS), st.sampled_from(_LINES), st.sampled_from(_LINES),
                     st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc", "Co", "Cn"]),
                             max_size=200))


@st.composite
def assembled_pages(draw: st.DrawFn) -> str:
    """A page of real fragments in random order; a block of them may repeat hundreds of times."""
    lines = draw(st.lists(fragment, max_size=60))
    block = draw(st.lists(fragment, min_size=1, max_size=6))
    repeats = draw(st.sampled_from([0, 1, 10, 300, 3000]))
    at = draw(st.integers(0, len(lines)))
    return "\n".join(lines[:at] + block * repeats + lines[at:])


@pytest.mark.slow
@FAST
@given(assembled_pages(), st.sampled_from(["\n", "\r\n", "\r"]))
def test_pages_assembled_from_fragments_parse_quickly_and_consistently(page: str, newline: str) -> None:
    check_parse("assembled.txt", page.replace("\n", newline).encode("utf-8"), budget_s=2.0)


@pytest.mark.slow
def test_deeply_repeated_headings_stay_fast() -> None:
    for page in ("Key Takeaways\n" * 200_000, "Key Takeaways\nDo it.\n" * 100_000,
                 "Follow-up Questions\nSpeaker\n" * 100_000, "- Key Takeaways\n  - Call to Action\n" * 100_000):
        check_parse("repeated.txt", page.encode("utf-8"), budget_s=15.0)


@pytest.mark.slow
def test_huge_lines_stay_fast() -> None:
    doc = check_parse("huge.txt", b"IGF 2023 Open Forum #1 A title\n\nKey Takeaways\n\n" + b"word " * 1_000_000
                      + b"\n\nCall to Action\n\nGovernments should act.\n", budget_s=15.0)
    # a 5 MB item is refused fast, naming the per-item limit, instead of loading for minutes
    assert doc is None
    with pytest.raises(BadInput, match="characters"):
        parse_bytes("huge.txt", b"IGF 2023 Open Forum #1 A title\n\nKey Takeaways\n\n" + b"word " * 1_000_000)
    check_parse("huge.txt", b"Key Takeaways " + b"x" * 5_000_000, budget_s=15.0)
    check_parse("huge.html", b"<html><body><p>" + b"<b>a</b>" * 500_000 + b"</p></body></html>", budget_s=30.0)


# ---------------------------------------------------------------- HTML with scripts

_HOSTILE_HTML = """<!DOCTYPE html><html><head><title>IGF</title>
<script>var takeaways = "Key Takeaways"; document.write('<p>injected</p>'); alert('head');</script>
<style>p::before { content: "Call to Action" }</style></head>
<body onload="alert('body')"><h1>IGF 2023 Open Forum #15 Protecting children online</h1>
<h2>Key Takeaways</h2>
<p>Governments should fund digital literacy.<script>alert('inside an item')</script></p>
<p onclick="alert('click')">Write &lt;script&gt;alert(1)&lt;/script&gt; literally, it is text.</p>
<noscript>Enable JavaScript</noscript><iframe src="javascript:alert(2)"></iframe>
<h2>Call to Action</h2><ul><li>Companies should adopt <b>safety</b> by design.</li></ul>
<script type="module">import("http://evil.example/x.js")</script>
</body></html>"""


def test_html_scripts_and_styles_never_become_items() -> None:
    doc = check_parse("hostile.html", _HOSTILE_HTML.encode("utf-8"))
    assert doc is not None
    texts = [i.text for i in doc.items]
    assert texts == ["Governments should fund digital literacy.",
                     "Write <script>alert(1)</script> literally, it is text.",
                     "Companies should adopt safety by design."]
    assert "alert('" not in doc.text and "evil.example" not in doc.text and "document.write" not in doc.text


_TAGS = ["p", "div", "h2", "li", "ul", "script", "style", "b", "br", "table", "td", "tr", "span", "pre", "a"]


@st.composite
def html_pages(draw: st.DrawFn) -> str:
    parts = ["<html><body>"]
    for _ in range(draw(st.integers(0, 40))):
        tag = draw(st.sampled_from(_TAGS))
        inner = draw(st.one_of(fragment, st.sampled_from(_HEADINGS)))
        closed = draw(st.booleans())
        parts.append(f"<{tag}>{inner}" + (f"</{tag}>" if closed else ""))
    return "".join(parts) + draw(st.sampled_from(["</body></html>", "", "<script>"]))


@FAST
@given(html_pages())
def test_random_html_gives_a_document_or_one_clear_error(page: str) -> None:
    doc = check_parse("page.html", page.encode("utf-8"))
    if doc is not None:
        assert "<script" not in doc.text.replace("&lt;script", "")  # script elements are dropped, never text


# ---------------------------------------------------------------- failed files leave the database unchanged

def snapshot(store: Store) -> dict[str, str]:
    """A digest of every table's rows, to compare before and after a failed load."""
    def digest(con) -> dict[str, str]:
        out = {}
        for table in TABLES:
            rows = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            out[table] = hashlib.sha256(repr(rows).encode()).hexdigest()
        return out
    return store.read(digest)


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = Store(tmp_path_factory.mktemp("badinput") / "tracker.duckdb")
    assert load_paths([SEEDS], store).ok
    return store


_BAD_STARTS = [b"", b"   \n\t", b"%PDF-1.7\n", b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0",
               b"\xd0\xcf\x11\xe0", b"\x00\x00\x00", b"\xff\xfe\x00\xd8"]
bad_files = st.one_of(
    st.builds(lambda head, tail: head + tail, st.sampled_from(_BAD_STARTS), st.binary(max_size=2_000)),
    st.binary(min_size=1, max_size=5_000).map(lambda b: b + b"\x00\x01\x02" * 50),
    st.text(st.characters(codec="ascii", categories=["Ll", "Zs"]), min_size=1, max_size=3_000).map(str.encode),
)


@pytest.mark.slow
@SLOW
@given(data=bad_files, name=st.sampled_from(["000_b1319ff3bb3a17cc.txt", "new.txt", "report.html"]))
def test_a_failed_file_leaves_the_database_unchanged(loaded_store: Store, data: bytes, name: str) -> None:
    before = snapshot(loaded_store)
    report = load_files([(name, data)], loaded_store)
    result = report.results[0]
    event(result.status)
    if result.status == "failed":
        assert result.error.startswith(name) and "\n" not in result.error
        assert snapshot(loaded_store) == before
    else:  # lower-case prose is no session page; anything accepted must be a recognizable page
        assert result.status in ("added", "updated")


def test_a_50_mb_file_is_refused_quickly_and_changes_nothing(loaded_store: Store, tmp_path: Path) -> None:
    big = tmp_path / "all_sessions_dump.txt"
    chunk = (SEEDS / "002_5760351643d73f78.txt").read_bytes()
    with big.open("wb") as out:
        while out.tell() < 50 * 2**20:
            out.write(chunk)
    assert big.stat().st_size > MAX_BYTES
    before = snapshot(loaded_store)
    started = time.perf_counter()
    report = load_paths([big, SEEDS / "000_b1319ff3bb3a17cc.txt"], loaded_store)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"refusing a 50 MB file took {elapsed:.1f} s"
    failed = report.failed
    assert [r.source for r in failed] == ["all_sessions_dump.txt"]
    assert "file too large" in failed[0].error and "52.4 MB" in failed[0].error and "limit 20 MB" in failed[0].error
    assert report.results[1].status == "unchanged"
    assert snapshot(loaded_store) == before
    # the same bytes as an upload
    report = load_files([("upload.txt", big.read_bytes())], loaded_store)
    assert "file too large" in report.failed[0].error
    assert snapshot(loaded_store) == before
