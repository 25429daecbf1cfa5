"""Atomic writes of every output file, and of the set of files of one run.

A run never leaves a half-written file, nor a new ``lineage.json`` beside an old
``report.html``:

* **One file** (:func:`atomic_file`) is written under a temporary name in its own
  folder, flushed to disk and moved into place with :func:`os.replace`, so the name
  holds either the old complete file or the new complete one.
* **The set of files of one run** (:class:`OutputSet`) is written into a hidden staging
  folder inside the output folder (``.lineage-staging-<pid>-<random>``). When every
  file is written, the staging folder is renamed to ``.lineage-commit-<random>`` (one
  atomic rename: the commit point) and its files are moved over the old ones
  one by one. The output folder's ``.lineage-manifest.json`` lists the files of the
  last complete run; files of the previous run that the new one does not write are
  removed, and files the tool did not write are never touched.

"The previous complete set" is therefore what ``.lineage-manifest.json`` lists. A run
that fails or is interrupted before the commit point leaves it untouched (its staging
folder is removed, by the run itself or by the next run). SIGINT and SIGTERM arriving
during the few milliseconds of moving the files are held until the move is done. Only
a hard stop inside those milliseconds (SIGKILL, power loss) can leave a mix of old and
new files, each of them whole; the commit folder then still holds the rest, and the next
run into the folder (or :func:`recover`) finishes the move before doing anything else.

Examples
--------
>>> import tempfile
>>> out = Path(tempfile.mkdtemp())
>>> with OutputSet(out) as outputs:
...     _ = (outputs.staging / "a.txt").write_text("new")
...     written = outputs.commit()
>>> [path.name for path in written], (out / "a.txt").read_text()
(['a.txt'], 'new')
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType

import numpy as np
import pandas as pd

from lineage.errors import OutputError, ParameterError

logger = logging.getLogger(__name__)

MANIFEST = ".lineage-manifest.json"
"""File of the output folder listing the files of the last complete run."""
STAGING_PREFIX = ".lineage-staging-"
COMMIT_PREFIX = ".lineage-commit-"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""Cell starts a spreadsheet reads as a formula (OWASP, "CSV injection")."""
TABLE_SUFFIXES = (".csv", ".jsonl", ".ndjson", ".parquet", ".pq")


def _describe(error: OSError) -> str:
    return error.strerror or str(error)


def check_output_dir(path: str | os.PathLike) -> bool:
    """Check that ``path`` can be the output folder, create it, and finish an old commit.

    Called before any work starts, so that a bad ``--out`` costs no analysis. The check
    is real rather than guessed from permission bits (which do not bind root): a probe
    file is created in the folder and removed.

    Parameters
    ----------
    path
        The output folder; created with its parents when missing.

    Returns
    -------
    bool
        Whether the folder was created by this call (the caller may remove it again,
        with :func:`remove_if_empty`, when the run fails).

    Raises
    ------
    OutputError
        When ``path`` is a file, lies inside a file, or cannot be created or written.

    Examples
    --------
    >>> import tempfile
    >>> file = Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = file.write_text("x")
    >>> check_output_dir(file / "out")
    Traceback (most recent call last):
    ...
    lineage.errors.OutputError: cannot write to .../notes.txt/out: .../notes.txt is a file, not a folder
    """  # noqa: E501
    out = Path(path)
    for place in (out, *out.parents):
        if place.exists() or place.is_symlink():
            if not place.is_dir():
                raise OutputError(f"cannot write to {out}: {place} is a file, not a folder")
            break
    created = not out.exists()
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe, name = tempfile.mkstemp(prefix=".lineage-probe-", dir=out)
        os.close(probe)
        os.unlink(name)
        recover(out)
    except OSError as error:
        raise OutputError(f"cannot write to {out}: {_describe(error)}") from None
    return created


def check_output_file(path: str | os.PathLike) -> None:
    """Check that a table can be written to ``path`` (suffix, folder), before any work.

    Raises
    ------
    OutputError
        When ``path`` is a folder or its folder cannot be written.
    ParameterError
        When the suffix is not one of ``.csv``, ``.jsonl``, ``.parquet``.
    """
    target = Path(path)
    if target.suffix.lower() not in TABLE_SUFFIXES:
        raise ParameterError(
            f"cannot write {target.name}: use a .csv, .jsonl or .parquet file name"
        )
    if target.is_dir():
        raise OutputError(f"cannot write to {target}: it is a folder; give a file name")
    check_output_dir(target.parent)


