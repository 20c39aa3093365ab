"""Backtest replay speed and memory, and the same trading strategy in backtrader.

Measured in this run, on one core:

* **engine** on 1M ticks already in memory (:class:`MemorySource`): (a) a strategy that only
  reads ticks, (b) one that trades every 10 ticks with martingale sizing (every intent goes
  through the strategy context, the risk gate, pricing and settlement of the market model);
* **end to end** on streamed synthetic ticks (:class:`SyntheticSource`, generated chunk by
  chunk by the market model's GBM) for 1M and 10M ticks, each in a fresh process so that its
  peak RSS is its own: memory must not grow with the number of ticks;
* the synthetic generator alone, which bounds the end-to-end figures;
* **backtrader**: the same every-10-ticks martingale strategy (ticks fed as bars, market
  orders closed 5 bars later) on the same ticks, and the speed ratio.

``python -m bench backtest`` (``--quick``: 200k/1M ticks instead of 1M/10M).
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable, Iterator
from typing import Any

from framework.backtest import (
    BacktestSetup,
    MemorySource,
    StrategySetup,
    SyntheticSource,
    TickSource,
    run_backtest,
)
from framework.deriv.models import Tick
from framework.risk import RiskLimits
from framework.sizing import Martingale
from framework.strategy import ContractTemplate, NoParams, Strategy

__all__ = ["main"]

SYMBOL = "R_100"
SEED = 42
MARTINGALE = Martingale(base=1.0, factor=2.0, max_steps=6)


class ReadOnly(Strategy[NoParams]):
    """(a) Reads every tick and keeps a running count and last quote."""

    Params = NoParams

    def on_start(self) -> None:
        self.count = 0
        self.last = 0.0

    def on_tick(self, tick: Tick) -> None:
        self.count += 1
        self.last = tick.quote


class EveryTen(Strategy[NoParams]):
    """(b) Every 10th tick: CALL after an up tick, PUT otherwise (martingale stakes)."""

    Params = NoParams

    def on_start(self) -> None:
        self.n = 0
        self.last = 0.0

    def on_tick(self, tick: Tick) -> None:
        n = self.n + 1
        quote = tick.quote
        if n == 10:
            n = 0
            self.ctx.buy("CALL" if quote > self.last else "PUT")
        self.n = n
        self.last = quote


def _setup(cls: type[Strategy[Any]]) -> BacktestSetup:
    return BacktestSetup(
        (
            StrategySetup(
                "bench", cls, NoParams(), (SYMBOL,), ContractTemplate(duration=5), MARTINGALE
            ),
        ),
        risk=RiskLimits(),
        balance=1e9,  # never runs dry: every intent is really bought and settled
    )


def _engine(cls: type[Strategy[Any]], source: TickSource) -> tuple[float, int]:
    result = run_backtest(_setup(cls), source)
    return result.ticks_per_second, result.metrics.trades


def _streamed(kind: str, count: int) -> tuple[float, int, float]:
    """Run in a fresh process: (ticks/s, trades, peak RSS in MB)."""
    cls = ReadOnly if kind == "a" else EveryTen
    tps, trades = _engine(cls, SyntheticSource(SYMBOL, count, seed=SEED))
    return tps, trades, _peak_rss_mb()


def _peak_rss_mb() -> float:
    # VmHWM belongs to this process image (it starts afresh at exec), unlike ru_maxrss, which
    # Linux carries over from the parent that forked the worker.
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def _in_process(fn: Callable[..., Any], *args: Any) -> Any:
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(fn, args)


def _generator_speed(count: int) -> float:
    started = time.perf_counter()
    n = 0
    for chunk in SyntheticSource(SYMBOL, count, seed=SEED).chunks():
        n += len(chunk)
    return n / (time.perf_counter() - started)


def _backtrader(ticks: list[Tick]) -> tuple[float, int]:
    """The every-10-ticks martingale strategy in backtrader; (ticks/s, trades)."""
    import datetime as dt

    import backtrader as bt

    class TickFeed(bt.feed.DataBase):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self._it: Iterator[Tick] = iter(ticks)

        def _load(self) -> bool:
            tick = next(self._it, None)
            if tick is None:
                return False
            when = dt.datetime.fromtimestamp(tick.epoch, dt.UTC).replace(tzinfo=None)
            self.lines.datetime[0] = bt.date2num(when)
            q = tick.quote
            self.lines.open[0] = self.lines.high[0] = self.lines.low[0] = q
            self.lines.close[0] = q
            self.lines.volume[0] = 1.0
            self.lines.openinterest[0] = 0.0
            return True

    class EveryTenBT(bt.Strategy):  # type: ignore[misc]
        def __init__(self) -> None:
            self.n = 0
            self.losses = 0
            self.opened_at = -1
            self.entry = 0.0
            self.long = True
            self.trades = 0

        def next(self) -> None:
            bar = len(self)
            close = self.data.close[0]
            if self.position and bar - self.opened_at >= 6:
                won = (close > self.entry) == self.long
                self.losses = 0 if won else min(self.losses + 1, 6)
                self.close()
                self.trades += 1
            self.n += 1
            if self.n == 10:
                self.n = 0
                if not self.position:
                    size = MARTINGALE.base * MARTINGALE.factor**self.losses
                    self.long = close > self.data.close[-1]
                    (self.buy if self.long else self.sell)(size=size)
                    self.opened_at = bar
                    self.entry = close

    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(TickFeed())
    cerebro.addstrategy(EveryTenBT)
    cerebro.broker.setcash(1e9)
    started = time.perf_counter()
    strategies = cerebro.run()
    elapsed = time.perf_counter() - started
    return len(ticks) / elapsed, strategies[0].trades


def main(quick: bool = False) -> None:
    """Print replay speeds, peak memory and the backtrader ratio."""
    small, large = (200_000, 1_000_000) if quick else (1_000_000, 10_000_000)
    bt_ticks = 20_000 if quick else 100_000
    print(f"symbol {SYMBOL}, seed {SEED}; (a) reads ticks, (b) trades every 10 ticks, martingale")

    ticks = [t for c in SyntheticSource(SYMBOL, small, seed=SEED).chunks() for t in c]
    memory = MemorySource(ticks, check=False)
    a_tps, _ = _engine(ReadOnly, memory)
    b_tps, b_trades = _engine(EveryTen, memory)
    print(f"engine, {small:,} ticks in memory:")
    print(f"  (a) read-only      {a_tps:>12,.0f} ticks/s   (target >= 1,000,000)")
    print(f"  (b) trading        {b_tps:>12,.0f} ticks/s   ({b_trades:,} trades)")

    gen = _generator_speed(small)
    print(f"synthetic generator alone: {gen:,.0f} ticks/s (bounds the streamed figures)")
    print("end to end, streamed synthetic ticks, fresh process each (peak RSS):")
    for kind in ("a", "b"):
        for count in (small, large):
            tps, trades, peak = _in_process(_streamed, kind, count)
            extra = f", {trades:,} trades" if kind == "b" else ""
            print(
                f"  ({kind}) {count:>11,} ticks {tps:>12,.0f} ticks/s  peak {peak:7.1f} MB{extra}"
            )

    sample = ticks[:bt_ticks]
    ours, our_trades = _engine(EveryTen, MemorySource(sample, check=False))
    try:
        theirs, their_trades = _backtrader(sample)
    except ImportError:
        print("backtrader not installed (pip install '.[bench]'): comparison skipped")
        return
    print(f"same strategy (b) on the same {bt_ticks:,} ticks:")
    print(f"  triobot    {ours:>12,.0f} ticks/s ({our_trades:,} trades)")
    print(f"  backtrader {theirs:>12,.0f} ticks/s ({their_trades:,} trades)")
    print(f"  ratio      {ours / theirs:>12.1f}x")
