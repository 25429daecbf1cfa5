"""Spellings of one name (Zelensky, Zelenskiy, Zelenskyy), learnt from the corpus itself."""

from __future__ import annotations

import logging
import re
import unicodedata
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from lineage.errors import ParameterError, check_fraction, check_positive_int, shorten
from lineage.folding import (
    FOLD_TABLE,
)

logger = logging.getLogger("lineage.normalize")

_WORD = re.compile(r"[^\W\d_]+")
# A capitalised word inside a sentence: after a word that does not start with an ASCII
# capital (and maybe a comma), or after a title such as "Mr.".
_CAPITAL_INSIDE = re.compile(
    r"\b(?:[^\W\d_A-Z][^\W\d_]*[,;:]?|(?:Mr|Ms|Mrs|Dr|Gen|Sen|Rep|Gov|Col|Lt|St)\.)[ \t]+"
    r"([^\W\d_a-z][^\W\d_]*)"
)
# Calendar words are capitalised common words, never names (March is not a Marco variant).
_CALENDAR = frozenset(
    {"january", "february", "march", "april", "may", "june", "july", "august", "september"}
    | {"october", "november", "december", "monday", "tuesday", "wednesday", "thursday"}
    | {"friday", "saturday", "sunday"}
)
# Endings that make another word from a stem (Russia/Russian, Ukraine/Ukrainian,
# Putin/Putins, Israel/Israeli, German/Germany): such pairs are different words.
_STEM_ENDINGS = frozenset({"", "a", "e", "o", "y", "i", "ia", "us", "um", "is", "on", "an"})
_DERIVED_ENDINGS = frozenset(
    {"s", "es", "n", "an", "ans", "ian", "ians", "ns", "i", "is", "ese", "ish", "ic", "ics"}
    | {"er", "ers", "ern", "ite", "ites", "ist", "ists", "ia", "ean", "eans", "ies"}
    | {"en", "a", "es"}  # irregular plurals: Englishman/Englishmen, datum/data, basis/bases
)


def _fold_word(word: str) -> str:
    """Fold a word as :func:`normalize_text` would (ASCII letters only need lowercasing)."""
    return word.lower() if word.isascii() else word.translate(FOLD_TABLE)


# Letters that transliterations and spellings swap for one another (Zelenskiy/Zelenskyy,
# Brasil/Brazil, Oscar/Oskar). Any other swapped letter in a short name makes another
# name (Khalid/Khalil, David/Davis, Frances/Francis, Barton/Burton).
_SWAPS = frozenset(frozenset(pair) for pair in ("iy", "ij", "jy", "sz", "ck", "kq", "cq", "vw"))


def _common_subsequence(a: str, b: str) -> int:
    """Length of the longest common subsequence of two short strings."""
    previous = [0] * (len(b) + 1)
    for char_a in a:
        current = [0]
        for j, char_b in enumerate(b):
            current.append(
                previous[j] + 1 if char_a == char_b else max(previous[j + 1], current[j])
            )
        previous = current
    return previous[-1]


