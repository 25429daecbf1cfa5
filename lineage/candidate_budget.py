"""The candidate budget of the LSH step, and the count of what it left out."""

from __future__ import annotations

from dataclasses import dataclass, field

from lineage.errors import check_positive_int


@dataclass(frozen=True)
class CandidateBudget:
    """How many candidate pairs the LSH step may produce per document.

    Attributes
    ----------
    per_document
        Most candidates kept per document, the most similar by the sketch estimate; a
        pair stays when it is among the ``per_document`` best of either document.
    bucket_size
        Each member of a band bucket is paired with at most the next ``bucket_size``
        members (in document order), so a bucket of more than ``bucket_size + 1``
        documents is not expanded into all its pairs. ``None``: ``per_document``.

    Examples
    --------
    >>> CandidateBudget(per_document=20).max_bucket
    20
    >>> CandidateBudget(per_document=0)
    Traceback (most recent call last):
    ...
    lineage.errors.ParameterError: 'per_document' must be a whole number >= 1 (got 0)
    """

    per_document: int = 50
    bucket_size: int | None = None

    def __post_init__(self) -> None:
        check_positive_int("per_document", self.per_document)
        if self.bucket_size is not None:
            check_positive_int("bucket_size", self.bucket_size)

    @property
    def max_bucket(self) -> int:
        """Largest bucket expanded into all its pairs."""
        return self.per_document if self.bucket_size is None else self.bucket_size


DEFAULT_BUDGET = CandidateBudget()
"""The budget of the candidate functions unless told otherwise."""


@dataclass
class CandidateLimits:
    """What a :class:`CandidateBudget` left out of the candidates (all zero: nothing).

    Attributes
    ----------
    large_buckets
        Band buckets of more than ``bucket_size + 1`` documents, paired with neighbours
        only.
    bucket_pairs_skipped
        Pairs of those buckets not formed (some may come from another band).
    capped_documents
        Documents that had more than ``per_document`` candidates.
    pairs_dropped
        Candidate pairs dropped by the per-document cap. Capping band by band, a pair
        found again in a later band is dropped (and counted) again: an upper bound.
    """

    large_buckets: int = 0
    bucket_pairs_skipped: int = 0
    capped_documents: int = 0
    pairs_dropped: int = 0
    _capped: set[int] = field(default_factory=set, repr=False)

    def any(self) -> bool:
        """Whether the budget changed the candidates."""
        return bool(self.large_buckets or self.pairs_dropped)

    def add(self, other: CandidateLimits) -> None:
        """Add ``other``'s counts to these (documents capped in both count once)."""
        self.large_buckets += other.large_buckets
        self.bucket_pairs_skipped += other.bucket_pairs_skipped
        self.pairs_dropped += other.pairs_dropped
        self._capped |= other._capped
        self.capped_documents = len(self._capped)

    def as_dict(self) -> dict[str, int]:
        """Return the counts as a plain dict (for ``lineage.json``)."""
        return {
            "large_buckets": self.large_buckets,
            "bucket_pairs_skipped": self.bucket_pairs_skipped,
            "capped_documents": self.capped_documents,
            "pairs_dropped": self.pairs_dropped,
        }
