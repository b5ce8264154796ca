"""The layout is the data flow: no import cycle, and no stage imports a later one.

Every import counts, at the top of a file or inside a function (an import moved into a
function still runs, so it can still close a loop), and so does a typing-only one.
"""

from __future__ import annotations

import ast
from pathlib import Path

from agent.extract.pipeline import cache_inputs

AGENT = Path(__file__).resolve().parent.parent / "agent"

# Lowest first; a module may import its own layer and those below it. The shared records,
# settings and errors lie under every stage; the Python API (`corpus`) stands on the stages;
# evaluation measures the product through that API; the CLI and the package's face on top.
LAYERS: list[set[str]] = [
    {"agent.models", "agent.errors", "agent.settings", "agent.timing", "agent.progress", "agent.schemas", "agent.data"},
    {"agent.text"},
    {"agent.model"},
    {"agent.ingest"},
    {"agent.index"},
    {"agent.extract"},
    {"agent.graph"},
    {"agent.answer"},
    {"agent.output"},
    {"agent.corpus"},
    {"agent.evaluation"},
    {"agent.cli", "agent.kept_ask", "agent"},
]
MAX_TOP_LEVEL_MODULES = 10


def module_names(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package at `root` (a package's
    `__init__.py` is the package's own name)."""
    names = {}
    for path in sorted(root.rglob("*.py")):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def import_graph(root: Path) -> dict[str, set[str]]:
    """Module -> the package's modules it imports, anywhere in its file. Importing
    `agent.x.y` from outside `agent.x` also runs `agent.x`'s `__init__`, so that is an
    edge too."""
    modules = module_names(root)
    top = root.name
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the importer's package
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base for alias in node.names]
            for target in targets:
                if target.split(".")[0] != top:
                    continue
                while target not in modules:  # `import agent.x.y` as a name: the module that holds it
                    target = target.rpartition(".")[0]
                graph[name].add(target)
                parts = target.split(".")
                for depth in range(2, len(parts)):  # the parent packages it runs, the top one aside
                    parent = ".".join(parts[:depth])
                    if not (name == parent or name.startswith(parent + ".")):
                        graph[name].add(parent)
            graph[name].discard(name)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def layer_of(module: str) -> int | None:
    for depth, layer in enumerate(LAYERS):
        if any(module == owner or (owner != "agent" and module.startswith(owner + ".")) for owner in layer):
            return depth
    return None


def back_arrows(graph: dict[str, set[str]]) -> list[str]:
    return [
        f"{source} -> {target}"
        for source, targets in sorted(graph.items())
        for target in sorted(targets)
        if layer_of(source) is not None and layer_of(target) is not None and layer_of(source) < layer_of(target)
    ]


def test_no_import_cycle() -> None:
    assert cycles(import_graph(AGENT)) == []


def test_no_stage_imports_a_later_one() -> None:
    graph = import_graph(AGENT)
    assert [m for m in graph if layer_of(m) is None] == [], "a module outside every layer: add its package to LAYERS"
    assert back_arrows(graph) == []


def test_few_modules_at_the_top() -> None:
    top = [p.name for p in AGENT.glob("*.py")]
    assert len(top) <= MAX_TOP_LEVEL_MODULES, sorted(top)


def test_the_checks_see_a_cycle_inside_a_function(tmp_path: Path) -> None:
    package = tmp_path / "agent"
    (package / "text").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "text" / "__init__.py").write_text("from agent.text.words import split\n")
    (package / "text" / "words.py").write_text("def split(s):\n    from agent.corpus import Corpus\n    return Corpus\n")
    (package / "corpus.py").write_text("from agent.text import words\n\nclass Corpus: ...\n")
    graph = import_graph(package)
    assert cycles(graph) == [["agent.corpus", "agent.text", "agent.text.words"]]
    assert back_arrows(graph) == ["agent.text.words -> agent.corpus"]


def test_the_extraction_cache_key_covers_all_extraction_reads() -> None:
    """A change to any module extraction runs (a sentence splitter, the injection check) or to
    any shipped data file must change the cache key, or stale records are served."""
    graph = import_graph(AGENT)
    reached, todo = set(), ["agent.extract.pipeline"]
    while todo:
        module = todo.pop()
        if module not in reached:
            reached.add(module)
            todo += graph[module]
    shared = {m for m in reached if layer_of(m) == 0 and not m.startswith("agent.data")}  # records, errors: their schemas are hashed
    files = {str(p) for p in module_names(AGENT).values()}
    hashed = {str(p) for p in cache_inputs()}
    assert {str(module_names(AGENT)[m]) for m in reached - shared} <= hashed
    assert {str(p) for p in (AGENT / "data").rglob("*") if p.is_file() and "__pycache__" not in p.parts} <= hashed
    assert {str(p) for p in (AGENT.parent / "prompts").glob("*.txt")} <= hashed
    assert hashed - files  # data files, not only code


def test_every_package_is_installed() -> None:
    """pyproject.toml lists the packages (the prompts folder is mapped into one): a package
    added under agent/ and not listed would be missing from an installed copy."""
    import tomllib

    listed = set(tomllib.loads((AGENT.parent / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    packages = {".".join(p.parent.relative_to(AGENT.parent).parts) for p in AGENT.rglob("__init__.py")}
    assert packages | {"agent.data.prompts"} == listed
