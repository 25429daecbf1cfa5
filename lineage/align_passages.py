"""Passages of a pair alignment from its seeds: extension, growth and the final choice.

See :mod:`lineage.align` for the whole method. Seeds close to each other on *both* sides
(at most ``max_gap`` sentences apart) are clustered by splitting alternately on gaps in
the first and in the second text until nothing splits; each cluster spans one fragment,
and a fragment whose two sides are not similar enough is re-clustered with a smaller gap,
down to single seeds. Fragments grow over similar neighbouring sentences; a second pass
with a wide gap on one side finds summaries. Of fragments that overlap on either side
only the best is kept, so no two passages ever overlap.

Examples
--------
>>> from lineage.align_seeds import Vectors, find_seeds
>>> from lineage.align_text import AlignParams, prepare_text
>>> from lineage.normalize import normalize_text
>>> params = AlignParams(min_chars=40)
>>> text = "Putin spurned a challenge to meet Zelensky in Istanbul on Thursday."
>>> ta = prepare_text(normalize_text(text), params)
>>> tb = prepare_text(normalize_text("Talks opened. " + text), params)
>>> vec = Vectors(ta, tb)
>>> seeds, _ = find_seeds(ta, tb, vec, params)
>>> [(a, b, round(s, 2)) for a, b, s in assemble(seeds, ta, tb, vec, params)]
[((0, 66), (14, 80), 1.0)]
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from lineage.align_seeds import Seeds, Vectors
from lineage.align_text import AlignParams, PreparedText

__all__ = ["assemble"]

Span = tuple[int, int]


def assemble(
    seeds: Seeds, ta: PreparedText, tb: PreparedText, vec: Vectors, params: AlignParams
) -> list[tuple[Span, Span, float]]:
    """Return the passages of a pair as ``(a_span, b_span, similarity)``, sorted.

    Spans are in original offsets of the two texts; no two passages overlap on either
    side. Verbatim runs are also extended on their own: a shared quotation must not be
    lost because it sits next to a short paraphrased sentence that fails the filter.
    """
    if len(seeds) == 0:
        return []
    work = _Seeds(seeds, ta, tb, vec, params)
    phrases = [k for k, verbatim in enumerate(work.phrase) if verbatim]
    fragments = (
        [_grow(f, ta, tb, vec, params) for f in _extend(work, range(len(seeds)), params)]
        + _extend(work, phrases, params)
        + _summaries(work, params)
    )
    return _filter(fragments, ta, tb, params)


class _Seeds:
    """The seeds of one pair as Python lists, and the similarity of each extent judged.

    Clustering works on a few seeds at a time, where list operations are cheaper than
    numpy calls; the same extent often comes back (a cluster in the main and in the
    summary pass, a single seed at every gap), so its similarity is computed once.
    """

    def __init__(
        self, seeds: Seeds, ta: PreparedText, tb: PreparedText, vec: Vectors, params: AlignParams
    ) -> None:
        self.a_sent: list[list[int]] = seeds.a_sent.tolist()
        self.b_sent: list[list[int]] = seeds.b_sent.tolist()
        self.a_char: list[list[int]] = seeds.a_char.tolist()
        self.b_char: list[list[int]] = seeds.b_char.tolist()
        self.phrase: list[bool] = seeds.phrase.tolist()
        self.ta, self.tb, self.vec, self.params = ta, tb, vec, params
        self.similarity: dict[tuple[Span, Span], float] = {}

    def fragment(self, group: list[int]) -> _Fragment:
        """Return the fragment spanned by the seeds of ``group``."""
        a_char = (min(self.a_char[k][0] for k in group), max(self.a_char[k][1] for k in group))
        b_char = (min(self.b_char[k][0] for k in group), max(self.b_char[k][1] for k in group))
        similarity = self.similarity.get((a_char, b_char))
        if similarity is None:
            a_tok = _char_tokens(self.ta, a_char)
            b_tok = _char_tokens(self.tb, b_char)
            similarity = self.vec.span_similarity(a_tok, b_tok)
            self.similarity[a_char, b_char] = similarity
        verbatim = all(self.phrase[k] for k in group)
        return _Fragment(a_char, b_char, similarity, verbatim)

    def summary(self, group: list[int], long_b: bool) -> _Fragment:
        """Return the fragment of ``group`` judged as a summary of its long side.

        Its ``matched`` similarity is the cosine of the short side's whole span with only
        the parts of the long side its seeds matched: a summary condenses a few sentences
        scattered over a long stretch, and the stretch between them would dilute the
        cosine. Its ``similarity`` stays the cosine of the two whole sides (what a
        passage reports); seeds on fewer than ``summary_sentences`` sentences of the short
        side give a matched similarity of 0.
        """
        whole = self.fragment(group)
        short_sentences = self.a_sent if long_b else self.b_sent
        if len({short_sentences[k][0] for k in group}) < self.params.summary_sentences:
            return replace(whole, matched=0.0)
        chars = self.b_char if long_b else self.a_char
        long_text = self.tb if long_b else self.ta
        matched = [_char_tokens(long_text, (chars[k][0], chars[k][1])) for k in group]
        short = _char_tokens(
            self.ta if long_b else self.tb, whole.a_char if long_b else whole.b_char
        )
        a_ranges, b_ranges = ([short], matched) if long_b else (matched, [short])
        similarity = self.vec.ranges_similarity(a_ranges, b_ranges)
        return replace(whole, matched=similarity)


def _split_on_gaps(group: list[int], spans: list[list[int]], max_gap: int) -> list[list[int]]:
    """Cut ``group``, sorted on ``spans``, where more than ``max_gap`` sentences are free."""
    order = sorted(group, key=spans.__getitem__)  # by start, then end (stable)
    parts, reach = [[order[0]]], spans[order[0]][1]
    for k in order[1:]:
        start, end = spans[k]
        if start - reach - 1 > max_gap:
            parts.append([k])
        else:
            parts[-1].append(k)
        reach = max(reach, end)
    return parts


def _cluster(group: list[int], seeds: _Seeds, gap_a: int, gap_b: int) -> list[list[int]]:
    """Split seeds alternately on gaps in ``a`` and in ``b`` until nothing splits."""
    done: list[list[int]] = []
    stack = [group]
    while stack:
        current = stack.pop()
        parts = _split_on_gaps(current, seeds.a_sent, gap_a)
        if len(parts) == 1:
            parts = _split_on_gaps(current, seeds.b_sent, gap_b)
            if len(parts) == 1:
                done.append(current)
                continue
        stack.extend(parts)
    return done


@dataclass(frozen=True)
class _Fragment:
    a_char: tuple[int, int]
    b_char: tuple[int, int]
    similarity: float
    verbatim: bool
    """Made of shared n-gram runs only."""
    matched: float | None = None
    """A summary's cosine with the matched sentences of its long side (:meth:`_Seeds.summary`)."""

    @property
    def judged(self) -> float:
        """The similarity a fragment must reach: ``matched`` for a summary."""
        return self.similarity if self.matched is None else self.matched


