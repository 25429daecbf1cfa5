"""Shared material, latent sources and where each document's reuse comes from.

The stage reads the passages table (which spans of which pair are aligned) and the texts,
and works on **material**: the word n-grams (hashed, see :func:`lineage.shingle.shingle`)
of a document that lie inside a passage with another document *and* occur inside the
matching passage of the other side. Material is therefore both aligned and verbatim, so a
loosely drawn passage does not inflate it, and a paraphrased word shows up as material the
two sides do not share (a variant, in the stemmatologist's sense). N-grams inside a
quotation of the document are left out: a public quotation that independent outlets share
is common knowledge and neither makes a family nor a copy.

From that material it finds

- **families**: documents connected by substantial shared material (or, for a loose
  paraphrasing rewrite, by a large share of aligned prose);
- a tentative **document forest**: a maximum spanning arborescence over the documents,
  with a virtual root for "no parent", each edge weighted by the share of the copy's
  material the source carries times the probability that the source is upstream
  (:func:`direction_scores`: text length, trimming of the tail, family material, dates);
- **latent sources**: where a document carries material, shared with relatives outside
  its own line of descent, that its tentative parent lacks, the two do not copy each
  other but draw on a text that is not in the corpus. A latent source ``latent:N`` then
  takes the parent's place, with the parent and such documents as its children, so many
  rewrites of one missing wire story hang from one latent source instead of forming a
  chain. When that material comes from a document unrelated to the parent, it is a
  second source instead (contamination).
- **traditions**: a family of complete copies (manuscript-like: pairs carry most and
  about equal shares of each other) is rebuilt by neighbour joining on distances from
  shared material, lost copies becoming latent sources, and a copy whose halves follow
  different lines gets a second exemplar;
- the **text** of every latent source, reconstructed from its members' aligned passages
  in order, and the **attribution**: per document and source, the characters drawn from
  it (prose and quotation).

Cost: aligned material is O(passages + n-grams); the forest and the latent search are
O(n^2) in the documents of a family, neighbour joining O(n^3).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import networkx as nx
import numpy as np
import pandas as pd

from lineage import schema
from lineage.errors import ParameterError, check_fraction, check_positive_int
from lineage.quotes import find_quotations
from lineage.records import Quotation
from lineage.shingle import shingle

__all__ = [
    "DirectionCues",
    "ReuseEvidence",
    "SourcesResult",
    "candidate_weights",
    "direction_scores",
    "document_parents",
    "infer_sources",
    "neighbor_joining",
    "reconstruct_text",
    "reuse_evidence",
    "unexplained_material",
]

logger = logging.getLogger(__name__)

LATENT_PREFIX = "latent:"
ATTRIBUTION_COLUMNS = ["document", "source", "chars", "quote_chars", "prose_chars"]


def _merge(intervals: list[tuple[int, int]]) -> np.ndarray:
    """Merge ``[start, end)`` intervals into a sorted, disjoint ``(k, 2)`` array."""
    if not intervals:
        return np.zeros((0, 2), dtype=np.int64)
    spans = np.array(sorted(intervals), dtype=np.int64)
    merged = [spans[0].tolist()]
    for start, end in spans[1:].tolist():
        if start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return np.array(merged, dtype=np.int64)


def _inside(starts: np.ndarray, ends: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Mask of the ``[starts, ends)`` items lying wholly inside one of the merged ``spans``."""
    if spans.size == 0 or starts.size == 0:
        return np.zeros(starts.shape, dtype=bool)
    k = np.searchsorted(spans[:, 0], starts, side="right") - 1
    ok = k >= 0
    k = np.clip(k, 0, None)
    return ok & (ends <= spans[k, 1])


def _overlapping(starts: np.ndarray, ends: np.ndarray, spans: np.ndarray) -> np.ndarray:
    """Mask of the ``[starts, ends)`` items overlapping any of the merged ``spans``."""
    if spans.size == 0 or starts.size == 0:
        return np.zeros(starts.shape, dtype=bool)
    k = np.searchsorted(spans[:, 0], ends, side="left") - 1  # last span starting before end
    ok = k >= 0
    k = np.clip(k, 0, None)
    return ok & (spans[k, 1] > starts)


def _uncovered_tail(spans: np.ndarray, length: int) -> float:
    """Share of the last third of a text of ``length`` chars outside the merged ``spans``."""
    start = (2 * length) // 3
    if length - start <= 0:
        return 0.0
    clipped = np.clip(spans, start, length) if spans.size else spans
    return 1.0 - _covered_chars(clipped) / (length - start)


def _covered_chars(spans: np.ndarray) -> int:
    return int((spans[:, 1] - spans[:, 0]).sum()) if spans.size else 0


