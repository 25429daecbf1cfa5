r"""Passage alignment of one pair of texts: seed, extend, filter.

The method follows the PAN text-alignment tradition (Sanchez-Perez, Sidorov and Gelbukh,
2014, "A Winning Approach to Text Alignment for Text Reuse Detection at PAN 2014"):

1. **Seeds.** Both texts are cut into sentences; each sentence becomes a TF-ISF vector of
   its content-word stems (stop words removed, words cut to a short prefix). A sentence pair
   is a seed when its cosine *and* its Dice coefficient both pass a threshold, which finds
   paraphrase, reordering and translation as well as copies. Shared runs of word n-grams
   (every word kept) are seeds too: they catch a copied phrase or quotation inside
   otherwise different sentences, with exact character bounds.
2. **Extension.** Seeds close to each other on *both* sides (at most ``max_gap`` sentences
   apart) are clustered by splitting alternately on gaps in the first and in the second text
   until nothing splits. Each cluster spans one passage; a passage whose two sides are not
   similar enough is re-clustered with a smaller gap, down to single seeds. A passage then
   takes in a neighbouring sentence pair at each end that is still similar (edited edges).
   Verbatim runs are also clustered on their own (a shared quotation survives next to a
   failed paraphrase), and a second pass with a wide gap on one side finds summaries (one
   side at least ``summary_ratio`` times longer than the other).
3. **Filter.** Passages shorter than ``min_chars`` on either side are dropped (verbatim
   ones from ``min_copy_chars``), and of passages that overlap on either side only the
   best (similarity times its shorter side) is kept, so no two passages ever overlap.

Cost is near-linear in the texts for unrelated pairs: the sentence cosine is a sparse
product computed in blocks, and only passing entries are kept. On the PAN 2013 training
corpus (``benchmarks/alignment.py``) plagdet is about 0.92 over categories 01-04.

Offsets are computed on the normalized text (:func:`lineage.normalize.normalize_text`) and
mapped back to the texts as given. Texts are prepared in :mod:`lineage.align_text`, seeds
found in :mod:`lineage.align_seeds`, passages assembled from them in
:mod:`lineage.align_passages`; this module is the entry point.

Examples
--------
>>> a = "The cat sat on the mat all day long. It was sunny and warm outside. " * 3
>>> b = "Unrelated opening words here. " + a
>>> [(p.a_start, p.a_end, p.b_start, p.b_end) for p in align(a, b)]
[(0, 203, 30, 233)]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from lineage.align_passages import assemble
from lineage.align_seeds import Vectors, find_seeds
from lineage.align_text import AlignParams, PreparedText, prepare_text
from lineage.errors import ParameterError, check_positive_int
from lineage.intervals import covered, union
from lineage.normalize import normalize_text
from lineage.records import NormalizedText, Passage, Span, complement

__all__ = [
    "AlignParams",
    "Alignment",
    "align",
    "align_normalized",
    "align_prepared",
    "prepare_text",
    "render_side_by_side",
    "reuse_figures",
]


class Alignment(list[Passage]):
    """The passages of one pair: a list, with a note when the work was cut short.

    Attributes
    ----------
    note
        ``""`` when the pair was aligned completely; else what was cut short and why
        (a repeated text beyond the seed budget).

    Examples
    --------
    >>> found = Alignment([Passage("a", 0, 50, "b", 5, 55)])
    >>> found.complete, len(found), found.mirror()[0].a
    (True, 1, 'b')
    """

    def __init__(self, passages: Iterable[Passage] = (), note: str = "") -> None:
        super().__init__(passages)
        self.note = note

    @property
    def complete(self) -> bool:
        """Whether every seed of the pair was used (no budget cut)."""
        return not self.note

    def mirror(self) -> Alignment:
        """Return the passages seen from the other text, sorted by their new ``a`` side."""
        return Alignment(sorted((p.mirror() for p in self), key=_position), self.note)


def _position(p: Passage) -> tuple[int, int, int, int]:
    return p.a_start, p.a_end, p.b_start, p.b_end


def _content_order(na: NormalizedText, nb: NormalizedText) -> bool:
    """Whether ``(na, nb)`` is the pair's canonical order (decided by content only)."""
    return (len(na.text), na.text, na.original) <= (len(nb.text), nb.text, nb.original)


def align_normalized(
    na: NormalizedText,
    nb: NormalizedText,
    *,
    a_id: str = "a",
    b_id: str = "b",
    **params: object,
) -> Alignment:
    """Align two normalized texts; offsets of the result are into their originals.

    The same as :func:`align_prepared` on the two texts prepared with ``params``
    (:func:`lineage.align_text.prepare_text`); to align one text against many, prepare it
    once and call :func:`align_prepared`.

    Parameters
    ----------
    na, nb
        Normalized texts (:func:`lineage.normalize.normalize_text` or ``normalize_corpus``).
    a_id, b_id
        Ids written into the passages.
    **params
        Thresholds, see :class:`AlignParams`.

    Returns
    -------
    Alignment
        See :func:`align_prepared`.

    Raises
    ------
    ParameterError
        For an unknown option or one out of range.
    """
    options = AlignParams.of(params)
    return align_prepared(
        prepare_text(na, options), prepare_text(nb, options), a_id=a_id, b_id=b_id
    )


