"""Parent choice: the best forest over documents, and the groups and families it spans.

:func:`document_parents` is a maximum spanning arborescence (networkx's Edmonds) over the
documents of a group, with a virtual root standing for "no parent": every document may
hang from the root at ``root_weight``, or from a document ``p`` at the weight
:func:`lineage.inference.evidence.candidate_weights` gives (the share of its material
``p`` carries times the probability that ``p`` is upstream).

Cost: one edge per related pair (the weights are sparse); Edmonds' algorithm O(E log V).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp

__all__ = [
    "ROOT",
    "descendants",
    "document_parents",
    "families",
    "forest_graph",
    "passage_groups",
]

ROOT = "__root__"
"""Name of the virtual root ("no parent") in the arborescence."""
TIE_BREAK = 1e-9
"""Per-row decrement of an edge weight so that exact ties break the same way every run."""


def document_parents(
    weights: np.ndarray | sp.sparray, ids: Sequence[str], *, root_weight: float
) -> dict[str, str | None]:
    """Best forest over documents: a maximum spanning arborescence with a virtual root.

    Every document may hang from the virtual root (no parent) at ``root_weight``.

    Examples
    --------
    >>> w = np.array([[0.0, 0.9], [0.2, 0.0]])
    >>> document_parents(w, ["a", "b"], root_weight=0.3)
    {'a': None, 'b': 'a'}
    """
    graph = nx.DiGraph()
    graph.add_node(ROOT)
    for doc in ids:
        graph.add_edge(ROOT, doc, weight=root_weight)
    edges = sp.coo_array(weights)  # dense or sparse: only the stored pairs are read
    for p, x, w in zip(edges.row.tolist(), edges.col.tolist(), edges.data.tolist(), strict=True):
        if w > root_weight and p != x:
            graph.add_edge(ids[p], ids[x], weight=float(w) - TIE_BREAK * p)
    tree = nx.maximum_spanning_arborescence(graph, attr="weight", preserve_attrs=True)
    out: dict[str, str | None] = {}
    for doc in ids:
        (parent,) = tree.predecessors(doc)
        out[doc] = None if parent == ROOT else parent
    return out


def families(ids: Sequence[str], weights: np.ndarray | sp.sparray) -> dict[str, int]:
    """Document -> family number: connected by a candidate edge (``-1`` when alone).

    Examples
    --------
    >>> families(["a", "b", "c"], np.array([[0, .5, 0], [0, 0, 0], [0, 0, 0]]))
    {'a': 0, 'b': 0, 'c': -1}
    """
    graph = nx.Graph()
    graph.add_nodes_from(range(len(ids)))
    edges = sp.coo_array(weights)
    graph.add_edges_from(
        (int(p), int(x)) for p, x, w in zip(edges.row, edges.col, edges.data, strict=True) if w
    )
    out = {doc: -1 for doc in ids}
    components = sorted(sorted(c) for c in nx.connected_components(graph) if len(c) > 1)
    for number, component in enumerate(components):
        for k in component:
            out[ids[k]] = number
    return out


def passage_groups(ids: Sequence[str], passages: pd.DataFrame) -> list[list[str]]:
    """Return the groups of two or more documents connected by passages, in ``ids`` order.

    Examples
    --------
    >>> p = pd.DataFrame(dict(a=["c", "a"], b=["d", "b"]))
    >>> passage_groups(["a", "b", "c", "d", "e"], p)
    [['a', 'b'], ['c', 'd']]
    """
    order = {doc: k for k, doc in enumerate(ids)}
    graph = nx.Graph()
    graph.add_edges_from(
        (a, b)
        for a, b in dict.fromkeys(zip(passages["a"].tolist(), passages["b"].tolist(), strict=True))
        if a in order and b in order and a != b
    )
    groups = [sorted(c, key=order.__getitem__) for c in nx.connected_components(graph)]
    return sorted(groups, key=lambda g: order[g[0]])


def forest_graph(parents: Mapping[str, str | None]) -> nx.DiGraph:
    """Return the forest ``parent -> child`` of a parent mapping (every key a node)."""
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(parents))
    graph.add_edges_from((p, c) for c, p in parents.items() if p is not None)
    return graph


def descendants(parents: Mapping[str, str | None], node: str) -> set[str]:
    """Every node below ``node`` in the forest of ``parents``.

    Examples
    --------
    >>> sorted(descendants({"b": "a", "c": "b", "a": None}, "a"))
    ['b', 'c']
    """
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)
    out, stack = set(), [node]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in out:
                out.add(child)
                stack.append(child)
    return out
