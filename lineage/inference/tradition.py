"""When a latent source is needed, where it sits and which documents it explains.

Two situations call for a text that is not in the corpus:

- **a lost common source**: a document whose tentative parent (see
  :mod:`lineage.inference.forest`) lacks material the document shares with relatives
  outside its own line of descent does not copy that parent: both draw on a missing text.
  A latent source ``latent:N`` then takes the parent's place, with the parent and such
  documents as its children, so many rewrites of one missing wire story hang from one
  latent source instead of forming a chain. When that material comes from a document
  unrelated to the parent, it is a second source instead (contamination). No latent
  source is drawn when a present document can be the common source: when the relative
  sharing that material carries nothing of the family the document lacks, the document
  wrote it and the relative copied it (the relative hangs from the document); when the
  document carries nothing the relative lacks, the relative is its source.
- **a tradition**: a family of complete copies (manuscript-like: pairs carry most and
  about equal shares of each other) is rebuilt by neighbour joining on distances from
  shared material, lost copies becoming latent sources, and a copy whose halves follow
  different lines gets a second exemplar.

Cost: the latent search reads each document's related pairs (sparse); neighbour joining
is O(n^3) in the documents of a tradition (a family of complete copies) only.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import scipy.sparse as sp

from lineage.inference.evidence import GroupEvidence, ReuseEvidence
from lineage.inference.forest import descendants, document_parents, families, forest_graph
from lineage.inference.params import InferenceParams

__all__ = [
    "LATENT_PREFIX",
    "Placement",
    "is_tradition",
    "neighbor_joining",
    "place",
    "unexplained_material",
]

logger = logging.getLogger(__name__)

LATENT_PREFIX = "latent:"
"""Every latent source's id starts with this (``latent:1``), never a document's id."""
TRADITION_ROOT_PRIOR = {True: 0.7, False: 0.3}
"""Probability that a lost text is the ancestor of the document (True) or latent next to it."""


@dataclass
class Placement:
    """The forest of one group with its latent sources, as inference builds it.

    Attributes
    ----------
    parents
        Document or latent id -> parent id (``None`` for no parent).
    families
        Document id -> family number (``-1``: no family).
    latent_members
        Latent id -> the documents hanging from it.
    unexplained
        Document id -> n-grams of family material its tentative parent lacked.
    secondary
        Document id -> (second source, n-grams it supplies): contamination.
    branches
        Document of a tradition -> branch length to its parent relative to the median.
    first_latent
        Number of the group's first latent source (``latent:first_latent``).
    """

    parents: dict[str, str | None]
    families: dict[str, int]
    latent_members: dict[str, list[str]] = field(default_factory=dict)
    unexplained: dict[str, int] = field(default_factory=dict)
    secondary: dict[str, tuple[str, int]] = field(default_factory=dict)
    branches: dict[str, float] = field(default_factory=dict)
    first_latent: int = 1

    def new_latent(self) -> str:
        """Name and register the next latent source."""
        name = f"{LATENT_PREFIX}{self.first_latent + len(self.latent_members)}"
        self.latent_members[name] = []
        return name


def is_tradition(
    evidence: ReuseEvidence,
    family: Sequence[str],
    *,
    min_containment: float,
    max_asymmetry: float,
) -> bool:
    """Whether a family's members are complete copies of one text (not partial reuse)."""
    if len(family) < 4:
        return False
    rows = np.array([evidence.index(d) for d in family], dtype=np.int64)
    sizes = np.maximum(evidence.material_size()[rows], 1)
    inside = sp.triu(evidence.shared[rows][:, rows], k=1).tocoo()  # related pairs only
    if inside.nnz == 0:
        return False
    i, j, shared = inside.row, inside.col, inside.data
    forward, backward = shared / sizes[i], shared / sizes[j]
    complete = np.percentile(np.minimum(forward, backward), 25) >= min_containment
    # Complete copies carry about as much of each other; a rewrite trims its source.
    even = np.median(np.abs(forward - backward)) <= max_asymmetry
    return bool(complete and even)


