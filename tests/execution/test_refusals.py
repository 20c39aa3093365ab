"""The actor's answer to each kind of refused buy: re-quote, back off, stop, or give up.

Scripted broker (:mod:`tests.execution.scripted`): the refusals come from a list, so each rule
runs on demand and in virtual time.
"""

from __future__ import annotations

import pytest
import trio

from framework.client.results import BuyOutcome
from framework.connection import ConnectionClosed
from framework.deriv.errors import api_error
from framework.execution import ExecutionActor, ExecutionPolicy
from framework.journal import Journal
from framework.risk import RiskGate, RiskLimits
from tests.execution.helpers import Sink, intent
from tests.execution.scripted import EPOCH, Scripted, bought


def refused(code: str) -> BuyOutcome:
    """The server's refusal of a buy with ``code``."""
    return BuyOutcome("x", bought=False, error=api_error(code, f"{code} says no"))


async def run(
    answers: list[BuyOutcome | BaseException], intents: int = 1
) -> tuple[Scripted, Sink, RiskGate, Journal, ExecutionActor]:
    """Submit ``intents`` intents, answer their buys with ``answers``, wait until idle."""
    broker = Scripted(buys=list(answers))
    sink = Sink()
    gate = RiskGate(RiskLimits())
    journal = Journal(":memory:")
    actor = ExecutionActor(
        broker,
        journal,
        gate,
        sink,
        balance=100.0,
        currency="USD",
        policy=ExecutionPolicy(quote="always"),  # the refusals of quoted buys
    )
    async with trio.open_nursery() as nursery:
        await nursery.start(actor.run)
        for n in range(1, intents + 1):
            actor.submit(intent(n, EPOCH))
        with trio.fail_after(60):
            await actor.wait_idle()
        nursery.cancel_scope.cancel()
    return broker, sink, gate, journal, actor


async def test_price_moved_is_requoted_once_then_bought(autojump_clock: trio.abc.Clock) -> None:
    broker, sink, _, journal, actor = await run([refused("PriceMoved"), bought(7)])
    assert broker.quoted == 2 and broker.bought == ["p1", "p2"]
    row = journal.intent("t-1")
    assert row is not None and row.status == "bought" and row.contract_id == 7
    assert [c.contract_id for c in sink.closed_contracts] == [7]
    assert actor.stats.requotes == 1


async def test_a_second_price_move_is_not_chased(autojump_clock: trio.abc.Clock) -> None:
    broker, sink, _, journal, _ = await run([refused("PriceMoved"), refused("PriceMoved")])
    assert len(broker.bought) == 2
    row = journal.intent("t-1")
    assert row is not None and row.status == "not_bought"
    assert row.reason is not None and row.reason.startswith("PriceMoved")
    assert sink.refusals == [("t-1", row.reason)]


async def test_insufficient_balance_stops_new_trades(autojump_clock: trio.abc.Clock) -> None:
    _, _, gate, journal, _ = await run([refused("InsufficientBalance")])
    assert gate.trip is not None and gate.trip.limit == "kill_switch"
    assert "insufficient balance" in gate.trip.reason
    row = journal.intent("t-1")
    assert row is not None and row.status == "not_bought"


async def test_rate_limit_backs_off_then_buys(autojump_clock: trio.abc.Clock) -> None:
    start = trio.current_time()
    broker, _, _, journal, _ = await run([refused("RateLimit"), refused("RateLimit"), bought(9)])
    assert len(broker.bought) == 3
    assert trio.current_time() - start >= 3.0  # 1 s then 2 s
    row = journal.intent("t-1")
    assert row is not None and row.status == "bought"


@pytest.mark.parametrize("code", ["ContractBuyValidationError", "InvalidSymbol"])
async def test_other_refusals_are_not_retried(code: str, autojump_clock: trio.abc.Clock) -> None:
    broker, _, _, journal, _ = await run([refused(code)])
    assert len(broker.bought) == 1
    row = journal.intent("t-1")
    assert row is not None and row.status == "not_bought" and code in (row.reason or "")


async def test_a_buy_whose_connection_closed_stays_sending_and_is_never_resent(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker, sink, _, journal, _ = await run([ConnectionClosed("stopped"), bought(3)], intents=2)
    assert broker.bought == ["p1", "p2"]  # the first was not sent again
    first = journal.intent("t-1")
    assert first is not None and first.status == "sending"
    assert [c.contract_id for c in sink.closed_contracts] == [3]
