"""The strategy host: dispatch order, the on_error policy and restarts, with an injected scheduler.

The same host serves the live runner (Trio backoff) and the replay engine (restart at once);
these tests drive it synchronously with a scheduler that records what it is asked and
restarts only when the test says so.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from framework.risk import RiskGate, RiskLimits
from framework.strategy import (
    ClosedContract,
    ContractTemplate,
    ContractUpdate,
    MemoryStateStore,
    MemoryVenue,
    NoParams,
    Strategy,
    Tick,
    Transaction,
)
from framework.strategy._host import (
    Immediate,
    OnError,
    Slot,
    StrategyFailed,
    StrategyHost,
    StrategySetup,
)


class Log(Strategy[NoParams]):
    """Records every hook call in a shared list; raises where :attr:`fail` says."""

    Params = NoParams
    wants_transactions = True
    calls: ClassVar[list[tuple[str, str]]] = []
    fail: ClassVar[set[tuple[str, str]]] = set()

    def _hook(self, hook: str) -> None:
        Log.calls.append((self.ctx.name, hook))
        if (self.ctx.name, hook) in Log.fail:
            raise RuntimeError(f"{hook} failed")

    def on_start(self) -> None:
        self._hook("start")

    def on_tick(self, tick: Tick) -> None:
        self._hook(f"tick {tick.symbol} {tick.epoch}")

    def on_transaction(self, tx: Transaction) -> None:
        self._hook("transaction")

    def on_contract_update(self, update: ContractUpdate) -> None:
        self._hook("update")

    def on_contract_closed(self, result: ClosedContract) -> None:
        self._hook("closed")

    def on_stop(self) -> None:
        self._hook("stop")


class Quiet(Strategy[NoParams]):
    """Overrides nothing: wants neither updates nor transactions."""

    Params = NoParams


class Later:
    """A scheduler that keeps restarts until the test runs them, and records failures."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, float, Callable[[], None]]] = []
        self.failures: list[StrategyFailed] = []

    def restart_delay(self, slot: Slot) -> float:
        return 1.0 + slot.restarts

    def call_later(self, slot: Slot, delay: float, restart: Callable[[], None]) -> None:
        self.pending.append((slot.name, delay, restart))

    def fail(self, error: StrategyFailed) -> None:
        self.failures.append(error)

    def run_all(self) -> None:
        pending, self.pending = self.pending, []
        for _, _, restart in pending:
            restart()


@pytest.fixture(autouse=True)
def _fresh_log() -> None:
    Log.calls = []
    Log.fail = set()


def make(
    *setups: tuple[str, tuple[str, ...], OnError],
    scheduler: Any = None,
    max_restarts: int = 2,
    cls: type[Strategy[Any]] = Log,
) -> tuple[StrategyHost, MemoryVenue, RiskGate]:
    gate = RiskGate(RiskLimits())
    venue = MemoryVenue(now=1000)
    host = StrategyHost(gate, scheduler=scheduler)
    for name, symbols, on_error in setups:
        host.add(
            StrategySetup(
                name,
                cls,
                NoParams(),
                symbols,
                contract=ContractTemplate("CALL"),
                on_error=on_error,
                max_restarts=max_restarts,
            ),
            venue=venue,
            state=MemoryStateStore(),
        )
    return host, venue, gate


def tick(epoch: int, symbol: str = "R_100") -> Tick:
    return Tick(symbol, epoch, 100.0, 2)


def state(slot: Slot) -> str:
    """The slot's state, read afresh (mypy would keep an earlier comparison's narrowing)."""
    return slot.state


TX = Transaction("buy", -1.0, 99.0, 1, "USD", 1, 1000, "R_100", None, 1000, raw={})
UPDATE = ContractUpdate(
    intent_id="a-1",
    strategy="a",
    contract_id=1,
    symbol="R_100",
    contract_type="CALL",
    buy_price=1.0,
    payout=1.95,
    bid_price=0.9,
    profit=-0.1,
    spot_epoch=None,
    spot=None,
    entry_epoch=None,
    entry_quote=None,
)