def _char_tokens(text: PreparedText, chars: tuple[int, int]) -> tuple[int, int]:
    first = int(np.searchsorted(text.token_starts, chars[0], side="left"))
    last = int(np.searchsorted(text.token_starts, chars[1], side="left"))
    return first, last


def _extend(
    seeds: _Seeds,
    group: Sequence[int],
    params: AlignParams,
    gaps: tuple[int, int] | None = None,
    judge: Callable[[list[int]], _Fragment] | None = None,
    floor: float | None = None,
) -> list[_Fragment]:
    """Cluster seeds into fragments, tightening the gaps where a fragment is not similar.

    ``group`` are the seeds to cluster; ``gaps`` the largest gaps (in sentences) in ``a``
    and in ``b``, ``max_gap`` on both sides by default. A cluster that is still not
    similar enough with no gap at all falls apart into its single seeds, each judged on
    its own (so a shared quotation inside a paraphrased sentence pair survives).
    ``judge`` makes a cluster's fragment (:meth:`_Seeds.fragment` by default) and its
    similarity must reach ``floor`` (``min_similarity`` by default).
    """
    judge = judge or seeds.fragment
    floor = params.min_similarity if floor is None else floor
    fragments: list[_Fragment] = []
    first = gaps or (params.max_gap, params.max_gap)
    pending = [(list(group), first)] if len(group) else []
    while pending:
        current, (gap_a, gap_b) = pending.pop()
        if gap_a >= 0 and gap_b >= 0:
            clusters = _cluster(current, seeds, gap_a, gap_b)
        else:
            clusters = [[k] for k in current]
        for cluster in clusters:
            fragment = judge(cluster)
            if fragment.judged >= floor:
                fragments.append(fragment)
            elif gap_a >= 0 and gap_b >= 0 and len(cluster) > 1:
                pending.append((cluster, _tighter(gap_a, gap_b)))
    return fragments


