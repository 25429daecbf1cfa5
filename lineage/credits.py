r"""Credits an article gives: declared reuse, so undisclosed wire copy can be told apart.

A news article declares what it takes from an agency with a few kinds of credit, whatever
the agency: a dateline (``LONDON (Reuters) -``, ``KYIV (AP) —``), a photo credit
(``REUTERS/Umit Bektas``, ``(AP Photo/Efrem Lukatsky)``, ``Photo: AFP``), a sign-off line
(``Reuter``, ``AFP``, ``Agencies``), a contribution line (``The Associated Press contributed
to this report``) and a reporting line (``Reporting by ...; Editing by ...``).
:func:`find_credits` finds them by their syntax; :func:`learn_agencies` learns which names
are agencies from the corpus itself (names in dateline parentheses in two or more documents,
a sign-off line ending many documents, the values of an ``outlet``/``credit`` column), on
top of :data:`DEFAULT_AGENCIES`, a short list of the major wire agencies a caller can extend.

:func:`credited_fractions` then says, per document, which share of its reused characters
(its rows of the ``attribution`` table) comes from a source it credits: a document whose
outlet, or one of whose credits, names an agency the document credits; a document of its own
outlet or of the agency it belongs to (in-house copy); or a latent source whose other
members credit an agency the document credits. A bare "Agencies" credits every source that
is an agency's copy.

Examples
--------
>>> [(c.kind, c.agency) for c in find_credits("LONDON (Reuters) - Oil rose.\nAgencies")]
[('dateline', 'reuters'), ('signoff', 'agencies')]
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

__all__ = [
    "DEFAULT_AGENCIES",
    "Credit",
    "agency_key",
    "credited_fractions",
    "find_credits",
    "learn_agencies",
]

DEFAULT_AGENCIES: tuple[str, ...] = (
    "Reuters",
    "Associated Press",
    "AP",
    "Agence France-Presse",
    "AFP",
    "Bloomberg",
    "dpa",
    "EFE",
    "ANSA",
    "Xinhua",
    "Kyodo",
    "TASS",
    "Interfax",
    "UPI",
    "PA",
    "ATS",
)
"""Major wire agencies recognised without learning; pass ``agencies=`` to add others."""

SIGNOFF_SHARE = 0.05
"""A last line naming an agency ends at least this share of the documents of its corpus."""
GENERIC = "agencies"
"""The key of a credit to unnamed agencies ("Agencies", "wire services")."""

_ALIASES = {
    "reuter": "reuters",
    "the associated press": "ap",
    "associated press": "ap",
    "agence france-presse": "afp",
    "agence france presse": "afp",
    "wire services": GENERIC,
    "wires": GENERIC,
}
_NAME = r"[A-Z][\w&.'-]*(?: [A-Z][\w&.'-]*){0,3}"
_DATELINE = re.compile(
    rf"^[^\S\n]*[A-Z][^\n(]{{0,60}}\((?P<agency>{_NAME})\)[^\S\n]*[-\u2013\u2014]", re.M
)
_PHOTO = re.compile(
    rf"(?:\((?P<a1>{_NAME}) Photo/[^)\n]*\))"
    r"|(?:\b(?P<a2>[A-Z][A-Za-z]+)/[A-Z][\w.' -]*(?:/[\w.' -]+)*(?=\s*$|\s*\)))"
    rf"|(?:\b(?:Photo|Picture|Image)s?(?: credit)?:\s*(?P<a3>{_NAME}))",
    re.M,
)
_SIGNOFF = re.compile(rf"^[^\S\n]*(?P<agency>{_NAME})[^\S\n]*$", re.M)
_CONTRIBUTED = re.compile(
    r"(?:^|(?<=[.\n]))[^\S\n]*(?P<who>[^.\n]{1,200}?)\s+contributed"
    r"(?: reporting| research| to this (?:report|story|article))[^.\n]{0,40}\.?",
    re.M,
)
_REPORTING = re.compile(
    r"^[^\S\n]*\(?(?:Additional )?(?:Reporting|Writing|Editing) by [^\n]*", re.M
)


@dataclass(frozen=True)
class Credit:
    """One credit in a text: its span, its kind and the agency it names (a key, or ``None``).

    ``kind`` is ``"dateline"``, ``"photo"``, ``"signoff"``, ``"contributed"`` or
    ``"reporting"``; ``agency`` is :func:`agency_key` of the name credited, ``"agencies"``
    for unnamed agencies, ``None`` for a credit naming people only.
    """

    start: int
    end: int
    kind: str
    agency: str | None


def agency_key(name: str) -> str:
    """Fold an agency's name to one key (case, ``Reuter``/``Reuters``, long and short names).

    Examples
    --------
    >>> [agency_key(n) for n in ("REUTERS", "The Associated Press", "Agence France-Presse")]
    ['reuters', 'ap', 'afp']
    """
    key = " ".join(name.casefold().replace("\u2019", "'").split()).strip(" .")
    return _ALIASES.get(key, key)


def _known(agencies: Iterable[str] | None) -> frozenset[str]:
    names = [*DEFAULT_AGENCIES, *(agencies or ())]
    return frozenset(agency_key(n) for n in names) | {GENERIC}


def find_credits(text: str, agencies: Iterable[str] | None = None) -> list[Credit]:
    r"""Find the credits of one text.

    Parameters
    ----------
    text
        The original text.
    agencies
        Agency names besides :data:`DEFAULT_AGENCIES` (e.g. from :func:`learn_agencies`):
        a sign-off line or a contribution line counts only when it names one of them.

    Returns
    -------
    list of Credit
        In text order.

    Examples
    --------
    >>> text = "KYIV (AP) — Talks stalled.\nThe Associated Press contributed to this report."
    >>> [(c.kind, c.agency) for c in find_credits(text)]
    [('dateline', 'ap'), ('contributed', 'ap')]
    >>> [c.kind for c in find_credits("Shr 25 cts vs 20 cts\n Reuter")]
    ['signoff']
    """
    known = _known(agencies)
    found: list[Credit] = []
    for m in _DATELINE.finditer(text):
        found.append(Credit(m.start("agency"), m.end(), "dateline", agency_key(m["agency"])))
    for m in _PHOTO.finditer(text):
        name = m["a1"] or m["a2"] or m["a3"]
        key = agency_key(name)
        if m["a1"] or key in known:
            found.append(Credit(m.start(), m.end(), "photo", key))
    for m in _SIGNOFF.finditer(text):
        key = agency_key(m["agency"])
        if key in known:
            found.append(Credit(m.start("agency"), m.end("agency"), "signoff", key))
    for m in _CONTRIBUTED.finditer(text):
        named = [k for k in known if re.search(rf"\b{re.escape(k)}\b", m["who"].casefold())]
        long = {agency_key(n) for n in _ALIASES if n in m["who"].casefold()}
        keys = sorted(set(named) | long)
        found.append(Credit(m.start("who"), m.end(), "contributed", keys[0] if keys else None))
    for m in _REPORTING.finditer(text):
        found.append(Credit(m.start(), m.end(), "reporting", None))
    return sorted(found, key=lambda c: (c.start, c.end, c.kind))


def learn_agencies(
    texts: Sequence[str], outlets: Iterable[str | None] = (), *, min_documents: int = 2
) -> frozenset[str]:
    """Learn which names are agencies from the corpus's own credit lines and outlet column.

    Parameters
    ----------
    texts
        The corpus.
    outlets
        Values of an ``outlet`` or ``credit`` column (``None`` for none).
    min_documents
        A name in a dateline's parentheses counts when found in this many documents; a
        name alone on the last line when it ends ``SIGNOFF_SHARE`` of the documents too.

    Returns
    -------
    frozenset of str
        Agency keys (:func:`agency_key`), the defaults included.

    Examples
    --------
    >>> texts = ["OSLO (NTB) - Snow fell.", "BERGEN (NTB) - Rain fell."]
    >>> "ntb" in learn_agencies(texts)
    True
    """
    seen: Counter[str] = Counter()
    signoffs: Counter[str] = Counter()
    for text in texts:
        seen.update({agency_key(m["agency"]) for m in _DATELINE.finditer(text)})
        last = _SIGNOFF.fullmatch(text.rstrip().rsplit("\n", 1)[-1])
        if last and len(last["agency"].split()) <= 2:
            signoffs[agency_key(last["agency"])] += 1
    # A sign-off is the last line of many documents ("Reuter"), not of a few ("MORE").
    common = max(min_documents, SIGNOFF_SHARE * len(texts))
    seen.update({name: count for name, count in signoffs.items() if count >= common})
    learnt = {name for name, count in seen.items() if count >= min_documents}
    declared = {agency_key(o) for o in outlets if isinstance(o, str) and o.strip()}
    return _known(learnt | declared)


def credited_fractions(
    attribution: pd.DataFrame,
    credits: Mapping[str, Iterable[Credit]],
    *,
    outlets: Mapping[str, str] | None = None,
    sources: pd.DataFrame | None = None,
) -> dict[str, float]:
    r"""Share of each document's reused characters that come from a source it credits.

    Parameters
    ----------
    attribution
        ``document, source, chars`` rows: where each document's reused characters come from.
    credits
        :func:`find_credits` of every document, by id.
    outlets
        Outlet of each document (``outlet``/``credit`` metadata), by id.
    sources
        Latent sources ``id, members``: a latent's agencies are those its members credit.

    Returns
    -------
    dict
        ``{document: credited_fraction}`` for documents with reused characters.

    Examples
    --------
    >>> attribution = pd.DataFrame({"document": ["b", "c"], "source": ["a", "a"],
    ...                             "chars": [100, 50]})
    >>> credits = {"a": find_credits("PARIS (AFP) - Text."), "b": find_credits("Text.\nAFP"),
    ...            "c": []}
    >>> credited_fractions(attribution, credits)
    {'b': 1.0, 'c': 0.0}
    """
    outlets = {k: agency_key(v) for k, v in (outlets or {}).items() if isinstance(v, str)}
    credited = {
        doc: {c.agency for c in found if c.agency is not None} for doc, found in credits.items()
    }
    members = {}
    if sources is not None:
        members = {row.id: list(row.members) for row in sources.itertuples(index=False)}

    def agencies_of(source: str, reader: str) -> set[str]:
        if source in members:
            names: set[str] = set()
            for member in members[source]:
                if member != reader:
                    names |= credited.get(member, set()) | {outlets.get(member)} - {None}
            return names
        return credited.get(source, set()) | ({outlets[source]} if source in outlets else set())

    totals: dict[str, list[int]] = {}
    for row in attribution.itertuples(index=False):
        mine = credited.get(row.document, set())
        theirs = agencies_of(row.source, row.document)
        # In-house copy: the document is of the source's outlet, or of an agency it credits.
        same_outlet = row.document in outlets and (
            outlets[row.document] == outlets.get(row.source) or outlets[row.document] in theirs
        )
        ok = same_outlet or bool(mine & theirs) or (GENERIC in mine and bool(theirs))
        total = totals.setdefault(row.document, [0, 0])
        total[0] += int(row.chars) if ok else 0
        total[1] += int(row.chars)
    return {doc: round(done / whole, 4) if whole else 0.0 for doc, (done, whole) in totals.items()}