@dataclass(frozen=True)
class ReuseEvidence:
    """Shared material of every related pair, the input of source and lineage inference.

    Attributes
    ----------
    ids
        Document ids, in the order of every matrix.
    lengths
        Characters of every document.
    shingle_counts
        Distinct word n-grams of every document.
    shared
        ``shared[i, j]``: distinct n-grams that documents ``i`` and ``j`` share inside
        aligned prose (symmetric).
    material
        Per document, the sorted distinct n-gram hashes it shares with any other document.
    pair_material
        ``(i, j)`` with ``i < j`` -> the sorted hashes the pair shares.
    prose_spans, quote_spans
        ``(i, j)`` -> merged char spans of document ``i`` inside prose (quote) passages
        with document ``j``.
    tails
        ``(i, j)`` -> share of the last third of document ``i`` outside its passages with
        ``j`` (a copy trimmed from the end leaves its source's tail unaligned).
    halves
        Per document, its material in the first and in the second half of the text.
    """

    ids: tuple[str, ...]
    lengths: np.ndarray
    shingle_counts: np.ndarray
    shared: np.ndarray
    material: tuple[np.ndarray, ...]
    pair_material: dict[tuple[int, int], np.ndarray]
    prose_spans: dict[tuple[int, int], np.ndarray]
    quote_spans: dict[tuple[int, int], np.ndarray]
    tails: dict[tuple[int, int], float]
    halves: tuple[tuple[np.ndarray, np.ndarray], ...] = ()

    def prose_share(self) -> np.ndarray:
        """``share[x, p]``: fraction of document ``x``'s chars inside prose passages with ``p``."""
        n = len(self.ids)
        out = np.zeros((n, n))
        for (x, p), spans in self.prose_spans.items():
            out[x, p] = _covered_chars(spans) / max(int(self.lengths[x]), 1)
        return out

    def index(self, doc: str) -> int:
        """Row of document ``doc`` in the matrices."""
        return self.ids.index(doc)

    def pair(self, i: int, j: int) -> np.ndarray:
        """Hashes documents ``i`` and ``j`` share (empty when unrelated)."""
        key = (i, j) if i < j else (j, i)
        return self.pair_material.get(key, np.zeros(0, dtype=np.uint64))

    def material_size(self) -> np.ndarray:
        """Distinct shared n-grams of every document."""
        return np.array([m.size for m in self.material], dtype=np.int64)


def reuse_evidence(
    ids: Sequence[str],
    texts: Sequence[str],
    passages: pd.DataFrame,
    *,
    ngram: int = 3,
    quotations: Mapping[str, Sequence[Quotation]] | None = None,
    max_quote_chars: int = 600,
) -> ReuseEvidence:
    """Compute the shared material of every pair that has passages.

    Material is taken from every passage of a pair, quotation or prose, leaving out the
    n-grams inside a quotation of the document itself: a long passage split into pieces
    by interpolation may mislabel a piece, the quotation marks of the text do not.

    Parameters
    ----------
    ids, texts
        Documents (ids unique, texts the originals the passages point into).
    passages
        Passages table (schema ``"passages"``).
    ngram
        Words per n-gram; 3 keeps paraphrased sentences visible as shared material.
    quotations
        Document id -> its quotations; found with :func:`lineage.quotes.find_quotations`
        when not given.
    max_quote_chars
        Longer quotations are ignored: they are most often a quotation mark left open
        (by a scribe or a scraper) that would hide a whole text's material.

    Returns
    -------
    ReuseEvidence

    Examples
    --------
    >>> import pandas as pd
    >>> a = "the talks in istanbul were delayed until the afternoon on thursday"
    >>> b = "talks in istanbul were delayed until the evening on thursday"
    >>> rows = [dict(a="A", a_start=4, a_end=len(a), b="B", b_start=0, b_end=len(b),
    ...              kind="prose", similarity=0.9)]
    >>> ev = reuse_evidence(["A", "B"], [a, b], pd.DataFrame(rows))
    >>> int(ev.shared[0, 1])
    5
    """
    if len(ids) != len(texts):
        raise ParameterError(f"'ids' and 'texts' differ in length ({len(ids)} != {len(texts)})")
    if len(set(ids)) != len(ids):
        raise ParameterError("'ids' must be unique")
    check_positive_int("ngram", ngram)
    index = {doc: k for k, doc in enumerate(ids)}
    n = len(ids)
    shingles = [shingle(text, n=ngram) for text in texts]
    quoted = [
        _merge(
            [
                (q.start, q.end)
                for q in (quotations[doc] if quotations is not None else find_quotations(text))
                if q.end - q.start <= max_quote_chars
            ]
        )
        for doc, text in zip(ids, texts, strict=True)
    ]
    unquoted = [
        ~_overlapping(sh.starts, sh.ends, spans) for sh, spans in zip(shingles, quoted, strict=True)
    ]
    prose: dict[tuple[int, int], list[tuple[int, int]]] = {}
    quote: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for row in passages.itertuples(index=False):
        i, j = index.get(row.a), index.get(row.b)
        if i is None or j is None or i == j:
            continue
        target = quote if row.kind == "quote" else prose
        target.setdefault((i, j), []).append((int(row.a_start), int(row.a_end)))
        target.setdefault((j, i), []).append((int(row.b_start), int(row.b_end)))
    prose_spans = {key: _merge(spans) for key, spans in prose.items()}
    quote_spans = {key: _merge(spans) for key, spans in quote.items()}
    aligned = {
        key: _merge(prose.get(key, []) + quote.get(key, [])) for key in set(prose) | set(quote)
    }

    shared = np.zeros((n, n), dtype=np.int64)
    pair_material: dict[tuple[int, int], np.ndarray] = {}
    tails: dict[tuple[int, int], float] = {}
    per_doc: list[list[np.ndarray]] = [[] for _ in range(n)]
    for i, j in sorted(key for key in aligned if key[0] < key[1]):
        sides = []
        for x, y in ((i, j), (j, i)):
            sh = shingles[x]
            sides.append(sh.hashes[_inside(sh.starts, sh.ends, aligned[(x, y)]) & unquoted[x]])
        common = np.intersect1d(sides[0], sides[1])
        if common.size == 0:
            continue
        pair_material[(i, j)] = common
        shared[i, j] = shared[j, i] = common.size
        per_doc[i].append(common)
        per_doc[j].append(common)
        for x, y in ((i, j), (j, i)):
            tails[(x, y)] = _uncovered_tail(aligned[(x, y)], len(texts[x]))
    material = tuple(
        np.unique(np.concatenate(parts)) if parts else np.zeros(0, dtype=np.uint64)
        for parts in per_doc
    )
    halves = []
    for x, sh in enumerate(shingles):
        first = sh.starts < len(texts[x]) // 2
        halves.append(
            (
                np.intersect1d(sh.hashes[first], material[x]),
                np.intersect1d(sh.hashes[~first], material[x]),
            )
        )
    return ReuseEvidence(
        ids=tuple(ids),
        lengths=np.array([len(t) for t in texts], dtype=np.int64),
        shingle_counts=np.array([np.unique(s.hashes).size for s in shingles], dtype=np.int64),
        shared=shared,
        material=material,
        pair_material=pair_material,
        prose_spans=prose_spans,
        quote_spans=quote_spans,
        tails=tails,
        halves=tuple(halves),
    )


