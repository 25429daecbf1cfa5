"""Scores for an inferred derivation graph against the true one.

- :func:`parent_accuracy`: the share of extant documents whose inferred parent is the true
  one. A true parent that is not in the corpus (a lost text, a removed wire) is matched to
  the inferred latent source that best stands for it (one-to-one, by the children they
  share, with the Hungarian method), so ``latent:3`` counts as right for the children of
  the lost wire it reconstructs.
- :func:`sign_similarity`: the average sign similarity of Roos and Heikkilä (2009),
  "Evaluating methods for computer-assisted stemmatology using artificial benchmark data
  sets", Literary and Linguistic Computing 24(4). For every ordered triple (A, B, C) of
  distinct extant texts, the sign of d(A, B) - d(A, C) in the true graph is compared with
  the same sign in the inferred graph, where d is the undirected path length and paths run
  through lost texts and latent sources too. A triple scores 1 when the signs agree, 0
  when they are opposite and 1/2 when exactly one of them is 0 (score
  ``1 - |s_true - s_inferred| / 2``); the result is the mean over triples, 1 when the
  inferred graph orders every pair of distances like the true one. Texts in different
  components are infinitely far apart (two infinite distances compare equal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

import networkx as nx
import numpy as np
from scipy.optimize import linear_sum_assignment

__all__ = ["contract_truth", "match_latents", "parent_accuracy", "sign_similarity"]


def contract_truth(
    parents: Mapping[str, str | None], extant: Iterable[str]
) -> dict[str, str | None]:
    """Return each extant node's identifiable true parent.

    A lost node that leaves at most one extant line of descent leaves no trace a method
    could find (nothing is shared only through it), so it is contracted: its child takes
    its parent. Lost nodes with two or more extant lines of descent stay, as the latent
    source a method should infer.

    Parameters
    ----------
    parents
        Every node's true parent (``None`` for a root), lost nodes included.
    extant
        The nodes in the corpus.

    Returns
    -------
    dict
        Extant node -> parent (an extant node, a kept lost node, or ``None``).
    """
    extant = set(extant)
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if parent is not None:
            children.setdefault(parent, []).append(child)

    def has_extant(node: str) -> bool:
        return node in extant or any(has_extant(c) for c in children.get(node, []))

    def kept(node: str) -> bool:
        return node in extant or sum(has_extant(c) for c in children.get(node, [])) >= 2

    out: dict[str, str | None] = {}
    for node in sorted(extant):
        parent = parents.get(node)
        while parent is not None and not kept(parent):
            parent = parents.get(parent)
        out[node] = parent
    return out


def match_latents(
    true_parents: Mapping[str, str | None],
    inferred_parents: Mapping[str, str | None],
    extant: Iterable[str],
) -> dict[str, str]:
    """Match inferred parents that are not documents to lost true parents, one to one.

    Returns a map inferred latent id -> lost node id chosen to maximise the number of
    extant children on which the two agree.
    """
    extant = set(extant)
    lost = sorted({p for p in true_parents.values() if p is not None and p not in extant})
    latent = sorted({p for p in inferred_parents.values() if p is not None and p not in extant})
    if not lost or not latent:
        return {}
    overlap = np.zeros((len(latent), len(lost)))
    for child in extant:
        t, i = true_parents.get(child), inferred_parents.get(child)
        if t in lost and i in latent:
            overlap[latent.index(i), lost.index(t)] += 1
    rows, cols = linear_sum_assignment(-overlap)
    return {latent[r]: lost[c] for r, c in zip(rows, cols, strict=True) if overlap[r, c] > 0}


def parent_accuracy(
    true_parents: Mapping[str, str | None],
    inferred_parents: Mapping[str, str | None],
    extant: Sequence[str],
) -> float:
    """Share of extant documents whose inferred parent is the true one.

    Parameters
    ----------
    true_parents
        Extant node -> true parent (a document, a lost node standing for a latent source,
        or ``None``), e.g. from :func:`contract_truth`.
    inferred_parents
        Extant node -> inferred parent (a document, a latent id, or ``None``).
    extant
        The documents to score.

    Examples
    --------
    >>> truth = {"a": "wire", "b": "wire", "c": "a", "d": None}
    >>> parent_accuracy(truth, {"a": "latent:1", "b": "latent:1", "c": "a", "d": "a"},
    ...                 ["a", "b", "c", "d"])
    0.75
    """
    if not extant:
        return 1.0
    mapping = match_latents(true_parents, inferred_parents, extant)
    right = 0
    for node in extant:
        inferred = inferred_parents.get(node)
        inferred = mapping.get(inferred, inferred) if inferred is not None else None
        right += inferred == true_parents.get(node)
    return right / len(extant)


def _distances(graph: nx.Graph, nodes: Sequence[str]) -> np.ndarray:
    undirected = graph.to_undirected(as_view=False) if graph.is_directed() else graph
    out = np.full((len(nodes), len(nodes)), np.inf)
    for i, node in enumerate(nodes):
        if node not in undirected:
            out[i, i] = 0.0
            continue
        lengths = nx.single_source_shortest_path_length(undirected, node)
        for j, other in enumerate(nodes):
            if other in lengths:
                out[i, j] = lengths[other]
    return out


def _signs(distances: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        diff = distances[:, :, None] - distances[:, None, :]
    return np.nan_to_num(np.sign(diff), nan=0.0)


def sign_similarity(true_graph: nx.Graph, inferred_graph: nx.Graph, extant: Sequence[str]) -> float:
    """Average sign similarity of an inferred graph to the true one (Roos & Heikkilä 2009).

    Parameters
    ----------
    true_graph, inferred_graph
        Derivation graphs (directed or not; directions are ignored). Lost and latent nodes
        may appear; only ``extant`` nodes are compared.
    extant
        The texts in the corpus (at least three for a score).

    Returns
    -------
    float
        Mean over ordered triples of distinct extant texts of
        ``1 - |sign(d(A,B) - d(A,C)) - sign(d'(A,B) - d'(A,C))| / 2``.

    Examples
    --------
    A star around a lost node against a chain through the same texts:

    >>> import networkx as nx
    >>> star = nx.Graph([("L", "a"), ("L", "b"), ("L", "c")])
    >>> chain = nx.Graph([("a", "b"), ("b", "c")])
    >>> round(sign_similarity(star, chain, ["a", "b", "c"]), 4)
    0.6667
    """
    nodes = list(extant)
    n = len(nodes)
    if n < 3:
        return 1.0
    s_true = _signs(_distances(true_graph, nodes))
    s_inferred = _signs(_distances(inferred_graph, nodes))
    a, b, c = np.meshgrid(np.arange(n), np.arange(n), np.arange(n), indexing="ij")
    valid = (a != b) & (a != c) & (b != c)
    scores = 1.0 - np.abs(s_true - s_inferred) / 2.0
    return float(scores[valid].mean())
