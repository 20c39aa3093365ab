"""The graceful stop over a real socket: the real rate limiter and the client's buy turn.

A simulator advertising a pricing budget of three a minute (two for us, after the margin):
the first intent's ``proposal`` and its contract's ``proposal_open_contract`` spend it, so
the second intent's ``proposal`` waits in the connection's limiter for most of a minute.
The stop comes a second in: the intent is journaled not sent at once, nothing more reaches
the server, and the first contract is still followed to settlement.
"""

from __future__ import annotations

from pathlib import Path

import trio
from trio.testing import MockClock

from framework.execution import ExecutionPolicy
from framework.journal import Journal
from framework.simulator import open_simulator
from framework.simulator.ratelimit import RateLimits
from tests.execution.helpers import intent, sim_options, statement_buys, trading


async def test_an_intent_waiting_in_the_rate_limiter_is_not_sent(
    vclock: MockClock, tmp_path: Path
) -> None:
    tight = RateLimits().per_minute(pricing=3)
    async with open_simulator(**sim_options(rate_limits=tight)) as sim:
        with Journal(tmp_path / "journal.sqlite") as journal:
            # Quoted: a buy without a quote would not wait for the pricing budget.
            async with trading(sim, journal, policy=ExecutionPolicy(quote="always")) as stack:
                actor = stack.actor
                actor.submit(intent(1, sim.epoch()))
                await stack.sink.got_update.wait()  # bought, and followed: the budget is spent
                actor.submit(intent(2, sim.epoch()))
                await trio.sleep(1)
                held = journal.intent("t-2")
                assert held is not None and held.status == "pending"  # still being priced
                stopped_at = trio.current_time()
                actor.close_intake()
                await stack.settle()
                # Settled within the minute the limiter would have held the quote.
                assert trio.current_time() - stopped_at < 55
            assert journal.intent("t-1").status == "bought"  # type: ignore[union-attr]
            row = journal.intent("t-2")
            assert row is not None and (row.status, row.reason) == (
                "rejected",
                "bot stopping: not sent (the stop came while it was being priced)",
            )
            (contract,) = journal.contracts()
            assert contract.status in ("won", "lost")
            assert list(statement_buys(sim)) == [contract.contract_id]


async def test_a_buy_waiting_for_its_turn_behind_a_reconciliation_is_withdrawn(
    vclock: MockClock, tmp_path: Path
) -> None:
    async with open_simulator(**sim_options()) as sim:
        with Journal(tmp_path / "journal.sqlite") as journal:
            async with trading(sim, journal) as stack:
                turn = stack.client.reconciler.turn()
                async with turn:  # a reconciliation holds the turn
                    stack.actor.submit(intent(1, sim.epoch()))
                    # The journal has no event to wait on; virtual time makes the poll free.
                    while (row := journal.intent("t-1")) is None or row.status != "sending":  # noqa: ASYNC110
                        await trio.sleep(0.1)
                    stack.actor.close_intake()
                await stack.settle()
            row = journal.intent("t-1")
            assert row is not None
            assert (row.status, row.reason) == ("not_bought", "not sent: stopped before sending")
            assert statement_buys(sim) == {} and journal.contracts() == []
