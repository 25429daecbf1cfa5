"""The package's import graph: no module imports, directly or through others, itself."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "lineage"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph() -> nx.DiGraph:
    """Every import of a ``lineage`` module by another, at any depth of the source.

    ``from lineage.x import y`` is an edge to ``lineage.x.y`` where that is a module, else
    to ``lineage.x``; imports inside functions count too (a lazy import hides a cycle
    from the interpreter, not from the reader).
    """
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [
                    f"{node.module}.{alias.name}"
                    if f"{node.module}.{alias.name}" in modules
                    else node.module
                    for alias in node.names
                ]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name:
                    graph.add_edge(name, target)
    return graph


def test_the_graph_sees_the_package_imports() -> None:
    graph = import_graph()
    assert graph.has_edge("lineage.api", "lineage.corpus")
    assert graph.has_edge("lineage.corpus", "lineage.readers.folders")
    assert graph.has_edge("lineage", "lineage.api")


def test_no_import_cycle() -> None:
    cycles = sorted(nx.simple_cycles(import_graph()), key=len)
    assert cycles == [], f"import cycles: {cycles[:5]}"


def test_no_stage_imports_the_orchestration() -> None:
    """A stage never imports api, cli, report or dask (DESIGN.md, Layout)."""
    graph = import_graph()
    outer = {"lineage", "lineage.__main__", "lineage.api", "lineage.cli", "lineage.analysis"}
    # Orchestration over a runner (in process or Dask): the candidate step, dedup, index.
    outer |= {"lineage.distributed", "lineage.runners", "lineage.candidates", "lineage.dedup"}
    outer |= {name for name in graph if name.startswith(("lineage.report", "lineage.index"))}
    stages = [name for name in graph if name not in outer]
    reached = {
        stage: sorted(target for target in nx.descendants(graph, stage) if target in outer)
        for stage in stages
    }
    assert {stage: found for stage, found in reached.items() if found} == {}


def test_near_duplicates_loads_no_later_stage() -> None:
    # `import lineage` is a table of names: near_duplicates loads neither scipy nor
    # networkx, and a private name such as __main__ is never imported (it would run the CLI).
    script = (
        "import sys, lineage\n"
        "assert not hasattr(lineage, '__main__')\n"
        "lineage.near_duplicates(['a wire story on the talks', 'a wire story on the talks'])\n"
        "print(sorted(m for m in ('scipy', 'networkx', 'lineage.inference') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
