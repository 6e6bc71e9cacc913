"""Where the bundled files are: the seed pages, the theme taxonomy and the default database.

In a checkout they are the repository's own ``seeds/`` and ``data/themes.toml`` (edit those). An
installed package (``pip install .``) carries copies under ``tracker/_bundled/``, put there at build
time by ``setup.py`` (the repository keeps its top-level ``seeds/`` and ``data/``), and uses them.

The default database is ``data/tracker.duckdb`` in the checkout; outside a checkout it is
``data/tracker.duckdb`` under the current directory. ``$TRACKER_DB`` (or ``--db``) overrides both.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
CHECKOUT_ROOT = PACKAGE_DIR.parent
BUNDLED_DIR = PACKAGE_DIR / "_bundled"
DB_NAME = Path("data") / "tracker.duckdb"


def in_checkout() -> bool:
    """True when this package is the ``tracker/`` folder of a repository checkout (or editable install)."""
    return ((CHECKOUT_ROOT / "pyproject.toml").is_file() and (CHECKOUT_ROOT / "seeds").is_dir()
            and (CHECKOUT_ROOT / "data" / "themes.toml").is_file())


def seeds_dir() -> Path:
    """The folder of seed session pages (the default data set)."""
    return CHECKOUT_ROOT / "seeds" if in_checkout() else BUNDLED_DIR / "seeds"


def themes_file() -> Path:
    """The theme taxonomy shipped with the tracker (``$TRACKER_THEMES`` may point elsewhere)."""
    return CHECKOUT_ROOT / "data" / "themes.toml" if in_checkout() else BUNDLED_DIR / "themes.toml"


def default_db() -> Path:
    """The checkout's data/tracker.duckdb; outside a checkout a path relative to the current directory."""
    return CHECKOUT_ROOT / DB_NAME if in_checkout() else DB_NAME