def _date_order(ids: Sequence[str], dates: Mapping[str, object] | None) -> np.ndarray:
    """``order[i, j]`` = +1 when ``i`` is dated before ``j``, -1 after, 0 unknown or equal."""
    n = len(ids)
    out = np.zeros((n, n))
    if not dates:
        return out
    stamps = pd.to_datetime(pd.Series([dates.get(d) for d in ids], dtype=object), errors="coerce")
    known = stamps.notna().to_numpy()
    if known.sum() < 2:
        return out
    values = stamps.to_numpy(dtype="datetime64[ns]").astype(np.int64).astype(float)
    order = np.sign(values[None, :] - values[:, None])
    return np.where(known[:, None] & known[None, :], order, 0.0)


@dataclass(frozen=True)
class DirectionCues:
    """Per ordered pair ``(p, x)``: cues that ``p`` is upstream of ``x``, each in [-1, 1].

    ``family`` compares the family material each side carries that the other lacks (a
    copy carries a subset of its source's material); ``size`` the lengths in distinct
    n-grams (a copy trims); ``trim`` how much more of one side's last third is left
    unaligned (a copy keeps the top of its source and drops its tail);
    ``dates`` the publication order where both are known.
    """

    family: np.ndarray
    size: np.ndarray
    trim: np.ndarray
    dates: np.ndarray
    probability: np.ndarray


DIRECTION_WEIGHTS = {"family": 1.5, "size": 5.0, "trim": 5.0, "dates": 4.0}
"""Logistic weights of the direction cues, set on tuning seeds (< 100) of the generators."""


def direction_scores(
    evidence: ReuseEvidence, *, dates: Mapping[str, object] | None = None
) -> DirectionCues:
    """Return the direction cues and ``probability[p, x]`` that ``p`` is upstream of ``x``.

    The probability is a logistic combination of the cues with the weights in
    ``DIRECTION_WEIGHTS``; ``probability[p, x] + probability[x, p] == 1``.
    """
    sizes = evidence.material_size().astype(float)
    shared = evidence.shared.astype(float)
    unique = sizes[:, None] - shared  # unique[p, x]: p's family material x lacks
    family = (unique - unique.T) / (unique + unique.T + 10.0)
    total = np.maximum(evidence.shingle_counts.astype(float), 1.0)
    size = (total[:, None] - total[None, :]) / (total[:, None] + total[None, :])
    n = len(evidence.ids)
    trim = np.zeros((n, n))
    for (x, y), tail in evidence.tails.items():
        trim[x, y] = tail - evidence.tails.get((y, x), tail)
    order = _date_order(evidence.ids, dates)
    w = DIRECTION_WEIGHTS
    logit = w["family"] * family + w["size"] * size + w["trim"] * trim + w["dates"] * order
    return DirectionCues(family, size, trim, order, 1.0 / (1.0 + np.exp(-logit)))


ROOT = "__root__"


def candidate_weights(
    evidence: ReuseEvidence,
    cues: DirectionCues,
    *,
    min_shared: int,
    min_fraction: float,
    min_prose_share: float,
) -> np.ndarray:
    """``weight[p, x]``: how well document ``p`` explains ``x`` as its source (0 = no edge).

    The share of ``x``'s family material that ``p`` carries, times the probability that
    ``p`` is upstream. Pairs sharing fewer than ``min_shared`` n-grams, or less than
    ``min_fraction`` of ``x``'s n-grams, get no edge, unless at least ``min_prose_share``
    of ``x``'s characters lie in prose passages with ``p``; nor does a ``p`` dated after
    ``x``.
    """
    sizes = np.maximum(evidence.material_size(), 1)
    explain = evidence.shared / sizes[None, :]  # explain[p, x] = shared / |material x|
    share = evidence.shared / np.maximum(evidence.shingle_counts, 1)[None, :]
    verbatim = (evidence.shared >= min_shared) & (share >= min_fraction)
    # A loose rewrite shares few verbatim n-grams but much aligned (paraphrased) prose.
    paraphrased = (evidence.shared >= 2) & (min_prose_share <= evidence.prose_share().T)
    ok = (verbatim | paraphrased) & (cues.dates >= 0)  # never a source published later
    np.fill_diagonal(ok, False)
    return np.where(ok, explain * cues.probability, 0.0)


