"""Steering a running bot (BotControl) on the embedded simulator, in virtual time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import attrs
import pytest
import trio
from trio.testing import MockClock

from framework.bus import BotEvent
from framework.journal import Journal, JournalError
from framework.runtime import Bot
from framework.runtime.control import ControlError
from framework.strategy import ContractUpdate, Strategy
from tests.runtime.conftest import make_bot, write_config
from tests.runtime.test_bot import until


@attrs.frozen
class HoldParams:
    """No parameters."""


class Holder(Strategy[HoldParams]):
    """Buys one open-ended contract and keeps it until someone else sells it."""

    Params = HoldParams
    contract_types = ("MULTUP",)

    def on_start(self) -> None:
        self._bought = False

    def on_tick(self, tick: Any) -> None:
        if not self._bought and self.ctx.buy("MULTUP") is not None:
            self._bought = True

    def on_contract_update(self, update: ContractUpdate) -> None:
        """Wants updates: they carry the bid the dashboard shows."""


HOLDER = """\
  - name: holder
    plugin: tests.runtime.test_control:Holder
    symbols: ["1HZ100V"]
    contract: {type: MULTUP, multiplier: 200}
    stake: {scheme: fixed, amount: 5.00}
"""


def _drain(events: Any) -> list[BotEvent]:
    out: list[BotEvent] = []
    while True:
        try:
            out.append(events.receive_nowait())
        except trio.WouldBlock:
            return out


def _sellable(bot: Bot) -> bool:
    """The server said the held contract may be sold (it has started)."""
    assert bot.actor is not None
    return any(
        f.latest is not None and f.latest.is_valid_to_sell for f in bot.actor.followed.values()
    )


def _runner(bot: Bot) -> Any:
    assert bot.runner is not None
    return bot.runner


async def test_pause_stops_new_intents_resume_restores_them_and_both_are_recorded(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(write_config(tmp_path))
    watched = bot.events.subscribe()
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        ctx = _runner(bot).slots["every"].ctx
        await until(bot, lambda: ctx.submitted >= 2)
        paused = bot.control.pause("every", source="test")
        assert paused.changed and paused.detail == "paused: no new intents"
        again = bot.control.pause("every", source="test")
        assert not again.changed and again.detail == "already paused"
        asked = ctx.submitted
        await until(bot, lambda: ctx.refusals.get("paused", 0) >= 5)
        assert ctx.submitted == asked  # paused: every buy() refused, none given
        # Its open contracts are still followed to settlement.
        await until(bot, lambda: bot.actor is not None and bot.actor.stats.settled >= asked)
        resumed = bot.control.resume("every", source="test")
        assert resumed.changed
        assert not bot.control.resume("every", source="test").changed
        await until(bot, lambda: ctx.submitted > asked)
        bot.stop.request("test")
    assert bot.summary is not None
    assert [row["paused"] for row in bot.summary.strategies] == [False]
    events = _drain(watched)
    controls = [e.data for e in events if e.kind == "control"]
    assert [(c["action"], c["changed"]) for c in controls] == [
        ("pause", True),
        ("pause", False),
        ("resume", True),
        ("resume", False),
    ]
    states = [e.data["paused"] for e in events if e.kind == "strategy"]
    assert states == [True, False]  # only the changes are state changes
    kinds = {e.kind for e in events}
    assert {"started", "bought", "settled", "control", "strategy"} <= kinds
    bought = [e.data for e in events if e.kind == "bought"]
    assert all(b["latency"] is not None and b["latency"] >= 0 for b in bought)
    assert len([e for e in events if e.kind == "settled"]) == bot.summary.settled
    with Journal(tmp_path / "journal.sqlite") as journal:
        rows = journal.controls()
    assert [(r["action"], r["target"], r["source"], r["changed"]) for r in rows] == [
        ("pause", "every", "test", True),
        ("pause", "every", "test", False),
        ("resume", "every", "test", True),
        ("resume", "every", "test", False),
    ]
    assert all(isinstance(r["at"], float) for r in rows)


async def test_the_kill_switch_refuses_trades_until_cleared(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(write_config(tmp_path))
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        gate = bot.gate
        assert gate is not None
        assert not bot.control.clear_kill(source="test").changed  # nothing to clear
        killed = bot.control.kill(source="test", reason="too volatile")
        assert killed.changed and gate.trip is not None
        assert gate.trip.reason == "kill switch: by test: too volatile"
        assert not bot.control.kill(source="test").changed
        await until(bot, lambda: gate.refused.get("kill_switch", 0) >= 3)
        cleared = bot.control.clear_kill(source="test")
        assert cleared.changed and gate.trip is None
        before = _runner(bot).slots["every"].ctx.submitted
        await until(bot, lambda: _runner(bot).slots["every"].ctx.submitted > before)
        bot.stop.request("test")
    trips = [t for t in bot.gate.history if t.limit == "kill_switch"]
    assert len(trips) == 1 and trips[0].ended is not None


async def test_stop_is_the_graceful_stop_and_unknown_names_are_404(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(write_config(tmp_path))
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        with pytest.raises(ControlError) as unknown:
            bot.control.pause("nobody", source="test")
        assert unknown.value.status == 404 and "no strategy 'nobody'" in str(unknown.value)
        with pytest.raises(ControlError) as no_contract:
            bot.control.sell(123, source="test")
        assert no_contract.value.status == 404
        stopping = bot.control.stop(source="web 127.0.0.1")
        assert stopping.changed
        again = bot.control.stop(source="test")
        assert not again.changed and "stopped by web 127.0.0.1" in again.detail
    assert bot.summary is not None and bot.summary.reason == "stopped by web 127.0.0.1"


async def test_selling_an_open_contract_goes_through_its_strategy(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(write_config(tmp_path, HOLDER))
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        actor = bot.actor
        assert actor is not None
        await until(bot, lambda: _sellable(bot))
        (contract_id,) = actor.followed
        latest = actor.followed[contract_id].latest
        assert latest is not None and latest.bid_price is not None
        sold = bot.control.sell(contract_id, source="test")
        assert sold.changed and sold.order_id is not None
        assert sold.order_id.startswith("holder-1/sell-")
        # Asked again while the sale is on its way: nothing more is sent.
        again = bot.control.sell(contract_id, source="test")
        assert not again.changed and again.detail == "already being closed"
        await until(bot, lambda: contract_id not in actor.followed)
        with pytest.raises(ControlError):
            bot.control.sell(contract_id, source="test")
        bot.stop.request("test")
    assert bot.journal is None  # closed with the run
    with Journal(tmp_path / "journal.sqlite") as journal:
        (contract,) = journal.contracts()
        assert contract.end == "sold"
        assert [r["action"] for r in journal.controls()] == ["sell", "sell"]
        assert journal.closing_order(contract_id) == "sell"
        order = journal.order(sold.order_id)
        assert order is not None and order.kind == "sell" and order.status == "done"


async def test_a_contract_the_server_will_not_sell_now_is_refused(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(write_config(tmp_path, HOLDER))
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        actor = bot.actor
        assert actor is not None
        await until(bot, lambda: any(f.latest is not None for f in actor.followed.values()))
        followed = next(iter(actor.followed.values()))
        assert followed.latest is not None
        followed.latest = attrs.evolve(followed.latest, is_valid_to_sell=False)
        with pytest.raises(ControlError, match="may not be sold now") as refused:
            bot.control.sell(followed.contract_id, source="test")
        assert refused.value.status == 409
        # Its strategy no longer configured (a recovered contract): refused, not guessed.
        followed.latest = None
        runner = _runner(bot)
        slot = runner.slots.pop("holder")
        try:
            with pytest.raises(ControlError, match="not running"):
                bot.control.sell(followed.contract_id, source="test")
        finally:
            runner.slots["holder"] = slot
        bot.stop.request("test")


async def test_an_unknown_contract_to_its_strategy_is_not_sold(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(write_config(tmp_path, HOLDER))
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        actor = bot.actor
        assert actor is not None
        await until(bot, lambda: _sellable(bot))
        (contract_id,) = actor.followed
        ctx = _runner(bot).slots["holder"].ctx
        ctx._intent_of.pop(contract_id, None)  # as before its first update reached it
        result = bot.control.sell(contract_id, source="test")
        assert not result.changed
        assert result.detail == "not known to its strategy yet (no update so far)"
        bot.stop.request("test")


async def test_an_action_whose_journal_row_fails_is_still_taken_and_logged(
    tmp_path: Path, vclock: MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    bot = make_bot(write_config(tmp_path))
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        assert bot.journal is not None

        def broken(action: Any) -> None:
            raise JournalError("disk full")

        monkeypatch.setattr(bot.journal, "record_control", broken)
        assert bot.control.pause("every", source="test").changed
        assert _runner(bot).slots["every"].ctx.paused
        bot.stop.request("test")


async def test_before_the_bot_started_control_says_so() -> None:
    from framework.runtime.control import BotControl

    class NotYet:
        actor = None
        gate = None
        runner = None

    control = BotControl(NotYet())  # type: ignore[arg-type]
    with pytest.raises(ControlError) as caught:
        control.kill(source="test")
    assert caught.value.status == 503
    with pytest.raises(ControlError):
        control.pause("every", source="test")
