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


# Lower layers never import higher ones; the README names the exceptions.
LAYERS = {"errors": 0, "resources": 0, "settings": 0, "vocabulary": 0,
          "reading": 1, "store": 2, "analysis": 3, "services": 4, "ui": 5, "cli": 5}
PAGES = "tracker.ui.pages."
SHARED_PAGE = "tracker.ui.pages.common"  # what every page shares; the one page module others may import

# Every rule break the code has today, one line each. The tests below require this set to match exactly: a new
# break fails, and so does a fixed one still listed, so the list only shrinks (delete a line when its fix lands).
#   ("upward", importer, imported)        a lower layer importing a higher one
#   ("private", importer, "module._name")  a leading-underscore name taken from another tracker module
#   ("page", importer, imported)          one dashboard page importing another (common.py excepted)
#   ("cycle", "a -> b -> ...")            modules that import each other, directly or round a loop (the
#                                         members of one strongly connected component, sorted)
KNOWN_VIOLATIONS: set[tuple[str, ...]] = set()  # none left; a break that must stay is listed here with why


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


MODULES = {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py")) if "_bundled" not in path.parts}


def _resolve(node: ast.ImportFrom, path: Path) -> str:
    """The absolute module name of a `from X import ...`."""
    if not node.level:
        return node.module or ""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rsplit(".", 1)[0]
    base = package.split(".")[: len(package.split(".")) - node.level + 1]
    return ".".join(base + ([node.module] if node.module else []))


def _import_edges(path: Path) -> list[tuple[str, str]]:
    """(tracker module imported, name taken from it or "") for every import in a module, at any depth (an import
    inside a function is still a dependency). `from tracker.store import db` counts as importing the submodule
    tracker.store.db; `from tracker.store import Store` as importing the package tracker.store."""
    edges = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(node, path)
            if target != "tracker" and not target.startswith("tracker."):
                continue
            for alias in node.names:
                submodule = f"{target}.{alias.name}"
                edges.append((submodule, "") if submodule in MODULES else (target, alias.name))
        elif isinstance(node, ast.Import):
            edges.extend((alias.name, "") for alias in node.names if alias.name.startswith("tracker."))
    return edges


def _module_aliases(path: Path) -> dict[str, str]:
    """Local name -> tracker module, for the modules a file binds to a name (`from ..services import editing`,
    `import tracker.store.db as db`), so that `editing._apply` is seen as well as `from ... import _apply`."""
    aliases = {}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            target = _resolve(node, path)
            for alias in node.names:
                if f"{target}.{alias.name}" in MODULES:
                    aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in MODULES:
                    aliases[alias.asname] = alias.name
    return aliases


def _layer(module: str) -> int | None:
    parts = module.split(".")
    return LAYERS.get(parts[1]) if len(parts) > 1 else None


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _graph() -> dict[str, set[str]]:
    return {module: {target for target, _ in _import_edges(path) if target in MODULES and target != module}
            for module, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> set[str]:
    """Every strongly connected component of more than one module (Tarjan), as its sorted members joined."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.add(" -> ".join(sorted(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _violations() -> set[tuple[str, ...]]:
    found: set[tuple[str, ...]] = set()
    for module, path in MODULES.items():
        for target, name in _import_edges(path):
            mine, theirs = _layer(module), _layer(target)
            if mine is not None and theirs is not None and theirs > mine:
                found.add(("upward", module, target))
            if name and _private(name) and target != module:
                found.add(("private", module, f"{target}.{name}"))
            if (module.startswith(PAGES) and target.startswith(PAGES) and target not in (module, SHARED_PAGE)):
                found.add(("page", module, target))
        aliases = _module_aliases(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and _private(node.attr) and aliases[node.value.id] != module):
                found.add(("private", module, f"{aliases[node.value.id]}.{node.attr}"))
    found.update(("cycle", cycle) for cycle in _cycles(_graph()))
    return found


def _kind(kind: str) -> tuple[set[tuple[str, ...]], set[tuple[str, ...]]]:
    """(found, listed) violations of one kind."""
    return ({v for v in _violations() if v[0] == kind}, {v for v in KNOWN_VIOLATIONS if v[0] == kind})


def _check(kind: str, what: str) -> None:
    found, listed = _kind(kind)
    assert found - listed == set(), f"{what}: fix these (or, for a known break, list it in KNOWN_VIOLATIONS)"
    assert listed - found == set(), f"fixed, so take these off KNOWN_VIOLATIONS: {sorted(listed - found)}"


def test_layers_only_import_downwards():
    _check("upward", "a lower layer imports a higher one")


def test_no_private_name_is_imported_from_another_module():
    _check("private", "a leading-underscore name is used outside its module: make it public or move the code")


def test_no_page_imports_another_page():
    _check("page", "a dashboard page imports another page: move what they share to common.py or below")


def test_no_import_cycle_among_tracker_modules():
    _check("cycle", "modules import each other (imports inside functions count)")


def test_the_checks_see_what_they_are_meant_to_see():
    """The scanner itself: it finds a private import, a page import, a module alias and a cycle when shown them."""
    assert _private("_apply") and not _private("__version__") and not _private("apply")
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {"a -> b -> c"}
    assert _cycles({"a": {"b"}, "b": set()}) == set()
    assert ("tracker.ui.pages.common", "") in _import_edges(MODULES["tracker.ui.pages.overview"])


def test_every_public_name_of_the_package_is_there_and_a_command_imports_only_what_it_needs() -> None:
    """`from tracker import X` works for every name in `tracker.__all__` (they are imported on first use), and
    a command such as `tracker set` does not pay for the reading, analysis or dashboard layers."""
    import subprocess
    import sys

    import tracker

    for name in tracker.__all__:
        assert getattr(tracker, name) is not None, name
    # the type checker's imports name the same public names
    tree = ast.parse((ROOT / "tracker" / "__init__.py").read_text(encoding="utf-8"))
    guarded = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    typed = {alias.name for node in guarded.body if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert typed == set(tracker.__all__)
    heavy = ("tracker.reading.parsed", "tracker.analysis", "tracker.ui", "bs4", "streamlit")
    script = f"import sys, tracker.cli; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]", (done.stdout, done.stderr[-2000:])