def document_parents(
    weights: np.ndarray, ids: Sequence[str], *, root_weight: float
) -> dict[str, str | None]:
    """Best forest over documents: a maximum spanning arborescence with a virtual root.

    Every document may hang from the virtual root (no parent) at ``root_weight``.
    """
    graph = nx.DiGraph()
    graph.add_node(ROOT)
    n = len(ids)
    for x in range(n):
        graph.add_edge(ROOT, ids[x], weight=root_weight)
        for p in range(n):
            if weights[p, x] > root_weight:
                # A tiny order-based term breaks exact ties the same way every run.
                graph.add_edge(ids[p], ids[x], weight=float(weights[p, x]) - 1e-9 * p)
    tree = nx.maximum_spanning_arborescence(graph, attr="weight", preserve_attrs=True)
    out: dict[str, str | None] = {}
    for doc in ids:
        (parent,) = tree.predecessors(doc)
        out[doc] = None if parent == ROOT else parent
    return out


def _is_tradition(
    evidence: ReuseEvidence,
    family: Sequence[str],
    *,
    min_containment: float,
    max_asymmetry: float = 0.08,
) -> bool:
    """Whether a family's members are complete copies of one text (not partial reuse)."""
    if len(family) < 4:
        return False
    rows = [evidence.index(d) for d in family]
    sizes = np.maximum(evidence.material_size()[rows], 1)
    shared = evidence.shared[np.ix_(rows, rows)]
    i, j = np.triu_indices(len(rows), 1)
    related = shared[i, j] > 0
    if not related.any():
        return False
    forward, backward = (shared[i, j] / sizes[i])[related], (shared[i, j] / sizes[j])[related]
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


def _tradition_tree(
    evidence: ReuseEvidence,
    cues: DirectionCues,
    family: Sequence[str],
    parents: dict[str, str | None],
    latent_members: dict[str, list[str]],
    branches: dict[str, float],
    secondary: dict[str, tuple[str, int]],
    *,
    collapse: float,
) -> None:
    """Rebuild a tradition's parents by neighbour joining, adding latent sources for lost texts.

    Distances are ``-log(shared / sqrt(|material a| |material b|)) / n`` (per-word change
    along the line between two texts, additive over copies). The tree is rooted where the
    direction cues between documents are most probable, a lost text counting as the
    ancestor of the documents next to it.
    """
    rows = [evidence.index(d) for d in family]
    sizes = np.maximum(evidence.material_size()[rows], 1).astype(float)
    shared = evidence.shared[np.ix_(rows, rows)].astype(float)
    similarity = np.clip(shared / np.sqrt(np.outer(sizes, sizes)), 1e-3, 1.0)
    distances = -np.log(similarity)
    np.fill_diagonal(distances, 0.0)
    prefix = f"{LATENT_PREFIX}t{len(latent_members) + 1}."
    tree = neighbor_joining(distances, list(family), prefix=prefix)
    documents = set(family)
    lengths = [
        length for u, v, length in tree.edges(data="length") if u in documents or v in documents
    ]
    _contract_short_branches(
        tree, documents, collapse * float(np.median(lengths)) if lengths else 0.0
    )
    log_p = np.log(np.clip(cues.probability, 1e-6, 1.0))

    def edge_score(parent: str, child: str) -> float:
        if parent in documents and child in documents:
            return float(log_p[evidence.index(parent), evidence.index(child)])
        return float(np.log(0.7 if child in documents else 0.3))

    best = max(
        sorted(tree, key=str),
        key=lambda root: sum(edge_score(p, c) for p, c in nx.bfs_edges(tree, root)),
    )
    renamed: dict[str, str] = {}
    for node in nx.bfs_tree(tree, best):
        if node not in documents:
            renamed[node] = f"{LATENT_PREFIX}{len(latent_members) + 1}"
            latent_members[renamed[node]] = []
    parents[renamed.get(best, best)] = None
    _exemplar_switches(evidence, family, tree, secondary)
    typical = float(np.median(lengths)) if lengths else 1.0
    for p, c in nx.bfs_edges(tree, best):
        parent = renamed.get(p, p)
        parents[renamed.get(c, c)] = parent
        if c in documents:
            branches[c] = tree[p][c]["length"] / max(typical, 1e-9)
        if parent in latent_members and c in documents:
            latent_members[parent].append(c)


SWITCH_MARGIN = 0.06
"""Share of a half's material by which each half's best exemplar must beat the other's."""
SWITCH_HOPS = 3
"""Tree distance from which two exemplars are different lines of the tradition."""