def neighbor_joining(distances: np.ndarray, names: Sequence[str], *, prefix: str) -> nx.Graph:
    """Neighbour-joining tree (Saitou and Nei 1987) with branch lengths in ``length``.

    Internal nodes are named ``prefix + str(k)``. Cost O(n^3).

    Examples
    --------
    >>> d = np.array([[0, 5, 9, 9, 8], [5, 0, 10, 10, 9], [9, 10, 0, 8, 7],
    ...               [9, 10, 8, 0, 3], [8, 9, 7, 3, 0]], dtype=float)
    >>> tree = neighbor_joining(d, list("abcde"), prefix="u")
    >>> sorted(tree["u1"]), tree["u1"]["a"]["length"]
    (['a', 'b', 'u2'], 2.0)
    """
    dist = np.array(distances, dtype=float)
    nodes = list(names)
    tree = nx.Graph()
    tree.add_nodes_from(nodes)
    made = 0
    while len(nodes) > 2:
        n = len(nodes)
        totals = dist.sum(axis=1)
        q = (n - 2) * dist - totals[:, None] - totals[None, :]
        np.fill_diagonal(q, np.inf)
        i, j = np.unravel_index(int(np.argmin(q)), q.shape)
        to_i = 0.5 * dist[i, j] + (totals[i] - totals[j]) / (2 * (n - 2))
        made += 1
        joined = f"{prefix}{made}"
        tree.add_edge(joined, nodes[i], length=float(max(to_i, 0.0)))
        tree.add_edge(joined, nodes[j], length=float(max(dist[i, j] - to_i, 0.0)))
        to_joined = 0.5 * (dist[i] + dist[j] - dist[i, j])
        keep = [k for k in range(n) if k not in (i, j)]
        grown = np.zeros((n - 1, n - 1))
        grown[:-1, :-1] = dist[np.ix_(keep, keep)]
        grown[-1, :-1] = grown[:-1, -1] = to_joined[keep]
        dist = grown
        nodes = [nodes[k] for k in keep] + [joined]
    if len(nodes) == 2:
        tree.add_edge(nodes[0], nodes[1], length=max(float(dist[0, 1]), 0.0))
    return tree


def _contract_short_branches(tree: nx.Graph, documents: set[str], tolerance: float) -> None:
    """Merge latent nodes into a neighbour across branches no longer than ``tolerance``.

    A latent node next to a document is that document (an extant ancestor); a latent node
    with two neighbours or fewer adds nothing and is suppressed.
    """
    while True:
        short = [
            (length, u, v)
            for u, v, length in tree.edges(data="length")
            if length <= tolerance and not (u in documents and v in documents)
        ]
        lonely = [node for node in tree if node not in documents and tree.degree(node) <= 2]
        if not short and not lonely:
            return
        if short:
            _, u, v = min(short, key=lambda e: (e[0], str(e[1]), str(e[2])))
            gone, kept = (u, v) if u not in documents else (v, u)
        else:
            gone = min(lonely)
            neighbours = sorted(tree[gone], key=lambda k: tree[gone][k]["length"])
            if not neighbours:
                tree.remove_node(gone)
                continue
            kept = neighbours[0]
        for other in list(tree[gone]):
            if other != kept:
                tree.add_edge(
                    kept, other, length=tree[gone][other]["length"] + tree[gone][kept]["length"]
                )
        tree.remove_node(gone)


def _tradition_graph(
    evidence: ReuseEvidence, family: Sequence[str], prefix: str, collapse: float
) -> tuple[nx.Graph, float]:
    """Neighbour-joining tree of a tradition with short branches contracted, and its median.

    Distances are ``-log(shared / sqrt(|material a| |material b|))`` (change along the line
    between two texts, additive over copies).
    """
    rows = np.array([evidence.index(d) for d in family], dtype=np.int64)
    sizes = np.maximum(evidence.material_size()[rows], 1).astype(float)
    # Neighbour joining needs every distance of the tradition: dense, O(n^2) in its size.
    shared = evidence.shared[rows][:, rows].toarray().astype(float)
    similarity = np.clip(shared / np.sqrt(np.outer(sizes, sizes)), 1e-3, 1.0)
    distances = -np.log(similarity)
    np.fill_diagonal(distances, 0.0)
    tree = neighbor_joining(distances, list(family), prefix=prefix)
    documents = set(family)
    lengths = [
        length for u, v, length in tree.edges(data="length") if u in documents or v in documents
    ]
    median = float(np.median(lengths)) if lengths else 0.0
    _contract_short_branches(tree, documents, collapse * median)
    return tree, (median if lengths else 1.0)


def _tradition_tree(
    group: GroupEvidence, family: Sequence[str], placement: Placement, params: InferenceParams
) -> None:
    """Rebuild a tradition's parents by neighbour joining, adding latent sources for lost texts.

    The tree is rooted where the direction cues between documents are most probable, a
    lost text counting as the ancestor of the documents next to it.
    """
    evidence = group.evidence
    prefix = f"{LATENT_PREFIX}t{len(placement.latent_members) + 1}."
    tree, typical = _tradition_graph(evidence, family, prefix, params.collapse)
    documents = set(family)

    def edge_score(parent: str, child: str) -> float:
        if parent in documents and child in documents:
            upstream = group.cues.probability([evidence.index(parent)], [evidence.index(child)])
            return float(np.log(np.clip(upstream[0], 1e-6, 1.0)))
        return float(np.log(TRADITION_ROOT_PRIOR[child in documents]))

    best = max(
        sorted(tree, key=str),
        key=lambda root: sum(edge_score(p, c) for p, c in nx.bfs_edges(tree, root)),
    )
    renamed = {
        node: placement.new_latent() for node in nx.bfs_tree(tree, best) if node not in documents
    }
    placement.parents[renamed.get(best, best)] = None
    _exemplar_switches(evidence, family, tree, placement.secondary, params)
    for p, c in nx.bfs_edges(tree, best):
        parent = renamed.get(p, p)
        placement.parents[renamed.get(c, c)] = parent
        if c in documents:
            placement.branches[c] = tree[p][c]["length"] / max(typical, 1e-9)
        if parent in placement.latent_members and c in documents:
            placement.latent_members[parent].append(c)


