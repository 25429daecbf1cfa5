"""Parent choice: the arborescence against brute force, passage groups and families."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lineage.inference.forest import descendants, document_parents, families, passage_groups

ROOT_WEIGHT = 0.3


def _total(weights: np.ndarray, parents: dict[str, str | None], ids: list[str]) -> float:
    index = {doc: k for k, doc in enumerate(ids)}
    return sum(
        ROOT_WEIGHT if p is None else float(weights[index[p], index[c]]) for c, p in parents.items()
    )


def _brute_force(weights: np.ndarray, ids: list[str]) -> float:
    """Best total weight over every acyclic choice of parents (root allowed at ROOT_WEIGHT)."""
    n = len(ids)
    options = [
        [None] + [p for p in range(n) if p != x and weights[p, x] > ROOT_WEIGHT] for x in range(n)
    ]
    best = -1.0
    for choice in itertools.product(*options):
        graph = nx.DiGraph([(p, x) for x, p in enumerate(choice) if p is not None])
        graph.add_nodes_from(range(n))
        if nx.is_directed_acyclic_graph(graph):
            total = sum(ROOT_WEIGHT if p is None else weights[p, x] for x, p in enumerate(choice))
            best = max(best, float(total))
    return best


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (4, 4), elements=st.floats(0, 1)))
def test_document_parents_is_the_best_forest(weights):
    np.fill_diagonal(weights, 0.0)
    ids = ["a", "b", "c", "d"]
    parents = document_parents(weights, ids, root_weight=ROOT_WEIGHT)
    graph = nx.DiGraph([(p, c) for c, p in parents.items() if p is not None])
    assert nx.is_directed_acyclic_graph(graph)
    assert all(
        weights[ids.index(p), ids.index(c)] > ROOT_WEIGHT
        for c, p in parents.items()
        if p is not None
    )
    # Ties are broken by a 1e-9 per-row decrement, so compare totals with that tolerance.
    assert abs(_total(weights, parents, ids) - _brute_force(weights, ids)) < 1e-6


def test_passage_groups_and_families_follow_connections():
    passages = pd.DataFrame(dict(a=["b", "d"], b=["a", "e"]))
    assert passage_groups(list("abcde"), passages) == [["a", "b"], ["d", "e"]]
    weights = np.zeros((4, 4))
    weights[0, 1] = weights[3, 2] = 0.5
    assert families(list("wxyz"), weights) == {"w": 0, "x": 0, "y": 1, "z": 1}


def test_descendants_of_a_chain_and_a_leaf():
    parents = {"a": None, "b": "a", "c": "b", "d": "a"}
    assert descendants(parents, "a") == {"b", "c", "d"}
    assert descendants(parents, "c") == set()
