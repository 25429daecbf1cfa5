"""What the report reads: the result tables of an analysis, and nothing computed from them.

The figures and the HTML take any object with the tables of the output contract
(``documents``, ``passages``, ``sources``, ``edges``) and the texts; they never import the
analysis or a stage, so :mod:`lineage.analysis` can draw through them without a cycle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import pandas as pd

from lineage.records import Span


class ResultTables(Protocol):
    """The tables and texts of one analysis, as :class:`lineage.Analysis` holds them."""

    documents: pd.DataFrame
    passages: pd.DataFrame
    sources: pd.DataFrame
    edges: pd.DataFrame
    texts: Mapping[str, str]
    ignored: Mapping[str, tuple[Span, ...]]
    meta: Mapping[str, Mapping[str, object]]


def loaded_ids(tables: ResultTables) -> list[str]:
    """Return the ids of the analysed documents (status other than ``skipped``), once each.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> docs = pd.DataFrame({"id": ["a", "b", "a"], "status": ["ok", "skipped", "ok"]})
    >>> loaded_ids(SimpleNamespace(documents=docs))
    ['a']
    """
    docs = tables.documents
    return list(dict.fromkeys(str(i) for i in docs.loc[docs["status"] != "skipped", "id"]))
