"""Build step: copy the repository's top-level seeds/ and data/themes.toml into the wheel.

They stay where they are in the checkout; an installed package finds its copies in tracker/_bundled/
(tracker/resources.py). Everything else is configured in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildPyWithBundled(build_py):
    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "tracker" / "_bundled"
        shutil.rmtree(target, ignore_errors=True)  # no leftovers from an earlier build
        target.mkdir(parents=True)
        shutil.copytree(ROOT / "seeds", target / "seeds")
        shutil.copy2(ROOT / "data" / "themes.toml", target / "themes.toml")


setup(cmdclass={"build_py": BuildPyWithBundled})
