"""Replay speed beside its peers, on the same ticks, and replay memory.

One workload (:mod:`bench._workload`: read-only, a 5-tick Rise/Fall with martingale stakes
every 10 ticks, the same every tick) on the same seeded R_100 ticks, in:

* **triobot as a user meets it**: ``triobot backtest bench/configs/replay-*.yaml --ticks
  synthetic:R_100:COUNT:42 --json``, a process per run, streaming the synthetic source; its
  speed is the one the command reports (``speed.ticks_per_second`` of ``--json``: the
  replay's own, the interpreter's start-up, imports and config excluded);
* triobot's engine on a list of ticks in memory (``bench/_peer_triobot.py``);
* backtrader, NautilusTrader's BacktestEngine with a Python strategy, vectorbt with a numba
  order function, each in a virtualenv of its own (``.venv-bench-NAME/``, git-ignored, made
  here on first use; an engine that cannot be installed is reported with the reason);
* a plain CPython loop doing the same logic on the same list, and the same loop drawing the
  same GBM ticks itself as it trades (the floor for a streamed replay in CPython);
* minimal event-driven objects in plain CPython (a tick, a strategy, a broker, a contract).

Every engine reports its trades, the contracts still open and the closing balance in cents;
each is checked against the plain loop on exactly the ticks that engine replayed. The slow
engines (backtrader, NautilusTrader) replay a prefix of the ticks so that a run stays short.
Speeds are medians over the rounds; ratios are of medians measured in this run.

Peak RSS of ``triobot backtest`` streaming 1M and 10M ticks (every 10 ticks): it must not grow
with the number of ticks. ``python -m bench backtest`` (``--quick``: small sizes, one round,
and the peers in virtualenvs of their own are not installed nor run).
"""

from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bench._summary import Figure
from bench._workload import Job, Outcome
from framework.backtest import SyntheticSource
from framework.market.contracts import ContractSpec
from framework.market.pricing import price
from framework.market.symbols import YEAR_SECONDS, get_symbol
from framework.market.ticks import derive_seed
from tools.private_venv import ROOT, ensure_venv

__all__ = ["main"]

SYMBOL = "R_100"
SEED = 42
BALANCE_CENTS = 100_000_000_000  # 1e9: the martingale never runs dry, every intent is bought
STAKES_CENTS = [100 * 2**k for k in range(7)]
MODES: tuple[tuple[str, int, str], ...] = (
    ("read-only", 0, "replay-read-only.yaml"),
    ("every 10 ticks", 10, "replay-every-10.yaml"),
    ("every tick", 1, "replay-every-tick.yaml"),
)
CONFIGS = Path(__file__).resolve().parent / "configs"
GOALS = {10: 1_000_000.0, 1: 250_000.0}
"""The issue's replay goals (ticks/s, as a user meets the replay)."""


@dataclass(frozen=True)
class Sizes:
    """Ticks per mode (by ``every``), rounds, and the streamed counts whose RSS is measured."""

    fast: dict[int, int]
    slow: dict[int, int]
    rounds: int
    rss: tuple[int, int]


FULL = Sizes(
    fast={0: 1_000_000, 10: 1_000_000, 1: 200_000},
    slow={0: 50_000, 10: 20_000, 1: 4_000},
    rounds=5,
    rss=(1_000_000, 10_000_000),
)
QUICK = Sizes(
    fast={0: 20_000, 10: 20_000, 1: 5_000},
    slow={0: 2_000, 10: 2_000, 1: 500},
    rounds=1,
    rss=(20_000, 200_000),
)


@dataclass(frozen=True)
class Engine:
    """A way to run the workload: a module run by some interpreter.

    Attributes:
        name: as printed.
        module: ``python -m MODULE JOBS [ARGS]``.
        slow: replays the short prefix of :attr:`Sizes.slow`.
        venv: ``(name, requirements, module to import)`` of its own virtualenv, or ``None``
            to run in triobot's interpreter.
        args: extra arguments after the jobs.
    """

    name: str
    module: str
    slow: bool = False
    venv: tuple[str, list[str], str] | None = None
    args: tuple[str, ...] = ()


