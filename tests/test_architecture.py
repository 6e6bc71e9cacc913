"""The README's Architecture section matches the tracker/ tree, and the layers import downwards as it says."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tracker"


def _readme_tree() -> set[str]:
    """Every path listed in the Architecture block, as 'tracker/store/db.py' or 'tracker/store/'."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Architecture\n\n```\n(.*?)```", readme, re.S)
    assert block, "README.md has no Architecture block"
    paths, stack = set(), []
    for line in block.group(1).splitlines():
        match = re.match(r"( *)(\S+)", line)
        if not match:
            continue
        depth, name = len(match.group(1)) // 2, match.group(2)
        stack[depth:] = [name]
        paths.add("".join(stack))
    return {p for p in paths if p.startswith("tracker/") and p != "tracker/"}


def _docstring_only(path: Path) -> bool:
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return all(isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) for node in body)


def _actual_tree() -> set[str]:
    paths = set()
    for path in PACKAGE.rglob("*"):
        rel = path.relative_to(ROOT).as_posix()
        if "__pycache__" in rel or "_bundled" in rel or "/model/" in rel:
            continue
        if path.is_dir():
            paths.add(rel + "/")
        elif path.suffix == ".py" and not (path.name == "__init__.py" and _docstring_only(path)):
            paths.add(rel)
    return paths


def test_the_readme_architecture_lists_every_module_and_folder_and_nothing_else():
    listed, actual = _readme_tree(), _actual_tree()
    assert actual - listed == set(), "in tracker/ but not in the README's Architecture section"
    assert listed - actual == set(), "in the README's Architecture section but not in tracker/"


# Lower layers never import higher ones; the README names the exceptions, and so does this list.
LAYERS = {"errors": 0, "resources": 0, "settings": 0, "vocabulary": 0,
          "reading": 1, "store": 2, "analysis": 3, "services": 4, "ui": 5, "cli": 5}
UPWARD: set[tuple[str, str]] = set()


def _imports(path: Path) -> set[str]:
    """Absolute names of the tracker modules (or packages) a module imports from."""
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    package = module.removesuffix(".__init__") if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "tracker":  # from tracker import analysis
                found.update(f"tracker.{alias.name}" for alias in node.names)
            elif target.startswith("tracker."):
                found.add(target)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("tracker."))
    return found


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def test_layers_only_import_downwards():
    upward = set()
    for path in PACKAGE.rglob("*.py"):
        module = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        mine = _layer(module)
        for target in _imports(path):
            theirs = _layer(target)
            if mine is not None and theirs is not None and theirs > mine:
                upward.add((module, target))
    assert upward == UPWARD
