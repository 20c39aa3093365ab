"""The replay engine: strategies on recorded ticks, synchronously, with the live code paths.

A replay is a plain loop over the ticks of a :class:`~framework.backtest.sources.TickSource`
(no Trio, no task switch per tick). The strategies are hosted by the same
:class:`~framework.strategy._host.StrategyHost` the live runtime uses (the same contexts,
dispatch order and ``on_error`` policies; restarts happen at once, a replay has no clock to
back off on), so intents pass the same stake sizing and the same
:class:`~framework.risk.RiskGate`. The engine is their venue: it executes allowed intents on
a :class:`~framework.backtest.broker.SimulatedBroker` (the market model's pricing and
settlement).

Per tick ``T`` (epoch ``E``), in this order, which is the order the embedded simulator
publishes in (tick to subscribers first, then settlement of open contracts on that tick):

1. the virtual clock moves to ``E`` (``ctx.now``; it never goes back: when two symbols'
   streams interleave out of order, it stays at the latest epoch seen, as the simulator's
   clock does), ``T`` becomes its symbol's spot;
2. ``on_tick(T)`` of every strategy subscribed to the symbol, in config order. An intent is
   bought at once: priced at ``T``'s quote, purchase epoch ``E``;
3. ``T`` is fed to the open contracts of its symbol, oldest purchase first; each one that
   settles is credited, then reported (risk gate, sizing, then ``on_contract_closed``,
   through the host). Intents emitted there are also bought at ``E`` at ``T``'s quote;
4. events caused by this tick's purchases (``on_transaction`` for strategies that want
   transactions, ``on_contract_update``) are delivered, and the orders the strategies gave
   while handling this tick (``ctx.sell``, ``update``, ``cancel``) are carried out, in the
   order given, on the contracts as step 3 left them; what they cause (a close, a failure,
   an update) is delivered in turn, until nothing is left.

**Warm-up and candles.** A strategy that declares history (candle series with a
``history``, a ``tick_history``) gets it before its first hook, as live: the first ticks of
the source fill the host's feeds (closed bars, the last ticks) and are not traded on, until
every declared look-back is there (or, with ``warmup_until``, until the first tick at that
epoch: how a parity test starts the replay where the live run started). Only then does
``on_start`` run. After that, a tick of a symbol with candle series goes through the host's
:meth:`~framework.strategy._host.StrategyHost.tick`: the bars it closed (``on_candle``), then
the tick (step 2), then the forming bars; the rest of the steps are unchanged. Ticks
replayed from candle files (:mod:`~framework.backtest.candlefiles`) take the same path; the
result names the bars they came from.

**Orders.** The simulator serves a request only after it has published a tick and settled
its contracts on it, so a ``sell`` given in ``on_tick(T)`` reaches a contract that has seen
``T``: it sells at the bid at ``T`` (exit tick ``T``), or fails if ``T`` closed it (expiry,
take-profit, stop-out, knock-out), which is then reported closed that way, once. A sale or
cancellation credits the account at once; ``on_contract_closed`` follows. A refusal of the
market model (``ResaleNotOffered``, ``SellAtEntryTick``, ``PriceMoved``, ``TakeProfitTooLow``...)
reaches ``on_order_failed`` with its code and message; nothing changes on the contract. The
engine tells a strategy's context about each contract as it is bought (live learns it from
the contract's first update, which arrives before any tick could change it).

**Fill model.** An intent emitted while the replay is at tick ``E`` is purchased at epoch
``E`` (the clock) at the spot of the latest tick of its symbol; its entry tick is the first
tick of that symbol strictly after ``E`` (the market model's rule). The live runtime
reproduces this when its ``buy`` reaches the simulator before the simulator's clock leaves
second ``E`` and before the symbol's next tick is published (then the simulator prices at the
same spot and stamps the same purchase epoch). A contract still open when the ticks run out
is reported as open, never settled by guess.

Deterministic: the same ticks and setup give the same trades, every time (nothing reads a
wall clock or a random source; the risk gate's kill file is looked for in tick time).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Final

import attrs
import structlog

from framework.deriv.models import Tick, Transaction
from framework.market.contracts import ContractSpec
from framework.market.positions import OpenPosition
from framework.market.pricing import DEFAULT_PRICING, PricingConfig, Quote, spot_free
from framework.market.selling import KEEP
from framework.market.settlement import Settlement
from framework.risk import RiskGate, RiskLimits, Trip
from framework.strategy._host import Slot, StrategyHost, StrategySetup
from framework.strategy.events import (
    ClosedContract,
    ContractOrder,
    ContractUpdate,
    OrderFailed,
    TradeIntent,
)
from framework.strategy.state import MemoryStateStore

from .broker import BrokerRejection, SimulatedBroker
from .candlefiles import CandleInput, candle_inputs, check_candle_setup
from .errors import BacktestError
from .metrics import EquityCurve, Metrics
from .sources import TickSource
from .trades import Trade, TradeSink

__all__ = [
    "Backtest",
    "BacktestResult",
    "BacktestSetup",
    "OpenAtEnd",
    "Rejection",
    "StrategyReport",
    "run_backtest",
]

_SAMPLE: Final = 20
"""How many rejections are kept verbatim in a result (all are counted)."""

_BOOK_SIZE: Final = 4096
"""Distinct contracts whose spec (and fixed price) a replay keeps; a strategy uses a few."""


@attrs.frozen
class BacktestSetup:
    """Everything a replay needs besides the ticks.

    Attributes:
        strategies: the strategies, in dispatch order.
        risk: the bot-wide risk limits.
        balance: opening balance.
        currency: account currency.
        pricing: commission and limits; keep the simulator's for parity.
    """

    strategies: tuple[StrategySetup, ...]
    risk: RiskLimits = attrs.field(factory=RiskLimits)
    balance: float = 10_000.0
    currency: str = "USD"
    pricing: PricingConfig = DEFAULT_PRICING


@attrs.frozen
class Rejection:
    """An allowed intent the broker did not buy.

    Attributes:
        intent_id: the intent.
        epoch: tick time.
        code: error code (``ContractBuyValidationError``, ``InsufficientBalance``,
            ``max_stake`` for a payout-basis price over the limit, ``NoSpot``).
        message: why.
    """

    intent_id: str
    epoch: int
    code: str
    message: str


@attrs.frozen
class OpenAtEnd:
    """A contract still open when the ticks ran out (not counted in P&L).

    Attributes:
        intent_id: its intent.
        contract_id: its id.
        symbol: its symbol.
        contract_type: its type.
        buy_price: what it cost.
        purchase_time: when it was bought.
    """

    intent_id: str
    contract_id: int
    symbol: str
    contract_type: str
    buy_price: float
    purchase_time: int


@attrs.frozen
class StrategyReport:
    """How one strategy did.

    Attributes:
        name: the strategy.
        metrics: its trades' figures (equity = its cumulative profit).
        intents: intents the risk gate let through.
        refusals: intents the gate refused, by limit.
        rejections: intents the broker refused, by code.
        errors: hook exceptions (``on_error`` applied to each).
        restarts: restarts after an error.
        disabled: disabled after errors.
        open_at_end: contracts still open at the end.
        orders: sell, update and cancel orders given, by kind.
        order_refusals: orders its context refused on the spot, by reason.
        order_failures: orders the market model refused, by code.
    """

    name: str
    metrics: Metrics
    intents: int
    refusals: dict[str, int]
    rejections: dict[str, int]
    errors: int
    restarts: int
    disabled: bool
    open_at_end: int
    orders: dict[str, int] = attrs.field(factory=dict)
    order_refusals: dict[str, int] = attrs.field(factory=dict)
    order_failures: dict[str, int] = attrs.field(factory=dict)

    def summary(self) -> dict[str, Any]:
        """The JSON-ready per-strategy row."""
        return {
            "strategy": self.name,
            **self.metrics.summary(),
            "intents": self.intents,
            "refusals": dict(self.refusals),
            "rejections": dict(self.rejections),
            "errors": self.errors,
            "restarts": self.restarts,
            "disabled": self.disabled,
            "open_at_end": self.open_at_end,
            "orders": dict(self.orders),
            "order_refusals": dict(self.order_refusals),
            "order_failures": dict(self.order_failures),
        }


@attrs.frozen
class BacktestResult:
    """The outcome of a replay.

    Attributes:
        source: the tick source's name.
        ticks: ticks replayed.
        first_epoch: epoch of the first tick (``None`` without ticks).
        last_epoch: epoch of the last tick.
        opening_balance: balance before the first tick.
        final_balance: balance after the last tick (open contracts' stakes are out of it).
        metrics: figures over every strategy (equity = the account's closed-trade equity).
        strategies: per-strategy reports, in config order.
        curve: the sampled equity curve.
        open_at_end: contracts still open at the end.
        rejections: the first rejections, verbatim.
        trips: every risk limit tripped during the replay, cleared ones included, in the
            order they started.
        elapsed: wall-clock seconds the replay took (not part of the trades; excluded from
            :meth:`summary` so that equal replays give equal summaries).
        symbols: the symbols the source held ticks of, sorted.
        traded: the symbols the strategies trade, sorted.
        warmup_ticks: ticks of the source used as the strategies' declared history (not
            in ``ticks``, not traded on).
        warmup_missing: what declared history the source ran out before giving (``""``
            when the warm-up completed).
        candles: the bars of candle files the ticks were replayed from (empty for ticks
            only; see :mod:`~framework.backtest.candlefiles`).
    """

    source: str
    ticks: int
    first_epoch: int | None
    last_epoch: int | None
    opening_balance: float
    final_balance: float
    metrics: Metrics
    strategies: tuple[StrategyReport, ...]
    curve: EquityCurve
    open_at_end: tuple[OpenAtEnd, ...]
    rejections: tuple[Rejection, ...]
    trips: tuple[Trip, ...]
    elapsed: float
    symbols: tuple[str, ...] = ()
    traded: tuple[str, ...] = ()
    warmup_ticks: int = 0
    warmup_missing: str = ""
    candles: tuple[CandleInput, ...] = ()

    def untested(self) -> str | None:
        """Why this replay tested nothing, or ``None`` when a strategy saw a tick.

        A replay of an empty source, or of ticks of symbols no strategy trades, runs to the
        end without a trade and without an error: its figures would read as "no edge"
        although nothing was tried.

        Returns:
            The reason, naming the source and the symbols, or ``None``.
        """
        if self.warmup_missing:
            return (
                f"nothing was tested: {self.source} ran out during the warm-up after "
                f"{self.warmup_ticks} ticks (still missing {self.warmup_missing})"
            )
        if self.ticks == 0:
            return f"nothing was tested: {self.source} holds no ticks"
        if self.traded and not set(self.traded) & set(self.symbols):
            return (
                f"nothing was tested: {self.source} holds ticks of {', '.join(self.symbols)} "
                f"only; the strategies trade {', '.join(self.traded)}"
            )
        return None

    def warmup_text(self) -> str:
        """The warm-up for people (``""`` without one): how many ticks filled the history."""
        if not self.warmup_ticks:
            return ""
        return (
            f"the first {self.warmup_ticks:,} ticks filled the declared history before "
            "on_start (not traded on)"
        )

    def missing(self) -> tuple[str, ...]:
        """Symbols a strategy trades that the source held no tick of (sorted)."""
        return tuple(s for s in self.traded if s not in self.symbols)

    @property
    def ticks_per_second(self) -> float:
        """Replay speed."""
        return self.ticks / self.elapsed if self.elapsed > 0 else 0.0

    def summary(self) -> dict[str, Any]:
        """Return the replay's figures as a JSON-ready dict (deterministic).

        Returns:
            ``source``, ``ticks``, ``warmup_ticks``, ``candles`` (the candle files' bars
            the ticks were replayed from), ``first_epoch``, ``last_epoch``, balances, the
            total figures (see :meth:`Metrics.summary`), ``open_at_end``, ``trips`` and
            ``strategies`` (one row each).
        """
        return {
            "source": self.source,
            "ticks": self.ticks,
            "warmup_ticks": self.warmup_ticks,
            "candles": [c.as_dict() for c in self.candles],
            "first_epoch": self.first_epoch,
            "last_epoch": self.last_epoch,
            "opening_balance": round(self.opening_balance, 2),
            "final_balance": round(self.final_balance, 2),
            **self.metrics.summary(),
            "open_at_end": len(self.open_at_end),
            "open_stakes": round(sum(o.buy_price for o in self.open_at_end), 2),
            "trips": [trip.as_dict() for trip in self.trips],
            "strategies": [s.summary() for s in self.strategies],
        }


class _Figures:
    """The replay's own figures of one strategy (its trades and the broker's refusals)."""

    __slots__ = ("metrics", "rejections")

    def __init__(self) -> None:
        self.metrics = Metrics()
        self.rejections: dict[str, int] = {}


class Backtest:
    """One replay: strategies, risk gate, broker and metrics over a tick source.

    It is the strategies' venue. Build one per replay (a backtest is not reusable:
    strategies keep state).

    Attributes:
        setup: what is replayed.
        broker: the simulated account.
        gate: the bot-wide risk gate.
        host: the strategies.
        now: the virtual clock (epoch of the current tick).
        ticks: ticks replayed so far.
        warmup_ticks: ticks used as the strategies' history before they started.
    """

    def __init__(
        self,
        setup: BacktestSetup,
        *,
        sinks: Sequence[TradeSink] = (),
        log: Any = None,
        curve_capacity: int = 4096,
    ) -> None:
        """Build the strategies (no hook runs yet).

        Args:
            setup: strategies, risk limits, balance and pricing.
            sinks: callables given each :class:`~framework.backtest.trades.Trade` as it
                settles (a CSV writer, a collector...).
            log: a structlog logger (default: ``triobot.backtest``).
            curve_capacity: points kept in the equity curve.

        Raises:
            BacktestError: no strategy, or duplicate names.
            StrategyFailed: a strategy that cannot be created.
        """
        if not setup.strategies:
            raise BacktestError("nothing to replay: no strategy configured")
        names = [s.name for s in setup.strategies]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise BacktestError(f"strategy names must be unique; repeated: {duplicates}")
        self.setup = setup
        self.log = log if log is not None else structlog.get_logger("triobot.backtest")
        self.broker = SimulatedBroker(
            balance=setup.balance, currency=setup.currency, pricing=setup.pricing
        )
        self.gate = RiskGate(setup.risk, log=self.log)
        self.now = 0
        self.ticks = 0
        self.warmup_ticks = 0
        self._sinks = tuple(sinks)
        self._spots: dict[str, Tick] = {}
        self._contracts: dict[int, tuple[TradeIntent, Slot, _Figures, int, OpenPosition]] = {}
        self._book: dict[tuple[Any, ...], tuple[ContractSpec, Quote | None]] = {}
        self._pending: list[Callable[[], None]] = []
        self._metrics = Metrics(self.broker.balance)
        self._curve = EquityCurve(curve_capacity)
        self._rejections: list[Rejection] = []
        self._txn_id = 0
        self.host = host = StrategyHost(self.gate, log=self.log)
        self._figures: dict[str, _Figures] = {}
        for s in setup.strategies:
            host.add(s, venue=self, state=MemoryStateStore())
            self._figures[s.name] = _Figures()
        self._want_transactions = host.wants_transactions
        self._want_updates = host.wants_updates

    # -- Venue -----------------------------------------------------------------------------

    @property
    def balance(self) -> float:
        """The account balance."""
        return self.broker.balance

    @property
    def currency(self) -> str:
        """The account currency."""
        return self.broker.currency

    @property
    def open_contracts(self) -> int:
        """Contracts open on the account."""
        return self.broker.open_count

    def submit(self, intent: TradeIntent) -> None:
        """Buy an intent the risk gate allowed, now, at the latest spot of its symbol.

        Args:
            intent: the intent.
        """
        slot = self.host.slots[intent.strategy]
        figures = self._figures[intent.strategy]
        spot = self._spots.get(intent.symbol)
        if spot is None:
            self._reject(
                slot,
                figures,
                intent,
                "NoSpot",
                f"no tick of {intent.symbol} yet to price the contract at",
            )
            return
        broker = self.broker
        now = self.now
        key = intent.contract_key()
        known = self._book.get(key)
        if known is None:
            spec, quote = intent.to_contract_spec(), None
        else:
            spec, quote = known
        try:
            if quote is None:
                quote = broker.quote(spec, spot.quote, now)
                if known is None:
                    if len(self._book) >= _BOOK_SIZE:
                        self._book.clear()
                    # A price that moves with neither the spot nor the clock is worked out
                    # once (the market model says which); the others, at every buy.
                    self._book[key] = (spec, quote if spot_free(spec) else None)
            if intent.basis == "payout":
                decision = self.gate.check_price(intent, quote.ask_price)
                if not decision.allowed:
                    self._reject(slot, figures, intent, decision.limit or "risk", decision.reason)
                    return
            position = broker.buy(spec, quote, now, counted=not slot.wants_updates)
        except BrokerRejection as exc:
            self._reject(slot, figures, intent, exc.code, exc.message)
            return
        self._contracts[position.contract_id] = (intent, slot, figures, now, position)
        # What live learns from the contract's first update: it is this strategy's.
        slot.contract_opened(intent.intent_id, position.contract_id, position.buy_price)
        if self._want_transactions:
            txn = self._transaction("buy", -position.buy_price, position, now, quote.longcode)
            self._pending.append(lambda: self._deliver_transaction(txn))
        if slot.wants_updates:
            self._pending.append(lambda: self._deliver_update(slot, intent, position))

    def order(self, order: ContractOrder) -> None:
        """Take a sell, update or cancel order; it is carried out once this tick has reached
        the open contracts (see the module docstring).

        Args:
            order: the order (for a contract of the strategy's: its context checked that).
        """
        _, slot, _, _, position = self._contracts[order.contract_id]
        self._pending.append(lambda: self._carry_out(order, slot, position))

    def _carry_out(self, order: ContractOrder, slot: Slot, position: OpenPosition) -> None:
        broker = self.broker
        now = self.now
        broker.catch_up(position)
        try:
            if order.kind == "update":
                broker.update(
                    position,
                    now,
                    take_profit=order.take_profit if order.set_take_profit else KEEP,
                    stop_loss=order.stop_loss if order.set_stop_loss else KEEP,
                )
            elif order.kind == "sell":
                settlement, balance = broker.sell(position, now, order.min_price or 0.0)
            else:
                settlement, balance = broker.cancel(position, now)
        except BrokerRejection as exc:
            self.host.order_failed(slot, OrderFailed(order, exc.code, exc.message, now))
            return
        if order.kind == "update":
            if slot.wants_updates:
                intent = self._contracts[order.contract_id][0]
                self._deliver_update(slot, intent, position)
            return
        self._closed(settlement, balance)

    # -- the loop --------------------------------------------------------------------------

    def run(
        self,
        source: TickSource,
        *,
        progress: Callable[[int, float | None], None] | None = None,
        warmup_until: int | None = None,
    ) -> BacktestResult:
        """Replay every tick of ``source``.

        Args:
            source: the ticks.
            progress: called after each chunk with the ticks replayed so far and the
                source's progress fraction (``None`` when unknown).
            warmup_until: end the warm-up at the first tick at or after this epoch (default:
                once every declared look-back is filled; see the module docstring).

        Returns:
            The result.

        Raises:
            StrategyFailed: a hook raised and its strategy's ``on_error`` is ``raise``.
            BacktestError: a source or setup problem (a candle series finer than the
                candle file it would be built from).
            TickFileError: a bad tick file.
        """
        started = time.perf_counter()
        candles = candle_inputs(source)
        check_candle_setup(self.setup, candles)
        chunks: Iterator[Sequence[Tick]] = iter(source.chunks())
        first, missing = self._warm_up(chunks, warmup_until)
        first_epoch = None
        if first is not None:
            first_epoch = first[0].epoch
            self.now = max(self.now, first_epoch)
        host = self.host
        host.start_all()
        if first is not None:
            for chunk in itertools.chain((first,), chunks):
                self._replay(chunk)
                if progress is not None:
                    progress(self.ticks, source.progress())
        host.stop_all()
        elapsed = time.perf_counter() - started
        return self._result(source.name, first_epoch, elapsed, missing, candles)

    def _warm_up(
        self, chunks: Iterator[Sequence[Tick]], until: int | None
    ) -> tuple[Sequence[Tick] | None, str]:
        """Feed the declared history from the first ticks; return the rest of the chunk the
        warm-up ended in (``None`` when the source ended) and what is still missing."""
        feeds = self.host.feeds
        host = self.host
        if until is None and all(f.satisfied() for f in feeds.values()):
            return next(chunks, None), ""
        spots = self._spots
        for chunk in chunks:
            for i, tick in enumerate(chunk):
                if until is not None:
                    done = tick[1] >= until
                else:
                    done = all(f.satisfied() for f in feeds.values())
                if done:
                    return chunk[i:], ""
                if tick[1] > self.now:
                    self.now = tick[1]
                spots[tick[0]] = tick
                host.warm_up(tick)
                self.warmup_ticks += 1
        if until is not None:
            return None, ""
        missing = "; ".join(m for m in (f.shortfall() for f in feeds.values()) if m)
        return None, missing

    def _replay(self, chunk: Sequence[Tick]) -> None:
        # The hot loop: locals for everything, one dict lookup for the handlers, one for the
        # open contracts of the symbol. try/except is free in 3.11 until something raises.
        handlers = self.host.tick_handlers
        tick_failed = self.host.tick_failed
        feeds = self.host.feeds
        feed_tick = self.host.feed_tick
        spots = self._spots
        open_by_symbol = self.broker.open_by_symbol
        settle = self.broker.settle
        closed = self._closed
        updates = self._want_updates
        pending = self._pending
        for tick in chunk:
            symbol = tick[0]
            if tick[1] > self.now:
                self.now = tick[1]
            spots[symbol] = tick
            # StrategyHost.tick inlined (a call less per tick); the table and the failure
            # policy stay the host's, so live and replay dispatch alike. A symbol with
            # candle series or history goes through the host itself.
            if feeds and (feed := feeds.get(symbol)) is not None:
                feed_tick(feed, tick)
            elif (on_ticks := handlers.get(symbol)) is not None:
                for on_tick in on_ticks:
                    try:
                        on_tick(tick)
                    except Exception as exc:
                        tick_failed(on_tick, exc)
            if open_by_symbol.get(symbol):
                settled = settle(symbol, tick[1], tick[2])
                if settled is not None:
                    for settlement, balance in settled:
                        closed(settlement, balance)
                if updates:
                    self._updates(tick)
            if pending:
                self._flush()
        self.ticks += len(chunk)

    def _updates(self, tick: Tick) -> None:
        epoch = tick[1]
        for position in tuple(self.broker.open_by_symbol.get(tick[0], ())):
            # Only contracts this tick moved (not those bought on it, which wait for entry).
            if position.current_epoch == epoch and position.tick_count:
                intent, slot, _, _, _ = self._contracts[position.contract_id]
                if slot.wants_updates:
                    self._deliver_update(slot, intent, position)

    def _closed(self, settlement: Settlement, balance: float) -> None:
        intent, slot, figures, purchased, _ = self._contracts.pop(settlement.contract_id)
        closed = ClosedContract.from_settlement(settlement, intent, purchased)
        profit = closed.profit
        self._metrics.add(closed.buy_price, profit, closed.end)
        figures.metrics.add(closed.buy_price, profit, closed.end)
        self._curve.add(closed.sell_time, self._metrics.equity)
        if self._sinks:
            trade = Trade(closed, intent, balance)
            for sink in self._sinks:
                sink(trade)
        if self._want_transactions:
            self._deliver_transaction(
                self._transaction("sell", closed.sell_price, None, closed.sell_time, "", closed)
            )
        self.host.contract_closed(slot, closed)

    def _flush(self) -> None:
        # Events may buy and queue more events; drain until quiet.
        pending = self._pending
        while pending:
            batch = pending[:]
            pending.clear()
            for event in batch:
                event()

    # -- events ----------------------------------------------------------------------------

    def _transaction(
        self,
        action: str,
        amount: float,
        position: OpenPosition | None,
        epoch: int,
        longcode: str,
        closed: ClosedContract | None = None,
    ) -> Transaction:
        self._txn_id += 1
        if position is not None:
            contract_id, symbol, purchase = (
                position.contract_id,
                position.spec.symbol,
                position.purchase_epoch,
            )
        else:
            assert closed is not None
            contract_id, symbol, purchase = closed.contract_id, closed.symbol, closed.purchase_time
        return Transaction(
            action=action,
            amount=round(amount, 2),
            balance=self.broker.balance,
            contract_id=contract_id,
            currency=self.broker.currency,
            transaction_id=self._txn_id,
            transaction_time=epoch,
            symbol=symbol,
            longcode=longcode or None,
            purchase_time=purchase,
            raw={},
        )

    def _deliver_transaction(self, txn: Transaction) -> None:
        self.host.transaction(txn)

    def _deliver_update(self, slot: Slot, intent: TradeIntent, position: OpenPosition) -> None:
        if slot.state != "running" or position.settlement is not None:
            return
        self.host.contract_update(slot, ContractUpdate.from_position(position, intent, self.now))

    # -- rejections ------------------------------------------------------------------------

    def _reject(
        self, slot: Slot, figures: _Figures, intent: TradeIntent, code: str, message: str
    ) -> None:
        count = figures.rejections.get(code, 0)
        figures.rejections[code] = count + 1
        if len(self._rejections) < _SAMPLE:
            self._rejections.append(Rejection(intent.intent_id, self.now, code, message))
        if count == 0:
            self.log.warning("buy rejected", strategy=slot.name, code=code, reason=message)
        slot.intent_rejected(intent)

    # -- result ----------------------------------------------------------------------------

    def _result(
        self,
        source: str,
        first_epoch: int | None,
        elapsed: float,
        missing: str = "",
        candles: tuple[CandleInput, ...] = (),
    ) -> BacktestResult:
        open_at_end = tuple(
            OpenAtEnd(
                intent_id=self._contracts[p.contract_id][0].intent_id,
                contract_id=p.contract_id,
                symbol=p.spec.symbol,
                contract_type=p.spec.contract_type,
                buy_price=p.buy_price,
                purchase_time=p.purchase_epoch,
            )
            for p in self.broker.open_positions()
        )
        open_by_strategy: dict[str, int] = {}
        for intent, *_ in self._contracts.values():
            open_by_strategy[intent.strategy] = open_by_strategy.get(intent.strategy, 0) + 1
        reports = tuple(
            StrategyReport(
                name=name,
                metrics=self._figures[name].metrics,
                intents=slot.ctx.submitted,
                refusals=dict(slot.ctx.refusals),
                rejections=dict(self._figures[name].rejections),
                errors=slot.errors,
                restarts=slot.restarts,
                disabled=slot.state == "disabled",
                open_at_end=open_by_strategy.get(name, 0),
                orders=dict(slot.ctx.order_counts),
                order_refusals=dict(slot.ctx.order_refusals),
                order_failures=dict(slot.ctx.order_failures),
            )
            for name, slot in self.host.slots.items()
        )
        return BacktestResult(
            source=source,
            ticks=self.ticks,
            first_epoch=first_epoch,
            last_epoch=self.now if self.ticks else None,
            opening_balance=self._metrics.start,
            final_balance=self.broker.balance,
            metrics=self._metrics,
            strategies=reports,
            curve=self._curve,
            open_at_end=open_at_end,
            rejections=tuple(self._rejections),
            trips=tuple(self.gate.history),
            elapsed=elapsed,
            symbols=tuple(sorted(self._spots)),  # every symbol seen has its last spot there
            traded=tuple(sorted({s for st in self.setup.strategies for s in st.symbols})),
            warmup_ticks=self.warmup_ticks,
            warmup_missing=missing,
            candles=candles,
        )


def run_backtest(
    setup: BacktestSetup,
    source: TickSource,
    *,
    sinks: Sequence[TradeSink] = (),
    progress: Callable[[int, float | None], None] | None = None,
    log: Any = None,
    warmup_until: int | None = None,
) -> BacktestResult:
    """Replay ``source`` with ``setup`` (a fresh :class:`Backtest`).

    Args:
        setup: strategies, risk limits, balance and pricing.
        source: the ticks.
        sinks: trade sinks (see :class:`Backtest`).
        progress: progress callback (see :meth:`Backtest.run`).
        log: a structlog logger.
        warmup_until: see :meth:`Backtest.run`.

    Returns:
        The result.
    """
    return Backtest(setup, sinks=sinks, log=log).run(
        source, progress=progress, warmup_until=warmup_until
    )