def align_prepared(
    ta: PreparedText, tb: PreparedText, *, a_id: str = "a", b_id: str = "b"
) -> Alignment:
    """Align two prepared texts with the thresholds they were prepared with.

    The result is the mirror image of ``align_prepared(tb, ta)``: the pair is always
    aligned in one order fixed by the texts' content (shorter first, then the text),
    never by ids or argument order, and mirrored back when the arguments came the other
    way. Texts whose normalized forms are equal are one passage (an exact duplicate),
    when long enough, without alignment.

    Parameters
    ----------
    ta, tb
        Texts prepared by :func:`lineage.align_text.prepare_text` with equal parameters.
    a_id, b_id
        Ids written into the passages.

    Returns
    -------
    Alignment
        Passages sorted by ``a_start``, ``kind="prose"`` (see
        :func:`lineage.quote_parts.mark_quotes` to mark quotations), offsets into the
        original texts; no two passages overlap on either side. ``note`` says when a cost
        budget cut the pair short.

    Raises
    ------
    ParameterError
        When the two texts were prepared with different parameters.

    Examples
    --------
    >>> text = normalize_text("Putin spurned a challenge to meet Zelensky in Istanbul. " * 3)
    >>> other = normalize_text("Talks opened. " + text.original)
    >>> prepared = prepare_text(text)
    >>> [(p.a_start, p.b_start) for p in align_prepared(prepared, prepare_text(other))]
    [(0, 14)]
    """
    if ta.params != tb.params:
        raise ParameterError(
            "the two texts were prepared with different alignment parameters "
            f"({ta.params} and {tb.params}); prepare both with the same AlignParams"
        )
    options = ta.params
    na, nb = ta.norm, tb.norm
    if not _content_order(na, nb):
        return align_prepared(tb, ta, a_id=b_id, b_id=a_id).mirror()
    if not _informative(ta, options) or not _informative(tb, options):
        return Alignment()
    if na.text == nb.text:
        a, b = na.to_original(0, len(na.text)), nb.to_original(0, len(nb.text))
        return Alignment([Passage(a_id, *a, b_id, *b, kind="prose", similarity=1.0)])
    vec = Vectors(ta, tb)
    seeds, note = find_seeds(ta, tb, vec, options)
    return Alignment(
        (
            Passage(a_id, a[0], a[1], b_id, b[0], b[1], kind="prose", similarity=round(sim, 6))
            for a, b, sim in assemble(seeds, ta, tb, vec, options)
        ),
        note,
    )


def _informative(text: PreparedText, params: AlignParams) -> bool:
    """Whether ``text`` is long enough to hold a passage: ``ngram`` words, ``min_copy_chars``.

    Shorter texts (a word, a headline) share nothing that is evidence of reuse, so they
    are not aligned at all.
    """
    if text.n_tokens < params.ngram:
        return False
    start, end = text.norm.to_original(0, len(text.norm.text))
    return end - start >= params.min_copy_chars


def align(a: str, b: str, **params: object) -> Alignment:
    """Find the passages that ``a`` and ``b`` share, with offsets into both as given.

    Parameters
    ----------
    a, b
        The two texts.
    **params
        Thresholds, see :class:`AlignParams` (``min_chars=150``, ``max_gap=3``, ...).

    Returns
    -------
    Alignment
        A list of passages with ids ``"a"`` and ``"b"``, sorted by ``a_start``; the mirror
        image of ``align(b, a)``.

    Examples
    --------
    >>> text = "Putin spurned a challenge to meet Zelensky in Istanbul on Thursday. " * 4
    >>> other = "Talks opened in Turkey with no Russian leader present. " + text
    >>> [(p.a_start, p.a_end, p.b_start, p.b_end) for p in align(text, other)]
    [(0, 271, 55, 326)]
    """
    for name, value in (("a", a), ("b", b)):
        if not isinstance(value, str):
            raise ParameterError(f"{name!r} must be a str (got {type(value).__name__})")
    return align_normalized(normalize_text(a), normalize_text(b), **params)


