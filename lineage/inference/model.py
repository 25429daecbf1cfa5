"""The fitted confidence model: plain numbers in ``confidence_model.json``, no pickle.

- **link**: the probability that two documents share text by reuse, from the pair's
  :data:`FEATURES`: gradient-boosted trees (scikit-learn
  ``HistGradientBoostingClassifier``, more shared material never less probable, more
  common material never more) fitted by ``benchmarks/reliability.py`` on labelled real
  pairs (their ``tune`` parts; the ``heldout`` parts are only measured). Each tree is
  stored as arrays (``feature, threshold, left, right, value, leaf``): a row goes left
  when its feature is at most the threshold; the probability is the logistic of the
  baseline plus the leaves reached.
- **direction**: the probability that one document is upstream of the other when dates do
  not tell, a logistic of :data:`DIRECTION_FEATURES` (antisymmetric, no intercept:
  swapping the two gives the complement). See ``fitted_on`` for where its weights come
  from.

The file records what each was fitted on (``fitted_on``).

Examples
--------
>>> model = confidence_model()
>>> reuse, template = [6.0, 0.9, 0.9, 0.0, 1.0, 8.0], [1.0, 0.1, 0.1, 0.3, 0.6, 3.0]
>>> model.link([reuse, template]).round(2).tolist()
[1.0, 0.01]
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import numpy as np

__all__ = [
    "DIRECTION_FEATURES",
    "FEATURES",
    "MODEL_FILE",
    "ConfidenceModel",
    "Tree",
    "confidence_model",
]

MODEL_FILE = "confidence_model.json"
"""The model's file, beside this module."""

FEATURES = (
    "log_shared",
    "shorter_share",
    "informative_containment",
    "commonness",
    "similarity",
    "log_aligned_chars",
)
"""Evidence features of a pair of documents that the link model reads.

``log_shared``: log(1 + distinct n-grams of material the two share); ``shorter_share``:
those n-grams over the shorter text's distinct n-grams; ``informative_containment``: the
larger of the pairs table's two informative containments (what the commonness model does
not call common); ``commonness`` and ``similarity``: char-weighted means over the pair's
passages; ``log_aligned_chars``: log(1 + the smaller side's characters inside them).
Templates share short, common, loosely aligned runs; reuse shares long, rare, close ones.
"""

DIRECTION_FEATURES = ("family", "size", "trim", "size_covered", "trim_covered")
"""Direction cues of an ordered pair ``(p, x)`` that the direction model reads, each in [-1, 1].

``family``: family material ``p`` carries that ``x`` lacks against the reverse (a copy
carries a subset of its source's shared material); ``size``: difference of lengths in
distinct n-grams; ``trim``: how much more of ``p``'s last third is unaligned (a copy keeps
the top of its source); ``*_covered``: the same times the share of the shorter text the
pair shares (a length difference says more about an abridgement than about a passage
lifted into a longer text).
"""


@dataclass(frozen=True)
class Tree:
    """One regression tree of the link model, as arrays indexed by node (root 0)."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    leaf: np.ndarray

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        """Return the value of the leaf each row of ``rows`` reaches."""
        node = np.zeros(len(rows), dtype=np.int64)
        index = np.arange(len(rows))
        while not self.leaf[node].all():
            go_left = rows[index, self.feature[node]] <= self.threshold[node]
            step = np.where(go_left, self.left[node], self.right[node])
            node = np.where(self.leaf[node], node, step)
        return self.value[node]


@dataclass(frozen=True)
class ConfidenceModel:
    """The link trees and direction coefficients (see the module docstring)."""

    baseline: float
    trees: tuple[Tree, ...]
    direction_coef: np.ndarray
    fitted_on: str

    def link(self, features: np.ndarray) -> np.ndarray:
        """Probability of reuse for rows of :data:`FEATURES`."""
        rows = np.atleast_2d(np.asarray(features, dtype=float))
        raw = self.baseline + sum((tree(rows) for tree in self.trees), np.zeros(len(rows)))
        return 1.0 / (1.0 + np.exp(-raw))

    def direction(self, cues: np.ndarray) -> np.ndarray:
        """Probability that ``p`` is upstream of ``x`` for cues ``[..., DIRECTION_FEATURES]``."""
        return 1.0 / (1.0 + np.exp(-(cues @ self.direction_coef)))


@cache
def confidence_model() -> ConfidenceModel:
    """Read ``confidence_model.json`` (once) and check it matches the features in use."""
    data = json.loads(files("lineage.inference").joinpath(MODEL_FILE).read_text())
    link, direction = data["link"], data["direction"]
    if tuple(link["features"]) != FEATURES or tuple(direction["features"]) != DIRECTION_FEATURES:
        raise ValueError(
            f"{MODEL_FILE} was fitted on {link['features']} and {direction['features']}, "
            f"not {FEATURES} and {DIRECTION_FEATURES}: refit with benchmarks/reliability.py"
        )
    trees = tuple(
        Tree(
            feature=np.array(tree["feature"], dtype=np.int64),
            threshold=np.array(tree["threshold"], dtype=float),
            left=np.array(tree["left"], dtype=np.int64),
            right=np.array(tree["right"], dtype=np.int64),
            value=np.array(tree["value"], dtype=float),
            leaf=np.array(tree["leaf"], dtype=bool),
        )
        for tree in link["trees"]
    )
    return ConfidenceModel(
        baseline=float(link["baseline"]),
        trees=trees,
        direction_coef=np.array(direction["coef"], dtype=float),
        fitted_on=str(data["fitted_on"]),
    )