def test_ticks_go_to_running_strategies_of_their_symbol_in_config_order() -> None:
    host, _, _ = make(("a", ("R_100",), "raise"), ("b", ("R_50", "R_100"), "raise"))
    host.tick(tick(1))  # not started yet: nobody gets it
    assert Log.calls == []
    host.start_all()
    host.tick(tick(2))
    host.tick(tick(3, "R_50"))
    host.tick(tick(4, "R_10"))
    assert Log.calls == [
        ("a", "start"),
        ("b", "start"),
        ("a", "tick R_100 2"),
        ("b", "tick R_100 2"),
        ("b", "tick R_50 3"),
    ]
    assert host.symbols == ("R_100", "R_50")
    assert [s.state for s in host.slots.values()] == ["running", "running"]


def test_only_overriders_want_updates_and_transactions() -> None:
    host, _, _ = make(("q", ("R_100",), "raise"), cls=Quiet)
    slot = host.slots["q"]
    assert not slot.wants_updates and not slot.wants_transactions
    assert not host.wants_updates and not host.wants_transactions
    logged, _, _ = make(("l", ("R_100",), "raise"))
    assert logged.wants_updates and logged.wants_transactions


def test_restart_waits_for_the_scheduler_and_keeps_the_context() -> None:
    later = Later()
    host, venue, gate = make(
        ("a", ("R_100",), "restart"), ("b", ("R_100",), "raise"), scheduler=later
    )
    host.start_all()
    slot = host.slots["a"]
    intent = slot.ctx.buy()
    assert intent is not None
    slot.ctx.state["seen"] = 1
    first = slot.strategy
    Log.fail = {("a", "tick R_100 2")}
    host.tick(tick(2))
    assert state(slot) == "restarting" and slot.errors == 1
    assert [(name, delay) for name, delay, _ in later.pending] == [("a", 1.0)]
    # While it waits: no ticks, but its contract's result is still booked, without the hook.
    host.tick(tick(3))
    host.contract_closed(slot, venue.settle(intent, won=False))
    assert ("a", "tick R_100 3") not in Log.calls and ("a", "closed") not in Log.calls
    assert ("b", "tick R_100 3") in Log.calls
    assert gate.session_profit == -1.0 and dict(slot.ctx.open_contracts) == {}
    later.run_all()
    assert state(slot) == "running" and slot.restarts == 1 and slot.strategy is not first
    assert slot.ctx.state["seen"] == 1  # the context (and its state) survived
    host.tick(tick(4))
    assert Log.calls[-3:] == [("a", "start"), ("a", "tick R_100 4"), ("b", "tick R_100 4")]


def test_restart_at_once_then_disabled_after_max_restarts() -> None:
    host, _, _ = make(("a", ("R_100",), "restart"), scheduler=Immediate(), max_restarts=2)
    host.start_all()
    Log.fail = {("a", "tick R_100 1")}
    for _ in range(3):
        host.tick(tick(1))
    slot = host.slots["a"]
    assert (slot.errors, slot.restarts, slot.state) == (3, 2, "disabled")
    assert Log.calls.count(("a", "start")) == 3
    host.tick(tick(1))
    assert slot.errors == 3  # a disabled strategy gets nothing more


def test_a_restart_whose_on_start_raises_is_a_failure_of_its_own() -> None:
    host, _, _ = make(("a", ("R_100",), "restart"), max_restarts=3)
    host.start_all()
    Log.fail = {("a", "tick R_100 1"), ("a", "start")}
    host.tick(tick(1))
    slot = host.slots["a"]
    # The tick's error, then each restart's on_start, until the restarts ran out.
    assert (slot.errors, slot.restarts, slot.state) == (4, 3, "disabled")


def test_disable_stops_only_that_strategy() -> None:
    host, venue, gate = make(("a", ("R_100",), "disable"), ("b", ("R_100",), "disable"))
    host.start_all()
    slot = host.slots["a"]
    intent = slot.ctx.buy()
    assert intent is not None
    Log.fail = {("a", "tick R_100 1")}
    host.tick(tick(1))
    host.tick(tick(2))
    host.transaction(TX)
    host.contract_update(slot, UPDATE)
    host.contract_closed(slot, venue.settle(intent, won=True))
    assert [c for c in Log.calls if c[0] == "a"] == [("a", "start"), ("a", "tick R_100 1")]
    assert ("b", "tick R_100 2") in Log.calls and ("b", "transaction") in Log.calls
    assert gate.session_profit == 0.95  # booked although nobody was told
    host.stop_all()
    assert [s.state for s in host.slots.values()] == ["disabled", "stopped"]
    assert ("a", "stop") not in Log.calls and ("b", "stop") in Log.calls


