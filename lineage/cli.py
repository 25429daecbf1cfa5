"""The ``lineage`` command line: thin commands over :mod:`lineage.api`.

Every command is a few lines over one API call; library errors become a one-line message
and exit code 2 in :func:`main`, never a traceback.
"""

from __future__ import annotations

import json
import logging
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from lineage import __version__, api
from lineage.errors import LineageError, LineageWarning

EXIT_NOTHING_USABLE = 2


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
        "--workers", type=int, default=None, help="Run on a local Dask cluster of N workers."
    )(command)


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
                length=max(total, 1), label=f"{label}: {stage}", file=sys.stderr
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="lineage")
@click.option("-v", "--verbose", count=True, help="Log more (-v info, -vv debug).")
def cli(verbose: int) -> None:
    """Find reused text in a corpus and infer where each text came from."""
    # Every load problem is printed once by the command itself, with its status.
    warnings.filterwarnings("ignore", category=LineageWarning)
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@cli.command()
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder to write lineage.json, the CSV tables, PNGs and report.html.",
)
@click.option(
    "--threshold",
    default=0.5,
    show_default=True,
    type=float,
    help="Jaccard threshold of near-duplicate candidate pairs.",
)
@dask_options
@corpus_options
def analyze(corpus: Path, out_dir: Path, threshold: float, **kwargs: Any) -> None:
    """Analyze CORPUS (folder, .txt, JSONL, CSV or Parquet) and write results to --out."""
    with _progress("analyze") as progress:
        result = api.analyze(
            corpus,
            threshold=threshold,
            progress=progress,
            **_dask_kwargs(kwargs),
            **_corpus_kwargs(kwargs),
        )
    written = api.write_outputs(result, out_dir)
    docs = result.documents
    _report_problems(
        [
            (row.status, f"{row.origin or row.id}: {row.problem}")
            for row in docs.itertuples()
            if row.status != "ok"
        ]
    )
    ok = int((docs["status"] != "skipped").sum())
    click.echo(
        f"{ok} of {len(docs)} documents analyzed; {len(result.pairs)} pairs, "
        f"{len(result.passages)} passages, {len(result.sources)} latent sources."
    )
    click.echo(f"wrote {', '.join(p.name for p in written)} to {out_dir}")
    if ok == 0:
        raise click.exceptions.Exit(EXIT_NOTHING_USABLE)


@cli.command()
@click.argument("corpus", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_path",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the clusters table here (.csv, .jsonl or .parquet); "
    "default: CSV on standard output.",
)
@click.option(
    "--threshold",
    default=0.5,
    show_default=True,
    type=float,
    help="Jaccard threshold for two documents to be near-duplicates.",
)
@dask_options
@corpus_options
def dedup(corpus: Path, out_path: Path | None, threshold: float, **kwargs: Any) -> None:
    """Write the near-duplicate clusters of CORPUS with each member's evidence."""
    clusters, problems = api.dedup_corpus(
        corpus, threshold=threshold, dask=_dask_kwargs(kwargs), **_corpus_kwargs(kwargs)
    )
    _report_problems([(problem.status, str(problem)) for problem in problems])
    if out_path is None:
        click.echo(clusters.to_csv(index=False), nl=False)
    else:
        api.write_table(clusters, out_path)
        n_clusters = clusters["cluster"].nunique()
        click.echo(f"{n_clusters} clusters, {len(clusters)} members: wrote {out_path}", err=True)


@cli.command("align")
@click.argument("file_a", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("file_b", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the passages as JSON.")
@click.option("--width", default=60, show_default=True, help="Column width side by side.")
def align_command(file_a: Path, file_b: Path, as_json: bool, width: int) -> None:
    """Print the aligned passages of FILE_A and FILE_B side by side, quotes marked."""
    text_a, text_b = api.read_text_file(file_a), api.read_text_file(file_b)
    passages = api.align(text_a, text_b)
    if as_json:
        rows = [dict(p.__dict__) for p in passages]
        click.echo(json.dumps(rows, indent=1, ensure_ascii=False))
        return
    click.echo(
        api.side_by_side(text_a, text_b, passages, names=(file_a.name, file_b.name), width=width)
    )


def main() -> None:
    """Run the command line, turning library errors into a message and exit code 2."""
    try:
        status = cli.main(standalone_mode=False, prog_name="lineage")
    except click.exceptions.Exit as stop:
        sys.exit(stop.exit_code)
    except click.ClickException as error:
        error.show()
        sys.exit(error.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except LineageError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(EXIT_NOTHING_USABLE)
    sys.exit(status if isinstance(status, int) else 0)