def _tighter(gap_a: int, gap_b: int) -> tuple[int, int]:
    """Both gaps one step smaller, the larger one in proportion; -1 once one reaches 0."""
    if min(gap_a, gap_b) == 0:
        return -1, -1
    small = min(gap_a, gap_b)
    scale = (small - 1) / small
    return int(gap_a * scale), int(gap_b * scale)


def _summaries(seeds: _Seeds, params: AlignParams) -> list[_Fragment]:
    """Fragments where one side condenses a much longer stretch of the other (a summary).

    The long side may have gaps of up to ``summary_gap`` sentences; a fragment is judged
    by :meth:`_Seeds.summary` (the short side against the parts of the long side its
    seeds matched) and kept where its long side is at least ``summary_ratio`` times the
    short side.
    """
    found: list[_Fragment] = []
    wide, narrow = params.summary_gap, params.max_gap
    for gaps, long_b in (((narrow, wide), True), ((wide, narrow), False)):
        for f in _extend(
            seeds,
            range(len(seeds.phrase)),
            params,
            gaps,
            judge=lambda group, long_b=long_b: seeds.summary(group, long_b),
            floor=params.summary_min_similarity,
        ):
            a_len, b_len = f.a_char[1] - f.a_char[0], f.b_char[1] - f.b_char[0]
            long_len, short_len = (b_len, a_len) if long_b else (a_len, b_len)
            if long_len >= params.summary_ratio * max(short_len, 1):
                found.append(f)
    return found


def _grow(
    fragment: _Fragment, ta: PreparedText, tb: PreparedText, vec: Vectors, params: AlignParams
) -> _Fragment:
    """Take in the neighbouring sentence pair at either end while it is still similar.

    Heavily edited first and last sentences of a reused passage often miss the seed
    thresholds; a pair of neighbours with cosine at least ``grow_cosine`` joins the
    passage (at most ``grow_steps`` sentences at each end).
    """
    if params.grow_cosine >= 1.0 or params.grow_steps == 0:
        return fragment
    a0, a1 = fragment.a_char
    b0, b1 = fragment.b_char
    i0, i1 = _sentence_of(ta, a0), _sentence_of(ta, a1 - 1)
    j0, j1 = _sentence_of(tb, b0), _sentence_of(tb, b1 - 1)
    grown = False
    for _ in range(params.grow_steps):
        if i0 > 0 and j0 > 0 and _pair_cosine(vec, i0 - 1, j0 - 1) >= params.grow_cosine:
            i0, j0, grown = i0 - 1, j0 - 1, True
            a0 = int(ta.token_starts[ta.sentence_tokens[i0]])
            b0 = int(tb.token_starts[tb.sentence_tokens[j0]])
        else:
            break
    for _ in range(params.grow_steps):
        if (
            i1 + 1 < ta.n_sentences
            and j1 + 1 < tb.n_sentences
            and _pair_cosine(vec, i1 + 1, j1 + 1) >= params.grow_cosine
        ):
            i1, j1, grown = i1 + 1, j1 + 1, True
            a1, b1 = int(ta.sentence_ends[i1]), int(tb.sentence_ends[j1])
        else:
            break
    if not grown:
        return fragment
    similarity = vec.span_similarity(_char_tokens(ta, (a0, a1)), _char_tokens(tb, (b0, b1)))
    return _Fragment((a0, a1), (b0, b1), similarity, fragment.verbatim)