def reuse_figures(
    doc_length: int, passages: Iterable[Passage], ignored: Iterable[Span] = ()
) -> dict[str, float]:
    """Reuse shares of one document from its passages (the document is side ``a``).

    Every figure is a share of the document's characters, debris and boilerplate
    (``ignored``) left out of both the numerator and the denominator, so each figure can be
    traced to passages:

    - ``reuse_fraction``: inside the union of all passages, less their unmatched text
      (``a_unmatched``: sentences the other side lacks);
    - ``quote_fraction``: inside the union of the passages' quoted parts (``quotes``);
    - ``prose_reuse_fraction``: reused and outside every quoted part;
    - ``original_fraction``: ``1 - reuse_fraction``.

    Parameters
    ----------
    doc_length
        Length of the document's original text.
    passages
        Passages of the document with the document as side ``a`` (swap sides first for
        passages where it is side ``b``), any number of partner documents.
    ignored
        Debris and boilerplate spans of the document.

    Returns
    -------
    dict
        ``reuse_fraction``, ``prose_reuse_fraction``, ``quote_fraction``,
        ``original_fraction``, each in [0, 1].

    Examples
    --------
    >>> ps = [
    ...     Passage("d", 0, 40, "x", 0, 40),
    ...     Passage("d", 30, 50, "y", 0, 20, kind="quote", quotes=((30, 50, 0, 20),)),
    ... ]
    >>> reuse_figures(100, ps, [Span(90, 100, "debris")])
    {'reuse_fraction': 0.5556, 'prose_reuse_fraction': 0.3333,
     'quote_fraction': 0.2222, 'original_fraction': 0.4444}
    """
    if isinstance(doc_length, bool) or not isinstance(doc_length, int) or doc_length < 0:
        raise ParameterError(f"'doc_length' must be a whole number >= 0 (got {doc_length!r})")
    holes = union([(max(0, s.start), min(doc_length, s.end)) for s in ignored])
    counted = doc_length - covered(holes)
    passages = list(passages)
    spans = [
        (max(0, start), min(doc_length, end))
        for p in passages
        for start, end in complement((p.a_start, p.a_end), p.a_unmatched)
    ]
    quote_spans = union(
        [(max(0, start), min(doc_length, end)) for p in passages for start, end, _, _ in p.quotes]
    )
    if counted <= 0:
        return dict.fromkeys(("reuse_fraction", "prose_reuse_fraction", "quote_fraction"), 0.0) | {
            "original_fraction": 1.0
        }
    reuse = covered(spans, holes) / counted
    quote = covered(quote_spans, holes) / counted
    prose = covered(spans, np.concatenate((holes, quote_spans))) / counted
    return {
        "reuse_fraction": round(reuse, 4),
        "prose_reuse_fraction": round(prose, 4),
        "quote_fraction": round(quote, 4),
        "original_fraction": round(1.0 - reuse, 4),
    }


def render_side_by_side(
    a: str,
    b: str,
    passages: Sequence[Passage],
    *,
    width: int = 100,
    a_label: str = "a",
    b_label: str = "b",
) -> str:
    """Render the passages of a pair as two text columns, one block per passage.

    Parameters
    ----------
    a, b
        The two texts the passages index into.
    passages
        Passages of ``a`` and ``b`` (from :func:`align`).
    width
        Total line width; each column gets about half.
    a_label, b_label
        Column titles (e.g. the file names).

    Returns
    -------
    str
        A header per passage (number, kind, similarity, offsets, quoted characters)
        followed by the two spans wrapped side by side, quoted parts between ``⟦`` and
        ``⟧``.

    Examples
    --------
    >>> p = Passage("a", 0, 11, "b", 4, 15, similarity=1.0)
    >>> print(render_side_by_side("hello world", "say hello world", [p], width=40))
    #1 prose similarity 1.00  a[0:11]  b[4:15]
    hello world        | hello world
    >>> p = Passage("a", 0, 17, "b", 0, 17, kind="mixed", quotes=((4, 8, 4, 8),))
    >>> print(render_side_by_side('he "said" it all', 'he "said" it all', [p], width=60))
    #1 mixed similarity 1.00  a[0:17]  b[0:17]  quoted 4 chars
    he "⟦said⟧" it all            | he "⟦said⟧" it all
    """
    import textwrap

    check_positive_int("width", width)
    column = max(10, (width - 3) // 2)
    blocks: list[str] = []
    for number, p in enumerate(passages, start=1):
        quoted = f"  quoted {p.quote_chars} chars" if p.quotes else ""
        header = (
            f"#{number} {p.kind} similarity {p.similarity:.2f}  {a_label}[{p.a_start}:{p.a_end}]"
            f"  {b_label}[{p.b_start}:{p.b_end}]{quoted}"
        )
        sides = (
            _with_marks(a, p.a_start, p.a_end, [(q[0], q[1]) for q in p.quotes]),
            _with_marks(b, p.b_start, p.b_end, [(q[2], q[3]) for q in p.quotes]),
        )
        left, right = (textwrap.wrap(" ".join(side.split()), column) or [""] for side in sides)
        rows = max(len(left), len(right))
        left += [""] * (rows - len(left))
        right += [""] * (rows - len(right))
        lines = [f"{x:<{column}} | {y}".rstrip() for x, y in zip(left, right, strict=True)]
        blocks.append("\n".join([header, *lines]))
    return "\n\n".join(blocks)


def _with_marks(text: str, start: int, end: int, parts: list[tuple[int, int]]) -> str:
    """Return ``text[start:end]`` with each part between ``⟦`` and ``⟧``."""
    pieces, at = [], start
    for part_start, part_end in sorted(parts):
        if part_end <= part_start:
            continue
        pieces += [text[at:part_start], "\u27e6", text[part_start:part_end], "\u27e7"]
        at = part_end
    return "".join([*pieces, text[at:end]])
