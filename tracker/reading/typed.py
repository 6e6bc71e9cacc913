"""Text a person types (notes, owners, titles, names): kept as typed, without the control characters (NUL, ESC,
BEL …) that break exports and terminals. Pages are cleaned by ``text.clean_text`` instead."""

from __future__ import annotations

import re

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """What people type, without control characters; line breaks kept, as newlines."""
    return CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def clean_title(title: object) -> str:
    """A title on one line, without control characters (ESC, BEL … break spreadsheet exports)."""
    return " ".join(clean_text(str(title or "")).split())
