"""Every threshold and weight of lineage inference, in one frozen dataclass.

Defaults are written here once; :class:`InferenceParams` checks its fields when built, so
a bad value fails at the boundary with a message naming it.

Examples
--------
>>> InferenceParams().root_weight
0.3
>>> InferenceParams(min_confidence=1.5)
Traceback (most recent call last):
...
lineage.errors.ParameterError: 'min_confidence' must be in [0, 1] (got 1.5)
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from lineage.errors import ParameterError, check_fraction, check_positive_int

__all__ = ["DEFAULTS", "InferenceParams"]

_FRACTIONS = (
    "root_weight",
    "unexplained_fraction",
    "near_identical",
    "min_fraction",
    "min_prose_share",
    "min_confidence",
    "tradition_containment",
    "tradition_asymmetry",
    "secondary_fraction",
    "switch_margin",
)
_COUNTS = (
    "ngram",
    "min_shared",
    "min_shared_alone",
    "min_prose_chars",
    "min_unexplained",
    "switch_hops",
    "max_quote_chars",
    "min_latent_chars",
)


@dataclass(frozen=True)
class InferenceParams:
    """Thresholds and weights of source and parent inference.

    Attributes
    ----------
    ngram
        Words per n-gram of shared material. Short n-grams (3) keep a paraphrased
        sentence visible as partly shared (more recall of loose rewrites); long ones count
        only verbatim runs (fewer chance matches). The link model is fitted at 3.
    min_shared, min_fraction, min_shared_alone
        A pair is related when it shares at least ``min_shared`` n-grams of prose
        material and they are at least ``min_fraction`` of the shorter text's n-grams, or when
        it shares ``min_shared_alone`` n-grams whatever the texts' length (a passage
        copied into a long text); and its link probability reaches ``min_confidence``.
        One shared phrase is no evidence of copying: the link model is fitted above this
        floor. Higher values drop loose relatives (fewer false families, more missed
        reuse). ``min_shared`` also tells contamination (a second source sharing fewer
        n-grams with the parent) from a lost common source.
    min_prose_share
        ... or when at least this share of either text's characters lies in prose
        passages with the other (a loose, paraphrasing rewrite), ...
    min_prose_chars
        ... or when the two sides of its prose passages hold at least this many characters
        each (a paragraph lifted into a longer text and reworded: a small share of either
        text and few verbatim n-grams). Lower admits shorter lifted passages (and more
        shared formulas); the link model still decides.
    root_weight
        Weight of "no parent" against a document parent (explained share times direction
        probability). Higher leaves more documents independent.
    unexplained_fraction, min_unexplained
        A document whose tentative parent lacks at least this share (and this many
        n-grams) of the family material it shares with relatives outside its own line is
        drawn from a latent source instead. Lower posits more latent sources.
    near_identical
        Two documents sharing at least this share of the larger one's family material
        (each carries nearly all of the other's) are copies of each other: no latent
        source is drawn above them. Lower draws fewer latent sources above close copies
        and more chains through a rewrite that merely contains another.
    min_confidence
        Two documents whose link probability (the fitted link model's, that they share
        text by reuse) is below this are not related at all; a document parent whose
        probability is below it is not claimed: the edge is kept with ``status`` and the
        document's ``parent_status`` "not enough evidence". 0.6 asks for clearly better
        than a coin toss. Higher links and claims fewer, surer pairs (less recall).
    tradition_containment, tradition_asymmetry
        A family of four or more documents in which three quarters of the related pairs
        each carry at least ``tradition_containment`` of the other's material, and a
        typical pair carries about as much of each other (within
        ``tradition_asymmetry``), is a tradition of complete copies, rebuilt by
        neighbour joining. Lower values treat more families as traditions.
    collapse
        In a tradition, a branch shorter than this fraction of the median branch is
        contracted (a latent node next to a document becomes that document). Higher
        keeps fewer lost exemplars.
    switch_margin, switch_hops
        A copy whose two halves follow exemplars ``switch_hops`` or more apart in a
        tradition's tree, each beating the other on its half by ``switch_margin`` of the
        half's material, gets the farther one as a second source. Lower finds more
        contamination and more spurious second sources.
    secondary_fraction
        Share of a document's material a second source supplies at which the secondary
        edge gets confidence 0.5. Lower states second sources more surely.
    max_quote_chars
        Longer quotations are not taken out of the material: they are most often a
        quotation mark left open that would hide a whole text. Higher keeps long shared
        quotations out of the evidence (and risks hiding a text behind an open quote).
    min_latent_chars
        Shortest run of a member's text taken into a latent source's reconstruction.
        Higher gives a shorter text with fewer stray fragments.
    choice_scale
        N-grams by which the chosen parent's own readings in the copy must outnumber
        those of the next best document for a belief of 0.73 (e: 1); smaller is surer.
    alone_confidence
        Confidence that a document sharing no material with any other has no parent
        (not fitted: no labelled pair measures it). Lower says more often that a source
        may be missing from the corpus.
    tradition_confidence
        Confidence of a placement by neighbour joining inside a tradition: the share of
        right parents among such placements on generated manuscript traditions (tuning
        seeds of ``benchmarks/lineage_eval.py``); no real labelled tradition is at hand.
        It only states how sure such a placement is; it changes no placement.
    """

    ngram: int = 3
    min_shared: int = 8
    min_fraction: float = 0.06
    min_shared_alone: int = 40
    min_prose_share: float = 0.15
    min_prose_chars: int = 200
    root_weight: float = 0.3
    unexplained_fraction: float = 0.04
    min_unexplained: int = 8
    near_identical: float = 0.9
    min_confidence: float = 0.6
    tradition_containment: float = 0.5
    tradition_asymmetry: float = 0.08
    collapse: float = 0.9
    switch_margin: float = 0.06
    switch_hops: int = 3
    secondary_fraction: float = 0.2
    max_quote_chars: int = 600
    min_latent_chars: int = 30
    choice_scale: float = 4.0
    alone_confidence: float = 0.97
    tradition_confidence: float = 0.6

    def __post_init__(self) -> None:
        """Check every field (fractions in [0, 1], counts >= 1, weights finite)."""
        for name in _FRACTIONS:
            check_fraction(name, getattr(self, name))
        for name in _COUNTS:
            check_positive_int(name, getattr(self, name))
        for item in fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value:
                raise ParameterError(f"{item.name!r} must be a number (got {value!r})")


DEFAULTS = InferenceParams()
"""The default parameters."""
