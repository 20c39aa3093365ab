"""The workload as minimal event-driven objects in plain CPython.

The least an event-driven engine does: a tick object per tick, a strategy whose ``on_tick``
asks a broker to buy, a contract object per trade that the broker settles and reports back
through ``on_contract_closed``, a sizer that moves on with each result. No validation, no
risk gate, no records beyond the contract. ``python -m bench._peer_objects JOB``.
"""

from __future__ import annotations

import time
from collections import deque

from bench._workload import EXIT_AFTER, Job, Outcome, load_quotes, next_losses, read_jobs, report


class Tick:
    """One tick."""

    __slots__ = ("epoch", "quote", "symbol")

    def __init__(self, symbol: str, epoch: int, quote: float) -> None:
        self.symbol = symbol
        self.epoch = epoch
        self.quote = quote


class Contract:
    """One bought Rise/Fall contract."""

    __slots__ = ("bought", "call", "entry", "settles", "stake", "step")

    def __init__(self, call: bool, step: int, stake: int, bought: int) -> None:
        self.call = call
        self.step = step
        self.stake = stake
        self.bought = bought
        self.settles = bought + EXIT_AFTER
        self.entry: float | None = None


class Sizer:
    """The martingale."""

    __slots__ = ("losses", "stakes")

    def __init__(self, stakes: list[int]) -> None:
        self.stakes = stakes
        self.losses = 0

    def stake(self) -> tuple[int, int]:
        return self.losses, self.stakes[self.losses]

    def result(self, won: bool) -> None:
        self.losses = next_losses(self.losses, won)


class Broker:
    """Buys, feeds ticks to open contracts, settles them and reports each close."""

    __slots__ = ("balance", "open", "payouts", "strategy", "ticks", "trades", "waiting")

    def __init__(self, balance: int, payouts: list[int]) -> None:
        self.balance = balance
        self.payouts = payouts
        self.open: deque[Contract] = deque()
        self.waiting: deque[Contract] = deque()  # bought, waiting for their entry tick
        self.ticks = 0
        self.trades = 0
        self.strategy: Strategy | None = None

    def buy(self, call: bool, step: int, stake: int) -> None:
        # Called from on_tick of purchase tick ticks + 1, before the broker sees that tick.
        self.balance -= stake
        contract = Contract(call, step, stake, self.ticks + 1)
        self.open.append(contract)
        self.waiting.append(contract)

    def on_tick(self, tick: Tick) -> None:
        self.ticks += 1
        waiting = self.waiting
        while waiting and waiting[0].bought < self.ticks:
            waiting.popleft().entry = tick.quote
        while self.open and self.open[0].settles == self.ticks:
            contract = self.open.popleft()
            entry = contract.entry
            assert entry is not None
            won = tick.quote > entry if contract.call else tick.quote < entry
            if won:
                self.balance += self.payouts[contract.step]
            self.trades += 1
            assert self.strategy is not None
            self.strategy.on_contract_closed(contract, won)


class Strategy:
    """Every ``every`` ticks: CALL after an up tick, PUT otherwise."""

    __slots__ = ("broker", "every", "last", "n", "sizer")

    def __init__(self, every: int, broker: Broker, sizer: Sizer) -> None:
        self.every = every
        self.broker = broker
        self.sizer = sizer
        self.n = 0
        self.last = 0.0

    def on_tick(self, tick: Tick) -> None:
        n = self.n + 1
        if n == self.every:
            n = 0
            step, stake = self.sizer.stake()
            self.broker.buy(tick.quote > self.last, step, stake)
        self.n = n
        self.last = tick.quote

    def on_contract_closed(self, contract: Contract, won: bool) -> None:
        self.sizer.result(won)


class Reader:
    """The read-only strategy."""

    __slots__ = ("count", "last")

    def __init__(self) -> None:
        self.count = 0
        self.last = 0.0

    def on_tick(self, tick: Tick) -> None:
        self.count += 1
        self.last = tick.quote


def run(job: Job, ticks: list[Tick]) -> Outcome:
    """Replay the ticks through the objects."""
    broker = Broker(job.balance, job.payouts)
    strategy: Strategy | Reader
    if job.every:
        strategy = broker.strategy = Strategy(job.every, broker, Sizer(job.stakes))
    else:
        strategy = Reader()
    started = time.perf_counter()
    on_tick, settle = strategy.on_tick, broker.on_tick
    for tick in ticks:
        on_tick(tick)
        settle(tick)
    seconds = time.perf_counter() - started
    return Outcome(seconds, len(ticks), broker.trades, len(broker.open), broker.balance)


def main() -> None:
    """Run the jobs and report each."""
    for job in read_jobs():
        ticks = [
            Tick(job.symbol, job.genesis + (k + 1) * job.interval, q)
            for k, q in enumerate(load_quotes(job))
        ]
        report(run(job, ticks))


if __name__ == "__main__":
    main()