def _exemplar_switches(
    evidence: ReuseEvidence,
    family: Sequence[str],
    tree: nx.Graph,
    secondary: dict[str, tuple[str, int]],
) -> None:
    """Find copies whose two halves follow different lines of a tradition (contamination).

    For each half of a document, the relative carrying most of that half's material is
    its exemplar there. When the halves' exemplars differ, each beats the other on its
    own half by ``SWITCH_MARGIN`` and they sit ``SWITCH_HOPS`` or more apart in the tree,
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
            < SWITCH_MARGIN
        ):
            continue
        a, b = family[first], family[second]
        if nx.shortest_path_length(tree, a, b) < SWITCH_HOPS:
            continue
        far = (
            b
            if nx.shortest_path_length(tree, doc, b) > nx.shortest_path_length(tree, doc, a)
            else a
        )
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
    for k, other in enumerate(evidence.ids):
        if k == x or evidence.shared[x, k] == 0:
            continue
        found = int(np.isin(missing, evidence.pair(x, k)).sum())
        if found > count:
            best, count = other, found
    return best, count


def _unrelated(evidence: ReuseEvidence, a: str, b: str, min_shared: int) -> bool:
    """Whether two documents share too little material to be relatives of each other."""
    return bool(evidence.shared[evidence.index(a), evidence.index(b)] < min_shared)


def _descendants(parents: Mapping[str, str | None], node: str) -> set[str]:
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


def unexplained_material(
    evidence: ReuseEvidence, parents: Mapping[str, str | None], child: str
) -> np.ndarray:
    """Material ``child`` shares with relatives outside its own line that its parent lacks."""
    parent = parents.get(child)
    x = evidence.index(child)
    line = _descendants(parents, child) | {child, parent}
    outside = [
        evidence.pair(x, k)
        for k, doc in enumerate(evidence.ids)
        if doc not in line and evidence.shared[x, k] > 0
    ]
    if not outside or parent is None:
        return np.zeros(0, dtype=np.uint64)
    found = np.unique(np.concatenate(outside))
    return np.setdiff1d(found, evidence.pair(x, evidence.index(parent)))


@dataclass(frozen=True)
class SourcesResult:
    """Latent sources, the forest they sit in, and each document's attribution.

    Attributes
    ----------
    sources
        Schema ``"sources"`` (``id``, ``members``, ``text``, ``chars``) plus ``parent`` (the
        latent source's own parent or missing) and ``family``.
    attribution
        ``document, source, chars, quote_chars, prose_chars``: characters of the document
        inside passages with the source (a document, or a latent source's members).
    parents
        Document or latent id -> parent id (``None`` for no parent): the forest the
        latent sources were inferred in, for :func:`lineage.derivation.derive`.
    families
        Document id -> family number (documents without shared prose: ``-1``).
    unexplained
        Document id -> n-grams of family material its tentative parent lacked.
    secondary
        Document id -> (second source, n-grams it supplies) where the material the parent
        lacks comes from a document unrelated to the parent (contamination).
    branches
        Document of a tradition -> length of the branch to its parent in the
        neighbour-joining tree, relative to the median branch (short: a close copy).
    evidence
        The :class:`ReuseEvidence` of a group of documents connected by passages (``None``
        on the result over the whole corpus).
    parts
        On the result over the whole corpus: one result per group of documents connected
        by passages, each with its own evidence (memory stays quadratic in the largest
        group, not in the corpus).
    params
        The thresholds used (``min_shared``, ``min_fraction``, ``min_prose_share``,
        ``root_weight``, ``unexplained_fraction``), so that
        :func:`lineage.derivation.derive` scores alike.
    """

    sources: pd.DataFrame
    attribution: pd.DataFrame
    parents: dict[str, str | None]
    families: dict[str, int]
    unexplained: dict[str, int] = field(default_factory=dict)
    secondary: dict[str, tuple[str, int]] = field(default_factory=dict)
    branches: dict[str, float] = field(default_factory=dict)
    evidence: ReuseEvidence | None = None
    params: dict[str, float] = field(default_factory=dict)
    parts: tuple[SourcesResult, ...] = ()


def _families(evidence: ReuseEvidence, weights: np.ndarray) -> dict[str, int]:
    graph = nx.Graph()
    graph.add_nodes_from(range(len(evidence.ids)))
    for p, x in zip(*np.nonzero(weights), strict=True):
        graph.add_edge(int(p), int(x))
    out = {doc: -1 for doc in evidence.ids}
    components = sorted(sorted(c) for c in nx.connected_components(graph) if len(c) > 1)
    for number, component in enumerate(components):
        for k in component:
            out[evidence.ids[k]] = number
    return out


def _passage_map(passages: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """``(doc, other)`` -> prose passages as rows ``start, end, other_start, other_end``."""
    prose = passages[passages["kind"] != "quote"]
    cols = ["a_start", "a_end", "b_start", "b_end"]
    out: dict[tuple[str, str], list[np.ndarray]] = {}
    for (a, b), group in prose.groupby(["a", "b"], sort=True):
        spans = group[cols].to_numpy(dtype=np.int64)
        out.setdefault((a, b), []).append(spans)
        out.setdefault((b, a), []).append(spans[:, [2, 3, 0, 1]])
    return {key: np.concatenate(parts) for key, parts in out.items()}


def _aligned_position(
    spans: dict[tuple[str, str], np.ndarray], doc: str, other: str, position: int
) -> int | None:
    """Position in ``other`` aligned to ``position`` in ``doc`` (the nearest earlier passage)."""
    rows = spans.get((doc, other))
    if rows is None:
        return None
    before = rows[rows[:, 0] <= position]
    if before.size == 0:
        return None
    inside = before[position < before[:, 1]]
    if inside.size:
        start, end, o_start, o_end = inside[0].tolist()
        return int(o_start + (position - start) * (o_end - o_start) / max(end - start, 1))
    return int(before[np.argmax(before[:, 1]), 3])


def reconstruct_text(
    members: Sequence[str],
    texts: Mapping[str, str],
    evidence: ReuseEvidence,
    passages: pd.DataFrame,
    *,
    min_chars: int = 30,
) -> str:
    """Reconstruct a latent source's text from its members' aligned prose, in order.

    The member carrying the most family material gives the order and the text of what it
    shares with the other members; the material other members share with each other but
    not with it is inserted after the position it follows in that member, each piece
    once.
    """
    spans = _passage_map(passages[passages["a"].isin(members) & passages["b"].isin(members)])
    sizes = evidence.material_size()
    ordered = sorted(members, key=lambda d: (-sizes[evidence.index(d)], d))
    base = ordered[0]
    idx = {d: evidence.index(d) for d in members}
    included = {d: np.zeros(len(texts[d]), dtype=bool) for d in members}
    pieces: list[tuple[float, int, str]] = []

    def family_spans(doc: str) -> np.ndarray:
        spans = [
            evidence.prose_spans[(idx[doc], idx[o])]
            for o in members
            if o != doc and (idx[doc], idx[o]) in evidence.prose_spans
        ]
        return _merge([tuple(s) for block in spans for s in block.tolist()])

    def mark(doc: str, start: int, end: int) -> None:
        included[doc][start:end] = True
        for other in members:
            if other == doc:
                continue
            lo = _aligned_position(spans, doc, other, start)
            hi = _aligned_position(spans, doc, other, max(end - 1, start))
            if lo is not None and hi is not None and hi >= lo:
                included[other][lo : hi + 1] = True

    for order, doc in enumerate(ordered):
        for start, end in family_spans(doc).tolist():
            free = ~included[doc][start:end]
            if free.sum() < min_chars:
                continue
            runs = np.flatnonzero(np.diff(np.concatenate([[0], free.astype(np.int8), [0]])))
            for run_start, run_end in zip(runs[0::2], runs[1::2], strict=True):
                if run_end - run_start < min_chars:
                    continue
                a, b = start + int(run_start), start + int(run_end)
                at = a if doc == base else _aligned_position(spans, doc, base, a)
                pieces.append((float(-1 if at is None else at), order, texts[doc][a:b].strip()))
                mark(doc, a, b)
    pieces.sort(key=lambda piece: (piece[0], piece[1]))
    return "\n".join(text for _, _, text in pieces if text)


def _attribution(
    evidence: ReuseEvidence,
    parents: Mapping[str, str | None],
    latent_members: Mapping[str, list[str]],
) -> pd.DataFrame:
    rows = []
    for doc in evidence.ids:
        source = parents.get(doc)
        if source is None:
            continue
        x = evidence.index(doc)
        others = latent_members.get(source, [source])
        prose, quote = [], []
        for other in others:
            if other == doc or other not in evidence.ids:
                continue
            y = evidence.index(other)
            prose += [tuple(s) for s in evidence.prose_spans.get((x, y), np.zeros((0, 2))).tolist()]
            quote += [tuple(s) for s in evidence.quote_spans.get((x, y), np.zeros((0, 2))).tolist()]
        prose_chars = _covered_chars(_merge(prose))
        quote_chars = _covered_chars(_merge(quote))
        both = _covered_chars(_merge(prose + quote))
        rows.append(
            dict(
                document=doc,
                source=source,
                chars=both,
                quote_chars=quote_chars,
                prose_chars=prose_chars,
            )
        )
    return _attribution_frame(rows)


def _attribution_frame(rows: list[dict]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=ATTRIBUTION_COLUMNS)
    return table.astype(
        {
            "document": "string",
            "source": "string",
            "chars": "int64",
            "quote_chars": "int64",
            "prose_chars": "int64",
        }
    )


def infer_sources(
    ids: Sequence[str],
    texts: Sequence[str],
    passages: pd.DataFrame,
    *,
    dates: Mapping[str, object] | None = None,
    ngram: int = 3,
    min_shared: int = 8,
    min_fraction: float = 0.06,
    min_prose_share: float = 0.15,
    root_weight: float = 0.3,
    unexplained_fraction: float = 0.04,
    min_unexplained: int = 8,
    tradition_containment: float = 0.5,
    collapse: float = 0.9,
) -> SourcesResult:
    """Group shared passages into families and infer the latent sources behind them.

    Parameters
    ----------
    ids, texts
        The documents (originals, as the passages' offsets point into them).
    passages
        Passages table (schema ``"passages"``): aligned spans of document pairs with
        ``kind`` ``"prose"`` or ``"quote"``.
    dates
        Optional document id -> publication date (anything ``pandas.to_datetime`` reads).
    ngram
        Words per n-gram of material.
    min_shared, min_fraction, min_prose_share
        A pair is related when it shares at least ``min_shared`` n-grams of prose material
        and they are at least ``min_fraction`` of the copy's n-grams, or when at least
        ``min_prose_share`` of the copy's characters lie in prose passages with the other
        (a loose, paraphrasing rewrite).
    root_weight
        Weight of "no parent" against a document parent (explained share times direction
        probability).
    unexplained_fraction, min_unexplained
        A document whose tentative parent lacks at least this share (and this many n-grams)
        of the family material it shares with relatives outside its own line is drawn from
        a latent source instead.
    tradition_containment
        A family of four or more documents in which three quarters of the related pairs
        each carry at least this share of the other's material, and a typical pair carries
        about as much of each other (within 0.08), is a tradition of complete copies
        (manuscript-like): its tree is built by neighbour joining on
        distances from shared material, with lost texts as latent sources.
    collapse
        In a tradition, a branch shorter than this fraction of the median branch length
        is contracted (a latent node next to a document becomes that document).

    Returns
    -------
    SourcesResult

    Examples
    --------
    Two rewrites that each keep wire sentences the other dropped:

    >>> import pandas as pd
    >>> s = ["Putin spurned a challenge to meet Zelensky in Turkey on Thursday.",
    ...      "The Russian president sent a second-tier team of aides to Istanbul.",
    ...      "Trump said there would be no movement without a meeting with Putin.",
    ...      "It was not clear when the talks would actually begin in the city."]
    >>> a, b, c = " ".join(s[:3]), " ".join(s[1:]), " ".join([s[0], s[3]])
    >>> def p(x, y, i, j, k):
    ...     return dict(a=x, a_start=i, a_end=i + len(s[k]), b=y, b_start=j,
    ...                 b_end=j + len(s[k]), kind="prose", similarity=1.0)
    >>> rows = [p("A", "B", a.index(s[k]), b.index(s[k]), k) for k in (1, 2)]
    >>> rows += [p("A", "C", 0, 0, 0), p("B", "C", b.index(s[3]), c.index(s[3]), 3)]
    >>> result = infer_sources(["A", "B", "C"], [a, b, c], pd.DataFrame(rows))
    >>> result.sources["id"].tolist(), sorted(result.sources["members"][0])
    (['latent:1'], ['A', 'B', 'C'])
    """
    check_fraction("min_fraction", min_fraction)
    check_fraction("min_prose_share", min_prose_share)
    check_fraction("root_weight", root_weight)
    check_fraction("unexplained_fraction", unexplained_fraction)
    check_fraction("tradition_containment", tradition_containment)
    check_positive_int("min_shared", min_shared)
    check_positive_int("min_unexplained", min_unexplained)
    check_positive_int("ngram", ngram)
    if len(ids) != len(texts):
        raise ParameterError(f"'ids' and 'texts' differ in length ({len(ids)} != {len(texts)})")
    if len(set(ids)) != len(ids):
        raise ParameterError("'ids' must be unique")
    params = dict(
        min_shared=min_shared,
        min_fraction=min_fraction,
        min_prose_share=min_prose_share,
        root_weight=root_weight,
        unexplained_fraction=unexplained_fraction,
    )
    options = dict(
        dates=dates,
        ngram=ngram,
        min_unexplained=min_unexplained,
        tradition_containment=tradition_containment,
        collapse=collapse,
        params=params,
    )
    text_by_id = dict(zip(ids, texts, strict=True))
    groups = _passage_components(ids, passages)
    # Both sides of a passage lie in one group: split the table once, by the a side.
    group_of = {doc: k for k, group in enumerate(groups) for doc in group}
    by_group = dict(list(passages.groupby(passages["a"].map(group_of), sort=False)))
    parts, latents = [], 0
    for k, group in enumerate(groups):
        inside = by_group[k]
        part = _infer_group(group, [text_by_id[d] for d in group], inside, **options)
        parts.append(_renumber(part, latents))
        latents += len(part.sources)
    return _merge_parts(ids, parts, params)


def _passage_components(ids: Sequence[str], passages: pd.DataFrame) -> list[list[str]]:
    """Return the groups of two or more documents connected by passages, in ``ids`` order."""
    order = {doc: k for k, doc in enumerate(ids)}
    graph = nx.Graph()
    for a, b in passages[["a", "b"]].drop_duplicates().itertuples(index=False):
        if a in order and b in order and a != b:
            graph.add_edge(a, b)
    groups = [sorted(c, key=order.__getitem__) for c in nx.connected_components(graph)]
    return sorted(groups, key=lambda g: order[g[0]])


def _renumber(part: SourcesResult, offset: int) -> SourcesResult:
    """Shift a group's latent ids ``latent:k`` to ``latent:(k + offset)``."""
    if offset == 0 or part.sources.empty:
        return part

    def shift(name: str | None) -> str | None:
        if name is None or not str(name).startswith(LATENT_PREFIX):
            return name
        return f"{LATENT_PREFIX}{int(str(name)[len(LATENT_PREFIX) :]) + offset}"

    sources = part.sources.copy()
    sources["id"] = sources["id"].map(shift).astype("string")
    sources["parent"] = (
        sources["parent"].map(lambda v: None if pd.isna(v) else shift(v)).astype("string")
    )
    attribution = part.attribution.copy()
    attribution["source"] = attribution["source"].map(shift).astype("string")
    return SourcesResult(
        sources=sources,
        attribution=attribution,
        parents={shift(k): shift(v) for k, v in part.parents.items()},
        families=part.families,
        unexplained=part.unexplained,
        secondary=part.secondary,
        branches=part.branches,
        evidence=part.evidence,
        params=part.params,
    )


def _merge_parts(
    ids: Sequence[str], parts: list[SourcesResult], params: dict[str, float]
) -> SourcesResult:
    """One result over every document from the results of its passage-connected groups."""
    parents: dict[str, str | None] = {doc: None for doc in ids}
    families = {doc: -1 for doc in ids}
    merged: dict[str, dict] = {"unexplained": {}, "secondary": {}, "branches": {}}
    offset = 0
    for part in parts:
        parents.update(part.parents)
        numbers = {n for n in part.families.values() if n >= 0}
        families.update({d: (n + offset if n >= 0 else -1) for d, n in part.families.items()})
        offset += len(numbers)
        for name, values in merged.items():
            values.update(getattr(part, name))
    sources = [p.sources for p in parts if not p.sources.empty]
    attribution = [p.attribution for p in parts if not p.attribution.empty]
    return SourcesResult(
        sources=pd.concat(sources, ignore_index=True) if sources else _empty_sources(),
        attribution=(
            pd.concat(attribution, ignore_index=True) if attribution else _attribution_frame([])
        ),
        parents=parents,
        families=families,
        unexplained=merged["unexplained"],
        secondary=merged["secondary"],
        branches=merged["branches"],
        params=params,
        parts=tuple(parts),
    )


def _infer_group(
    ids: Sequence[str],
    texts: Sequence[str],
    passages: pd.DataFrame,
    *,
    dates: Mapping[str, object] | None,
    ngram: int,
    min_unexplained: int,
    tradition_containment: float,
    collapse: float,
    params: dict[str, float],
) -> SourcesResult:
    """Infer sources within one group of documents connected by passages."""
    min_shared = int(params["min_shared"])
    root_weight = params["root_weight"]
    unexplained_fraction = params["unexplained_fraction"]
    evidence = reuse_evidence(ids, texts, passages, ngram=ngram)
    cues = direction_scores(evidence, dates=dates)
    weights = candidate_weights(
        evidence,
        cues,
        min_shared=min_shared,
        min_fraction=params["min_fraction"],
        min_prose_share=params["min_prose_share"],
    )
    parents: dict[str, str | None] = dict(document_parents(weights, ids, root_weight=root_weight))
    families = _families(evidence, weights)
    sizes = evidence.material_size()
    latent_members: dict[str, list[str]] = {}
    traditions: set[str] = set()
    branches: dict[str, float] = {}
    secondary: dict[str, tuple[str, int]] = {}
    for number in sorted(set(families.values()) - {-1}):
        family = [doc for doc in ids if families[doc] == number]
        if _is_tradition(evidence, family, min_containment=tradition_containment):
            traditions.update(family)
            _tradition_tree(
                evidence,
                cues,
                family,
                parents,
                latent_members,
                branches,
                secondary,
                collapse=collapse,
            )

    unexplained: dict[str, int] = {}
    latent_of: dict[str, str] = {}  # a document that a latent source replaced -> that source
    text_ids = set(ids)
    order = list(nx.lexicographical_topological_sort(_forest_graph(parents)))
    for doc in order:
        if doc not in text_ids or doc in traditions:
            continue
        parent = parents.get(doc)
        if parent is None or parent.startswith(LATENT_PREFIX):
            continue
        missing = unexplained_material(evidence, parents, doc)
        unexplained[doc] = int(missing.size)
        if missing.size < max(min_unexplained, unexplained_fraction * sizes[evidence.index(doc)]):
            continue
        supplier, supplied = _main_supplier(evidence, doc, missing)
        if supplier is not None and _unrelated(evidence, parent, supplier, min_shared):
            # Material from a second, unrelated source: contamination, not a lost common source.
            secondary[doc] = (supplier, supplied)
            continue
        grand = parents.get(parent)
        if grand is not None and grand.startswith(LATENT_PREFIX):
            latent = grand  # the parent already hangs from a latent source: join it
        elif parent in latent_of:
            latent = latent_of[parent]
        else:
            latent = f"{LATENT_PREFIX}{len(latent_members) + 1}"
            latent_members[latent] = [parent]
            latent_of[parent] = latent
            parents[latent] = grand
            parents[parent] = latent
        parents[doc] = latent
        latent_members[latent].append(doc)
        logger.debug(
            "%s draws on %s (%d n-grams unexplained by %s)", doc, latent, missing.size, parent
        )

    text_by_id = dict(zip(ids, texts, strict=True))
    rows = []
    for latent, members in latent_members.items():
        members = sorted(members)
        readers = members or sorted(_descendants(parents, latent) & text_ids)
        rows.append(
            dict(
                id=latent,
                members=tuple(members),
                text=(text := reconstruct_text(readers, text_by_id, evidence, passages)),
                chars=len(text),
                parent=parents.get(latent),
                family=families.get(readers[0], -1) if readers else -1,
            )
        )
    sources = schema.frame("sources", rows) if rows else _empty_sources()
    return SourcesResult(
        sources=sources,
        attribution=_attribution(evidence, parents, latent_members),
        parents=parents,
        families=families,
        unexplained=unexplained,
        secondary=secondary,
        branches=branches,
        evidence=evidence,
        params=params,
    )


def _empty_sources() -> pd.DataFrame:
    table = schema.frame("sources", [])
    table["parent"] = pd.Series([], dtype="string")
    table["family"] = pd.Series([], dtype="int64")
    return table


def _forest_graph(parents: Mapping[str, str | None]) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(sorted(parents))
    graph.add_edges_from((p, c) for c, p in parents.items() if p is not None)
    return graph