def _sentence_of(text: PreparedText, char: int) -> int:
    token = int(np.searchsorted(text.token_starts, char, side="right")) - 1
    return int(np.searchsorted(text.sentence_tokens, max(token, 0), side="right")) - 1


def _pair_cosine(vec: Vectors, i: int, j: int) -> float:
    """Cosine of sentence ``i`` of ``a`` and sentence ``j`` of ``b`` (rows read in place)."""
    a, b = vec.a_vec, vec.b_vec
    a_terms, b_terms = slice(a.indptr[i], a.indptr[i + 1]), slice(b.indptr[j], b.indptr[j + 1])
    _, x, y = np.intersect1d(
        a.indices[a_terms], b.indices[b_terms], assume_unique=True, return_indices=True
    )
    return float(a.data[a_terms][x] @ b.data[b_terms][y])


def _filter(
    fragments: list[_Fragment], ta: PreparedText, tb: PreparedText, params: AlignParams
) -> list[tuple[Span, Span, float]]:
    """Drop short fragments, then keep the best of any that overlap on either side.

    Fragments are ranked by the cosine of their two whole sides times the shorter side,
    summaries too (their matched cosine only admits them): a summary does not outrank a
    passage aligned sentence by sentence on the strength of the sentences it picked.
    """
    scored = []
    for fragment in fragments:
        a = ta.norm.to_original(*_stripped(ta, fragment.a_char))
        b = tb.norm.to_original(*_stripped(tb, fragment.b_char))
        shortest = params.min_copy_chars if fragment.verbatim else params.min_chars
        if min(a[1] - a[0], b[1] - b[0]) < shortest:
            continue
        quality = fragment.similarity * min(a[1] - a[0], b[1] - b[0])
        scored.append((-quality, a, b, fragment.similarity))
    scored.sort()
    kept: list[tuple[Span, Span, float]] = []
    taken_a: list[tuple[int, int]] = []  # sorted, disjoint
    taken_b: list[tuple[int, int]] = []
    for _, a, b, similarity in scored:
        if _hits(taken_a, a) or _hits(taken_b, b):
            continue
        bisect.insort(taken_a, a)
        bisect.insort(taken_b, b)
        kept.append((a, b, similarity))
    kept.sort()
    return kept


def _stripped(text: PreparedText, span: tuple[int, int]) -> tuple[int, int]:
    """``span`` of the normalized text without the white space at its ends.

    A sentence runs on to the next one; the last one runs to the end of the text, over
    framing lines blanked for alignment (:meth:`~lineage.records.NormalizedText.evidence`),
    which a passage must not cover.
    """
    start, end = span
    piece = text.norm.text[start:end]
    return start + len(piece) - len(piece.lstrip()), start + len(piece.rstrip())


def _hits(taken: list[tuple[int, int]], span: tuple[int, int]) -> bool:
    """Whether ``span`` overlaps any of the sorted, disjoint spans in ``taken``."""
    at = bisect.bisect_left(taken, span)
    return (at < len(taken) and taken[at][0] < span[1]) or (at > 0 and taken[at - 1][1] > span[0])