def _exemplar_switches(
    evidence: ReuseEvidence,
    family: Sequence[str],
    tree: nx.Graph,
    secondary: dict[str, tuple[str, int]],
    params: InferenceParams,
) -> None:
    """Find copies whose two halves follow different lines of a tradition (contamination).

    For each half of a document, the relative carrying most of that half's material is
    its exemplar there. When the halves' exemplars differ, each beats the other on its
    own half by ``switch_margin`` and they sit ``switch_hops`` or more apart in the tree,
    the scribe switched exemplars: the one farther from the document in the tree is
    recorded as its second source.
    """
    rows = [evidence.index(d) for d in family]
    for doc in family:
        x = evidence.index(doc)
        halves = evidence.halves[x]
        if min(h.size for h in halves) == 0:
            continue
        score = np.array(
            [
                [np.isin(half, evidence.pair(x, y)).mean() if y != x else -1.0 for y in rows]
                for half in halves
            ]
        )
        first, second = (int(np.argmax(score[0])), int(np.argmax(score[1])))
        if first == second:
            continue
        if (
            min(score[0, first] - score[0, second], score[1, second] - score[1, first])
            < params.switch_margin
        ):
            continue
        a, b = family[first], family[second]
        if nx.shortest_path_length(tree, a, b) < params.switch_hops:
            continue
        hops = nx.single_source_shortest_path_length(tree, doc)
        far = b if hops[b] > hops[a] else a
        if tree.has_edge(doc, far):
            continue
        half = halves[1] if far == b else halves[0]
        supplied = int(np.isin(half, evidence.pair(x, evidence.index(far))).sum())
        secondary[doc] = (far, supplied)
        logger.debug("%s switches exemplar to %s (%d n-grams)", doc, far, supplied)


def _main_supplier(
    evidence: ReuseEvidence, doc: str, missing: np.ndarray
) -> tuple[str | None, int]:
    """Return the document sharing most of ``missing`` with ``doc``, and how much."""
    x = evidence.index(doc)
    best, count = None, 0
    for k in evidence.neighbours(x).tolist():
        found = int(np.isin(missing, evidence.pair(x, k)).sum())
        if found > count:
            best, count = evidence.ids[k], found
    return best, count


def unexplained_material(
    evidence: ReuseEvidence, parents: Mapping[str, str | None], child: str
) -> np.ndarray:
    """Material ``child`` shares with relatives outside its own line that its parent lacks."""
    parent = parents.get(child)
    x = evidence.index(child)
    line = descendants(parents, child) | {child, parent}
    outside = [
        evidence.pair(x, k) for k in evidence.neighbours(x).tolist() if evidence.ids[k] not in line
    ]
    if not outside or parent is None:
        return np.zeros(0, dtype=np.uint64)
    found = np.unique(np.concatenate(outside))
    return np.setdiff1d(found, evidence.pair(x, evidence.index(parent)))


def _floor(group: GroupEvidence, doc: str, params: InferenceParams) -> float:
    """N-grams of family material a document must carry beyond another to need a latent."""
    size = group.sizes[group.evidence.index(doc)]
    return max(params.min_unexplained, params.unexplained_fraction * size)


def _needs_latent(group: GroupEvidence, doc: str, parent: str, params: InferenceParams) -> bool:
    """Whether ``parent`` cannot be the source of ``doc`` though ``doc`` lacks nothing of it.

    Called once ``doc`` carries family material ``parent`` lacks. A latent source is
    needed only when ``parent`` too carries family material (shared with another relative)
    that ``doc`` lacks, so that neither can be the other's source, and when the two are not
    near-identical copies (the earlier is then the source of the later).
    """
    evidence = group.evidence
    x, p = evidence.index(doc), evidence.index(parent)
    pair = evidence.pair(x, p)
    larger = max(int(group.sizes[x]), int(group.sizes[p]), 1)
    if pair.size >= params.near_identical * larger:
        return False
    others = [evidence.pair(p, k) for k in evidence.neighbours(p).tolist() if k != x]
    family = np.unique(np.concatenate(others)) if others else np.zeros(0, dtype=np.uint64)
    return np.setdiff1d(family, pair).size >= _floor(group, parent, params)


