"""The ``lineage`` command line: thin commands over :mod:`lineage.api`.

Every command is a few lines over one API call; library errors become a one-line message
and exit code 2 in :func:`main`, never a traceback.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from lineage import __version__, api, io
from lineage.errors import LineageError, LineageWarning
from lineage.index import Index, IndexParams

EXIT_NOTHING_USABLE = 2
"""Exit code of bad input or arguments (nothing usable, a bad --out), as click's usage errors."""
EXIT_FAILED = 1
"""Exit code of an unexpected failure (a bug): one line, the traceback with -vv."""
EXIT_INTERRUPTED = 130
"""Exit code after Ctrl-C or SIGTERM (128 + SIGINT), as shells report it."""

logger = logging.getLogger("lineage.cli")


def _check_codec(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """Reject an unknown codec name before any work starts."""
    try:
        codecs.lookup(value)
    except LookupError:
        raise click.BadParameter(f"unknown encoding {value!r}; try cp1252 or latin-1") from None
    return value


def corpus_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options that say how to read a corpus."""
    options = [
        click.option(
            "--id-column",
            default="id",
            show_default=True,
            help="Column holding document ids in JSONL/CSV/Parquet input.",
        ),
        click.option(
            "--text-column",
            default="text",
            show_default=True,
            help="Column holding the text in JSONL/CSV/Parquet input.",
        ),
        click.option(
            "--date-column",
            default="date",
            show_default=True,
            help="Column holding publication dates, used as a direction cue.",
        ),
        click.option(
            "--encoding-fallback",
            default="cp1252",
            show_default=True,
            callback=_check_codec,
            help="Encoding tried where a file is not valid UTF-8.",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def dask_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add the options that run the stages on a Dask cluster."""
    command = click.option(
        "--scheduler", default=None, help="Address of a running Dask scheduler (tcp://host:8786)."
    )(command)
    return click.option(
        "--workers",
        type=click.IntRange(min=1),
        default=None,
        help="Run on a local Dask cluster of N workers.",
    )(command)


def csv_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--raw-csv``: write CSV cells as they are, for pipelines rather than spreadsheets."""
    return click.option(
        "--raw-csv",
        is_flag=True,
        help="Write CSV cells as they are; by default a cell starting with = + - @, tab or "
        "CR gets a leading ' so that a spreadsheet does not run it as a formula.",
    )(command)


def threshold_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Add ``--threshold``, a share in [0, 1] checked before any work starts."""
    return click.option(
        "--threshold",
        default=0.5,
        show_default=True,
        type=click.FloatRange(0.0, 1.0),
        help=help_text,
    )


metadata_option = click.option(
    "--metadata",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV/JSONL/Parquet with an id column and date, outlet, title per document.",
)


def _dask_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {key: kwargs.pop(key) for key in ("workers", "scheduler")}


def _corpus_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    keys = ("id_column", "text_column", "date_column", "encoding_fallback")
    return {key: kwargs.pop(key) for key in keys}


@contextmanager
def _progress(label: str) -> Iterator[Callable[[str, int, int], None]]:
    """Yield a progress callback drawing a bar on a terminal and staying quiet elsewhere."""
    if not sys.stderr.isatty():
        yield lambda stage, done, total: None
        return
    state: dict[str, Any] = {"stage": None, "bar": None}

    def update(stage: str, done: int, total: int) -> None:
        if stage != state["stage"]:
            if state["bar"] is not None:
                state["bar"].__exit__(None, None, None)
            state["stage"] = stage
            state["bar"] = click.progressbar(
                length=max(total, 1), label=f"{label}: {stage}", file=sys.stderr, show_pos=True
            )
            state["bar"].__enter__()
        state["bar"].update(done - state["bar"].pos)

    try:
        yield update
    finally:
        if state["bar"] is not None:
            state["bar"].__exit__(None, None, None)


def _report_problems(problems: list[tuple[str, str]]) -> None:
    """Print one line per problem: ``skipped: where: what`` or ``warning: where: what``."""
    for status, message in problems:
        label = "skipped" if status == "skipped" else "warning"
        click.echo(f"{label}: {message}", err=True)


def _report_documents(documents: Any) -> int:
    """Print the problem of every document that is not ``ok``; return how many were kept."""
    _report_problems(
        [
            (row.status, f"{row.origin or row.id}: {row.problem}")
            for row in documents.itertuples()
            if row.status != "ok"
        ]
    )
    return int((documents["status"] != "skipped").sum())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lineage")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Find reused text in a corpus and infer where each text came from."""
    # Every load problem is printed once by the command itself, with its status.
    warnings.filterwarnings("ignore", category=LineageWarning)
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # Dask reads its log levels when first imported (here and in its worker processes):
    # its INFO lines (cluster start and stop) show only with -v.
    os.environ["DASK_LOGGING__DISTRIBUTED"] = logging.getLevelName(level).lower()


@cli.command()
@click.argument("corpus", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder to write lineage.json, the CSV tables, PNGs and report.html.",
)
@threshold_option("Jaccard threshold of near-duplicate candidate pairs.")
@metadata_option
@csv_options
@dask_options
@corpus_options
def analyze(
    corpus: Path,
    out_dir: Path,
    threshold: float,
    metadata: Path | None,
    raw_csv: bool,
    **kwargs: Any,
) -> None:
    """Analyze CORPUS (folder, .txt, JSONL, CSV or Parquet) and write results to --out."""
    with _output_dir(out_dir), _progress("analyze") as progress:
        result = api.analyze(
            corpus,
            metadata=metadata,
            threshold=threshold,
            progress=progress,
            **_dask_kwargs(kwargs),
            **_corpus_kwargs(kwargs),
        )
        progress("write tables and report", 0, 1)
        written = api.write_outputs(result, out_dir, raw_csv=raw_csv)
        progress("write tables and report", 1, 1)
    docs = result.documents
    ok = _report_documents(docs)
    click.echo(
        f"{ok} of {len(docs)} documents analyzed; {len(result.pairs)} pairs, "
        f"{len(result.passages)} passages, {len(result.sources)} latent sources."
    )
    click.echo(f"wrote {', '.join(p.name for p in written)} to {out_dir}")
    if ok == 0:
        what = "no input" if docs.empty else f"none of the {len(docs)} inputs"
        click.echo(f"error: nothing usable in {corpus}: {what} could be read", err=True)
        raise click.exceptions.Exit(EXIT_NOTHING_USABLE)


@contextmanager
def _output_dir(out_dir: Path) -> Iterator[None]:
    """Check ``out_dir`` before the work; remove it again if this run made it and failed."""
    created = io.check_output_dir(out_dir)
    try:
        yield
    except BaseException:
        if created:
            io.remove_if_empty(out_dir)
        raise


@cli.command()
@click.argument("corpus", type=click.Path(exists=True, path_type=Path))
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the clusters table here (.csv, .jsonl or .parquet); "
    "default: CSV on standard output.",
)
@threshold_option("Jaccard threshold for two documents to be near-duplicates.")
@metadata_option
@csv_options
@dask_options
@corpus_options
def dedup(
    corpus: Path,
    out_path: Path | None,
    threshold: float,
    metadata: Path | None,
    raw_csv: bool,
    **kwargs: Any,
) -> None:
    """Write the near-duplicate clusters of CORPUS with each member's evidence."""
    if out_path is not None:
        io.check_output_file(out_path)
    clusters, problems = api.dedup_corpus(
        corpus,
        threshold=threshold,
        dask=_dask_kwargs(kwargs),
        metadata=metadata,
        **_corpus_kwargs(kwargs),
    )
    _report_problems([(problem.status, str(problem)) for problem in problems])
    if out_path is None:
        click.echo(io.table_csv(clusters, raw_csv=raw_csv), nl=False)
    else:
        api.write_table(clusters, out_path, raw_csv=raw_csv)
        n_clusters = clusters["cluster"].nunique()
        click.echo(f"{n_clusters} clusters, {len(clusters)} members: wrote {out_path}", err=True)


