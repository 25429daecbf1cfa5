"""Near-duplicate clusters with stable ids, a representative and per-member evidence.

Documents are the nodes, scored pairs at or above the threshold the edges; a cluster is a
connected component of two or more documents (``scipy.sparse.csgraph``). Documents that
match nothing are not listed.

Examples
--------
>>> import pandas as pd
>>> pairs = pd.DataFrame({"a": ["d1", "d2"], "b": ["d2", "d3"], "jaccard": [0.9, 0.6],
...                       "containment_a_in_b": [0.9, 0.7], "containment_b_in_a": [0.9, 0.8],
...                       "tfidf_cosine": [0.95, 0.7], "shared_chars": [0, 0]})
>>> table = cluster_pairs(pairs, ["d1", "d2", "d3", "d4"], threshold=0.5)
>>> table[["cluster", "id", "representative", "matched", "jaccard"]].values.tolist()
[['c0', 'd1', 'd2', 'd2', 0.9], ['c0', 'd2', 'd2', 'd1', 0.9], ['c0', 'd3', 'd2', 'd2', 0.6]]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lineage import schema
from lineage.errors import ParameterError, check_fraction, shorten

__all__ = ["MEASURES", "cluster_pairs"]

MEASURES = {"jaccard": ("jaccard",), "containment": ("containment_a_in_b", "containment_b_in_a")}
"""Measures two documents can be joined by, and the pairs-table columns each reads (for
containment, the larger of the two directions)."""


def _edges(pairs: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Both directions of every pair, with the score of the measure and the evidence."""
    forward = pd.DataFrame(
        {
            "id": pairs["a"].astype(str).to_numpy(),
            "other": pairs["b"].astype(str).to_numpy(),
            "jaccard": pairs["jaccard"].to_numpy(dtype=float),
            "containment": pairs["containment_a_in_b"].to_numpy(dtype=float),
            "tfidf_cosine": pairs["tfidf_cosine"].to_numpy(dtype=float),
        }
    )
    backward = forward.rename(columns={"id": "other", "other": "id"}).assign(
        containment=pairs["containment_b_in_a"].to_numpy(dtype=float)
    )
    edges = pd.concat([forward, backward[forward.columns]], ignore_index=True)
    if measure == "jaccard":
        edges["score"] = edges["jaccard"]
    else:
        larger = np.maximum(
            pairs["containment_a_in_b"].to_numpy(dtype=float),
            pairs["containment_b_in_a"].to_numpy(dtype=float),
        )
        edges["score"] = np.concatenate([larger, larger])
    return edges


def cluster_pairs(
    pairs: pd.DataFrame,
    ids: Sequence[str],
    *,
    threshold: float = 0.5,
    measure: str = "jaccard",
    lengths: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Group documents whose pairs reach ``threshold`` into clusters.

    Parameters
    ----------
    pairs
        A pairs table (schema ``"pairs"``, from :func:`lineage.verify.score_pairs`).
    ids
        Every document id of the corpus (pairs must only name these).
    threshold
        A pair joins its documents when its score is at least this.
    measure
        ``"jaccard"``, or ``"containment"`` (the larger of the two containments, so a
        short rewrite inside a long story joins it).
    lengths
        Text length of each document, in ``ids`` order, to break ties between
        representatives (longest first); without it ties go to the smallest id.

    Returns
    -------
    pandas.DataFrame
        Schema ``"clusters"``: one row per member of a cluster of two or more documents,
        ordered by cluster then id. ``cluster`` is ``c<k>``, clusters numbered in the
        order of their smallest member id, so the ids depend only on the clusters found,
        not on the order of the input. ``representative`` is the member with the highest
        summed score over its cluster's edges (ties: longest text, then smallest id).
        ``matched`` is the member's best evidence: the representative when the two are
        joined directly, else the member's best-scoring neighbour (the representative's
        own row names its best neighbour); ``jaccard``, ``containment`` (of the member in
        ``matched``) and ``tfidf_cosine`` are that pair's. Singletons are not listed.

    Raises
    ------
    ParameterError
        For a threshold outside [0, 1], an unknown measure or a pair naming an unknown id.

    Notes
    -----
    Cost ``O(n + m log m)`` for ``n`` documents and ``m`` pairs.
    """
    threshold = check_fraction("threshold", threshold)
    if measure not in MEASURES:
        raise ParameterError(f"'measure' must be one of {tuple(MEASURES)} (got {shorten(measure)})")
    id_list = [str(i) for i in ids]
    position = {doc: k for k, doc in enumerate(id_list)}
    if len(position) != len(id_list):
        raise ParameterError("'ids' must be unique")
    if lengths is not None and len(lengths) != len(id_list):
        raise ParameterError(
            f"'lengths' needs one entry per id ({len(id_list)}), got {len(lengths)}"
        )
    edges = _edges(pairs, measure)
    edges = edges[edges["score"] >= threshold].reset_index(drop=True)
    unknown = sorted(set(edges["id"]) - position.keys())
    if unknown:
        raise ParameterError(f"pairs name ids that are not in 'ids': {shorten(unknown)}")
    if edges.empty:
        return schema.frame("clusters", [])
    rows = edges["id"].map(position).to_numpy()
    cols = edges["other"].map(position).to_numpy()
    from scipy.sparse import coo_matrix  # here: near_duplicates alone never loads scipy
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(rows.size), (rows, cols)), shape=(len(id_list),) * 2)
    _, component = connected_components(graph, directed=False)

    edges["component"] = component[rows]
    strength = edges.groupby("id")["score"].sum()
    members = pd.DataFrame({"id": strength.index, "strength": strength.to_numpy()})
    members["component"] = component[members["id"].map(position).to_numpy()]
    members["length"] = 0 if lengths is None else [lengths[position[doc]] for doc in members["id"]]
    # Representative: highest summed score, then longest, then smallest id.
    ranked = members.sort_values(
        ["component", "strength", "length", "id"], ascending=[True, False, False, True]
    )
    representative = ranked.groupby("component")["id"].first()
    members["representative"] = members["component"].map(representative)
    # Clusters numbered by their smallest member id.
    smallest = members.groupby("component")["id"].min().sort_values()
    number = {comp: f"c{k}" for k, comp in enumerate(smallest.index)}
    members["cluster"] = members["component"].map(number)

    # Evidence: the edge to the representative if there is one, else the best edge.
    edges["representative"] = edges["component"].map(representative)
    edges["to_representative"] = edges["other"] == edges["representative"]
    best = edges.sort_values(
        ["id", "to_representative", "score", "other"], ascending=[True, False, False, True]
    ).drop_duplicates("id")
    evidence = best.set_index("id")
    table = pd.DataFrame(
        {
            "cluster": members["cluster"],
            "id": members["id"],
            "representative": members["representative"],
            "matched": members["id"].map(evidence["other"]),
            "jaccard": members["id"].map(evidence["jaccard"]),
            "containment": members["id"].map(evidence["containment"]),
            "tfidf_cosine": members["id"].map(evidence["tfidf_cosine"]),
        }
    )
    table["_order"] = table["cluster"].str[1:].astype(int)
    table = table.sort_values(["_order", "id"]).drop(columns="_order")
    return schema.frame("clusters", table)