TRIOBOT_MEMORY = Engine("triobot engine, ticks in memory", "bench._peer_triobot")
PLAIN = Engine("plain CPython loop, same logic", "bench._peer_plain")
PLAIN_DRAWING = Engine(
    "plain CPython loop drawing the same GBM ticks", "bench._peer_plain", args=("generate",)
)
OBJECTS = Engine("minimal event-driven objects, plain CPython", "bench._peer_objects")
PEERS = (
    Engine(
        "backtrader", "bench._peer_backtrader", slow=True,
        venv=("bench-backtrader", ["backtrader>=1.9.78"], "backtrader"),
    ),
    Engine(
        "NautilusTrader BacktestEngine, Python strategy", "bench._peer_nautilus", slow=True,
        venv=("bench-nautilus", ["nautilus_trader>=1.200"], "nautilus_trader"),
    ),
    Engine(
        "vectorbt, numba order function", "bench._peer_vectorbt",
        venv=("bench-vectorbt", ["vectorbt>=0.26"], "vectorbt"),
    ),
)  # fmt: skip
CLI_NAME = "triobot backtest (streamed synthetic)"


@dataclass
class Row:
    """What one engine measured in one mode, over the rounds."""

    engine: str
    every: int
    outcomes: list[Outcome] = field(default_factory=list)
    rates: list[float] = field(default_factory=list)
    reason: str = ""  # why it did not run
    agrees: str = ""  # the check against the plain loop

    @property
    def rate(self) -> float | None:
        """Median ticks/s, ``None`` when it did not run."""
        return statistics.median(self.rates) if self.rates else None

    @property
    def ticks(self) -> int:
        """Ticks replayed per round."""
        return self.outcomes[0].ticks if self.outcomes else 0


# ---------------------------------------------------------------------- the ticks and prices


def _write_ticks(path: Path, count: int) -> int:
    """Write ``count`` synthetic quotes to ``path``; return the interval between ticks."""
    spec = get_symbol(SYMBOL)
    quotes = array("d")
    source = SyntheticSource(SYMBOL, count, seed=SEED)
    epoch = source.genesis
    for chunk in source.chunks():
        for tick in chunk:
            epoch += spec.tick_interval
            if tick.epoch != epoch:  # the peers rebuild epochs from genesis and interval
                raise RuntimeError(f"synthetic {SYMBOL} ticks are not evenly spaced at {epoch}")
            quotes.append(tick.quote)
    with path.open("wb") as file:
        quotes.tofile(file)
    return spec.tick_interval


def _payouts() -> list[int]:
    """The market model's payout, in cents, of each martingale stake (CALL and PUT agree)."""
    spec = get_symbol(SYMBOL)
    spot = spec.start_quote
    payouts = []
    for cents in STAKES_CENTS:
        quoted = {
            round(price(ContractSpec(kind, SYMBOL, cents / 100), spot).payout * 100)
            for kind in ("CALL", "PUT")
        }
        if len(quoted) != 1:
            raise RuntimeError(f"CALL and PUT pay differently for a {cents / 100:.2f} stake")
        payouts.append(quoted.pop())
    return payouts


def _base_job(quotes: Path, interval: int) -> Job:
    spec = get_symbol(SYMBOL)
    dt = spec.tick_interval / YEAR_SECONDS
    sigma = spec.volatility if spec.diffusion is None else spec.diffusion
    return Job(
        quotes=str(quotes),
        count=0,
        every=0,
        stakes=STAKES_CENTS,
        payouts=_payouts(),
        balance=BALANCE_CENTS,
        genesis=SyntheticSource(SYMBOL, 0, seed=SEED).genesis,
        interval=interval,
        symbol=SYMBOL,
        pip_size=spec.pip_size,
        seed=derive_seed(SEED, SYMBOL),
        drift=-0.5 * sigma * sigma * dt,
        vol=sigma * math.sqrt(dt),
        start_quote=round(spec.start_quote, spec.pip_size),
    )


# ---------------------------------------------------------------------- running engines


def _interpreter(engine: Engine, quick: bool) -> tuple[Path | None, str]:
    if engine.venv is None:
        return Path(sys.executable), ""
    if quick:  # a virtualenv's start-up alone (vectorbt: about 20 s) is no smoke run
        return None, "not run with --quick (make bench runs it)"
    name, requirements, module = engine.venv
    python, reason = ensure_venv(name, requirements, module, timeout=900)
    return python, reason and f"not installed: {reason}"


