"""Parameter sweeps: one replay per combination of a grid, run on an executor, ranked.

A :class:`SweepPlan` is the config text, the tick sources and the grid axes
(``strategies[0].params.window`` -> ``[5, 10, 20]``). :meth:`SweepPlan.jobs` expands it into
one :class:`SweepJob` per combination; every job is checked up front (each combination goes
through the normal config checks) so a bad value fails the sweep before any replay starts.

Jobs are plain picklable values and :func:`run_job` is a module-level function, so any
:class:`~framework.backtest.executors.Executor` can run them: in-process, local processes, or
a cluster. Each job re-reads its ticks from the sources (files or synthetic specs), so no
tick data is shipped between processes.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, as_completed
from typing import Any, Final

import attrs

from framework.errors import UserError
from framework.logs import LogFormat, configure_logging

from .engine import run_backtest
from .errors import BacktestError
from .executors import Executor
from .files import open_sources
from .setup import Assignment, config_with_overrides, setup_from_config
from .sources import DEFAULT_GENESIS, MergedSource, SyntheticSource, TickSource

__all__ = [
    "LOWER_IS_BETTER",
    "METRICS",
    "SweepJob",
    "SweepPlan",
    "rank",
    "run_job",
    "run_sweep",
]

METRICS: Final = (
    "net_pnl",
    "trades",
    "win_rate",
    "profit_factor",
    "expectancy",
    "max_drawdown",
    "max_drawdown_pct",
    "longest_losing_streak",
    "turnover",
    "final_balance",
    "open_at_end",
)
"""Figures of each row, and the metrics a sweep can be sorted by."""

LOWER_IS_BETTER: Final = frozenset({"max_drawdown", "max_drawdown_pct", "longest_losing_streak"})
"""Metrics ranked ascending by default."""


@attrs.frozen
class SweepJob:
    """One combination to replay (picklable).

    Attributes:
        index: position in the grid (row order before ranking).
        config_text: the config's YAML.
        config_name: its name, for messages.
        overrides: the combination's ``(path, value)`` pairs.
        sources: tick files or synthetic specs; empty for synthetic ticks of the config's
            symbols.
        count: synthetic ticks per symbol when ``sources`` is empty.
        candles: candle files replayed beside ``sources`` (see
            :mod:`~framework.backtest.candlefiles`).
        seed: synthetic seed (``None``: the config's ``simulator.seed``).
        genesis: synthetic start epoch.
        balance: opening balance override.
        options: the option each override came from (``--set``, ``--grid``), for messages.
        log_format: the command's ``--log-format``, for the worker's few log lines.
        log_level: the command's ``--log-level``.
    """

    index: int
    config_text: str
    config_name: str
    overrides: tuple[Assignment, ...]
    sources: tuple[str, ...] = ()
    count: int = 100_000
    candles: tuple[str, ...] = ()
    seed: int | str | None = None
    genesis: int = DEFAULT_GENESIS
    balance: float | None = None
    options: tuple[str, ...] = ()
    log_format: LogFormat = "json"
    log_level: str = "error"


def _source(job: SweepJob, symbols: Iterable[str], seed: int | str) -> TickSource:
    if job.sources or job.candles:
        return open_sources(list(job.sources), job.candles)
    run_seed = seed if job.seed is None else job.seed
    parts = [
        SyntheticSource(s, job.count, seed=run_seed, genesis=job.genesis) for s in sorted(symbols)
    ]
    return parts[0] if len(parts) == 1 else MergedSource(parts)


def _failed(row: dict[str, Any], error: str) -> dict[str, Any]:
    row.update(dict.fromkeys(METRICS))
    row.update(ticks=0, seconds=0.0, trips="", error=error)
    return row


def run_job(job: SweepJob) -> dict[str, Any]:
    """Replay one combination (runs in a worker).

    Args:
        job: the combination.

    Returns:
        A row: ``index``, each override path with its value, the :data:`METRICS`,
        ``ticks``, ``seconds``, ``trips`` (every risk trip with when it started and ended,
        ``; ``-separated) and ``error`` (empty unless the replay failed).
    """
    # A worker process starts with structlog's default (stdout) set-up: send its few log
    # lines to stderr, so that stdout stays the command's output (``--json`` must parse),
    # rendered as the command was asked to.
    configure_logging(fmt=job.log_format, level=job.log_level, stream=sys.stderr)
    row: dict[str, Any] = {"index": job.index}
    row.update({path: value for path, value in job.overrides})
    try:
        config = config_with_overrides(
            job.config_text, job.config_name, job.overrides, options=job.options
        )
        setup = setup_from_config(config, balance=job.balance)
        symbols = {s for strategy in config.strategies for s in strategy.symbols}
        result = run_backtest(setup, _source(job, symbols, config.simulator.seed))
    except (UserError, BacktestError) as exc:
        return _failed(row, str(exc))
    except Exception as exc:  # a strategy bug: report it in its row, keep the sweep going
        return _failed(row, f"{type(exc).__name__}: {exc}")
    untested = result.untested()
    if untested is not None:
        return _failed(row, untested)  # no figures: "0 trades" would read as a result
    summary = result.summary()
    row.update({name: summary[name] for name in METRICS})
    trips = "; ".join(f"{t.limit} {t.span(short=True)}" for t in result.trips)
    row.update(ticks=result.ticks, seconds=round(result.elapsed, 3), trips=trips, error="")
    return row


@attrs.frozen
class SweepPlan:
    """A grid over one config.

    Attributes:
        config_text: the config's YAML.
        config_name: its name.
        axes: ``(path, values)`` per axis, in the order given.
        fixed: overrides applied to every combination (``--set``).
        sources: tick files or synthetic specs (empty: synthetic ticks of the symbols).
        count: synthetic ticks per symbol.
        candles: candle files replayed beside ``sources``.
        seed: synthetic seed.
        genesis: synthetic start epoch.
        balance: opening balance override.
        log_format: the workers' log format (see :class:`SweepJob`).
        log_level: the workers' log level.
    """

    config_text: str
    config_name: str
    axes: tuple[tuple[str, tuple[Any, ...]], ...]
    fixed: tuple[Assignment, ...] = ()
    sources: tuple[str, ...] = ()
    count: int = 100_000
    candles: tuple[str, ...] = ()
    seed: int | str | None = None
    genesis: int = DEFAULT_GENESIS
    balance: float | None = None
    log_format: LogFormat = "json"
    log_level: str = "error"

    @property
    def size(self) -> int:
        """Number of combinations."""
        return math.prod(len(values) for _, values in self.axes)

    def jobs(self, *, check: bool = True) -> list[SweepJob]:
        """Expand the grid (the first axis varies slowest).

        Args:
            check: load every combination's config now and raise on the first bad one.

        Returns:
            One job per combination.

        Raises:
            ConfigError: a combination whose config does not check (the message names the
                overrides).
            UserError: an override path that does not fit the config.
        """
        paths = [path for path, _ in self.axes]
        options = ("--set",) * len(self.fixed) + ("--grid",) * len(paths)
        jobs = []
        for index, values in enumerate(itertools.product(*(v for _, v in self.axes))):
            overrides = (*self.fixed, *zip(paths, values, strict=True))
            if check:
                config_with_overrides(
                    self.config_text, self.config_name, overrides, options=options
                )
            jobs.append(
                SweepJob(
                    index=index,
                    config_text=self.config_text,
                    config_name=self.config_name,
                    overrides=overrides,
                    sources=self.sources,
                    count=self.count,
                    candles=self.candles,
                    seed=self.seed,
                    genesis=self.genesis,
                    balance=self.balance,
                    options=options,
                    log_format=self.log_format,
                    log_level=self.log_level,
                )
            )
        return jobs


def _sort_key(metric: str, ascending: bool) -> Callable[[dict[str, Any]], tuple[int, float, int]]:
    def key(row: dict[str, Any]) -> tuple[int, float, int]:
        value = row.get(metric)
        if value is None or row.get("error"):
            return (1, 0.0, row["index"])  # failed or undefined: last, in grid order
        number = float(value)
        return (0, number if ascending else -number, row["index"])

    return key


def rank(
    rows: Sequence[dict[str, Any]], metric: str, *, ascending: bool | None = None
) -> list[dict[str, Any]]:
    """Sort rows by a metric (best first; ties and missing values in grid order).

    Args:
        rows: the rows.
        metric: one of :data:`METRICS`.
        ascending: sort direction (default: ascending for :data:`LOWER_IS_BETTER`).

    Returns:
        The sorted rows.

    Raises:
        UserError: an unknown metric.
    """
    if metric not in METRICS:
        raise UserError(f"unknown metric {metric!r}; choose one of {', '.join(METRICS)}")
    up = metric in LOWER_IS_BETTER if ascending is None else ascending
    return sorted(rows, key=_sort_key(metric, up))


def run_sweep(
    jobs: Sequence[SweepJob],
    executor: Executor,
    *,
    on_result: Callable[[dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    """Run every job on ``executor``; return the rows in grid order.

    Args:
        jobs: the combinations.
        executor: where they run.
        on_result: called with each row as it completes (progress).

    Returns:
        One row per job, in grid order.
    """
    futures: list[Future[dict[str, Any]]] = [executor.submit(run_job, job) for job in jobs]
    rows: list[dict[str, Any]] = []
    for future in as_completed(futures):
        row = future.result()
        rows.append(row)
        if on_result is not None:
            on_result(row)
    return sorted(rows, key=lambda r: r["index"])