def _can_be_source(
    group: GroupEvidence,
    parents: Mapping[str, str | None],
    source: str,
    copy: str,
    params: InferenceParams,
) -> bool:
    """Whether present document ``source`` explains all that ``copy`` shares with its family.

    True when ``copy`` carries less than its floor of family material that ``source``
    lacks, ``source`` is not dated after ``copy`` and does not descend from it: then
    ``source`` itself is the common source of what the two share, and no latent source
    is needed above them.
    """
    evidence = group.evidence
    s, c = evidence.index(source), evidence.index(copy)
    lacking = np.setdiff1d(evidence.material[c], evidence.pair(s, c)).size
    return (
        lacking < _floor(group, copy, params)
        and group.cues.order([s], [c])[0] >= 0
        and source not in descendants(parents, copy)
    )


def _place_lost_sources(
    group: GroupEvidence, placement: Placement, traditions: set[str], params: InferenceParams
) -> None:
    """Put a latent source above documents whose tentative parent lacks shared material."""
    evidence, parents = group.evidence, placement.parents
    latent_of: dict[str, str] = {}  # a document that a latent source replaced -> that source
    text_ids = set(evidence.ids)
    # The order is fixed before the loop: placing a latent source changes the forest.
    for doc in list(nx.lexicographical_topological_sort(forest_graph(parents))):
        if doc not in text_ids or doc in traditions:
            continue
        parent = parents.get(doc)
        if parent is None or parent.startswith(LATENT_PREFIX):
            continue
        missing = unexplained_material(evidence, parents, doc)
        placement.unexplained[doc] = int(missing.size)
        if missing.size < _floor(group, doc, params):
            continue
        supplier, supplied = _main_supplier(evidence, doc, missing)
        if (
            supplier is not None
            and not str(parents.get(supplier)).startswith(LATENT_PREFIX)
            and _can_be_source(group, parents, doc, supplier, params)
        ):
            # What doc shares beyond its parent is its own text, copied by the supplier.
            parents[supplier] = doc
            missing = unexplained_material(evidence, parents, doc)
            placement.unexplained[doc] = int(missing.size)
            if missing.size < _floor(group, doc, params):
                continue
            supplier, supplied = _main_supplier(evidence, doc, missing)
        if supplier is not None and _can_be_source(group, parents, supplier, doc, params):
            parents[doc] = supplier  # the supplier explains doc better than its parent
            placement.unexplained[doc] = 0
            continue
        if supplier is not None and (
            evidence.shared[evidence.index(parent), evidence.index(supplier)] < params.min_shared
        ):
            # Material from a second, unrelated source: contamination, not a lost common source.
            placement.secondary[doc] = (supplier, supplied)
            continue
        if not _needs_latent(group, doc, parent, params):
            continue
        grand = parents.get(parent)
        if grand is not None and grand.startswith(LATENT_PREFIX):
            latent = grand  # the parent already hangs from a latent source: join it
        elif parent in latent_of:
            latent = latent_of[parent]
        else:
            latent = placement.new_latent()
            placement.latent_members[latent].append(parent)
            latent_of[parent] = latent
            parents[latent] = grand
            parents[parent] = latent
        parents[doc] = latent
        placement.latent_members[latent].append(doc)
        logger.debug(
            "%s draws on %s (%d n-grams unexplained by %s)", doc, latent, missing.size, parent
        )


def place(group: GroupEvidence, params: InferenceParams, *, first_latent: int = 1) -> Placement:
    """Choose every document's parent in one group, latent sources included.

    Parameters
    ----------
    group
        The group's evidence (:func:`lineage.inference.evidence.group_evidence`).
    params
        Thresholds (:class:`~lineage.inference.params.InferenceParams`).
    first_latent
        Number of the group's first latent source.

    Returns
    -------
    Placement
    """
    ids = group.evidence.ids
    parents = dict(document_parents(group.weights, ids, root_weight=params.root_weight))
    placement = Placement(
        parents=parents, families=families(ids, group.weights), first_latent=first_latent
    )
    traditions: set[str] = set()
    for number in sorted(set(placement.families.values()) - {-1}):
        family = [doc for doc in ids if placement.families[doc] == number]
        if is_tradition(
            group.evidence,
            family,
            min_containment=params.tradition_containment,
            max_asymmetry=params.tradition_asymmetry,
        ):
            traditions.update(family)
            _tradition_tree(group, family, placement, params)
    _place_lost_sources(group, placement, traditions, params)
    return placement
