"""The live runner as the host's scheduler: restart backoff and ``raise``, in virtual time."""

from __future__ import annotations

from typing import ClassVar

import attrs
import pytest
import trio
import trio.testing

from framework.risk import RiskGate, RiskLimits
from framework.runtime import RestartPolicy, StrategyRunner
from framework.strategy import (
    ClosedContract,
    ContractUpdate,
    MemoryStateStore,
    MemoryVenue,
    OrderFailed,
    Strategy,
    Tick,
    Transaction,
)
from framework.strategy._host import OnError, StrategyFailed, StrategySetup


@attrs.frozen
class FlakyParams:
    """Which hooks raise: the ``tick_fails``-th ``on_tick``, every ``on_start`` but the first."""

    tick_fails: int = 1
    start_fails: bool = False


class Flaky(Strategy[FlakyParams]):
    Params = FlakyParams
    starts: ClassVar[list[float]] = []
    ticks: ClassVar[int] = 0

    def on_start(self) -> None:
        Flaky.starts.append(trio.current_time())
        if self.params.start_fails and len(Flaky.starts) > 1:
            raise RuntimeError("start")
        self._n = 0

    def on_tick(self, tick: Tick) -> None:
        self._n += 1
        Flaky.ticks += 1
        if self._n == self.params.tick_fails:
            raise RuntimeError("tick")


class Steady(Strategy[FlakyParams]):
    Params = FlakyParams
    ticks: ClassVar[int] = 0

    def on_tick(self, tick: Tick) -> None:
        Steady.ticks += 1


def runner_with(
    cls: type[Strategy[FlakyParams]],
    params: FlakyParams,
    *,
    on_error: OnError = "restart",
    policy: RestartPolicy | None = None,
    stops: list[str] | None = None,
) -> tuple[StrategyRunner, MemoryVenue]:
    runner = StrategyRunner(
        RiskGate(RiskLimits()),
        policy=policy,
        on_fatal=stops.append if stops is not None else None,
    )
    venue = MemoryVenue()
    for name, kind in (("flaky", cls), ("steady", Steady)):
        setup = StrategySetup(name, kind, params, ("R_100",), on_error=on_error, max_restarts=5)
        runner.host.add(setup, venue=venue, state=MemoryStateStore())
    Flaky.starts, Flaky.ticks, Steady.ticks = [], 0, 0
    return runner, venue


async def test_restarts_back_off_doubling_up_to_the_cap(
    autojump_clock: trio.testing.MockClock,
) -> None:
    policy = RestartPolicy(first_delay=1.0, max_delay=4.0, healthy_after=100.0)
    runner, _ = runner_with(Flaky, FlakyParams(start_fails=True), policy=policy)
    async with trio.open_nursery() as nursery:
        await nursery.start(runner.run)
        runner.start_all()
        begin = trio.current_time()
        runner.on_tick(Tick("R_100", 1, 1.0, 2))
        await trio.sleep(60)
        nursery.cancel_scope.cancel()
    slot = runner.slots["flaky"]
    offsets = [round(t - begin, 6) for t in Flaky.starts[1:]]
    # 1 s, then 2 s, then 4 s (the cap) between restarts whose on_start raised.
    assert offsets == [1.0, 3.0, 7.0, 11.0, 15.0]
    assert (slot.state, slot.restarts, slot.errors) == ("disabled", 5, 6)
    assert runner.slots["steady"].state == "running"


async def test_the_backoff_resets_after_a_healthy_run(
    autojump_clock: trio.testing.MockClock,
) -> None:
    policy = RestartPolicy(first_delay=1.0, max_delay=60.0, healthy_after=10.0)
    runner, _ = runner_with(Flaky, FlakyParams(tick_fails=1), policy=policy)
    async with trio.open_nursery() as nursery:
        await nursery.start(runner.run)
        runner.start_all()
        begin = trio.current_time()
        runner.on_tick(Tick("R_100", 1, 1.0, 2))  # fails: restart after 1 s
        await trio.sleep(1.5)
        runner.on_tick(Tick("R_100", 2, 1.0, 2))  # fails 0.5 s after: restart after 2 s
        await trio.sleep(30)  # runs healthily for longer than healthy_after
        runner.on_tick(Tick("R_100", 3, 1.0, 2))  # fails: the backoff starts again at 1 s
        await trio.sleep(5)
        nursery.cancel_scope.cancel()
    offsets = [round(t - begin, 6) for t in Flaky.starts[1:]]
    assert offsets == [1.0, 3.5, 32.5]
    assert Steady.ticks == 3


