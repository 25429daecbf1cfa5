"""Folders: one document per text file, or the table files of a sharded corpus."""

from __future__ import annotations

import itertools
import logging
import os
import stat
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from lineage.errors import CorpusError
from lineage.readers.dates import head_date
from lineage.readers.decoding import (
    binary_kind,
    decode_bytes,
)
from lineage.readers.formats import (
    TEXT_SUFFIXES,
    is_table,
    table_items,
)
from lineage.readers.items import Item, ReadOptions, Where, skip
from lineage.readers.records import (
    text_item,
)

logger = logging.getLogger("lineage.corpus")


def folder_items(root: Path, options: ReadOptions) -> Iterator[Item]:
    """Return the item iterator over the files below ``root`` (checked at once).

    A folder with ``.txt``/``.md`` files is read as one document per file. A folder with
    none but with table files (JSONL, CSV, Parquet: the shards of a large corpus) is read
    as those tables one after the other; there, a record without an id column gets
    ``"<file stem>:<position>"`` so that ids stay unique across shards. A subfolder that
    cannot be listed (no permission, a symbolic link loop) is a skipped input of its own.
    """
    texts, tables, others, failed = scan_folder(root)
    folder_problems = [
        skip(Where(str(root.joinpath(*relative.parts))), relative.as_posix(), message)
        for relative, message in failed
    ]
    if texts:
        if tables or others:
            logger.info("ignored %d non-text files under %s", len(tables) + len(others), root)
        files = (
            text_file_item(root.joinpath(*relative.parts), doc_id, options)
            for relative, doc_id in zip(texts, _folder_ids(texts), strict=True)
        )
        return itertools.chain(files, folder_problems)
    if tables:
        if others:
            logger.info("ignored %d other files under %s", len(others), root)
        return itertools.chain(_table_folder_items(root, tables, options), folder_problems)
    if failed:
        relative, message = failed[0]
        raise CorpusError(
            f"nothing readable in folder {str(root)!r}: "
            f"{str(root.joinpath(*relative.parts))!r} {message}"
        )
    found = ", ".join(sorted(others)[:5]) or "nothing"
    raise CorpusError(
        f"folder {str(root)!r} has no .txt, .md or table (.jsonl, .csv, .parquet) files "
        f"(found: {found})"
    )


def _table_folder_items(root: Path, tables: list[Path], options: ReadOptions) -> Iterator[Item]:
    for path, prefix in _shard_prefixes(root, tables):
        yield from table_items(path, replace(options, id_prefix=options.id_prefix + prefix))


def folder_shards(source: object) -> list[tuple[Path, str]]:
    """List the table files of a folder of shards, each with the id prefix it is read with.

    This is how :func:`load_corpus` reads such a folder, file after file: reading each
    file with ``load_corpus(path, id_prefix=prefix)`` (e.g. one file per worker) gives
    the same documents and ids. The folder of text files and any other source give
    ``[]``.

    Parameters
    ----------
    source
        Any corpus source.

    Returns
    -------
    list of (Path, str)
        The JSONL, CSV and Parquet files below ``source`` in sorted path order, and
        ``"<file stem>:"`` for each (the relative path where stems repeat).

    Examples
    --------
    >>> folder_shards(["not a folder"])
    []
    """
    if not isinstance(source, (str, os.PathLike)) or not Path(source).is_dir():
        return []
    texts, tables, _, _ = scan_folder(Path(source))
    return [] if texts else _shard_prefixes(Path(source), tables)


def _shard_prefixes(root: Path, tables: list[Path]) -> list[tuple[Path, str]]:
    names = _folder_ids(tables)
    return [
        (root.joinpath(*relative.parts), f"{name}:")
        for relative, name in zip(tables, names, strict=True)
    ]


def scan_folder(
    root: Path,
) -> tuple[list[Path], list[Path], list[str], list[tuple[Path, str]]]:
    """List what lies below ``root``, as paths relative to it.

    Returns the text files and the table files (sorted), the other files, and the
    subfolders that could not be listed, each with why. Hidden files and folders (a
    leading dot, e.g. ``.ipynb_checkpoints``) are left out.
    Symbolic links to folders are followed, each real folder once.
    """
    texts: list[Path] = []
    tables: list[Path] = []
    others: list[str] = []
    failed: list[tuple[Path, str]] = []
    seen: set[str] = set()

    def unlisted(error: OSError) -> None:
        place = Path(error.filename or root)
        failed.append((place.relative_to(root), _unlistable(error)))

    for directory, subdirs, names in os.walk(root, onerror=unlisted, followlinks=True):
        real = os.path.realpath(directory)
        if real in seen:  # a link back to a folder already read
            subdirs[:] = []
            failed.append(
                (Path(directory).relative_to(root), "is a link to a folder already read; skipped")
            )
            continue
        seen.add(real)
        subdirs[:] = sorted(name for name in subdirs if not name.startswith("."))
        for name in names:
            if name.startswith("."):
                continue
            relative = Path(directory, name).relative_to(root)
            if Path(name).suffix.lower() in TEXT_SUFFIXES:
                texts.append(relative)
            elif is_table(relative):
                tables.append(relative)
            else:
                others.append(relative.as_posix())
    texts.sort(key=lambda rel: rel.parts)
    tables.sort(key=lambda rel: rel.parts)
    failed.sort(key=lambda pair: pair[0].parts)
    return texts, tables, others, failed


def _unlistable(error: OSError) -> str:
    reason = error.strerror or str(error)
    return f"folder could not be read ({reason}); the files in it are not in the corpus"


def _folder_ids(files: Sequence[Path]) -> list[str]:
    """File stems as ids; relative paths where stems repeat (with suffix if still needed)."""
    stems = Counter(_stem(rel) for rel in files)
    bare = Counter(rel.parent.joinpath(_stem(rel)).as_posix() for rel in files)
    ids = []
    for rel in files:
        bare_id = rel.parent.joinpath(_stem(rel)).as_posix()
        if bare[bare_id] > 1:
            ids.append(rel.as_posix())
        else:
            ids.append(bare_id if stems[_stem(rel)] > 1 else _stem(rel))
    return ids


def _stem(path: Path) -> str:
    """Return the file name without its format suffix (and without ``.gz``)."""
    name = path.name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return Path(name).stem


def text_file_item(path: Path, doc_id: str, options: ReadOptions) -> Item:
    """Read one text file as document ``doc_id``, or skip it saying why."""
    where = Where(str(path))
    try:
        kind = not_regular(path)
        if kind:
            return skip(where, doc_id, f"not a regular file ({kind}); not read")
        data = path.read_bytes()
    except OSError as error:
        reason = error.strerror or str(error)
        if path.is_symlink() and not path.exists():
            reason = f"a broken symbolic link to {os.readlink(path)!r}"
        return skip(where, doc_id, f"could not be read ({reason})")
    if not data:
        return skip(where, doc_id, "empty file (0 bytes)")
    binary = binary_kind(data)
    if binary:
        return skip(where, doc_id, f"not a text file ({binary})")
    text, notes, failure = decode_bytes(data, where, options)
    if failure:
        return skip(where, doc_id, failure)
    return text_item(text, where, doc_id, head_date(text), notes, subject="file")


def not_regular(path: Path) -> str:
    """Name what ``path`` is when it is not a regular file (reading a FIFO would block)."""
    mode = path.stat().st_mode
    kinds = [
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a folder"),
    ]
    return next((name for test, name in kinds if test(mode)), "")
