"""The workload in NautilusTrader's BacktestEngine with a Python strategy.

Run from ``.venv-bench-nautilus/``: ``python -m bench._peer_nautilus JOB``. Each tick is a
quote tick (bid = ask = the quote) of an instrument with the symbol's pip size, on a
simulated venue with a hedging order book (each order opens a position of its own, so the
every-tick workload can hold six at once). NautilusTrader's matching engine fills a market
order at the book of the tick being handled, so the strategy gives a contract's opening
order on its entry tick (the tick after the decision) and its closing order on the exit
tick: the fills are the contract's entry and exit spots. There are no binary options on a
simulated venue, so the win, the payout and the balance come from those fills in the
strategy's own books (the venue's account follows the linear P&L of the units).
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

from nautilus_trader.backtest.engine import BacktestEngine, BacktestEngineConfig
from nautilus_trader.config import LoggingConfig, StrategyConfig
from nautilus_trader.model.currencies import USD
from nautilus_trader.model.data import QuoteTick
from nautilus_trader.model.enums import AccountType, OmsType, OrderSide
from nautilus_trader.model.identifiers import InstrumentId, Symbol, TraderId, Venue
from nautilus_trader.model.instruments import CurrencyPair
from nautilus_trader.model.objects import Money, Price, Quantity
from nautilus_trader.test_kit.providers import TestInstrumentProvider
from nautilus_trader.trading.strategy import Strategy

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

VENUE = Venue("SIM")


class BenchConfig(StrategyConfig, frozen=True):  # type: ignore[call-arg]
    """The instrument and the workload."""

    instrument_id: InstrumentId
    every: int
    stakes: tuple[int, ...]
    payouts: tuple[int, ...]
    balance: int


class ReadOnly(Strategy):
    """Reads each quote."""

    def __init__(self, config: BenchConfig) -> None:
        super().__init__(config)
        self.count = 0
        self.last = 0.0

    def on_start(self) -> None:
        self.subscribe_quote_ticks(self.config.instrument_id)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        self.count += 1
        self.last = tick.bid_price.as_double()


class TradeEvery(Strategy):
    """Every ``every`` ticks: CALL after an up tick, PUT otherwise, martingale stakes."""

    def __init__(self, config: BenchConfig) -> None:
        super().__init__(config)
        self.every = config.every
        self.stakes, self.payouts = config.stakes, config.payouts
        self.balance = config.balance
        self.n = 0
        self.last = 0.0
        self.losses = 0
        self.trades = 0
        self.bought = 0
        self.tick = 0
        self.to_open: list[list[Any]] = []  # decided on the tick before: open on this one
        self.closing: dict[int, list[list[Any]]] = {}  # tick -> contracts exiting on it
        self.by_order: dict[Any, list[Any]] = {}  # client order id -> contract
        self.results: list[bool] = []

    def on_start(self) -> None:
        self.instrument = self.cache.instrument(self.config.instrument_id)
        self.subscribe_quote_ticks(self.config.instrument_id)

    def _submit(self, side: Any, size: int, contract: list[Any], position: Any = None) -> None:
        order = self.order_factory.market(self.config.instrument_id, side, Quantity.from_int(size))
        self.by_order[order.client_order_id] = contract
        self.submit_order(order, position_id=position)

    def on_quote_tick(self, tick: QuoteTick) -> None:
        self.tick += 1
        quote = tick.bid_price.as_double()
        for won in self.results:  # settled on the tick before
            self.losses = next_losses(self.losses, won)
        self.results.clear()
        n = self.n + 1
        decided = None
        if n == self.every:
            n = 0
            step = self.losses
            self.balance -= self.stakes[step]
            self.bought += 1
            # [is CALL, step, entry fill, position id]
            decided = [quote > self.last, step, 0.0, None]
        self.n = n
        self.last = quote
        for contract in self.to_open:
            side = OrderSide.BUY if contract[0] else OrderSide.SELL
            self._submit(side, self.stakes[contract[1]], contract)
            self.closing.setdefault(self.tick + EXIT_AFTER - 1, []).append(contract)
        self.to_open = [decided] if decided is not None else []
        for contract in self.closing.pop(self.tick, ()):
            side = OrderSide.SELL if contract[0] else OrderSide.BUY
            self._submit(side, self.stakes[contract[1]], contract, contract[3])

    def on_order_filled(self, event: Any) -> None:
        contract = self.by_order.pop(event.client_order_id)
        price = event.last_px.as_double()
        if contract[3] is None:
            contract[2] = price
            contract[3] = event.position_id
            return
        call, step, entry = contract[0], contract[1], contract[2]
        won = price > entry if call else price < entry
        if won:
            self.balance += self.payouts[step]
        self.trades += 1
        self.results.append(won)


def _instrument(job: Job) -> CurrencyPair:
    base = TestInstrumentProvider.default_fx_ccy("EUR/USD", VENUE)
    precision = job.pip_size
    return CurrencyPair(
        instrument_id=InstrumentId(Symbol("R100/USD"), VENUE),
        raw_symbol=Symbol("R100/USD"),
        base_currency=base.base_currency,
        quote_currency=USD,
        price_precision=precision,
        size_precision=0,
        price_increment=Price(10**-precision, precision=precision),
        size_increment=Quantity.from_int(1),
        lot_size=None,
        max_quantity=None,
        min_quantity=Quantity.from_int(1),
        max_notional=None,
        min_notional=None,
        max_price=None,
        min_price=None,
        margin_init=Decimal(0),
        margin_maint=Decimal(0),
        maker_fee=Decimal(0),
        taker_fee=Decimal(0),
        ts_event=0,
        ts_init=0,
    )


def run(job: Job) -> Outcome:
    """Run one job."""
    engine = BacktestEngine(
        BacktestEngineConfig(
            trader_id=TraderId("BENCH-001"), logging=LoggingConfig(bypass_logging=True)
        )
    )
    engine.add_venue(
        venue=VENUE,
        oms_type=OmsType.HEDGING,
        account_type=AccountType.MARGIN,
        base_currency=USD,
        starting_balances=[Money(job.balance / 100, USD)],
    )
    instrument = _instrument(job)
    engine.add_instrument(instrument)
    size = Quantity.from_int(1_000_000)
    ticks = []
    for k, q in enumerate(load_quotes(job)):
        price = Price(q, precision=job.pip_size)
        ns = (job.genesis + (k + 1) * job.interval) * 1_000_000_000
        ticks.append(QuoteTick(instrument.id, price, price, size, size, ns, ns))
    engine.add_data(ticks)
    config = BenchConfig(
        instrument_id=instrument.id,
        every=job.every,
        stakes=tuple(job.stakes),
        payouts=tuple(job.payouts),
        balance=job.balance,
    )
    strategy = TradeEvery(config) if job.every else ReadOnly(config)
    engine.add_strategy(strategy)
    started = time.perf_counter()
    engine.run()
    seconds = time.perf_counter() - started
    if job.every:
        outcome = Outcome(
            seconds, strategy.tick, strategy.trades, strategy.bought - strategy.trades,
            strategy.balance, NO_BINARY_OPTIONS,
        )  # fmt: skip
    else:
        outcome = Outcome(seconds, strategy.count, 0, 0, job.balance)
    engine.dispose()
    return outcome


def main() -> None:
    """Run the jobs and report each."""
    for job in read_jobs():
        report(run(job))


if __name__ == "__main__":
    main()
