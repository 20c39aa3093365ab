"""The workload in backtrader (run from ``.venv-bench-backtrader/``).

``python -m bench._peer_backtrader JOB``. Each tick is a bar (open = high = low = close =
the quote). backtrader has no binary options, so a contract is a market order of ``stake``
units given on the purchase bar, which backtrader fills at the next bar's open (the entry
tick, as Deriv's rule), and a closing market order given five bars later, filled on the exit
tick. The win, the payout and the balance come from those two fills in the strategy's own
books (backtrader's cash follows the linear P&L of the units, not a binary payout).
"""

from __future__ import annotations

import datetime as dt
import time
from array import array
from typing import Any

import backtrader as bt

from bench._workload import (
    EXIT_AFTER,
    NO_BINARY_OPTIONS,
    Job,
    Outcome,
    load_quotes,
    next_losses,
    read_jobs,
    report,
)


def _feed(job: Job, quotes: array[float]) -> Any:
    class TickFeed(bt.feed.DataBase):
        def __init__(self) -> None:
            super().__init__()
            self._k = 0

        def _load(self) -> bool:
            k = self._k
            if k >= len(quotes):
                return False
            self._k = k + 1
            epoch = job.genesis + (k + 1) * job.interval
            when = dt.datetime.fromtimestamp(epoch, dt.UTC).replace(tzinfo=None)
            lines = self.lines
            lines.datetime[0] = bt.date2num(when)
            q = quotes[k]
            lines.open[0] = lines.high[0] = lines.low[0] = lines.close[0] = q
            lines.volume[0] = 1.0
            lines.openinterest[0] = 0.0
            return True

    return TickFeed()


class ReadOnly(bt.Strategy):
    """Reads each bar's close."""

    def __init__(self) -> None:
        self.count = 0
        self.last = 0.0

    def next(self) -> None:
        self.count += 1
        self.last = self.data.close[0]


class TradeEvery(bt.Strategy):
    """Every ``every`` bars: CALL after an up tick, PUT otherwise, martingale stakes."""

    params = (("job", None),)

    def __init__(self) -> None:
        job: Job = self.p.job
        self.every = job.every
        self.stakes, self.payouts = job.stakes, job.payouts
        self.balance = job.balance
        self.n = 0
        self.last = 0.0
        self.losses = 0
        self.trades = 0
        self.bought = 0
        self.bar = 0
        self.opens: dict[int, list[Any]] = {}  # order ref -> [is CALL, step, entry]
        self.closing: dict[int, list[Any]] = {}  # bar to give the close on -> contracts
        self.results: list[bool] = []  # settled on this bar, applied after its decision

    def notify_order(self, order: Any) -> None:
        if order.status != order.Completed:
            return
        contract = self.opens.pop(order.ref, None)
        if contract is not None:
            contract[2] = order.executed.price  # the entry fill
            return
        contract = self.closes.pop(order.ref)
        call, step, entry = contract
        price = order.executed.price  # the exit fill
        won = price > entry if call else price < entry
        if won:
            self.balance += self.payouts[step]
        self.trades += 1
        self.results.append(won)

    def start(self) -> None:
        self.closes: dict[int, list[Any]] = {}

    def next(self) -> None:
        self.bar += 1
        close = self.data.close[0]
        n = self.n + 1
        if n == self.every:
            n = 0
            step = self.losses
            stake = self.stakes[step]
            self.balance -= stake
            self.bought += 1
            call = close > self.last
            order = (self.buy if call else self.sell)(size=stake)
            contract = [call, step, 0.0]
            self.opens[order.ref] = contract
            # Given on bar b + 5, the close fills at bar b + 6's open: the exit tick.
            self.closing.setdefault(self.bar + EXIT_AFTER - 1, []).append(contract)
        self.n = n
        self.last = close
        for won in self.results:  # settled on this tick: after its decision, as triobot
            self.losses = next_losses(self.losses, won)
        self.results.clear()
        for contract in self.closing.pop(self.bar, ()):
            size = self.stakes[contract[1]]
            order = (self.sell if contract[0] else self.buy)(size=size)
            self.closes[order.ref] = contract


def run(job: Job) -> Outcome:
    """Run one job."""
    quotes = load_quotes(job)
    cerebro = bt.Cerebro(stdstats=False)
    cerebro.adddata(_feed(job, quotes))
    if job.every:
        cerebro.addstrategy(TradeEvery, job=job)
    else:
        cerebro.addstrategy(ReadOnly)
    cerebro.broker.setcash(job.balance / 100)
    started = time.perf_counter()
    strategy = cerebro.run()[0]
    seconds = time.perf_counter() - started
    if not job.every:
        return Outcome(seconds, len(quotes), 0, 0, job.balance)
    still_open = strategy.bought - strategy.trades
    return Outcome(
        seconds, len(quotes), strategy.trades, still_open, strategy.balance, NO_BINARY_OPTIONS
    )


def main() -> None:
    """Run the jobs and report each."""
    for job in read_jobs():
        report(run(job))


if __name__ == "__main__":
    main()
