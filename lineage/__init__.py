"""lineage: find reused text in a corpus and infer where each text came from.

Examples
--------
>>> import lineage
>>> result = lineage.analyze("seeds")  # doctest: +SKIP
>>> result.documents[["id", "parent", "reuse_fraction", "quote_fraction"]]  # doctest: +SKIP
"""

# ``lineage.align`` is the function: importing lineage.api below first loads the module
# lineage/align.py (which binds the name to the module), then rebinds it.
from lineage.analysis import Analysis
from lineage.api import align, analyze, near_duplicate_clusters, near_duplicates
from lineage.corpus import Corpus, iter_corpus_shards, load_corpus
from lineage.errors import CorpusError, LineageError, LineageWarning, ParameterError
from lineage.index import Index
from lineage.records import Document, Passage, Problem
from lineage.version import __version__

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