def remove_if_empty(path: str | os.PathLike) -> None:
    """Remove the folder ``path`` if it exists and is empty (after a failed first run)."""
    with contextlib.suppress(OSError):
        Path(path).rmdir()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(path: Path) -> None:
    """Make the renames inside ``path`` durable (a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        descriptor = os.open(path, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _fsync_file(path: Path) -> None:
    with path.open("rb") as stream:
        os.fsync(stream.fileno())


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` when the block ends.

    The temporary file is flushed to disk before :func:`os.replace`, and removed when the
    block raises, so ``path`` holds the old complete file or the new complete one.

    Raises
    ------
    OutputError
        When the file cannot be written (disk full, no permission...).

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_file(target) as temporary:
    ...     _ = temporary.write_text("whole")
    >>> target.read_text()
    'whole'
    """
    target = Path(path)
    try:
        descriptor, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    except OSError as error:
        raise OutputError(f"cannot write {target}: {_describe(error)}") from None
    os.close(descriptor)
    temporary = Path(name)
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give what open() gives
        yield temporary
        _fsync_file(temporary)
        os.replace(temporary, target)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {_describe(error)}", error) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def spreadsheet_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Return ``table`` with every text cell a spreadsheet would run as a formula quoted.

    A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
    gets a ``'`` in front (the OWASP rule against CSV injection); numbers are left as
    they are.

    Examples
    --------
    >>> frame = pd.DataFrame({"id": ["=HYPERLINK(1)", "ok", "-x"], "n": [-1, 2, 3]})
    >>> spreadsheet_safe(frame).values.tolist()
    [["'=HYPERLINK(1)", -1], ['ok', 2], ["'-x", 3]]
    """
    safe = table.copy()
    for column in safe.columns:
        values = safe[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        risky = np.fromiter(
            (isinstance(cell, str) and cell.startswith(_FORMULA_STARTS) for cell in values),
            dtype=bool,
            count=len(values),
        )
        if risky.any():
            cells = values.astype(object).to_numpy(copy=True)
            cells[risky] = ["'" + cell for cell in cells[risky]]
            safe[column] = pd.Series(cells, index=values.index, dtype=values.dtype)
    return safe


def table_csv(table: pd.DataFrame, *, raw_csv: bool = False) -> str:
    """Return ``table`` as CSV text, spreadsheet-safe unless ``raw_csv``.

    Lines end in CRLF (RFC 4180), so that a cell holding a lone carriage return is
    quoted too and every reader sees the same rows.
    """
    return (table if raw_csv else spreadsheet_safe(table)).to_csv(
        index=False, lineterminator="\r\n"
    )


def write_table(table: pd.DataFrame, path: str | os.PathLike, *, raw_csv: bool = False) -> Path:
    r"""Write ``table`` atomically as CSV, JSONL or Parquet, chosen by the file extension.

    CSV cells that a spreadsheet would run as formulas are neutralised (see
    :func:`spreadsheet_safe`) unless ``raw_csv``; JSONL and Parquet keep the values as
    they are.

    Examples
    --------
    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> _ = write_table(pd.DataFrame({"id": ["=1+1"]}), path)
    >>> path.read_bytes().decode()
    "id\r\n'=1+1\r\n"
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in TABLE_SUFFIXES:
        raise ParameterError(f"cannot write {path.name}: use .csv, .jsonl or .parquet")
    with atomic_file(path) as temporary:
        if suffix == ".csv":
            temporary.write_text(table_csv(table, raw_csv=raw_csv), encoding="utf-8")
        elif suffix in (".jsonl", ".ndjson"):
            table.to_json(temporary, orient="records", lines=True, force_ascii=False)
        else:
            table.to_parquet(temporary, index=False)
    return path


