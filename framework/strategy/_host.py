"""The strategy host: one layer that runs strategies, live and in a replay alike.

A host internal (the runtime and the replay engine use it; plugins never see it).

Theory of operation
-------------------
A :class:`StrategyHost` holds the strategies of one bot or one replay, each in a
:class:`Slot`: its instance, its context, its ``on_error`` policy and its counters, in config
order. :meth:`StrategyHost.add` assembles the slot from a :class:`StrategySetup` (the context
with its sizing scheme, the bot-wide risk gate, the venue and the state store). The live
runner (:mod:`framework.runtime.runner`) and the replay engine
(:mod:`framework.backtest.engine`) feed the host their events; the two differ only in their
venue and in the :class:`Scheduler` they inject: when a failed strategy comes back, and how
``on_error: raise`` ends the run.

Dispatch, the same live and in a replay:

1. a tick goes to ``on_tick`` of each running strategy that trades its symbol, in config
   order (:attr:`StrategyHost.tick_handlers`, rebuilt in place when a slot changes state,
   never per tick, and without the strategies that do not override ``on_tick``; the replay
   engine reads it in its hot loop, the runner calls :meth:`StrategyHost.tick`). For a
   symbol with candle series, the bars the tick closed go to ``on_candle`` first (bars in
   ascending granularity, strategies in config order), and the forming bars to
   ``on_candle_update`` after it;
2. a transaction goes to the running strategies whose class sets ``wants_transactions``;
3. a contract update first tells the strategy's context (and the risk gate) that the
   contract is the strategy's, so that ``ctx.sell``/``update``/``cancel`` may name it; the
   update itself goes to the strategy only if it overrides ``on_contract_update``
   (:attr:`Slot.wants_updates`: an update costs a bid price per open contract per tick, so a
   venue asks first; the replay tells the context at the purchase instead);
4. a settled contract is always booked (risk gate, then sizing, then the open set);
   ``on_contract_closed`` is called only while its strategy runs;
5. an order the venue could not carry out is always counted and logged (once per code) by
   the context, then given to ``on_order_failed`` while the strategy runs.

Failures. A hook that raises never reaches the caller. The slot counts the error and logs
it with its traceback; then, by ``on_error``:

* ``restart``: the slot gets no events; the scheduler runs the restart (live after a backoff
  of 1 s, 2 s, 4 s..., in a replay at once); a fresh instance is created (the context, with
  its state, open contracts and sizing, is kept) and ``on_start`` runs. A slot that already
  restarted ``max_restarts`` times is disabled instead;
* ``disable``: it gets no more events;
* ``raise``: the run stops with :class:`StrategyFailed` (the replay raises it where it
  happened; the live bot stops gracefully, then exits with it).

Slot states: ``created`` (added, not started), ``running``, ``restarting`` (waiting for its
restart), ``disabled`` (failed for good), ``stopped`` (the run ended).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal, Protocol

import attrs

from framework.deriv.models import Candle, Tick, Transaction
from framework.errors import TriobotError
from framework.logs import get_logger
from framework.risk import RiskGate
from framework.sizing import Fixed, StakeConfig, make_sizer

from ._context import Context, Venue
from ._feeds import FeedBook, SymbolFeed
from ._history import StrategyHistory
from .base import Strategy
from .events import ClosedContract, ContractTemplate, ContractUpdate, OrderFailed, TradeIntent
from .series import CandleSeries, merge_series
from .state import StateStore

__all__ = [
    "Immediate",
    "OnError",
    "Scheduler",
    "Slot",
    "SlotState",
    "StrategyFailed",
    "StrategyHost",
    "StrategySetup",
]

OnError = Literal["restart", "disable", "raise"]
"""What a raising hook does to its strategy (the config's ``on_error``)."""

SlotState = Literal["created", "running", "restarting", "disabled", "stopped"]


class StrategyFailed(TriobotError):
    """A strategy could not be created, or a hook raised under ``on_error: raise``.

    The message names the strategy, the tick epoch and the error; the hook's exception is
    chained as ``__cause__``.
    """


@attrs.frozen
class StrategySetup:
    """One strategy as the host runs it (built from a bot config, or by hand in a test).

    Attributes:
        name: unique name (prefix of its intent ids).
        cls: the strategy class.
        params: an instance of ``cls.Params``.
        symbols: symbols it trades; it receives ticks of these only.
        contract: default contract terms.
        stake: stake sizing scheme.
        on_error: what a raising hook does (see the module docstring). A bot config
            defaults to ``restart``; a set-up built by hand to ``raise``, so that a bug in
            a test or a benchmark fails loudly.
        max_restarts: restarts before a failing strategy is disabled.
        candles: candle series added to those the class declares (the config's).
        tick_history: ticks of look-back, if more than the class declares.
    """

    name: str
    cls: type[Strategy[Any]]
    params: Any
    symbols: tuple[str, ...]
    contract: ContractTemplate = attrs.field(factory=ContractTemplate)
    stake: StakeConfig = attrs.field(factory=lambda: Fixed(1.0))
    on_error: OnError = "raise"
    max_restarts: int = 5
    candles: tuple[CandleSeries, ...] = ()
    tick_history: int = 0

    def candle_series(self) -> tuple[CandleSeries, ...]:
        """Every candle series of the strategy: the class's for its params, then the
        config's, merged (the longest history of a repeated series wins)."""
        return merge_series(self.cls.candle_series(self.params), self.candles)

    def look_back(self) -> int:
        """Ticks of history the strategy wants."""
        return max(self.cls.tick_look_back(self.params), self.tick_history)


class Scheduler(Protocol):
    """What the host asks of the run it is part of (the live runner, or a replay)."""

    def restart_delay(self, slot: Slot) -> float:
        """Seconds ``slot``, which just failed, waits before it restarts (0: at once)."""
        ...

    def call_later(self, slot: Slot, delay: float, restart: Callable[[], None]) -> None:
        """Run ``restart`` (which brings ``slot`` back) after ``delay`` seconds."""
        ...

    def fail(self, error: StrategyFailed) -> None:
        """End the run because of ``error``: raise it, or stop the run and keep it."""
        ...


class Immediate:
    """The replay's :class:`Scheduler`: no clock to wait on, so restarts happen at once and
    ``on_error: raise`` raises where the hook failed."""

    def restart_delay(self, slot: Slot) -> float:
        """Always 0."""
        return 0.0

    def call_later(self, slot: Slot, delay: float, restart: Callable[[], None]) -> None:
        """Restart now."""
        restart()

    def fail(self, error: StrategyFailed) -> None:
        """Raise ``error``.

        Raises:
            StrategyFailed: always.
        """
        raise error


class Slot:
    """One hosted strategy: its instance, its context, its policy and its counters.

    Its methods call the strategy's hooks directly and let exceptions through (the testing
    helper :func:`~framework.strategy.testing.make_host` hands out a bare slot);
    :class:`StrategyHost` calls them under the failure policy.

    Attributes:
        cls: the strategy class.
        ctx: its context (kept across restarts, with its state and open contracts).
        strategy: the current instance.
        on_error: its failure policy.
        max_restarts: restarts before it is disabled.
        state: see the module docstring.
        errors: hook exceptions so far.
        restarts: restarts so far.
        wants_updates: the class overrides ``on_contract_update``.
        wants_transactions: the class asked for the transaction stream.
    """

    __slots__ = (
        "_gate",
        "cls",
        "ctx",
        "errors",
        "max_restarts",
        "on_error",
        "restarts",
        "state",
        "strategy",
        "wants_transactions",
        "wants_updates",
    )

    def __init__(
        self,
        cls: type[Strategy[Any]],
        ctx: Context,
        gate: RiskGate,
        *,
        on_error: OnError = "raise",
        max_restarts: int = 5,
    ) -> None:
        """Create the slot and the strategy instance (no hook runs yet).

        Args:
            cls: the strategy class.
            ctx: its context.
            gate: the bot-wide risk gate (told about each of this strategy's results).
            on_error: its failure policy.
            max_restarts: restarts before it is disabled.
        """
        self.cls = cls
        self.ctx = ctx
        self._gate = gate
        self.on_error: OnError = on_error
        self.max_restarts = max_restarts
        self.state: SlotState = "created"
        self.errors = 0
        self.restarts = 0
        self.wants_transactions = cls.wants_transactions
        self.wants_updates = cls.on_contract_update is not Strategy.on_contract_update
        self.strategy: Strategy[Any] = cls(ctx.params, ctx)

    @property
    def name(self) -> str:
        """The strategy's configured name."""
        return self.ctx.name

    def start(self) -> None:
        """Run ``on_start``."""
        self.strategy.on_start()

    def tick(self, tick: Tick) -> None:
        """Deliver one tick."""
        self.strategy.on_tick(tick)

    def candle(self, candle: Candle) -> None:
        """Deliver one closed bar."""
        self.strategy.on_candle(candle)

    def candle_update(self, candle: Candle) -> None:
        """Deliver the forming bar."""
        self.strategy.on_candle_update(candle)

    def transaction(self, tx: Transaction) -> None:
        """Deliver one transaction (only when the strategy wants them)."""
        if self.wants_transactions:
            self.strategy.on_transaction(tx)

    def contract_opened(self, intent_id: str, contract_id: int, buy_price: float) -> None:
        """Book that ``contract_id`` (bought for ``intent_id`` at ``buy_price``) is open.

        The context learns it is this strategy's (orders may name it); the risk gate counts
        what was paid as at risk until it closes (a recovered contract the gate never saw
        included). Repeats are free.
        """
        if self.ctx._opened(intent_id, contract_id):
            self._gate.on_bought(intent_id, buy_price)

    def contract_update(self, update: ContractUpdate) -> None:
        """Deliver one update of an open contract (booking it first)."""
        self.contract_opened(update.intent_id, update.contract_id, update.buy_price)
        self.strategy.on_contract_update(update)

    def contract_closed(self, result: ClosedContract, *, notify: bool = True) -> None:
        """Account for a settled contract (gate, sizing, open set), then tell the strategy.

        The bookkeeping happens before the hook so that a hook that raises cannot leave
        the gate or the sizing behind. ``notify=False`` books the result without calling
        the hook: a disabled (or restarting) strategy's money still counts.
        """
        self._gate.on_contract_closed(result)
        self.ctx.sizer.on_result(result.buy_price, result.profit)
        self.ctx._closed(result)
        if notify:
            self.strategy.on_contract_closed(result)

    def order_failed(self, failure: OrderFailed, *, notify: bool = True) -> None:
        """Count and log an order the venue could not carry out, then tell the strategy."""
        self.ctx._order_failed(failure)
        if notify:
            self.strategy.on_order_failed(failure)

    def intent_rejected(self, intent: TradeIntent) -> None:
        """Forget an intent the venue could not buy (no contract exists for it)."""
        self._gate.on_rejected(intent)
        self.ctx._rejected(intent)

    def stop(self) -> None:
        """Run ``on_stop`` and flush the state store."""
        try:
            self.strategy.on_stop()
        finally:
            self.ctx.state.flush()

    def restart(self) -> None:
        """Replace a failed instance with a fresh one and run its ``on_start``.

        The context (state, open contracts, sizing) is kept: a restart loses no money
        bookkeeping, only the instance's in-memory indicators.
        """
        self.restarts += 1
        history = self.ctx.history
        if history is not None:
            history.drop_indicators()  # the new instance attaches its own in on_start
        self.strategy = self.cls(self.ctx.params, self.ctx)
        self.strategy.on_start()


class StrategyHost:
    """The strategies of one run, their dispatch and their failure policy.

    Attributes:
        slots: the strategies, in config (dispatch) order, by name.
        tick_handlers: symbol -> the ``on_tick`` of each running strategy trading it, in
            order; mutated in place, so a loop may hold a reference to it.
        book: the market history the strategies declared (ticks and candle series).
        feeds: symbol -> its history feed, for the symbols that have one (the book's own
            dict, never replaced: a tick of such a symbol must go through :meth:`tick`).
        candles: closed bars given out since the start (each once, whatever its series'
            number of strategies).
    """

    def __init__(
        self,
        gate: RiskGate,
        *,
        scheduler: Scheduler | None = None,
        on_state: Callable[[Slot], None] | None = None,
        log: Any = None,
    ) -> None:
        """Create an empty host; :meth:`add` the strategies, then :meth:`start_all`.

        Args:
            gate: the bot-wide risk gate.
            scheduler: restarts and fatal failures (default :class:`Immediate`, a replay's).
            on_state: told when a failure restarts or disables a strategy, and when it is
                running again (the live bot publishes it).
            log: a structlog logger.
        """
        self.slots: dict[str, Slot] = {}
        self.tick_handlers: dict[str, tuple[Callable[[Tick], None], ...]] = {}
        self.book = FeedBook()
        self.feeds: dict[str, SymbolFeed] = self.book.feeds
        self.candles = 0
        self._candle_slots: dict[tuple[str, int], tuple[Slot, ...]] = {}
        self._forming_slots: dict[tuple[str, int], tuple[Slot, ...]] = {}
        self._started = False
        self._tx_slots: tuple[Slot, ...] = ()
        self._gate = gate
        self._scheduler: Scheduler = scheduler if scheduler is not None else Immediate()
        self._log = log if log is not None else get_logger("triobot.strategies")
        self._stopping = False
        self._on_state = on_state

    def add(
        self, setup: StrategySetup, *, venue: Venue, state: StateStore, first_seq: int = 0
    ) -> Slot:
        """Assemble one strategy's context and slot (before :meth:`start_all`).

        Args:
            setup: the strategy.
            venue: where its allowed intents go (the execution actor, the replay engine).
            state: its persistent store.
            first_seq: the last intent sequence number already used (live: the journal's,
                so that ids stay unique across restarts of the bot).

        Returns:
            The slot.

        Raises:
            ValueError: the name is taken.
            StrategyFailed: the strategy's constructor raised.
        """
        if setup.name in self.slots:
            raise ValueError(f"strategy {setup.name!r} is already hosted")
        try:
            series, look_back = setup.candle_series(), setup.look_back()
        except Exception as exc:  # a plugin's classmethods run arbitrary code
            raise StrategyFailed(
                f"strategy {setup.name!r} cannot declare its history: {type(exc).__name__}: {exc}"
            ) from exc
        history = StrategyHistory(self.book, setup.name, setup.symbols, series, look_back)
        ctx = Context(
            name=setup.name,
            params=setup.params,
            symbols=setup.symbols,
            contract=setup.contract,
            sizer=make_sizer(setup.stake),
            gate=self._gate,
            venue=venue,
            state=state,
            log=self._log,
            first_seq=first_seq,
            history=history,
        )
        try:
            slot = Slot(
                setup.cls,
                ctx,
                self._gate,
                on_error=setup.on_error,
                max_restarts=setup.max_restarts,
            )
        except Exception as exc:  # a plugin's constructor runs arbitrary code
            raise StrategyFailed(
                f"strategy {setup.name!r} cannot be created: {type(exc).__name__}: {exc}"
            ) from exc
        self.slots[setup.name] = slot
        # Before any data: the book holds the longest look-back of every strategy so far.
        self.book.plan(
            want for s in self.slots.values() if s.ctx.history for want in s.ctx.history.wants()
        )
        return slot

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every symbol some strategy trades, in first-seen order."""
        seen: dict[str, None] = {}
        for slot in self.slots.values():
            for symbol in slot.ctx.symbols:
                seen.setdefault(symbol, None)
        return tuple(seen)

    @property
    def wants_transactions(self) -> bool:
        """Some strategy asked for the transaction stream."""
        return any(s.wants_transactions for s in self.slots.values())

    @property
    def wants_updates(self) -> bool:
        """Some strategy overrides ``on_contract_update``."""
        return any(s.wants_updates for s in self.slots.values())

    # -- lifecycle -----------------------------------------------------------------------

    def start_all(self) -> None:
        """Run every strategy's ``on_start``; one that raises is handled by its policy."""
        self._started = True
        for slot in self.slots.values():
            if slot.state == "created":
                slot.state = "running"
                self._guard(slot, slot.start)
        self._rebuild()

    def stop_all(self) -> None:
        """Run ``on_stop`` of every running strategy (and flush its state); end the others.

        A failing ``on_stop`` counts as an error; nothing restarts any more.
        """
        self._stopping = True
        for slot in self.slots.values():
            if slot.state == "running":
                self._guard(slot, slot.stop)
            if slot.state != "disabled":
                slot.state = "stopped"
        self._rebuild()

    # -- events --------------------------------------------------------------------------

    def tick(self, tick: Tick) -> None:
        """Deliver one tick to the running strategies of its symbol, in order.

        For a symbol with a history feed: first the bars this tick closed (``on_candle``),
        then the tick, then the forming bars of the series that want them.
        """
        feed = self.feeds.get(tick[0])
        if feed is not None:
            self.feed_tick(feed, tick)
            return
        self._on_tick(tick)

    def feed_tick(self, feed: SymbolFeed, tick: Tick) -> None:
        """:meth:`tick` for a symbol whose feed the caller looked up (the replay's loop)."""
        closed = feed.tick(tick)
        if not self._started:
            return  # a warm-up: history only
        for candle in closed:
            self._deliver_candle(candle)
        self._on_tick(tick)
        if self._forming_slots:
            for candle in feed.forming():
                for slot in self._forming_slots.get((candle.symbol, candle.granularity), ()):
                    if slot.state == "running":
                        self._guard(slot, slot.candle_update, candle)

    def _deliver_candle(self, candle: Candle) -> None:
        self.candles += 1
        for slot in self._candle_slots.get((candle.symbol, candle.granularity), ()):
            if slot.state == "running":
                self._guard(slot, slot.candle, candle)

    def warm_up(self, tick: Tick) -> None:
        """Take a tick of history before the strategies start (nothing is delivered)."""
        feed = self.feeds.get(tick[0])
        if feed is not None:
            feed.tick(tick)

    def server_candle(self, candle: Candle, last_epoch: int) -> None:
        """Live: take the server's forming bar (``ohlc``); deliver the bar it closed."""
        feed = self.feeds.get(candle.symbol)
        if feed is not None:
            for closed in feed.merge(candle, last_epoch):
                if self._started:
                    self._deliver_candle(closed)

    def server_history(self, symbol: str, granularity: int, candles: Sequence[Candle]) -> int:
        """Live: take closed bars of a ``ticks_history`` answer (the warm-up before the
        start, the gap after a reconnect); deliver those not given out yet, in order.

        Returns:
            How many bars were new.
        """
        feed = self.feeds.get(symbol)
        if feed is None:
            return 0
        new = feed.fill(granularity, candles)
        if self._started:
            for closed in new:
                self._deliver_candle(closed)
        return len(new)

    def _on_tick(self, tick: Tick) -> None:
        # The replay engine inlines this loop for symbols without a feed (a call less per
        # tick); the table and the failure policy stay here.
        handlers = self.tick_handlers.get(tick[0])
        if handlers is not None:
            for on_tick in handlers:
                try:
                    on_tick(tick)
                except Exception as exc:
                    self.tick_failed(on_tick, exc)

    def tick_failed(self, on_tick: Callable[[Tick], None], exc: Exception) -> None:
        """Apply the policy of the strategy whose handler (from :attr:`tick_handlers`) raised."""
        owner = getattr(on_tick, "__self__", None)
        for slot in self.slots.values():
            if slot.strategy is owner:
                self._failed(slot, exc)
                return
        raise exc  # pragma: no cover - every handler belongs to a slot

    def transaction(self, tx: Transaction) -> None:
        """Deliver an account transaction to the running strategies that want them."""
        for slot in self._tx_slots:
            if slot.state == "running":
                self._guard(slot, slot.transaction, tx)

    def contract_update(self, slot: Slot, update: ContractUpdate) -> None:
        """Book an update of one of ``slot``'s contracts; deliver it if it runs and wants it."""
        if slot.wants_updates and slot.state == "running":
            self._guard(slot, slot.contract_update, update)
        else:
            slot.contract_opened(update.intent_id, update.contract_id, update.buy_price)

    def order_failed(self, slot: Slot, failure: OrderFailed) -> None:
        """Book an order of ``slot`` that failed, and tell the strategy if it runs."""
        if slot.state != "running":
            slot.order_failed(failure, notify=False)
            return
        self._guard(slot, slot.order_failed, failure)

    def contract_closed(self, slot: Slot, result: ClosedContract) -> None:
        """Book a settled contract of ``slot``, and tell the strategy if it runs."""
        if slot.state != "running":
            slot.contract_closed(result, notify=False)
            return
        self._guard(slot, slot.contract_closed, result)

    # -- failures ------------------------------------------------------------------------

    def _guard(self, slot: Slot, hook: Callable[..., None], *args: Any) -> None:
        try:
            hook(*args)
        except Exception as exc:
            self._failed(slot, exc)

    def _failed(self, slot: Slot, exc: Exception) -> None:
        if slot.state != "running":
            return  # its failure is being handled already
        slot.errors += 1
        error = f"{type(exc).__name__}: {exc}"
        epoch = slot.ctx.now
        if slot.on_error == "raise":
            slot.state = "disabled"
            self._rebuild()
            self._state_changed(slot)
            failure = StrategyFailed(f"strategy {slot.name!r} raised at epoch {epoch}: {error}")
            failure.__cause__ = exc
            self._scheduler.fail(failure)
            return
        restart = (
            slot.on_error == "restart" and slot.restarts < slot.max_restarts and not self._stopping
        )
        slot.state = "restarting" if restart else "disabled"
        delay = self._scheduler.restart_delay(slot) if restart else None
        self._log.error(
            "strategy raised; " + ("restarting" if restart else "disabled"),
            strategy=slot.name,
            epoch=epoch,
            error=error,
            restarts=slot.restarts,
            restart_in=delay,
            exc_info=exc,
        )
        self._rebuild()
        self._state_changed(slot)
        if delay is not None:
            self._scheduler.call_later(slot, delay, lambda: self._restart(slot))

    def _restart(self, slot: Slot) -> None:
        if slot.state != "restarting":
            return  # the run ended while it waited
        slot.state = "running"
        try:
            slot.restart()
        except Exception as exc:
            self._failed(slot, exc)
            return
        self._log.warning("strategy restarted", strategy=slot.name, restarts=slot.restarts)
        self._rebuild()
        self._state_changed(slot)

    def _state_changed(self, slot: Slot) -> None:
        if self._on_state is not None:
            self._on_state(slot)

    def _rebuild(self) -> None:
        table: dict[str, list[Callable[[Tick], None]]] = {}
        for slot in self.slots.values():
            if slot.state != "running":
                continue
            if type(slot.strategy).on_tick is Strategy.on_tick:
                continue  # on candles only: no call per tick to a hook that does nothing
            on_tick = slot.strategy.on_tick
            for symbol in slot.ctx.symbols:
                table.setdefault(symbol, []).append(on_tick)
        # In place: the replay's hot loop and a tick being dispatched hold this dict.
        self.tick_handlers.clear()
        self.tick_handlers.update({k: tuple(v) for k, v in table.items()})
        self._tx_slots = tuple(
            s for s in self.slots.values() if s.wants_transactions and s.state == "running"
        )
        candles: dict[tuple[str, int], list[Slot]] = {}
        forming: dict[tuple[str, int], list[Slot]] = {}
        for slot in self.slots.values():
            history = slot.ctx.history
            if slot.state != "running" or history is None:
                continue
            for symbol in slot.ctx.symbols:
                for g in history.candle_granularities(symbol):
                    candles.setdefault((symbol, g), []).append(slot)
                for g in history.forming_granularities(symbol):
                    forming.setdefault((symbol, g), []).append(slot)
        self._candle_slots = {k: tuple(v) for k, v in candles.items()}
        self._forming_slots = {k: tuple(v) for k, v in forming.items()}

    def summary(self) -> Sequence[dict[str, Any]]:
        """One row per strategy: state, errors, restarts, intents, refusals, orders (by kind),
        orders refused by the context (by reason) and failed at the venue (by code)."""
        return [
            {
                "strategy": s.name,
                "state": s.state,
                "errors": s.errors,
                "restarts": s.restarts,
                "paused": s.ctx.paused,
                "intents": s.ctx.submitted,
                "refusals": dict(s.ctx.refusals),
                "orders": dict(s.ctx.order_counts),
                "order_refusals": dict(s.ctx.order_refusals),
                "order_failures": dict(s.ctx.order_failures),
            }
            for s in self.slots.values()
        ]
