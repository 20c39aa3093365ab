"""The strategy runner: the live side of the strategy host, under Trio.

The strategies themselves (dispatch, failure policy, context assembly) are hosted by the
same :class:`~framework.strategy._host.StrategyHost` the replay engine uses. What is live
only lives here:

* ticks are dispatched inline, in config order, from the task that read them (one function
  call per strategy, no channel hop), after the venue's tick clock moved; tasks may wait
  for a tick to have been dispatched (:meth:`StrategyRunner.tick_reached`);
* it is the execution actor's :class:`~framework.execution.ExecutionSink`: results, updates,
  failed orders and transactions reach their strategy through the host;
* it is the host's :class:`~framework.strategy._host.Scheduler`: a failed strategy restarts
  after a backoff (1 s, 2 s, 4 s... capped at a minute; the streak resets after it ran
  healthily for :attr:`RestartPolicy.healthy_after`), on a timer task in :meth:`run`'s
  nursery; ``on_error: raise`` asks the bot to stop (the bot then exits with the
  :class:`~framework.strategy._host.StrategyFailed` kept in :attr:`StrategyRunner.failure`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs
import trio

from framework.bus import EventBus
from framework.deriv.models import Tick, Transaction
from framework.logs import get_logger
from framework.risk import RiskGate
from framework.strategy._host import Slot, StrategyFailed, StrategyHost
from framework.strategy.events import ClosedContract, ContractUpdate, OrderFailed, TradeIntent

__all__ = ["RestartPolicy", "StrategyRunner"]


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


class StrategyRunner:
    """Feeds live events to the strategy host and schedules its restarts.

    Attributes:
        host: the strategies.
        ticks: ticks received.
        last_epoch: the latest tick epoch per symbol (history taken at the start included).
        failure: the failure that stopped the bot (a hook under ``on_error: raise``).
    """

    def __init__(
        self,
        gate: RiskGate,
        *,
        policy: RestartPolicy | None = None,
        on_fatal: Callable[[str], None] | None = None,
        events: EventBus | None = None,
        log: Any = None,
    ) -> None:
        """Create a runner with an empty host; ``host.add`` the strategies, :meth:`run` it,
        then :meth:`start_all`.

        Args:
            gate: the bot-wide risk gate.
            policy: restart backoff.
            on_fatal: asks the bot to stop, with a reason (``on_error: raise``).
            events: where a strategy's restarts, disabling and pauses are published.
            log: a structlog logger.
        """
        self._log = log if log is not None else get_logger("triobot.strategies")
        self.events = events if events is not None else EventBus()
        self.host = StrategyHost(gate, scheduler=self, on_state=self.state_changed, log=self._log)
        self.ticks = 0
        self.last_epoch: dict[str, int] = {}
        self.failure: StrategyFailed | None = None
        self._policy = policy or RestartPolicy()
        self._on_fatal = on_fatal
        self._clock: Any = None
        self._waiters: list[tuple[str, int, trio.Event]] = []
        self._nursery: trio.Nursery | None = None
        self._streaks: dict[str, tuple[int, float]] = {}
        self._started_at = 0.0

    @property
    def slots(self) -> dict[str, Slot]:
        """The strategies, in config order, by name."""
        return self.host.slots

    def on_epoch(self, clock: Any) -> None:
        """Keep ``clock.now`` at the latest tick epoch (the venue's tick clock)."""
        self._clock = clock

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
        """Run every strategy's ``on_start`` (after :meth:`run` started)."""
        self._started_at = trio.current_time()
        self.host.start_all()

    def stop_all(self) -> None:
        """Run ``on_stop`` of every strategy still running (and flush their state)."""
        self.host.stop_all()

    # -- events --------------------------------------------------------------------------

    def warm_up(self, tick: Tick) -> None:
        """Take a tick of history before the strategies start (not counted, not dispatched)."""
        epoch = tick[1]
        clock = self._clock
        if clock is not None and epoch > clock.now:
            clock.now = epoch
        self.host.warm_up(tick)
        if epoch > self.last_epoch.get(tick[0], -1):
            self.last_epoch[tick[0]] = epoch

    def on_tick(self, tick: Tick) -> None:
        """Deliver one tick to the strategies of its symbol, inline."""
        symbol = tick[0]
        epoch = tick[1]
        self.ticks += 1
        clock = self._clock
        if clock is not None and epoch > clock.now:
            clock.now = epoch
        self.host.tick(tick)
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
        self.host.transaction(tx)

    def update(self, intent: TradeIntent, update: ContractUpdate) -> None:
        """Deliver a contract update to the strategy that bought it."""
        slot = self.host.slots.get(intent.strategy)
        if slot is not None:
            self.host.contract_update(slot, update)

    def closed(self, intent: TradeIntent, result: ClosedContract) -> None:
        """Book a settled contract and tell its strategy (if it is running)."""
        slot = self.host.slots.get(intent.strategy)
        if slot is not None:  # else a recovered contract of a strategy no longer configured
            self.host.contract_closed(slot, result)

    def order_failed(self, failure: OrderFailed) -> None:
        """Book an order that could not be carried out and tell its strategy."""
        slot = self.host.slots.get(failure.order.strategy)
        if slot is not None:
            self.host.order_failed(slot, failure)

    def rejected(self, intent: TradeIntent, reason: str) -> None:
        """Forget an intent that was not bought."""
        slot = self.host.slots.get(intent.strategy)
        if slot is not None:
            slot.intent_rejected(intent)

    def state_changed(self, slot: Slot) -> None:
        """Publish a strategy's state (a failure's restart or disabling, a pause...)."""
        self.events.publish(
            "strategy",
            strategy=slot.name,
            state=slot.state,
            paused=slot.ctx.paused,
            errors=slot.errors,
            restarts=slot.restarts,
        )

    # -- the host's scheduler ------------------------------------------------------------

    def restart_delay(self, slot: Slot) -> float:
        """The backoff of this failure: doubling within a streak of failures."""
        now = trio.current_time()
        streak, since = self._streaks.get(slot.name, (0, self._started_at))
        if now - since >= self._policy.healthy_after:
            streak = 0
        streak += 1
        self._streaks[slot.name] = (streak, since)
        return self._policy.delay(streak)

    def call_later(self, slot: Slot, delay: float, restart: Callable[[], None]) -> None:
        """Restart ``slot`` on a timer task."""
        if self._nursery is None:
            raise RuntimeError("StrategyRunner.run must be started before the strategies")
        self._nursery.start_soon(self._later, slot, delay, restart)

    async def _later(self, slot: Slot, delay: float, restart: Callable[[], None]) -> None:
        await trio.sleep(delay)
        streak, _ = self._streaks.get(slot.name, (0, 0.0))
        self._streaks[slot.name] = (streak, trio.current_time())
        restart()

    def fail(self, error: StrategyFailed) -> None:
        """Keep the first failure and ask the bot to stop gracefully."""
        self._log.error(
            "strategy raised; stopping the bot (on_error: raise)",
            error=str(error),
            exc_info=error.__cause__,
        )
        if self.failure is None:
            self.failure = error
            if self._on_fatal is not None:
                self._on_fatal(str(error))

    def summary(self) -> Sequence[dict[str, Any]]:
        """One row per strategy: state, errors, restarts, intents, refusals."""
        return self.host.summary()
