"""Reading session pages: bytes -> clean text -> ``Document``. Plain objects only; no database here."""
