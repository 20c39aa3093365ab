"""The strategy runner: live events to the strategies' synchronous hooks, failures contained.

One :class:`StrategyRunner` per bot holds every strategy's
:class:`~framework.strategy.context.StrategyHost` and calls their hooks inline, in config
order, from the task that read the event: a tick costs one function call per strategy, no
channel hop (see the design notes). It is also the execution actor's
:class:`~framework.execution.ExecutionSink`, so results reach the right strategy through
the host (risk gate, then sizing, then ``on_contract_closed``), as in a backtest.

A hook that raises never takes the others down. The failure is logged with its traceback;
then, by the strategy's ``on_error``:

* ``restart``: the strategy stops receiving events, and after a backoff (1 s, 2 s, 4 s...
  capped at a minute) a fresh instance is created and ``on_start`` runs again. Its context
  (open contracts, sizing, state) is kept. After ``max_restarts`` it is disabled.
* ``disable``: it receives nothing more.

A strategy that is not running still has its contracts' results booked (risk gate, sizing,
open set), only its hook is not called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import attrs
import trio

from framework.deriv.models import Tick, Transaction
from framework.logs import get_logger
from framework.strategy import Strategy, StrategyHost
from framework.strategy.events import ClosedContract, ContractUpdate, TradeIntent

__all__ = ["RestartPolicy", "Slot", "StrategyRunner"]

SlotState = Literal["running", "restarting", "disabled", "stopped"]


@attrs.frozen
class RestartPolicy:
    """How a failed strategy comes back.

    Attributes:
        first_delay: seconds before the first restart.
        max_delay: the cap of the doubling delay.
        healthy_after: seconds of running without error after which the delay resets.
    """

    first_delay: float = 1.0
    max_delay: float = 60.0
    healthy_after: float = 300.0

    def delay(self, attempt: int) -> float:
        """The delay before restart number ``attempt`` (1-based) of a run of failures."""
        return float(min(self.max_delay, self.first_delay * 2 ** (attempt - 1)))


@attrs.define(eq=False)
class Slot:
    """One strategy as the runner sees it.

    Attributes:
        host: its host (instance and context).
        on_error: ``restart`` or ``disable``.
        max_restarts: restarts before it is disabled.
        state: running, restarting (waiting out the backoff), disabled, or stopped.
        errors: hook exceptions so far.
        streak: failures since it last ran healthily (drives the backoff).
        started_at: Trio time of its latest (re)start.
        wants_updates: it overrides ``on_contract_update``.
    """

    host: StrategyHost
    on_error: str = "restart"
    max_restarts: int = 5
    state: SlotState = "running"
    errors: int = 0
    streak: int = 0
    started_at: float = 0.0
    wants_updates: bool = False

    @property
    def name(self) -> str:
        """The strategy's configured name."""
        return self.host.ctx.name


