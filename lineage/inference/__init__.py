"""Lineage inference: who copied whom, latent sources, and how sure each claim is.

One call, :func:`infer_lineage`, runs the stage over the documents and their passages.
It splits the corpus into groups of documents connected by passages (memory stays
quadratic in the largest group, not in the corpus) and, per group:

1. :mod:`~lineage.inference.evidence` computes the shared material, the direction cues and
   the candidate weights once;
2. :mod:`~lineage.inference.forest` chooses the best forest of document parents;
3. :mod:`~lineage.inference.tradition` decides where a latent source is needed (and
   rebuilds traditions of complete copies);
4. :mod:`~lineage.inference.reconstruct` writes the latent sources' text and the
   attribution;
5. :mod:`~lineage.inference.confidence` scores every parent decision.

Thresholds and weights live in :class:`~lineage.inference.params.InferenceParams`; the
result is a :class:`~lineage.inference.result.Lineage`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from lineage import schema
from lineage.inference.confidence import INDEPENDENT, containment_of, link_matrix, score_group
from lineage.inference.evidence import (
    GroupEvidence,
    candidate_weights,
    check_documents,
    direction_scores,
    informative_of,
    reuse_evidence,
)
from lineage.inference.forest import descendants, passage_groups
from lineage.inference.params import InferenceParams
from lineage.inference.reconstruct import attribution_rows, reconstruct_text
from lineage.inference.result import (
    Lineage,
    documents_frame,
    edges_frame,
    sources_frame,
    to_graph,
)
from lineage.inference.tradition import LATENT_PREFIX, Placement, place
from lineage.records import Quotation

__all__ = [
    "LATENT_PREFIX",
    "InferenceParams",
    "Lineage",
    "group_evidence",
    "infer_lineage",
    "to_graph",
]

NO_PASSAGE = "shares no passage with any document"
"""Evidence of a document outside every group."""
GENERIC_AGENCY = "agencies"
"""A credit to unnamed agencies (see :mod:`lineage.credits`): named agencies come first."""


def credited_agency(readers: Sequence[str], credits: Mapping[str, Collection[str]]) -> str | None:
    """Return the agencies the readers of a latent source credit, most credited first.

    A latent source stands for a text none of the documents is; the agency its children
    credit (a dateline, a photo credit, "Agencies") is the best name for whose text it was.
    A credit to unnamed agencies counts only when no reader names one; ``None`` when no
    reader credits any.

    Examples
    --------
    >>> credited_agency(["a", "b", "c"], {"a": {"reuters"}, "b": {"agencies"}, "c": set()})
    'reuters'
    >>> credited_agency(["a"], {"a": {"agencies"}}), credited_agency(["a"], {})
    ('agencies', None)
    """
    counts = Counter(agency for doc in readers for agency in credits.get(doc, ()))
    named = {k: v for k, v in counts.items() if k != GENERIC_AGENCY} or counts
    ranked = sorted(named, key=lambda k: (-named[k], k))
    return ", ".join(ranked) if ranked else None


def group_evidence(
    ids: Sequence[str],
    texts: Sequence[str],
    passages: pd.DataFrame,
    *,
    dates: Mapping[str, object] | None,
    params: InferenceParams,
    informative: Mapping[tuple[str, str], float] | None = None,
    quotations: Mapping[str, Sequence[Quotation]] | None = None,
) -> GroupEvidence:
    """Compute the material, cues, link probabilities and candidate weights of one group."""
    evidence = reuse_evidence(
        ids,
        texts,
        passages,
        ngram=params.ngram,
        quotations=quotations,
        max_quote_chars=params.max_quote_chars,
        informative=informative,
    )
    cues = direction_scores(evidence, dates=dates)
    link = link_matrix(evidence)
    return GroupEvidence(
        evidence=evidence,
        cues=cues,
        link=link,
        weights=candidate_weights(evidence, cues, link, params),
        sizes=evidence.material_size(),
    )


def _sources_rows(
    group: GroupEvidence,
    placement: Placement,
    texts: Mapping[str, str],
    passages: pd.DataFrame,
    families: Mapping[str, int],
    params: InferenceParams,
    credits: Mapping[str, Collection[str]],
) -> list[dict]:
    """Rows of the sources table: each latent source with its members, text and agency."""
    rows = []
    documents = set(group.evidence.ids)
    for latent, members in placement.latent_members.items():
        members = sorted(members)
        readers = members or sorted(descendants(placement.parents, latent) & documents)
        text = reconstruct_text(
            readers, texts, group.evidence, passages, min_chars=params.min_latent_chars
        )
        rows.append(
            dict(
                id=latent,
                members=tuple(members),
                text=text,
                chars=len(text),
                parent=placement.parents.get(latent),
                family=families.get(readers[0], -1) if readers else -1,
                agency=credited_agency(readers, credits),
            )
        )
    return rows


@dataclass(frozen=True)
class _Context:
    """What every group of one :func:`infer_lineage` call reads."""

    texts: Mapping[str, str]
    dates: Mapping[str, object] | None
    credits: Mapping[str, Collection[str]]
    containment: Mapping[tuple[str, str], float]
    informative: Mapping[tuple[str, str], float]
    params: InferenceParams
    quotations: Mapping[str, Sequence[Quotation]] | None = None


@dataclass
class _Collected:
    """The tables of :func:`infer_lineage`, filled group by group."""

    parents: dict[str, str | None]
    families: dict[str, int]
    edges: list[dict] = field(default_factory=list)
    documents: dict[str, dict] = field(default_factory=dict)
    sources: list[dict] = field(default_factory=list)
    attributions: list[dict] = field(default_factory=list)

    def result(self, ids: Sequence[str], params: InferenceParams) -> Lineage:
        """Return the :class:`Lineage` of every document (those in no group are alone)."""
        alone = dict(
            family=-1,
            parent=None,
            parent_confidence=params.alone_confidence,
            parent_status=INDEPENDENT,
            evidence=NO_PASSAGE,
        )
        rows = [self.documents.get(doc, dict(id=doc, **alone)) for doc in ids]
        return Lineage(
            documents=documents_frame(rows),
            edges=edges_frame(self.edges),
            sources=sources_frame(self.sources),
            attribution=schema.frame("attribution", self.attributions),
            parents=self.parents,
            families=self.families,
        )


def _infer_group(
    members: list[str], inside: pd.DataFrame, context: _Context, collected: _Collected
) -> None:
    """Place, reconstruct and score one group of documents connected by passages."""
    params = context.params
    group = group_evidence(
        members,
        [context.texts[d] for d in members],
        inside,
        dates=context.dates,
        params=params,
        quotations=context.quotations,
        informative=context.informative,
    )
    placement = place(group, params, first_latent=len(collected.sources) + 1)
    families = collected.families
    offset = max(families.values(), default=-1) + 1
    families.update({d: (n + offset if n >= 0 else -1) for d, n in placement.families.items()})
    collected.parents.update(placement.parents)
    collected.sources += _sources_rows(
        group, placement, context.texts, inside, families, params, context.credits
    )
    collected.attributions += attribution_rows(
        group.evidence, placement.parents, placement.latent_members
    )
    edges, rows = score_group(group, placement, params, context.containment)
    collected.edges += edges
    collected.documents.update((row["id"], {**row, "family": families[row["id"]]}) for row in rows)


def infer_lineage(
    ids: Sequence[str],
    texts: Sequence[str],
    passages: pd.DataFrame,
    *,
    pairs: pd.DataFrame | None = None,
    dates: Mapping[str, object] | None = None,
    credits: Mapping[str, Collection[str]] | None = None,
    params: InferenceParams | None = None,
    quotations: Mapping[str, Sequence[Quotation]] | None = None,
) -> Lineage:
    """Infer every document's parent, the latent sources and the attribution.

    Parameters
    ----------
    ids, texts
        The documents (originals, as the passages' offsets point into them).
    passages
        Passages table (schema ``"passages"``): aligned spans of document pairs with
        ``kind`` ``"prose"`` or ``"quote"``.
    pairs
        Pairs table (schema ``"pairs"``); its containment figures are quoted in the
        evidence where given.
    dates
        Optional document id -> publication date (anything ``pandas.to_datetime`` reads).
    credits
        Optional document id -> the agencies it credits (keys of
        :func:`lineage.credits.agency_key`): a latent source carries the agency its
        readers credit (``agency`` in the sources table).
    params
        Thresholds and weights; :class:`InferenceParams` defaults when not given.
    quotations
        Document id -> its quotations (:func:`lineage.quotes.find_quotations`), found
        again here when not given.

    Returns
    -------
    Lineage

    Examples
    --------
    Two rewrites that each keep wire sentences the other dropped:

    >>> s = ["Putin spurned a challenge to meet Zelensky in Turkey on Thursday, sending "
    ...      "instead a delegation led by an aide who had negotiated with Kyiv in 2022. "
    ...      "The aide, a former culture minister, once wrote a school history textbook "
    ...      "that Ukrainian officials have long described as propaganda for the Kremlin.",
    ...      "The Russian president sent a second-tier team of aides to Istanbul, where "
    ...      "officials from both sides were expected to meet for the first direct talks in "
    ...      "three years. Diplomats in the city said the venue had been changed twice in one "
    ...      "morning, and reporters waited outside the palace for most of the afternoon.",
    ...      "Trump said there would be no movement without a meeting with Putin, adding "
    ...      "during a tour of the Gulf that he would travel to Turkey on Friday if something "
    ...      "could be achieved. His secretary of state echoed that view to reporters in "
    ...      "Antalya, where foreign ministers of the alliance had gathered for two days.",
    ...      "It was not clear when the talks would actually begin in the city, and Ukrainian "
    ...      "officials said they would first consult European and American partners. A "
    ...      "spokesman for the foreign ministry in Kyiv declined to say who would lead the "
    ...      "delegation, or whether the defence minister would travel to Istanbul at all."]
    >>> a, b, c = " ".join(s[:3]), " ".join(s[1:]), " ".join([s[0], s[3]])
    >>> def p(x, y, i, j, k):
    ...     return dict(a=x, a_start=i, a_end=i + len(s[k]), b=y, b_start=j,
    ...                 b_end=j + len(s[k]), kind="prose", similarity=1.0)
    >>> rows = [p("A", "B", a.index(s[k]), b.index(s[k]), k) for k in (1, 2)]
    >>> rows += [p("A", "C", 0, 0, 0), p("B", "C", b.index(s[3]), c.index(s[3]), 3)]
    >>> result = infer_lineage(["A", "B", "C"], [a, b, c], pd.DataFrame(rows))
    >>> result.sources["id"].tolist(), sorted(result.sources["members"][0])
    (['latent:1'], ['A', 'B', 'C'])
    """
    params = params or InferenceParams()
    check_documents(ids, texts)
    context = _Context(
        texts=dict(zip(ids, texts, strict=True)),
        dates=dates,
        credits=credits or {},
        containment=containment_of(pairs) if pairs is not None else {},
        informative=informative_of(pairs) if pairs is not None else {},
        params=params,
        quotations=quotations,
    )
    collected = _Collected(parents=dict.fromkeys(ids), families=dict.fromkeys(ids, -1))
    groups = passage_groups(ids, passages)
    # Both sides of a passage lie in one group: split the table once, by the a side (row
    # positions gathered in plain Python: a groupby costs milliseconds on a query's table).
    group_of = {doc: k for k, group in enumerate(groups) for doc in group}
    rows: dict[int, list[int]] = {}
    for row, doc in enumerate(passages["a"].tolist()):
        if doc in group_of:
            rows.setdefault(group_of[doc], []).append(row)
    by_group = {k: passages.iloc[at] for k, at in rows.items()}
    for k, members in enumerate(groups):
        _infer_group(members, by_group[k], context, collected)
    return collected.result(ids, params)
