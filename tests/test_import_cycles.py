"""Imports flow one way (DESIGN §2): no module of the package imports itself back, by any path.

Every ``import`` counts — at the top, inside a function, under ``if TYPE_CHECKING:`` — since each
is a dependency a reader has to follow. The graph is read from the source with ``ast`` (nothing
is imported), so the test also sees imports that only run on some path.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import tinygrad_edu

PACKAGE_DIR = Path(tinygrad_edu.__file__).parent


def module_files(package_dir: Path) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` file under ``package_dir``."""
    found: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = [package_dir.name, *path.relative_to(package_dir).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def _imported(
    name: str, path: Path, node: ast.Import | ast.ImportFrom, files: dict[str, Path]
) -> list[str]:
    """The dotted names one import statement of module ``name`` (file ``path``) refers to."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        here = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        base = here[: len(here) - node.level + 1]
        module = ".".join([*base, node.module] if node.module else base)
    else:
        module = node.module or ""
    # ``from pkg import sub`` names the submodule ``pkg.sub`` when there is one, else pkg itself
    return [
        f"{module}.{alias.name}" if f"{module}.{alias.name}" in files else module
        for alias in node.names
    ]


def import_graph(package_dir: Path) -> dict[str, set[str]]:
    """Module → the package's modules it imports (any import statement anywhere in it)."""
    files = module_files(package_dir)
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        deps: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import | ast.ImportFrom):
                deps.update(n for n in _imported(name, path, node, files) if n in files)
        deps.discard(name)
        graph[name] = deps
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))
    return groups


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root / "pkg"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param(  # a top-level import one way, a function-level import back
            {
                "pkg/__init__.py": "",
                "pkg/a.py": "from .b import f\n",
                "pkg/b.py": "def f():\n    from . import a\n",
            },
            [["pkg.a", "pkg.b"]],
            id="function-level",
        ),
        pytest.param(  # a type-only import back, three modules around
            {
                "pkg/__init__.py": "",
                "pkg/a.py": "import pkg.b\n",
                "pkg/b.py": "from pkg.sub.c import x\n",
                "pkg/sub/__init__.py": "",
                "pkg/sub/c.py": "from typing import TYPE_CHECKING\n"
                "if TYPE_CHECKING:\n    from ..a import y\n",
            },
            [["pkg.a", "pkg.b", "pkg.sub.c"]],
            id="type-checking",
        ),
        pytest.param(  # one way only: no cycle
            {
                "pkg/__init__.py": "from .a import f\n",
                "pkg/a.py": "from .b import g\nimport numpy\n",
                "pkg/b.py": "import os\n",
            },
            [],
            id="one-way",
        ),
        pytest.param(  # submodules importing siblings through the package: no cycle
            {
                "pkg/__init__.py": "from .a import f\nfrom .b import g\n",
                "pkg/a.py": "from . import b\n",
                "pkg/b.py": "x = 1\n",
            },
            [],
            id="from-package-import-submodule",
        ),
        pytest.param(  # a submodule taking a name from its package's __init__: a real cycle
            {
                "pkg/__init__.py": "from .a import f\n",
                "pkg/a.py": "from . import g\n",
            },
            [["pkg", "pkg.a"]],
            id="name-from-own-package",
        ),
    ],
)
def test_the_detector_finds_cycles_of_every_kind(
    tmp_path: Path, files: dict[str, str], expected: list[list[str]]
) -> None:
    assert cycles(import_graph(_write(tmp_path, files))) == expected


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph(PACKAGE_DIR)
    assert "tinygrad_edu.viz.trace" in graph and "tinygrad_edu.tour.graphs" in graph
    found = cycles(graph)
    assert found == [], "import cycles: " + "; ".join(" ↔ ".join(c) for c in found)