class OutputSet:
    """The files of one run, staged in the output folder and committed together.

    Use as a context manager: write the files into :attr:`staging`, then call
    :meth:`commit`. Leaving the block without a commit (an error, Ctrl-C) removes the
    staging folder and leaves the previous complete set as it was.

    Parameters
    ----------
    out
        The output folder (checked and created with :func:`check_output_dir`).
    """

    def __init__(self, out: str | os.PathLike) -> None:
        self.out = Path(out)
        check_output_dir(self.out)
        try:
            self.staging = Path(
                tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=self.out)
            )
        except OSError as error:
            raise OutputError(f"cannot write to {self.out}: {_describe(error)}") from None
        self._committed = False

    def __enter__(self) -> OutputSet:
        """Return this set."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Remove the staging folder unless committed; turn write errors into OutputError."""
        if not self._committed:
            shutil.rmtree(self.staging, ignore_errors=True)
        cause = error.cause if isinstance(error, OutputError) else error
        if isinstance(cause, OSError):
            raise OutputError(
                f"cannot write the outputs in {self.out}: {_describe(cause)}; "
                "the previous outputs are kept",
                cause,
            ) from None

    def commit(self) -> list[Path]:
        """Move every staged file into the output folder and return their final paths.

        Raises
        ------
        OutputError
            When the staged files cannot be made durable (nothing is moved then).
        """
        names = sorted(path.name for path in self.staging.iterdir() if path.is_file())
        try:
            for name in names:
                _fsync_file(self.staging / name)
            manifest = {"files": names}
            (self.staging / MANIFEST).write_text(json.dumps(manifest) + "\n", encoding="utf-8")
            _fsync_file(self.staging / MANIFEST)
            _fsync_dir(self.staging)
        except OSError as error:
            raise OutputError(
                f"cannot write the outputs in {self.out}: {_describe(error)}; "
                "the previous outputs are kept"
            ) from None
        with _signals_held():
            commit = self.staging.with_name(COMMIT_PREFIX + self.staging.name[-8:])
            os.rename(self.staging, commit)  # the commit point
            self._committed = True
            _fsync_dir(self.out)
            _roll_forward(commit, self.out)
        return [self.out / name for name in names]


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM during the block, then act on them as before it.

    A Python-level handler rather than a signal mask: a signal sent to the process
    goes to any thread that does not block it (numpy and Arrow start threads), so a
    mask in the main thread alone would not hold it.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {
        signum: signal.signal(signum, lambda number, frame: caught.append(number))
        for signum in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        for signum in caught:
            handler = previous[signum]
            if callable(handler):
                handler(signum, None)
            elif handler == signal.SIG_DFL:
                signal.raise_signal(signum)


def _roll_forward(commit: Path, out: Path) -> None:
    """Move the files of a committed run into ``out`` (idempotent: resumes a cut move)."""
    new = json.loads((commit / MANIFEST).read_text(encoding="utf-8"))["files"]
    for name in new:
        if (commit / name).exists():
            os.replace(commit / name, out / name)
    old_manifest = out / MANIFEST
    if old_manifest.exists():
        with contextlib.suppress(ValueError, KeyError, OSError):
            old = json.loads(old_manifest.read_text(encoding="utf-8"))["files"]
            for name in set(old) - set(new):
                if Path(name).name == name:  # never anything outside the folder
                    (out / name).unlink(missing_ok=True)
    os.replace(commit / MANIFEST, old_manifest)
    shutil.rmtree(commit, ignore_errors=True)
    _fsync_dir(out)
    logger.info("wrote %d files to %s", len(new), out)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(out: str | os.PathLike) -> None:
    """Finish a commit a hard stop cut short, and remove staging folders of dead runs.

    Called by :func:`check_output_dir` (so by every run) before anything is written.

    Examples
    --------
    >>> import tempfile
    >>> recover(tempfile.mkdtemp())  # nothing to do
    """
    folder = Path(out)
    for commit in sorted(folder.glob(COMMIT_PREFIX + "*")):
        if (commit / MANIFEST).exists():
            logger.warning("finishing the interrupted commit of outputs in %s", folder)
            _roll_forward(commit, folder)
        else:
            shutil.rmtree(commit, ignore_errors=True)
    for staging in folder.glob(STAGING_PREFIX + "*"):
        pid = staging.name[len(STAGING_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)) and int(pid) != os.getpid():
            continue  # another run is writing into this folder right now
        shutil.rmtree(staging, ignore_errors=True)