def test_raise_stops_the_replay_with_the_strategy_and_epoch() -> None:
    host, venue, _ = make(("a", ("R_100",), "raise"))
    host.start_all()
    venue.now = 1234
    Log.fail = {("a", "tick R_100 1234")}
    with pytest.raises(
        StrategyFailed, match=r"'a' raised at epoch 1234: RuntimeError: tick"
    ) as info:
        host.tick(tick(1234))
    assert isinstance(info.value.__cause__, RuntimeError)
    assert host.slots["a"].state == "disabled" and host.slots["a"].errors == 1


def test_raise_goes_to_the_scheduler_and_the_others_keep_running() -> None:
    later = Later()
    host, _, _ = make(("a", ("R_100",), "raise"), ("b", ("R_100",), "raise"), scheduler=later)
    host.start_all()
    Log.fail = {("a", "closed"), ("a", "tick R_100 1")}
    host.tick(tick(1))
    host.tick(tick(2))
    [failure] = later.failures
    assert "strategy 'a' raised" in str(failure) and later.pending == []
    assert ("b", "tick R_100 2") in Log.calls


def test_on_stop_errors_count_and_nothing_restarts_while_stopping() -> None:
    later = Later()
    host, _, _ = make(("a", ("R_100",), "restart"), ("b", ("R_100",), "restart"), scheduler=later)
    host.start_all()
    Log.fail = {("a", "tick R_100 1")}
    host.tick(tick(1))  # a waits for its restart
    Log.fail = {("b", "stop")}
    host.stop_all()
    a, b = host.slots["a"], host.slots["b"]
    assert (a.state, b.state) == ("stopped", "disabled") and b.errors == 1
    assert [name for name, _, _ in later.pending] == ["a"]
    later.run_all()  # the pending restart finds the run over
    assert a.state == "stopped" and a.restarts == 0


def test_the_transaction_and_update_hooks_follow_the_policy_too() -> None:
    later = Later()
    host, _, _ = make(("a", ("R_100",), "disable"), ("b", ("R_100",), "disable"), scheduler=later)
    host.start_all()
    Log.fail = {("a", "transaction"), ("b", "update")}
    host.transaction(TX)
    host.contract_update(host.slots["b"], UPDATE)
    assert [s.state for s in host.slots.values()] == ["disabled", "disabled"]


def test_a_strategy_that_cannot_be_created_is_named() -> None:
    class Broken(Strategy[NoParams]):
        Params = NoParams

        def __init__(self, params: NoParams, ctx: Any) -> None:
            raise ValueError("no")

    host = StrategyHost(RiskGate(RiskLimits()))
    setup = StrategySetup("broken", Broken, NoParams(), ("R_100",))
    with pytest.raises(StrategyFailed, match="'broken' cannot be created: ValueError: no"):
        host.add(setup, venue=MemoryVenue(), state=MemoryStateStore())
    ok = StrategySetup("ok", Quiet, NoParams(), ("R_100",))
    host.add(ok, venue=MemoryVenue(), state=MemoryStateStore())
    with pytest.raises(ValueError, match="'ok' is already hosted"):
        host.add(ok, venue=MemoryVenue(), state=MemoryStateStore())


def test_summary_rows() -> None:
    host, _, _ = make(("a", ("R_100",), "disable"))
    host.start_all()
    host.slots["a"].ctx.buy()
    assert host.summary() == [
        {
            "strategy": "a",
            "state": "running",
            "errors": 0,
            "restarts": 0,
            "paused": False,
            "intents": 1,
            "refusals": {},
            "orders": {},
            "order_refusals": {},
            "order_failures": {},
        }
    ]
