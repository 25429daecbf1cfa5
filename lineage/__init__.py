"""lineage: find reused text in a corpus and infer where each text came from.

``import lineage`` loads nothing but this table: each public name is imported from its
module the first time it is used, so ``lineage.near_duplicates`` does not pay for the
alignment, inference and report stages (and the scipy and networkx they load).

Examples
--------
>>> import lineage
>>> result = lineage.analyze("seeds")  # doctest: +SKIP
>>> result.documents[["id", "parent", "reuse_fraction", "quote_fraction"]]  # doctest: +SKIP
>>> lineage.near_duplicates is lineage.api.near_duplicates
True
>>> sorted(lineage._EXPORTS) == lineage.__all__
True
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the names as a reader (and a type checker) finds them
    from lineage.analysis import Analysis
    from lineage.api import align, analyze
    from lineage.corpus import Corpus, iter_corpus_shards, load_corpus
    from lineage.dedup import near_duplicate_clusters, near_duplicates
    from lineage.errors import CorpusError, LineageError, LineageWarning, ParameterError
    from lineage.index import Index
    from lineage.records import Document, Passage, Problem
    from lineage.version import __version__

_EXPORTS = {
    "Analysis": "lineage.analysis",
    "Corpus": "lineage.corpus",
    "CorpusError": "lineage.errors",
    "Document": "lineage.records",
    "Index": "lineage.index",
    "LineageError": "lineage.errors",
    "LineageWarning": "lineage.errors",
    "ParameterError": "lineage.errors",
    "Passage": "lineage.records",
    "Problem": "lineage.records",
    "__version__": "lineage.version",
    "align": "lineage.api",
    "analyze": "lineage.api",
    "iter_corpus_shards": "lineage.corpus",
    "load_corpus": "lineage.corpus",
    "near_duplicate_clusters": "lineage.dedup",
    "near_duplicates": "lineage.dedup",
}
"""Where each public name is defined (``lineage.api`` re-exports the dedup functions)."""

__all__ = [
    "Analysis",
    "Corpus",
    "CorpusError",
    "Document",
    "Index",
    "LineageError",
    "LineageWarning",
    "ParameterError",
    "Passage",
    "Problem",
    "__version__",
    "align",
    "analyze",
    "iter_corpus_shards",
    "load_corpus",
    "near_duplicate_clusters",
    "near_duplicates",
]


def __getattr__(name: str) -> Any:
    """Import a public name (or a submodule such as ``lineage.api``) on first use.

    A private name is never imported: ``hasattr(lineage, "__main__")`` must not run the CLI.
    """
    source = _EXPORTS.get(name)
    if source is not None:
        value = getattr(importlib.import_module(source), name)
        globals()[name] = value
        return value
    if name.startswith("_"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as error:
        if error.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


class _Package(types.ModuleType):
    """The class of this package: a submodule never replaces a public name it shares.

    Importing a submodule binds it on its package: loading ``lineage/align.py`` would set
    ``lineage.align`` to the module, over the function of that name.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _EXPORTS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
