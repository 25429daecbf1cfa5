"""Document ids: one per document, repeats numbered (``id#2``), latent ids reserved."""

from __future__ import annotations

import logging
from collections.abc import Container, Iterable, Iterator
from dataclasses import replace

from lineage.readers.items import Item, skip

logger = logging.getLogger("lineage.corpus")

RESERVED_ID_PREFIX = "latent:"
DUPLICATE_ID_MARK = "#"
"""Joins a repeated id and its number: the second ``wire`` is read as ``wire#2``."""


def fresh_id(doc_id: str, taken: Container[str]) -> str:
    """Return the id a repeat of ``doc_id`` gets: ``doc_id#2``, else ``#3``... not in ``taken``.

    The first document with an id keeps it; each later one gets the next free suffix, so
    no document is lost and the rule gives the same ids on every run of the same input.

    Examples
    --------
    >>> fresh_id("wire", {"wire"}), fresh_id("wire", {"wire", "wire#2"})
    ('wire#2', 'wire#3')
    """
    number = 2
    while f"{doc_id}{DUPLICATE_ID_MARK}{number}" in taken:
        number += 1
    return f"{doc_id}{DUPLICATE_ID_MARK}{number}"


def duplicate_id_message(doc_id: str, new_id: str, first_origin: str) -> str:
    """Say that ``doc_id`` was already used at ``first_origin`` and is read as ``new_id``."""
    return (
        f"duplicate id {doc_id!r}: already used by {first_origin}; loaded as {new_id!r} "
        "(give each record its own id to choose the names)"
    )


def unique_ids(items: Iterable[Item]) -> Iterator[Item]:
    """Give a repeated id the next free ``#N`` suffix (with a warning); skip reserved ids."""
    first_origin: dict[str, str] = {}
    for item in items:
        if item.document is not None:
            if item.id.startswith(RESERVED_ID_PREFIX):
                item = skip(
                    item.where,
                    item.id,
                    f"id {item.id!r} starts with {RESERVED_ID_PREFIX!r}, which is reserved "
                    "for latent sources; rename it",
                )
            elif item.id in first_origin:
                new_id = fresh_id(item.id, first_origin)
                note = duplicate_id_message(item.id, new_id, first_origin[item.id])
                item = Item(
                    item.where,
                    new_id,
                    document=replace(item.document, id=new_id),
                    warnings=[*item.warnings, note],
                )
                first_origin[new_id] = item.where.label
            else:
                first_origin[item.id] = item.where.label
        if item.document is None:
            logger.info("skipped %s: %s", item.where.label, item.skip)
        yield item
