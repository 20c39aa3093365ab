"""After a graceful stop nothing more is sent, whatever the intent was waiting for.

Scripted broker, virtual time: each wait before a buy leaves (a quote held, a back-off
after ``RateLimit``, a re-quote, the buy's turn at the client) is caught by the stop in
turn, and a buy already on the wire runs to its outcome and its contract to settlement.
The same with the real rate limiter and client is in ``test_stop_e2e``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
import trio

from framework.client.results import BuyOutcome
from framework.deriv.errors import api_error
from tests.execution.scripted import Scripted, bought, proposal
from tests.execution.test_actor import Run, intent, running


async def stopped_while(broker: Scripted, reached: Callable[[Run], Awaitable[None]]) -> Run:
    """Submit one intent, stop once ``reached`` returns, and wait until the actor is idle."""
    async with running(broker) as run:
        run.actor.submit(intent())
        await reached(run)
        run.actor.close_intake()
        with trio.fail_after(3600):
            await run.actor.wait_idle()
    return run


async def a_while(run: Run) -> None:
    await trio.sleep(1)


async def test_stopped_while_it_was_being_priced(autojump_clock: trio.abc.Clock) -> None:
    broker = Scripted()
    broker.quote_wait = trio.Event()  # never set: held as long as the limiter would
    run = await stopped_while(broker, a_while)
    reason = "bot stopping: not sent (the stop came while it was being priced)"
    assert run.status() == ("rejected", reason)
    assert run.sink.refusals == [("s-1", reason)]
    assert broker.bought == [] and broker.quoted == 1
    assert run.actor.stats.rejected == 1


async def test_stopped_during_the_back_off_after_a_rate_limit(
    autojump_clock: trio.abc.Clock,
) -> None:
    limited = BuyOutcome("x", bought=False, error=api_error("RateLimit", "slow down"))
    broker = Scripted(buys=[limited, bought(1)])

    async def backing_off(run: Run) -> None:
        await broker.sent.wait()
        await trio.sleep(0.5)  # into the 1 s back-off

    run = await stopped_while(broker, backing_off)
    assert run.status() == (
        "not_bought",
        "RateLimit: slow down; bot stopping: not sent again",
    )
    assert broker.bought == ["p1"], "the refused buy is not sent again"
    assert run.journal.contracts() == []


@pytest.mark.parametrize(("code", "message"), [("PriceMoved", "moved"), ("RateLimit", "slow down")])
async def test_a_buy_refused_after_the_stop_is_not_sent_again(
    code: str, message: str, autojump_clock: trio.abc.Clock
) -> None:
    refused = BuyOutcome("x", bought=False, error=api_error(code, message))
    broker = Scripted(buys=[refused, bought(1)])
    broker.answer = trio.Event()

    async with running(broker) as run:
        run.actor.submit(intent())
        await broker.sent.wait()
        run.actor.close_intake()
        broker.answer.set()
        await run.actor.wait_idle()
    assert run.status() == ("not_bought", f"{code}: {message}; bot stopping: not sent again")
    assert broker.quoted == 1 and broker.bought == ["p1"]


async def test_stopped_during_the_requote(autojump_clock: trio.abc.Clock) -> None:
    moved = BuyOutcome("x", bought=False, error=api_error("InvalidContractProposal", "gone"))
    broker = Scripted(quotes=[proposal(1)], buys=[moved, bought(1)])
    answer = broker.answer = trio.Event()

    async def requoting(run: Run) -> None:
        await broker.sent.wait()
        broker.quote_wait = trio.Event()  # the second quote is held
        answer.set()
        await trio.sleep(1)

    run = await stopped_while(broker, requoting)
    assert run.status() == (
        "not_bought",
        "InvalidContractProposal: gone; bot stopping: not sent again",
    )
    assert broker.quoted == 2 and broker.bought == ["p1"]


async def test_a_buy_waiting_for_its_turn_is_withdrawn(autojump_clock: trio.abc.Clock) -> None:
    broker = Scripted(buys=[bought(1)])
    broker.turn = trio.Event()

    async with running(broker) as run:
        run.actor.submit(intent())
        await broker.waiting_turn.wait()
        assert run.status() == ("sending", None)
        run.actor.close_intake()
        broker.turn.set()
        await run.actor.wait_idle()
    assert run.status() == ("not_bought", "not sent: stopped before sending")
    assert broker.withdrawn == 1 and broker.bought == []


async def test_a_buy_on_the_wire_is_bought_and_followed_to_settlement(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted(buys=[bought(9)])
    broker.answer = trio.Event()
    async with running(broker) as run:
        run.actor.submit(intent(1))
        run.actor.submit(intent(2))  # queued behind it: refused
        await broker.sent.wait()
        run.actor.close_intake()
        broker.answer.set()
        await run.actor.wait_idle()
    assert run.status("s-1") == ("bought", None)
    assert run.status("s-2") == ("rejected", "bot stopping: not sent")
    (contract,) = run.journal.contracts()
    assert (contract.contract_id, contract.status) == (9, "won")
    assert run.actor.stats.settled == 1 and broker.bought == ["p1"]