async def test_no_ticks_reach_a_strategy_waiting_for_its_restart(
    autojump_clock: trio.testing.MockClock,
) -> None:
    runner, _ = runner_with(Flaky, FlakyParams(tick_fails=1))
    async with trio.open_nursery() as nursery:
        await nursery.start(runner.run)
        runner.start_all()
        runner.on_tick(Tick("R_100", 1, 1.0, 2))
        runner.on_tick(Tick("R_100", 2, 1.0, 2))
        assert runner.summary()[0]["state"] == "restarting"
        assert (Flaky.ticks, Steady.ticks) == (1, 2)
        await runner.tick_reached("R_100", 2)  # dispatched already: returns at once
        runner.stop_all()
        await trio.sleep(5)  # the pending restart finds the bot stopped
        nursery.cancel_scope.cancel()
    assert runner.slots["flaky"].state == "stopped" and runner.slots["flaky"].restarts == 0


async def test_raise_asks_the_bot_to_stop_and_keeps_the_failure(
    autojump_clock: trio.testing.MockClock,
) -> None:
    stops: list[str] = []
    runner, venue = runner_with(Flaky, FlakyParams(tick_fails=2), on_error="raise", stops=stops)
    async with trio.open_nursery() as nursery:
        await nursery.start(runner.run)
        runner.start_all()
        for epoch in (1, 2, 3):
            venue.now = epoch
            runner.on_tick(Tick("R_100", epoch, 1.0, 2))
        nursery.cancel_scope.cancel()
    assert isinstance(runner.failure, StrategyFailed)
    assert stops == ["strategy 'flaky' raised at epoch 2: RuntimeError: tick"]
    assert isinstance(runner.failure.__cause__, RuntimeError)
    assert Steady.ticks == 3  # the others trade on through the graceful stop
    assert runner.ticks == 3 and runner.last_epoch == {"R_100": 3}


class Listener(Strategy[FlakyParams]):
    """Records what the execution actor's events bring it."""

    Params = FlakyParams
    wants_transactions = True
    seen: ClassVar[list[str]] = []

    def on_transaction(self, tx: Transaction) -> None:
        Listener.seen.append(f"tx {tx.action}")

    def on_contract_update(self, update: ContractUpdate) -> None:
        Listener.seen.append(f"update {update.intent_id}")

    def on_contract_closed(self, result: ClosedContract) -> None:
        Listener.seen.append(f"closed {result.intent_id}")

    def on_order_failed(self, failure: OrderFailed) -> None:
        Listener.seen.append(f"failed {failure.order.order_id}")


async def test_the_execution_actors_events_reach_the_strategy_that_bought(
    autojump_clock: trio.testing.MockClock,
) -> None:
    runner, venue = runner_with(Listener, FlakyParams())
    Listener.seen = []
    async with trio.open_nursery() as nursery:
        await nursery.start(runner.run)
        runner.start_all()
        slot = runner.slots["flaky"]
        mine, lost = slot.ctx.buy("CALL"), slot.ctx.buy("PUT")
        assert mine is not None and lost is not None
        other = attrs.evolve(mine, strategy="gone")  # a recovered contract of no strategy
        runner.transaction(Transaction("buy", -1.0, 99.0, 1, "USD", 1, 0, "R_100", None, 0, raw={}))
        update = ContractUpdate(
            intent_id=mine.intent_id, strategy="flaky", contract_id=1, symbol="R_100",
            contract_type="CALL", buy_price=1.0, payout=1.95, bid_price=1.0, profit=0.0,
            spot_epoch=None, spot=None, entry_epoch=None, entry_quote=None,
        )  # fmt: skip
        runner.update(mine, update)
        runner.update(other, update)
        order = slot.ctx.sell(mine)
        assert order is not None
        runner.order_failed(venue.failed(order, "PriceMoved", "moved"))
        runner.order_failed(venue.failed(attrs.evolve(order, strategy="gone"), "X", "y"))
        runner.rejected(lost, "refused")
        runner.rejected(other, "refused")
        runner.closed(mine, venue.settle(mine, won=True))
        runner.closed(other, venue.settle(lost, won=False))
        nursery.cancel_scope.cancel()
    assert Listener.seen == [
        "tx buy",
        f"update {mine.intent_id}",
        f"failed {mine.intent_id}/sell-1",
        f"closed {mine.intent_id}",
    ]
    assert dict(slot.ctx.open_contracts) == {}


def test_restarts_need_the_runner_running() -> None:
    runner, _ = runner_with(Flaky, FlakyParams())
    with pytest.raises(RuntimeError, match=r"StrategyRunner\.run must be started"):
        runner.call_later(runner.slots["flaky"], 1.0, lambda: None)