@cli.command("align")
@click.argument("file_a", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("file_b", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the passages as JSON.")
@click.option("--width", default=60, show_default=True, help="Column width side by side.")
def align_command(file_a: Path, file_b: Path, as_json: bool, width: int) -> None:
    """Print the whole passages FILE_A and FILE_B share side by side, quoted parts marked."""
    text_a, text_b = api.read_text_file(file_a), api.read_text_file(file_b)
    passages = api.align(text_a, text_b)
    if passages.note:
        click.echo(f"note: {passages.note}", err=True)
    if as_json:
        rows = [dict(p.__dict__, quote_chars=p.quote_chars) for p in passages]
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    click.echo(
        api.side_by_side(text_a, text_b, passages, names=(file_a.name, file_b.name), width=width)
    )


batch_size_option = click.option(
    "--batch-size",
    default=5_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Documents written per transaction.",
)


def index_option(help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Return the ``--index`` option (the index folder) with ``help_text``."""
    return click.option(
        "--index", "index_dir", required=True, type=click.Path(path_type=Path), help=help_text
    )


@cli.group("index")
def index_group() -> None:
    """Keep a persistent index of a collection: build it, add to it, see its figures."""


@index_group.command("build")
@click.argument("corpus", type=click.Path(exists=True, path_type=Path))
@index_option("New folder to hold the index.")
@click.option(
    "--threshold",
    default=0.5,
    show_default=True,
    type=float,
    help="Jaccard threshold of near-duplicate candidate pairs.",
)
@batch_size_option
@metadata_option
@corpus_options
def index_build(
    corpus: Path,
    index_dir: Path,
    threshold: float,
    batch_size: int,
    metadata: Path | None,
    **kwargs: Any,
) -> None:
    """Make a new index at --index holding the documents of CORPUS."""
    params = IndexParams(threshold=threshold)  # checked before any work
    if index_dir.exists() and not index_dir.is_dir():
        raise click.BadParameter(f"{index_dir} is a file, not a folder", param_hint="--index")
    with (
        _progress("index") as progress,
        Index.build(
            index_dir,
            corpus,
            params=params,
            batch_size=batch_size,
            progress=progress,
            metadata=metadata,
            **_corpus_kwargs(kwargs),
        ) as index,
    ):
        _index_summary(index, index.last_added)


@index_group.command("add")
@click.argument("corpus", type=click.Path(exists=True, path_type=Path))
@index_option("Folder of an existing index.")
@batch_size_option
@metadata_option
@corpus_options
def index_add(
    corpus: Path, index_dir: Path, batch_size: int, metadata: Path | None, **kwargs: Any
) -> None:
    """Add the documents of CORPUS to the index at --index (known ids are skipped)."""
    with Index(index_dir) as index, _progress("index") as progress:
        added = index.add(
            corpus,
            batch_size=batch_size,
            progress=progress,
            metadata=metadata,
            **_corpus_kwargs(kwargs),
        )
        _index_summary(index, added)


def _index_summary(index: Index, added: Any) -> None:
    kept = _report_documents(added)
    click.echo(
        f"added {kept} of {len(added)} inputs; "
        f"the index at {index.path} holds {len(index)} documents"
    )
    if len(added) and kept == 0:
        raise click.exceptions.Exit(EXIT_NOTHING_USABLE)


@index_group.command("stats")
@click.argument("index_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def index_stats(index_dir: Path, as_json: bool) -> None:
    """Print the figures of the index at INDEX_DIR: documents, size, settings."""
    with Index(index_dir, readonly=True) as index:
        stats = index.stats()
    if as_json:
        click.echo(json.dumps(stats, indent=1))
        return
    for key, value in stats.items():
        click.echo(f"{key}: {json.dumps(value) if isinstance(value, dict) else value}")


@cli.command("query")
@click.argument("index_dir", type=click.Path(path_type=Path))
@click.argument("source", required=False, type=click.Path(exists=True, path_type=Path))
@click.option("--text", default=None, help="Query this text instead of a file.")
@click.option("--date", default=None, help="Publication date of --text (ISO 8601).")
@click.option("--json", "as_json", is_flag=True, help="Print documents, pairs, passages as JSON.")
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the passages table here (.csv, .jsonl or .parquet).",
)
@corpus_options
def query_command(
    index_dir: Path,
    source: Path | None,
    text: str | None,
    date: str | None,
    as_json: bool,
    out_path: Path | None,
    **kwargs: Any,
) -> None:
    """Ask the index at INDEX_DIR what SOURCE (a file, folder or table) or --text reuses."""
    if (source is None) == (text is None):
        raise click.UsageError("give either SOURCE or --text")
    if date is not None and text is None:
        raise click.UsageError("--date goes with --text; give a table's dates in its date column")
    if out_path is not None:
        io.check_output_file(out_path)  # before the query, not after it
    with Index(index_dir, readonly=True) as index:
        if text is not None:
            found = index.query(text, date=date)
        else:
            found = index.query(source, **_corpus_kwargs(kwargs))
    if out_path is not None:
        api.write_table(found.passages, out_path)
    if as_json:
        click.echo(json.dumps(found.to_dict(), indent=1, ensure_ascii=False))
        return
    for row in found.documents.itertuples():
        parent = (
            "none found"
            if row.parent is None or row.parent != row.parent
            else (f"{row.parent} ({row.parent_kind}, confidence {row.parent_confidence:.2f})")
        )
        click.echo(
            f"{row.id}: reuse {row.reuse_fraction:.0%} from {row.matches} indexed "
            f"documents; likely parent: {parent}"
        )


def _terminate(signum: int, frame: object) -> None:
    """Turn SIGTERM into an interruption, so that the partial outputs are cleaned up."""
    raise KeyboardInterrupt


def main() -> None:
    """Run the command line: every failure is one line on stderr and an exit code.

    Bad input or arguments (a :class:`~lineage.errors.LineageError`, a usage error) exit
    with 2, an interruption (Ctrl-C, SIGTERM) with 130, and anything unexpected with 1
    (its traceback shows with ``-vv``).
    """
    signal.signal(signal.SIGTERM, _terminate)
    try:
        status = cli.main(standalone_mode=False, prog_name="lineage")
    except click.exceptions.Exit as stop:
        sys.exit(stop.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except (click.exceptions.Abort, KeyboardInterrupt):
        click.echo("interrupted: no output was left half-written", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except LineageError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_NOTHING_USABLE)
    except Exception as error:  # a bug: one line, not a traceback
        logger.debug("unexpected error", exc_info=True)
        message = " ".join(str(error).split())[:200]
        click.echo(
            f"error: unexpected {type(error).__name__}: {message} "
            "(run with -vv for the traceback, and please report it)",
            err=True,
        )
        sys.exit(EXIT_FAILED)
    sys.exit(status if isinstance(status, int) else 0)
