"""The example notebooks run from top to bottom and show what they promise, so they cannot rot.

Each notebook runs in a fresh kernel of this interpreter (``sys.executable``, through a
kernel spec written to a temporary Jupyter path), with its own folder as working directory.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
KERNEL = "lineage-test-python"


@pytest.fixture
def kernel_name(tmp_path, monkeypatch) -> str:
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec.joinpath("kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "lineage tests", "language": "python"})
    )
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return KERNEL


def run_notebook(path: Path, kernel_name: str) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        kernel_name=kernel_name,
        timeout=300,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    return notebook


def outputs_of(cell: nbformat.NotebookNode, mime: str) -> list[str]:
    return [out["data"][mime] for out in cell.get("outputs", []) if mime in out.get("data", {})]


def cell_with(notebook: nbformat.NotebookNode, snippet: str) -> nbformat.NotebookNode:
    cells = [c for c in notebook.cells if c.cell_type == "code" and snippet in c.source]
    assert len(cells) == 1, f"one code cell should contain {snippet!r}"
    return cells[0]


def test_analyze_articles_notebook_runs_and_shows_its_results(kernel_name):
    notebook = run_notebook(EXAMPLES / "analyze_articles.ipynb", kernel_name)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code and all(c.get("execution_count") for c in code), "every cell ran"
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []

    table = outputs_of(cell_with(notebook, "articles = pd.DataFrame("), "text/plain")
    assert table and "001_bf39bc6a18a36fb4" in table[0] and "Reuters" in table[0]

    summary = outputs_of(cell_with(notebook, "result = lineage.analyze("), "text/html")
    assert summary and "5 documents" in summary[0] and "<script" not in summary[0]

    strong = outputs_of(cell_with(notebook, "strong = pairs["), "text/plain")[0]
    assert "000_30916bffc445b469" in strong and "001_bf39bc6a18a36fb4" in strong

    shared = outputs_of(cell_with(notebook, "pivot_table("), "text/plain")[0]
    assert "quote" in shared and "prose" in shared

    evidence = outputs_of(cell_with(notebook, 'result.explain("000_'), "text/plain")[0]
    assert "001_bf39bc6a18a36fb4" in evidence  # 000 is the abridged rewrite of the wire 001

    for snippet in ("result.plot_heatmap(ax=ax)", "result.plot_tree(ax=ax)"):
        images = outputs_of(cell_with(notebook, snippet), "image/png")
        assert len(images) == 1, snippet
        assert len(images[0]) > 10_000, "a drawn figure, not an empty canvas"

    printed = "".join(
        o.get("text", "") for o in cell_with(notebook, "result.to_html(").get("outputs", [])
    )
    assert printed.startswith("report.html") and "lineage.json" in printed

    answer = outputs_of(cell_with(notebook, "index.query(newcomer"), "text/plain")[0]
    assert "001_bf39bc6a18a36fb4" in answer and "document" in answer
