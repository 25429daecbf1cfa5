"""Runners: map a stage function over items, in this process or on a Dask cluster.

:class:`LocalRunner` is the builtin ``map``; :class:`DaskRunner` maps the same function over
a :mod:`dask.bag` (order kept), so ``lineage.api`` runs the same code on a laptop or a
cluster. :func:`start_local_cluster` starts worker processes on this machine (loopback,
one thread each, no dashboard), :func:`connect` joins a running scheduler, and
:func:`dask_runner` / :func:`open_runner` are the context managers the API and CLI use for
``client=``, ``workers=`` and ``scheduler=``. A worker that dies mid-run is replaced by the
scheduler, which reruns its tasks elsewhere: the answer does not change. Dask is imported
inside the functions, so ``import lineage`` never needs it.

Examples
--------
>>> LocalRunner().map(len, ["ab", "abc"])
[2, 3]
>>> with open_runner(client=None, workers=None, scheduler=None) as runner:
...     runner.map(str.upper, ["wire"])
['WIRE']
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol, TypeVar

from lineage.errors import LineageError, ParameterError, check_positive_int

logger = logging.getLogger("lineage.distributed")

T = TypeVar("T")
R = TypeVar("R")


class Runner(Protocol):
    """Maps a stage function over items, in order: :class:`LocalRunner` or :class:`DaskRunner`."""

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """Return ``[fn(item) for item in items]``."""
        ...


class LocalRunner:
    """Runs stage functions in this process: the runner used when none is given."""

    def map(self, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """Return ``[fn(item) for item in items]``."""
        return [fn(item) for item in items]


class DaskRunner:
    """Maps stage functions over a :mod:`dask.bag` on a ``distributed.Client``.

    Parameters
    ----------
    client
        A connected ``distributed.Client``.
    partition_size
        Items per bag partition; by default about four partitions per worker thread.

    Notes
    -----
    The function is not put in the task graph: it is scattered to every worker
    (``client.scatter(..., broadcast=True)``) and the tasks refer to it by key, so a
    closure over a large corpus or a bound method of a large model travels to each
    worker once and the graph stays small. The last function scattered is kept, so
    mapping it again over the next batch of items (a stage reporting progress) sends
    nothing again.
    """

    def __init__(self, client: Any, *, partition_size: int | None = None) -> None:
        if partition_size is not None:
            partition_size = check_positive_int("partition_size", partition_size)
        self.client = client
        self.partition_size = partition_size
        self._scattered: tuple[Callable[..., Any], Any] | None = None

    def _on_workers(self, fn: Callable[[T], R]) -> Any:
        """Return the future of ``fn`` on every worker, scattering it unless it was last."""
        if self._scattered is None or self._scattered[0] is not fn:
            self._scattered = None  # release the previous function on the cluster first
            future = self.client.scatter(fn, broadcast=True, hash=False)
            self._scattered = (fn, future)
        return self._scattered[1]

    @property
    def parallelism(self) -> int:
        """Worker threads of the cluster now (at least 1)."""
        return max(1, sum(self.client.nthreads().values()))

    def map(
        self, fn: Callable[[T], R], items: Sequence[T], *, partition_size: int | None = None
    ) -> list[R]:
        """Return ``[fn(item) for item in items]``, computed on the cluster, in order.

        Parameters
        ----------
        fn
            A picklable function (module functions, ``functools.partial``, closures).
        items
            The items; they travel inside the task graph.
        partition_size
            Items per partition for this call (1 for big items such as whole files).

        Returns
        -------
        list
            One result per item, in item order.
        """
        import dask.bag as db

        items = list(items)
        if not items:
            return []
        size = (
            partition_size or self.partition_size or math.ceil(len(items) / (4 * self.parallelism))
        )
        bag = db.from_sequence(items, partition_size=size)
        mapped = bag.map_partitions(_apply, self._on_workers(fn))
        return list(self.client.compute(mapped).result())

    def __repr__(self) -> str:
        return f"DaskRunner({self.client!r}, partition_size={self.partition_size})"


def _apply(partition: Iterable[T], fn: Callable[[T], R]) -> list[R]:
    return [fn(item) for item in partition]


def start_local_cluster(workers: int, *, memory_limit: str | int = "auto") -> Any:
    """Start ``workers`` worker processes on 127.0.0.1 and return a client of them.

    Each worker has one thread (the stages are numpy-bound and hold the GIL between
    calls); the dashboard is off. Close with :func:`close`, which stops the cluster too.

    Parameters
    ----------
    workers
        Number of worker processes.
    memory_limit
        Per-worker memory limit as ``distributed.LocalCluster`` takes it.

    Returns
    -------
    distributed.Client
        Connected to the new cluster (``client.cluster``).
    """
    workers = check_positive_int("workers", workers)
    import dask
    from distributed import Client, LocalCluster

    # Dask sets MALLOC_TRIM_THRESHOLD_ in workers to report memory promptly; that turns off
    # glibc's adaptive mmap threshold, and the numpy temporaries of the stages then cost
    # about 1.5x the CPU (measured: sketching a shard, in a worker thread vs in process).
    environ = dict(dask.config.get("distributed.nanny.pre-spawn-environ", {}))
    environ.pop("MALLOC_TRIM_THRESHOLD_", None)
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            # The scheduler's HTTP server (health routes only, no dashboard): loopback too.
            scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
            memory_limit=memory_limit,
        )
    logger.info(
        "started a local Dask cluster of %d workers at %s", workers, cluster.scheduler_address
    )
    return Client(cluster)


def connect(address: str, *, timeout: float = 30.0) -> Any:
    """Return a client of the Dask scheduler at ``address`` (``tcp://host:8786``).

    Raises
    ------
    LineageError
        When no scheduler answers at ``address`` within ``timeout`` seconds.
    """
    if not isinstance(address, str) or not address:
        raise ParameterError(
            f"'scheduler' must be an address such as 'tcp://host:8786' (got {address!r})"
        )
    from distributed import Client

    try:
        return Client(address, timeout=timeout)
    except (OSError, TimeoutError) as error:
        raise LineageError(
            f"no Dask scheduler answered at {address!r} within {timeout:g} s ({error}); "
            "start one with `dask scheduler` and workers with `dask worker ADDRESS`"
        ) from None


def close(client: Any) -> None:
    """Close ``client`` and, when :func:`start_local_cluster` made it, its cluster."""
    cluster = getattr(client, "cluster", None)
    client.close()
    if cluster is not None:
        cluster.close()


@contextmanager
def dask_runner(
    *,
    client: Any = None,
    workers: int | None = None,
    scheduler: str | None = None,
    partition_size: int | None = None,
) -> Iterator[DaskRunner]:
    """Yield a :class:`DaskRunner` for exactly one of ``client``, ``workers``, ``scheduler``.

    A given ``client`` is used and left open; a cluster started for ``workers`` and a
    connection made to ``scheduler`` are closed on exit.

    Parameters
    ----------
    client
        An existing ``distributed.Client``.
    workers
        Start a local cluster of this many worker processes.
    scheduler
        Address of a running scheduler.
    partition_size
        See :class:`DaskRunner`.

    Examples
    --------
    >>> with dask_runner() as runner:
    ...     pass
    Traceback (most recent call last):
    ...
    lineage.errors.ParameterError: give exactly one of 'client', 'workers' or 'scheduler' (got none)
    """
    given = [
        name
        for name, value in (("client", client), ("workers", workers), ("scheduler", scheduler))
        if value is not None
    ]
    if len(given) != 1:
        raise ParameterError(
            "give exactly one of 'client', 'workers' or 'scheduler' "
            f"(got {' and '.join(given) or 'none'})"
        )
    if client is not None:
        yield DaskRunner(client, partition_size=partition_size)
        return
    own = start_local_cluster(workers) if workers is not None else connect(scheduler)
    try:
        yield DaskRunner(own, partition_size=partition_size)
    finally:
        close(own)


def open_runner(*, client: Any, workers: int | None, scheduler: str | None) -> Any:
    """Return a context manager yielding the runner for the options given."""
    if client is None and workers is None and scheduler is None:
        from contextlib import nullcontext

        return nullcontext(LocalRunner())
    return dask_runner(client=client, workers=workers, scheduler=scheduler)