class StrategyRunner:
    """Dispatches live events to strategies and applies their error policies.

    Attributes:
        slots: the strategies, in config order, by name.
        ticks: ticks received.
        last_epoch: the latest tick epoch per symbol.
    """

    def __init__(
        self,
        *,
        policy: RestartPolicy | None = None,
        log: Any = None,
    ) -> None:
        """Create an empty runner; :meth:`add` the strategies, then :meth:`run` it.

        Args:
            policy: restart backoff.
            log: a structlog logger.
        """
        self.slots: dict[str, Slot] = {}
        self.ticks = 0
        self.last_epoch: dict[str, int] = {}
        self._policy = policy or RestartPolicy()
        self._log = log if log is not None else get_logger("triobot.strategies")
        self._clock: Any = None
        self._handlers: dict[str, tuple[tuple[Slot, Callable[[Tick], None]], ...]] = {}
        self._tx_slots: tuple[Slot, ...] = ()
        self._waiters: list[tuple[str, int, trio.Event]] = []
        self._nursery: trio.Nursery | None = None
        self._started = False

    def add(self, host: StrategyHost, *, on_error: str = "restart", max_restarts: int = 5) -> Slot:
        """Add one strategy (before :meth:`start_all`)."""
        cls = host.cls
        slot = Slot(
            host,
            on_error=on_error,
            max_restarts=max_restarts,
            wants_updates=cls.on_contract_update is not Strategy.on_contract_update,
        )
        self.slots[slot.name] = slot
        return slot

    def on_epoch(self, clock: Any) -> None:
        """Keep ``clock.now`` at the latest tick epoch (the venue's tick clock)."""
        self._clock = clock

    @property
    def symbols(self) -> tuple[str, ...]:
        """Every symbol some strategy trades, in first-seen order."""
        seen: dict[str, None] = {}
        for slot in self.slots.values():
            for symbol in slot.host.ctx.symbols:
                seen.setdefault(symbol, None)
        return tuple(seen)

    @property
    def wants_transactions(self) -> bool:
        """Some strategy asked for the transaction stream."""
        return any(s.host.cls.wants_transactions for s in self.slots.values())

    # -- lifecycle -----------------------------------------------------------------------

    async def run(
        self, *, task_status: trio.TaskStatus[StrategyRunner] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Host the restart timers until cancelled."""
        async with trio.open_nursery() as nursery:
            self._nursery = nursery
            task_status.started(self)
            await trio.sleep_forever()

    def start_all(self) -> None:
        """Run every strategy's ``on_start``; one that raises is handled by its policy."""
        now = trio.current_time()
        for slot in self.slots.values():
            slot.started_at = now
            self._guard(slot, slot.host.start)
        self._started = True
        self._rebuild()

    def stop_all(self) -> None:
        """Run ``on_stop`` of every strategy still running (and flush their state)."""
        for slot in self.slots.values():
            if slot.state == "running":
                try:
                    slot.host.stop()
                except Exception:
                    self._log.exception("strategy on_stop raised", strategy=slot.name)
            slot.state = "stopped"
        self._rebuild()

    # -- events --------------------------------------------------------------------------

    def on_tick(self, tick: Tick) -> None:
        """Deliver one tick to the strategies of its symbol, inline."""
        symbol = tick[0]
        epoch = tick[1]
        self.ticks += 1
        clock = self._clock
        if clock is not None and epoch > clock.now:
            clock.now = epoch
        handlers = self._handlers.get(symbol)
        if handlers is not None:
            for slot, on_tick in handlers:
                try:
                    on_tick(tick)
                except Exception as exc:
                    self._failed(slot, exc)
        self.last_epoch[symbol] = epoch
        if self._waiters:
            self._wake(symbol, epoch)

    async def tick_reached(self, symbol: str, epoch: int) -> None:
        """Return once the tick of ``symbol`` at ``epoch`` (or a later one) was dispatched."""
        if self.last_epoch.get(symbol, -1) >= epoch:
            return
        event = trio.Event()
        self._waiters.append((symbol, epoch, event))
        try:
            await event.wait()
        finally:
            self._waiters = [w for w in self._waiters if w[2] is not event]

    def _wake(self, symbol: str, epoch: int) -> None:
        for sym, wanted, event in self._waiters:
            if sym == symbol and epoch >= wanted:
                event.set()

    def transaction(self, tx: Transaction) -> None:
        """Deliver an account transaction to the strategies that want them."""
        for slot in self._tx_slots:
            if slot.state == "running":
                self._guard(slot, slot.host.transaction, tx)

    def update(self, intent: TradeIntent, update: ContractUpdate) -> None:
        """Deliver a contract update to the strategy that bought it."""
        slot = self.slots.get(intent.strategy)
        if slot is not None and slot.wants_updates and slot.state == "running":
            self._guard(slot, slot.host.contract_update, update)

    def closed(self, intent: TradeIntent, result: ClosedContract) -> None:
        """Book a settled contract and tell its strategy (if it is running)."""
        slot = self.slots.get(intent.strategy)
        if slot is None:
            return  # a recovered contract of a strategy no longer configured
        host = slot.host
        if slot.state != "running" or not self._started:
            # Keep the money bookkeeping of a strategy that is down, without its hook.
            host.contract_closed(result, notify=False)
            return
        self._guard(slot, host.contract_closed, result)

    def rejected(self, intent: TradeIntent, reason: str) -> None:
        """Forget an intent that was not bought."""
        slot = self.slots.get(intent.strategy)
        if slot is not None:
            slot.host.intent_rejected(intent)

    # -- failures ------------------------------------------------------------------------

    def _guard(self, slot: Slot, hook: Callable[..., None], *args: Any) -> None:
        try:
            hook(*args)
        except Exception as exc:
            self._failed(slot, exc)

    def _failed(self, slot: Slot, exc: Exception) -> None:
        if slot.state != "running":
            return
        slot.errors += 1
        now = trio.current_time()
        if now - slot.started_at >= self._policy.healthy_after:
            slot.streak = 0
        slot.streak += 1
        host = slot.host
        can_restart = (
            slot.on_error == "restart"
            and host.restarts < slot.max_restarts
            and self._nursery is not None
        )
        slot.state = "restarting" if can_restart else "disabled"
        delay = self._policy.delay(slot.streak) if can_restart else None
        self._log.error(
            "strategy raised; " + ("restarting" if can_restart else "disabled"),
            strategy=slot.name,
            error=f"{type(exc).__name__}: {exc}",
            restarts=host.restarts,
            restart_in=delay,
            exc_info=exc,
        )
        self._rebuild()
        if can_restart and self._nursery is not None and delay is not None:
            self._nursery.start_soon(self._restart, slot, delay)

    async def _restart(self, slot: Slot, delay: float) -> None:
        await trio.sleep(delay)
        if slot.state != "restarting":
            return
        slot.state = "running"
        slot.started_at = trio.current_time()
        try:
            slot.host.restart()
        except Exception as exc:
            self._failed(slot, exc)
            return
        self._log.warning("strategy restarted", strategy=slot.name, restarts=slot.host.restarts)
        self._rebuild()

    def _rebuild(self) -> None:
        table: dict[str, list[tuple[Slot, Callable[[Tick], None]]]] = {}
        for slot in self.slots.values():
            if slot.state != "running" or not self._started:
                continue
            on_tick = slot.host.strategy.on_tick
            for symbol in slot.host.ctx.symbols:
                table.setdefault(symbol, []).append((slot, on_tick))
        self._handlers = {k: tuple(v) for k, v in table.items()}
        self._tx_slots = tuple(
            s for s in self.slots.values() if s.host.cls.wants_transactions and s.state == "running"
        )

    def summary(self) -> Sequence[dict[str, Any]]:
        """One row per strategy: state, errors, restarts, refusals."""
        return [
            {
                "strategy": s.name,
                "state": s.state,
                "errors": s.errors,
                "restarts": s.host.restarts,
                "intents": s.host.ctx.submitted,
                "refusals": dict(s.host.ctx.refusals),
            }
            for s in self.slots.values()
        ]