def _common_prefix(a: str, b: str) -> int:
    """Return how many leading characters ``a`` and ``b`` share."""
    return next(
        (k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _is_spelling_edit(a: str, b: str) -> bool:
    """Return whether two names are one spelling edit apart.

    Names shorter than eight letters may differ by one letter added or dropped, or one
    letter swapped for a sound-alike (``_SWAPS``); longer names by up to two letters added
    or dropped (so any swap, a transposition, or one letter moved).

    Examples
    --------
    >>> _is_spelling_edit("zelensky", "zelenkyy"), _is_spelling_edit("dmitri", "dmitry")
    (True, True)
    >>> _is_spelling_edit("khalid", "khalil"), _is_spelling_edit("barton", "burton")
    (False, False)
    """
    prefix = _common_prefix(a, b)
    rest_a, rest_b = a[prefix:], b[prefix:]
    suffix = _common_prefix(rest_a[::-1], rest_b[::-1])
    middle_a, middle_b = rest_a[: len(rest_a) - suffix], rest_b[: len(rest_b) - suffix]
    if not middle_a and not middle_b:
        return False
    if len(middle_a) == len(middle_b) == 1 and frozenset(middle_a + middle_b) in _SWAPS:
        return True
    indel = len(middle_a) + len(middle_b) - 2 * _common_subsequence(middle_a, middle_b)
    return indel <= (2 if min(len(a), len(b)) >= 8 else 1)


def _is_other_word(short: str, long: str) -> bool:
    """Return whether two close spellings are different words rather than one name.

    Examples
    --------
    >>> _is_other_word("russia", "russian"), _is_other_word("ukraine", "ukrainian")
    (True, True)
    >>> _is_other_word("zelensky", "zelenskyy"), _is_other_word("zelensky", "zelenskiy")
    (False, False)
    >>> _is_other_word("zelensky", "zelenska"), _is_other_word("german", "germany")
    (True, True)
    >>> _is_other_word("louis", "louise"), _is_other_word("dmitri", "dmitry")
    (True, False)
    """
    if len(short) > len(long):
        short, long = long, short
    prefix = 0
    for char_a, char_b in zip(short, long, strict=False):
        if char_a != char_b:
            break
        prefix += 1
    tail_short, tail_long = short[prefix:], long[prefix:]
    if not tail_short:
        # A doubled last letter is a spelling (Zelensky/Zelenskyy); any other letter added
        # at the end makes another name (Louis/Louise, Robert/Roberto, Chris/Christ).
        return tail_long != short[-1:] * len(tail_long)
    if tail_short in _STEM_ENDINGS and tail_long in _DERIVED_ENDINGS:
        return True
    # Feminine and masculine forms of one surname are two people (Zelensky/Zelenska).
    return tail_short.endswith("a") != tail_long.endswith("a")


@dataclass
class _WordStats:
    """What one pass over a corpus learns about its words.

    ``doc_words[doc_offsets[d]:doc_offsets[d + 1]]`` are the ids (in ``vocabulary``) of the
    distinct capitalised words of document ``d`` and ``doc_counts`` their counts there.
    """

    capitalised: Counter[str] = field(default_factory=Counter)
    lowercase: Counter[str] = field(default_factory=Counter)
    inside: Counter[str] = field(default_factory=Counter)
    vocabulary: dict[str, int] = field(default_factory=dict)
    doc_offsets: array = field(default_factory=lambda: array("q", [0]))
    doc_words: array = field(default_factory=lambda: array("q"))
    doc_counts: array = field(default_factory=lambda: array("q"))


def _corpus_word_counts(texts: Iterable[str]) -> _WordStats:
    """Count capitalised, lowercase and mid-sentence capitalised words of a corpus."""
    stats = _WordStats()
    words: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    vocabulary = stats.vocabulary
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise ParameterError(
                f"'texts' must hold strings (got {type(text).__name__} at position {position})"
            )
        text = unicodedata.normalize("NFC", text)
        found = _WORD.findall(text)
        words.update(found)
        in_doc = Counter(found)
        inside.update(_CAPITAL_INSIDE.findall(text))
        capitalised = [word for word in in_doc if word[0].isupper()]
        stats.doc_words.extend([vocabulary.setdefault(w, len(vocabulary)) for w in capitalised])
        stats.doc_counts.extend([in_doc[word] for word in capitalised])
        stats.doc_offsets.append(len(stats.doc_words))
    for word, count in words.items():
        if word[0].isupper():
            if not word.isupper() or len(word) == 1:
                stats.capitalised[word] = count
        elif word.islower():
            stats.lowercase[word] = count
    stats.inside.update({w: c for w, c in inside.items() if w[0].isupper() and not w.isupper()})
    return stats


def _names(
    stats: _WordStats,
    *,
    min_length: int,
    min_count: int,
    max_lowercase_fraction: float,
) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Return folded proper names with their counts, and the surface forms of each."""
    total: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    inside_folded: Counter[str] = Counter()
    surfaces: dict[str, set[str]] = defaultdict(set)
    for word, count in stats.capitalised.items():
        folded = _fold_word(word)
        total[folded] += count
        surfaces[folded].add(word)
    for word, count in stats.lowercase.items():
        lower[_fold_word(word)] += count
    for word, count in stats.inside.items():
        inside_folded[_fold_word(word)] += count
    names: dict[str, int] = {}
    for folded, count in total.items():
        if len(folded) < min_length or not folded.isalpha() or folded in _CALENDAR:
            continue
        if count + lower[folded] < min_count or inside_folded[folded] == 0:
            continue
        if lower[folded] > max_lowercase_fraction * (count + lower[folded]):
            continue
        names[folded] = count + lower[folded]
    return names, {name: surfaces[name] for name in names}


def _close_pairs(names: Iterable[str]) -> set[tuple[str, str]]:
    """Pairs of names with the same first letter and a shared one-deletion key.

    A shared key of the names and their one-char deletions finds every pair within one
    edit, and pairs two edits apart by one insertion and one deletion (Zelenkyy/Zelensky),
    in time linear in the summed name lengths.
    """
    buckets: dict[str, list[str]] = defaultdict(list)
    for name in names:
        keys = {name} | {name[:i] + name[i + 1 :] for i in range(1, len(name))}
        for key in keys:
            buckets[key].append(name)
    pairs: set[tuple[str, str]] = set()
    for members in buckets.values():
        if len(members) < 2:
            continue
        members = sorted(set(members))
        for i, first in enumerate(members):
            for second in members[i + 1 :]:
                if first[0] == second[0]:
                    pairs.add((first, second))
    return pairs


def _pair_evidence(
    stats: _WordStats,
    surfaces: Mapping[str, set[str]],
    pairs: Iterable[tuple[str, str]],
) -> tuple[dict[tuple[str, str], int], dict[tuple[str, str], float]]:
    """Return, per pair, the documents repeating both spellings and the context similarity.

    One writer keeps one spelling: two spellings each repeated in one document are two
    names (Johnson and Johnston), not a variant. And two spellings of one name turn up
    among the same other names: the context of a spelling is the idf-weighted sum of the
    names of the documents it occurs in; the similarity is the cosine of two contexts,
    leaving out the two spellings themselves (Barton and Burton keep different company).
    """
    pair_list = sorted(pairs)
    all_names = sorted(surfaces)
    name_id = {name: i for i, name in enumerate(all_names)}
    name_of_word = np.full(len(stats.vocabulary), -1, dtype=np.int64)
    for name in all_names:
        for surface in surfaces[name]:
            name_of_word[stats.vocabulary[surface]] = name_id[name]
    offsets = np.frombuffer(stats.doc_offsets, dtype=np.int64)
    words = np.frombuffer(stats.doc_words, dtype=np.int64)
    counts = np.frombuffer(stats.doc_counts, dtype=np.int64)
    docs = np.repeat(np.arange(offsets.size - 1), np.diff(offsets))
    names = name_of_word[words]
    known = names >= 0
    # documents x names, occurrence counts (two surfaces of one name add up)
    per_doc = sparse.csr_matrix(
        (counts[known].astype(np.float64), (docs[known], names[known])),
        shape=(offsets.size - 1, len(all_names)),
    )
    present = per_doc.copy()
    present.data[:] = 1.0
    doc_freq = np.asarray(present.sum(axis=0)).ravel()
    idf = np.log((1 + present.shape[0]) / (1 + doc_freq)) + 1.0
    first = np.array([name_id[a] for a, _ in pair_list], dtype=np.int64)
    second = np.array([name_id[b] for _, b in pair_list], dtype=np.int64)
    candidates, index = np.unique(np.concatenate([first, second]), return_inverse=True)
    row_a, row_b = index[: len(pair_list)], index[len(pair_list) :]
    members = present[:, candidates].tocsc()
    repeated = (per_doc[:, candidates] >= 2).astype(np.float64).tocsc()
    together = (repeated.T @ repeated).tocsr()
    profile = (members.T @ present.multiply(idf[None, :]).tocsr()).tocsr()
    pa, pb = profile[row_a], profile[row_b]
    own = [
        np.asarray(p[np.arange(len(pair_list)), ids]).ravel()
        for p in (pa, pb)
        for ids in (first, second)
    ]
    a_at_a, a_at_b, b_at_a, b_at_b = own
    dot = np.asarray(pa.multiply(pb).sum(axis=1)).ravel() - a_at_a * b_at_a - a_at_b * b_at_b
    norm_a = np.asarray(pa.multiply(pa).sum(axis=1)).ravel() - a_at_a**2 - a_at_b**2
    norm_b = np.asarray(pb.multiply(pb).sum(axis=1)).ravel() - b_at_a**2 - b_at_b**2
    norm = np.sqrt(np.clip(norm_a, 0, None) * np.clip(norm_b, 0, None))
    cosine = np.divide(dot, norm, out=np.zeros_like(dot), where=norm > 0)
    repeated_both = np.asarray(together[row_a, row_b]).ravel()
    return (
        {pair: int(n) for pair, n in zip(pair_list, repeated_both, strict=True)},
        {pair: float(c) for pair, c in zip(pair_list, cosine, strict=True)},
    )


def spelling_variants(
    texts: Iterable[str],
    *,
    min_length: int = 5,
    min_count: int = 1,
    max_lowercase_fraction: float = 0.1,
    min_context_similarity: float = 0.3,
) -> dict[str, str]:
    """Find spelling variants of proper names in a corpus and map each to one spelling.

    A name is a word written capitalised (at least once inside a sentence, after a
    lowercase word or a title such as ``Mr.``) and almost never in lowercase, so common
    words never take part (nor do month and day names). Two names are variants when

    - they start with the same letter and are one spelling edit apart: in names under eight
      letters one letter added or dropped, or swapped for a sound-alike (i/y/j, s/z, c/k/q,
      v/w); in longer names up to two letters added or dropped (Zelenkyy/Zelensky);
    - neither is the other with a derivational ending (Russia/Russian, Ukraine/Ukrainian,
      Putin/Putins, German/Germany), a letter added at the end (Louis/Louise; a doubled
      last letter is a spelling: Zelensky/Zelenskyy) or a feminine form (Zelensky/Zelenska);
    - no document repeats both (a writer keeps one spelling; Johnson and Johnston repeated
      in one story are two people);
    - they keep the same company: the idf-weighted names of the documents each occurs in
      have a cosine of at least ``min_context_similarity`` (Barton and Burton do not).

    Names are taken from most to least frequent; each joins the group of its most frequent
    variant, so the canonical spelling of a group is its most frequent one (ties broken
    alphabetically).

    Parameters
    ----------
    texts
        The documents (read once; any iterable).
    min_length
        Shorter names are left alone (Iran/Iraq, Kyiv/Kiev are too short to tell).
    min_count
        Names seen fewer times in the corpus are left alone.
    max_lowercase_fraction
        Largest share of lowercase occurrences a word may have and still count as a name.
    min_context_similarity
        Smallest cosine between the name contexts of two spellings.

    Returns
    -------
    dict of str to str
        ``{variant: canonical}`` over normalized (folded, lowercase) words; canonical
        spellings do not appear as keys. Pass it to :func:`normalize_text`.

    Notes
    -----
    Cost is two passes over the corpus plus the summed lengths of the distinct names:
    candidate pairs come from buckets of one-deletion keys, never from all pairs. On the
    PAN-13 training texts (5,057 documents, about 23,000 names) it keeps about 90 variants,
    mostly typos and transliterations (Mumansk/Murmansk, Abdallah/Abdullah); the doubtful
    ones are spellings of one given name borne by different people (Michel/Michael).

    Examples
    --------
    >>> spelling_variants([
    ...     "Talks in Ankara with Zelensky ended; Zelensky and Russian troops left Ankara.",
    ...     "Reporters met Zelenskiy in Ankara.",
    ...     "The president, Zelenskyy, flew to Ankara.",
    ... ])
    {'zelenskiy': 'zelensky', 'zelenskyy': 'zelensky'}
    """
    check_positive_int("min_length", min_length)
    check_positive_int("min_count", min_count)
    check_fraction("max_lowercase_fraction", max_lowercase_fraction)
    check_fraction("min_context_similarity", min_context_similarity)
    if isinstance(texts, str):
        raise ParameterError(f"'texts' must be a sequence of strings (got {shorten(texts)})")
    stats = _corpus_word_counts(texts)
    names, surfaces = _names(
        stats,
        min_length=min_length,
        min_count=min_count,
        max_lowercase_fraction=max_lowercase_fraction,
    )
    close: dict[tuple[str, str], int] = {}
    for first, second in _close_pairs(names):
        if _is_spelling_edit(first, second) and not _is_other_word(first, second):
            close[(first, second)] = 0
    if not close:
        return {}
    together, similarity = _pair_evidence(stats, surfaces, close)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for pair, count in together.items():
        logger.debug(
            "variant candidate %s: together %d, context %.3f", pair, count, similarity[pair]
        )
        if count == 0 and similarity[pair] >= min_context_similarity:
            neighbours[pair[0]].add(pair[1])
            neighbours[pair[1]].add(pair[0])
    order = sorted(names, key=lambda name: (-names[name], name))
    rank = {name: i for i, name in enumerate(order)}
    canonical: dict[str, str] = {}
    for name in order:
        earlier = sorted(
            (rank[other], other) for other in neighbours[name] if rank[other] < rank[name]
        )
        target = name
        for _, other in earlier:
            head = canonical[other]
            if head == other or not _is_other_word(name, head):
                target = head
                break
        canonical[name] = target
    mapping = {name: head for name, head in canonical.items() if head != name}
    logger.info("spelling variants: %d names, %d variants", len(names), len(mapping))
    return dict(sorted(mapping.items()))