def _run_engine(engine: Engine, base: Job, sizes: Sizes, quick: bool) -> list[Row]:
    rows = {every: Row(engine.name, every) for _, every, _ in MODES}
    python, reason = _interpreter(engine, quick)
    if python is None:
        for row in rows.values():
            row.reason = reason
        return list(rows.values())
    counts = sizes.slow if engine.slow else sizes.fast
    jobs = [
        replace(base, count=counts[every], every=every, config=str(CONFIGS / config))
        for _ in range(sizes.rounds)
        for _, every, config in MODES
    ]
    command = [str(python), "-m", engine.module, Job.dumps(jobs), *engine.args]
    try:
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=1800)
    except subprocess.TimeoutExpired:
        run = None
    lines = [] if run is None else run.stdout.splitlines()
    for job, line in zip(jobs, lines, strict=False):
        outcome = Outcome(**json.loads(line))
        rows[job.every].outcomes.append(outcome)
        rows[job.every].rates.append(outcome.rate)
    if run is None or run.returncode != 0 or len(lines) < len(jobs):
        why = "timed out" if run is None else _last_line(run.stderr)
        for row in rows.values():
            row.reason = row.reason or f"failed: {why}"
    return list(rows.values())


def _last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][-300:] if lines else "no error output"


def _cli(config: str, count: int) -> tuple[dict[str, Any], float]:
    """Run ``triobot backtest`` once: (its JSON summary, its peak RSS in MB)."""
    triobot = Path(sys.executable).with_name("triobot")
    command = [
        str(triobot), "backtest", str(CONFIGS / config),
        "--ticks", f"synthetic:{SYMBOL}:{count}:{SEED}",
        "--balance", str(BALANCE_CENTS // 100), "--json", "--quiet",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # the config names a plugin under bench/
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(process.pid, 0)  # this process's own peak, not the max
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"triobot backtest failed: {_last_line(err.read())}")
        summary = json.loads(out.read())
    return summary, usage.ru_maxrss / 1024  # kB on Linux


def _cli_rows(sizes: Sizes) -> tuple[list[Row], dict[int, float]]:
    """The command line's rows, and its peak RSS (MB) by streamed count."""
    rows = {every: Row(CLI_NAME, every) for _, every, _ in MODES}
    rss: dict[int, float] = {}
    for _ in range(sizes.rounds):
        for _, every, config in MODES:
            count = sizes.fast[every]
            summary, peak = _cli(config, count)
            if every == 10 and count in sizes.rss:
                rss[count] = max(rss.get(count, 0.0), peak)
            rate = float(summary["speed"]["ticks_per_second"])
            balance = round(float(summary["final_balance"]) * 100)
            trades, still_open = int(summary["trades"]), int(summary["open_at_end"])
            outcome = Outcome(
                float(summary["speed"]["seconds"]), count, trades, still_open, balance
            )
            rows[every].outcomes.append(outcome)
            rows[every].rates.append(rate)
    for count in sizes.rss:
        if count not in rss:
            rss[count] = _cli("replay-every-10.yaml", count)[1]
    return list(rows.values()), rss


# ---------------------------------------------------------------------- agreement


def _check(rows: Sequence[Row], base: Job, sizes: Sizes) -> None:
    """Compare every engine's trades, open contracts and balance with the plain loop's."""
    wanted = sorted({(row.every, row.ticks) for row in rows if row.outcomes})
    jobs = [replace(base, count=count, every=every) for every, count in wanted]
    run = subprocess.run(
        [sys.executable, "-m", PLAIN.module, Job.dumps(jobs)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    truth = {
        (job.every, job.count): Outcome(**json.loads(line))
        for job, line in zip(jobs, run.stdout.splitlines(), strict=True)
    }
    for row in rows:
        if not row.outcomes:
            continue
        expected = truth[(row.every, row.ticks)]
        seen = {(o.trades, o.open, o.balance) for o in row.outcomes}
        notes = {o.note for o in row.outcomes if o.note}
        if seen == {(expected.trades, expected.open, expected.balance)}:
            row.agrees = "same"
        else:
            got = ", ".join(f"{t} trades, {n} open, {b / 100:.2f}" for t, n, b in sorted(seen))
            row.agrees = (
                f"DIFFERS: {got} against {expected.trades} trades, {expected.open} open, "
                f"{expected.balance / 100:.2f}"
            )
        if notes:
            row.agrees += f" ({'; '.join(sorted(notes))})"


# ---------------------------------------------------------------------- printing


def _print_mode(label: str, every: int, rows: Sequence[Row], reference: Row) -> None:
    print(f"\n{label}:")
    width = max(len(row.engine) for row in rows)
    ours = reference.rate
    for row in rows:
        if row.every != every:
            continue
        rate = row.rate
        if rate is None:
            print(f"  {row.engine:{width}s}  {row.reason}  {row.agrees}".rstrip())
            continue
        versus = f"triobot/this {ours / rate:6.2f}x" if ours else ""
        trades = row.outcomes[0].trades
        print(
            f"  {row.engine:{width}s} {row.ticks:>9,} ticks {rate:>13,.0f} ticks/s  {versus}"
            f"  {trades:>7,} trades  {row.agrees}"
        )


def _generator_speed(count: int) -> float:
    started = time.perf_counter()
    n = 0
    for chunk in SyntheticSource(SYMBOL, count, seed=SEED).chunks():
        n += len(chunk)
    return n / (time.perf_counter() - started)


def _figures(rows: Sequence[Row], generator: float, rss: dict[int, float]) -> list[Figure]:
    by = {(row.engine, row.every): row for row in rows}
    figures: list[Figure] = []
    for label, every, _ in MODES:
        cli, drawing = by[(CLI_NAME, every)], by[(PLAIN_DRAWING.name, every)]
        if cli.rate is not None:
            goal = GOALS.get(every)
            figures.append(
                Figure(
                    f"replay {label}: triobot backtest, streamed",
                    cli.rate,
                    "ticks/s",
                    PLAIN_DRAWING.name,
                    drawing.rate,
                    goal=f">= {goal:,.0f} ticks/s" if goal else "",
                    met=None if goal is None else cli.rate >= goal,
                )
            )
        memory = by[(TRIOBOT_MEMORY.name, every)]
        if memory.rate is None:
            continue
        for other in (PLAIN, OBJECTS, *PEERS):
            theirs = by[(other.name, every)]
            figures.append(
                Figure(
                    f"replay {label}: triobot engine, in memory",
                    memory.rate,
                    "ticks/s",
                    other.name,
                    theirs.rate,
                    note=theirs.reason,
                )
            )
    figures.append(
        Figure(
            "synthetic tick generator alone (bounds the streamed replay)",
            generator,
            "ticks/s",
            goal=">= 1,000,000 ticks/s",
            met=generator >= 1_000_000,
        )
    )
    small, large = sorted(rss)
    figures.append(
        Figure(
            f"replay memory: peak RSS streaming {large:,} ticks, every 10",
            rss[large],
            "MB",
            f"the same, {small:,} ticks",
            rss[small],
            goal="flat in the number of ticks (within 10 %)",
            met=rss[large] <= 1.1 * rss[small],
        )
    )
    return figures


def main(quick: bool = False) -> list[Figure]:
    """Run every engine on the same ticks; print the comparison; return the figures."""
    sizes = QUICK if quick else FULL
    print(
        f"{SYMBOL} seed {SEED}; 5-tick Rise/Fall, martingale 1.00 x2, 6 steps; "
        f"{sizes.rounds} round(s), medians; ticks/s of the replay alone"
    )
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as tmp:
        quotes = Path(tmp) / "quotes.f64"
        interval = _write_ticks(quotes, max(sizes.fast.values()))
        base = _base_job(quotes, interval)
        rows: list[Row] = []
        cli_rows, rss = _cli_rows(sizes)
        rows += cli_rows
        for engine in (TRIOBOT_MEMORY, PLAIN_DRAWING, PLAIN, OBJECTS, *PEERS):
            rows += _run_engine(engine, base, sizes, quick)
        _check(rows, base, sizes)
    generator = _generator_speed(sizes.fast[10])
    for label, every, _ in MODES:
        memory = next(r for r in rows if r.engine == TRIOBOT_MEMORY.name and r.every == every)
        _print_mode(label, every, rows, memory)
    print(f"\n{CLI_NAME}: the speed it reports (--json), start-up excluded")
    print(f"synthetic generator alone: {generator:,.0f} ticks/s")
    small, large = sorted(rss)
    print(
        f"peak RSS of triobot backtest, every 10 ticks, streamed: {small:,} ticks "
        f"{rss[small]:.1f} MB, {large:,} ticks {rss[large]:.1f} MB"
    )
    return _figures(rows, generator, rss)
