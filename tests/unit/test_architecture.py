"""The dashboard's layout holds: its subpackages import one way (state -> content -> export ->
widgets, see ``dashboard/__init__.py``), no module imports back into a cycle (imports inside
functions count: they do not hide a cycle), only ``widgets`` (and the server's entry) use
Streamlit, and nothing reaches into Streamlit's internals or writes a private attribute."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "dashboard"

# Who may import whom: a subpackage (or top-level module) -> the parts of the dashboard it may import.
ALLOWED = {
    "pages": set(),  # the page registry: a leaf (its content builders are named, imported on use)
    "state": {"pages"},
    "content": {"state", "pages"},
    "export": {"content", "state", "pages"},
    "user_library": {"state"},
    "widgets": {"state", "content", "export", "user_library", "pages"},
    "server": {"state", "user_library", "pages"},
    "__main__": {"state", "content", "export", "pages"},
    "__init__": set(),
}
NO_STREAMLIT = ("pages", "state", "content", "export", "user_library")


def modules() -> dict[str, Path]:
    """{dotted name: path} of every module of the dashboard package."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = path
    return out


def imports(name: str, path: Path) -> list[tuple[str, int]]:
    """(imported module, line) of every import in a module, at any depth (a function's too);
    ``from package import module`` names the module."""
    is_package = path.name == "__init__.py"
    here = name.split(".") if is_package else name.split(".")[:-1]
    known = modules()
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(here[:len(here) - node.level + 1] + ([node.module] if node.module else [])) if node.level \
                else node.module
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.append((full if full in known else base, node.lineno))
    return out


def part(name: str) -> str:
    """The subpackage (or top-level module) a dashboard module belongs to."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: {imported for imported, _ in imports(name, path) if imported in known and imported != name}
            for name, path in known.items()}


def test_subpackages_import_one_way():
    wrong = []
    for name, path in modules().items():
        for imported, line in imports(name, path):
            if imported.startswith("dashboard.") and part(imported) != part(name) \
                    and part(imported) not in ALLOWED[part(name)]:
                wrong.append(f"{path.relative_to(ROOT)}:{line} imports {imported}")
    assert not wrong, "imports against the layering (dashboard/__init__.py):\n" + "\n".join(wrong)


def test_no_import_cycle():
    edges, cycles = graph(), []
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(path[path.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, path + [nxt])
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node, [node])
    assert not cycles, "import cycles (a package's __init__ counts as a module):\n" + "\n".join(cycles)


def test_streamlit_only_in_widgets():
    wrong = [f"{path.relative_to(ROOT)}:{line}" for name, path in modules().items() if part(name) in NO_STREAMLIT
             for imported, line in imports(name, path) if imported.split(".")[0] == "streamlit"]
    assert not wrong, "Streamlit imported outside dashboard.widgets:\n" + "\n".join(wrong)


def _sources():
    yield from (p for p in PACKAGE.rglob("*.py"))
    yield ROOT / "app.py"
    yield from sorted((ROOT / "pages").glob("*.py"))


def test_no_streamlit_internals_and_no_private_writes():
    """Streamlit as documented: no ``streamlit.runtime``/``streamlit.web`` internals imported (the
    command line's ``serve`` starts Streamlit's own command line, ``streamlit.web.cli``), no
    assignment to another object's private attribute."""
    wrong = []
    for path in _sources():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for module in names:
                if module.startswith("streamlit.runtime") or (module.startswith("streamlit.web")
                                                               and path.name != "__main__.py"):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {module}")
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] \
                if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr.startswith("_") \
                        and not (isinstance(target.value, ast.Name) and target.value.id in ("self", "cls")):
                    wrong.append(f"{path.relative_to(ROOT)}:{node.lineno} writes {ast.unparse(target)}")
    assert not wrong, "\n".join(wrong)


def test_the_core_never_imports_the_dashboard():
    wrong = [f"{path.relative_to(ROOT)}:{node.lineno}" for path in (ROOT / "costmodel").rglob("*.py")
             for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, (ast.Import, ast.ImportFrom))
             and any((n or "").split(".")[0] == "dashboard"
                     for n in ([a.name for a in node.names] if isinstance(node, ast.Import) else [node.module]))]
    assert not wrong, wrong
