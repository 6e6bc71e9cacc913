"""Bytes to clean text: encoding, HTML, PDF and Word (pdf.py, docx.py), line endings, and the checks that
reject bad files."""

from __future__ import annotations

import re
import stat
import unicodedata
from pathlib import Path

from bs4 import UnicodeDammit
from inscriptis import get_text
from inscriptis.model.config import ParserConfig

from .docx import is_docx
from .models import BadInput

MAX_BYTES = 20 * 1024 * 1024  # far above any real session page; keeps a stray dump from stalling a load
# A session page has a few hundred lines and a few small tables. These bound the time and memory of one page
# (an HTML table costs about 75 MB of memory per MB while it is laid out as text).
MAX_LINES = 100_000
MAX_TABLE_CELLS = 50_000
_TABLE_CELL = re.compile(rb"<t[dh][\s>/]", re.IGNORECASE)
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}

_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t\f\v]")
# control characters (BEL, ESC …) go too: they ring terminals and make spreadsheets refuse the whole file
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f]")
_SPACE_OR_INVISIBLE = re.compile(r"[\u00a0\u2000-\u200d\u202f\u205f\u3000\t\f\v\u2060\ufeff\u00ad"
                                 r"\x00-\x08\x0e-\x1f\x7f]")
_LOOKS_HTML = re.compile(rb"^\s*(<!doctype html|<html|<head|<body|<meta|<div|<p[ >])", re.IGNORECASE)


def looks_like_html(data: bytes, name: str = "") -> bool:
    return Path(name).suffix.lower() in HTML_SUFFIXES or bool(_LOOKS_HTML.match(data[:2048]))


def decode_bytes(data: bytes, source: str) -> str:
    """Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BadInput(source, f"undecodable UTF-16 text at byte {exc.start}") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise BadInput(
                source,
                f"undecodable bytes: not UTF-8 or Windows-1252 (byte 0x{data[utf8_error.start]:02x} "
                f"at offset {utf8_error.start})",
            ) from None
        # cp1252 maps nearly every byte; random binary still decodes, so check it reads as text
        if _control_ratio(text) > 0.01:
            raise BadInput(source, f"undecodable bytes: not UTF-8 text (offset {utf8_error.start})") from None
        return text


_BAD_CATEGORIES = ("Cc", "Co", "Cn")  # control, private use, unassigned: what binary decoded as text is made of
# Blocks that real pages are written in (Latin, Greek, Cyrillic, punctuation, symbols, CJK, Hangul).
_TEXT_BLOCKS = [(0x20, 0x7E), (0xA0, 0x52F), (0x1E00, 0x1FFF), (0x2000, 0x2BFF), (0x3000, 0x30FF),
                (0x4E00, 0x9FFF), (0xAC00, 0xD7A3)]


def _not_plain_pattern() -> re.Pattern[str]:
    """Characters outside the plain-text blocks; only those are classified one by one. A positive class,
    not a negated one: re scans for a positive class in C, a negated one restarts at every character."""
    plain = sorted({cp for lo, hi in _TEXT_BLOCKS for cp in range(lo, hi + 1)
                    if unicodedata.category(chr(cp)) not in _BAD_CATEGORIES} | {ord(c) for c in "\t\n\f\r"})
    gaps, start = [], 0
    for cp in [*plain, 0x110000]:  # the gaps between plain characters are the class
        if cp > start:
            gaps.append(re.escape(chr(start)) + ("-" + re.escape(chr(cp - 1)) if cp - 1 > start else ""))
        start = cp + 1
    return re.compile("[" + "".join(gaps) + "]")


_NOT_PLAIN = _not_plain_pattern()


def _control_ratio(text: str) -> float:
    if not text:
        return 0.0
    sample = text[:200_000]
    # one regex pass finds the rare characters outside common text blocks; each distinct one is classified once
    rare = "".join(_NOT_PLAIN.findall(sample))
    bad = sum(rare.count(ch) for ch in set(rare) if unicodedata.category(ch) in _BAD_CATEGORIES)
    return bad / len(sample)


def html_to_text(html: str) -> str:
    # inscriptis lays out block elements and lists like a browser would, and drops scripts/styles
    return get_text(html, ParserConfig(display_links=False, display_images=False))


def clean_page_text(text: str) -> str:
    """One canonical text per page: LF line endings, plain spaces, no invisible or control characters."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _SPACE_OR_INVISIBLE.search(text):  # most pages have neither: one scan instead of two
        text = _SPACES.sub(" ", _INVISIBLE.sub("", text))
    text = unicodedata.normalize("NFC", text)
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n") + "\n"


def bytes_to_text(data: bytes, source: str) -> str:
    """Turn a file's bytes into the clean text the parser reads, or raise BadInput with the reason."""
    if not data.strip():
        raise BadInput(source, "empty file")
    if len(data) > MAX_BYTES:
        raise BadInput(source, f"file too large ({len(data) / 1e6:.1f} MB; limit {MAX_BYTES // 2**20} MB)")
    if data.lstrip()[:5] == b"%PDF-":
        from .pdf import pdf_to_text

        return _checked(pdf_to_text(data, source), source)
    if is_docx(data, source):
        from .docx import docx_to_text

        return _checked(docx_to_text(data, source), source)
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise BadInput(source, "old Word or Office file (.doc): save it as .docx or PDF, or paste the text")
    if data[:4] in (b"PK\x03\x04", b"\x89PNG") or data[:3] == b"\xff\xd8\xff":
        raise BadInput(source, "binary file (archive or image), not a session page")
    if b"\x00" in data[:8192] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise BadInput(source, "binary file (contains NUL bytes), not a session page")
    if looks_like_html(data, source):
        cells = len(_TABLE_CELL.findall(data))
        if cells > MAX_TABLE_CELLS:
            raise BadInput(source, f"HTML with {cells:,} table cells (limit {MAX_TABLE_CELLS:,}): not a session "
                                   "page; save the page's text as .txt if it really is one")
        dammit = UnicodeDammit(data, is_html=True)
        if dammit.unicode_markup is None:
            raise BadInput(source, "undecodable bytes in HTML file")
        text = html_to_text(dammit.unicode_markup)
    else:
        text = decode_bytes(data, source)
        if _control_ratio(text) > 0.01:
            raise BadInput(source, "binary file (control characters), not a session page")
    return _checked(text, source)


def _checked(text: str, source: str) -> str:
    lines = text.count("\n") + 1
    if lines > MAX_LINES:  # counted before cleaning, which would copy the text line by line
        raise BadInput(source, f"too long for a session page ({lines:,} lines; limit {MAX_LINES:,})")
    text = clean_page_text(text)
    if not text.strip():
        raise BadInput(source, "no text in file")
    return text


def read_file(path: Path, source: str | None = None) -> bytes:
    """A file's bytes, refused before reading when it is not a regular file (a pipe would block, a device
    never ends) or larger than MAX_BYTES; at most MAX_BYTES + 1 bytes are read even if it grows meanwhile."""
    source = source or path.name
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise BadInput(source, "not a regular file (a folder, pipe or device); give the page's file")
        if info.st_size > MAX_BYTES:
            raise BadInput(source, f"file too large ({info.st_size / 1e6:.1f} MB; limit {MAX_BYTES // 2**20} MB)")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise BadInput(source, f"cannot read file ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise BadInput(source, f"file too large (over {MAX_BYTES // 2**20} MB)")
    return data


def read_path(path: Path) -> tuple[bytes, str]:
    """The raw bytes and clean text of one file."""
    data = read_file(path)
    return data, bytes_to_text(data, path.name)
