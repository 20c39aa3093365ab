"""A buy the server executed while its answer was lost is never journaled ``not_bought``.

End to end over a real loopback socket: the execution actor, the client and its reconciler
against the embedded simulator with fault injection, at several simulator speeds and
across simulator restarts from ``--state``. The journal is then compared with the
simulator's own statement: the same contracts, the same prices and payouts.

Reconnects wait two real seconds first, which at speed 100 is 200 simulated seconds: a
window computed from this process's clock would miss the contract.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog
import trio
from trio.testing import MockClock

from framework.execution import recover
from framework.journal import Journal
from framework.simulator import open_simulator
from framework.simulator.config import DEMO_TOKEN, TokenConfig
from tests.execution.helpers import (
    START,
    SYMBOL,
    intent,
    journal_buys,
    sim_options,
    start_simulator,
    statement_buys,
    trading,
)


def status(journal: Journal, intent_id: str) -> tuple[str, str | None]:
    row = journal.intent(intent_id)
    assert row is not None
    return row.status, row.reason


def assert_journal_is_the_statement(
    journal: Journal, buys: dict[int, tuple[float, float | None]]
) -> None:
    held = journal_buys(journal)
    assert held == buys
    assert all(payout is not None and payout > 0 for _, payout in held.values())


@pytest.mark.parametrize("speed", [1, 10, 100])
async def test_lost_answers_at_any_speed(speed: int, vclock: MockClock, tmp_path: Path) -> None:
    async with open_simulator(**sim_options(speed=speed)) as sim:
        with Journal(tmp_path / "journal.sqlite") as journal:
            async with trading(sim, journal) as stack:
                actor = stack.actor
                actor.submit(intent(1, sim.epoch()))
                await stack.settle()
                # The same contract again, its answer lost after the server bought it.
                sim.faults.drop_on("buy", when="after")
                actor.submit(intent(2, sim.epoch()))
                await stack.settle()
                # Lost before the server saw it: nothing bought.
                sim.faults.drop_on("buy", when="before")
                actor.submit(intent(3, sim.epoch()))
                await stack.settle()
                actor.submit(intent(4, sim.epoch()))
                await stack.settle()
                assert actor.stats.reconciled == 1
            assert sim.faults.fired == {"drop_after": 1, "drop_before": 1}
            assert status(journal, "t-1") == ("bought", None)
            assert status(journal, "t-2") == ("bought", "reconciled")
            state, reason = status(journal, "t-3")
            assert state == "not_bought" and reason is not None
            assert "answer lost; no matching contract" in reason
            assert status(journal, "t-4") == ("bought", None)
            assert len(statement_buys(sim)) == 3
            assert_journal_is_the_statement(journal, statement_buys(sim))


async def test_lost_answer_across_a_simulator_restart(vclock: MockClock, tmp_path: Path) -> None:
    state = tmp_path / "sim.sqlite"
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with trio.open_nursery() as servers:
            sim, stop = await start_simulator(servers, speed=10, state=state)
            async with trading(sim, journal) as stack:
                stack.actor.submit(intent(1, sim.epoch()))
                await stack.settle()
                await trio.sleep(30)  # 300 simulated seconds: well ahead of the start
                events = stack.connection.events()
                sim.faults.drop_on("buy", when="after")
                stack.actor.submit(intent(2, sim.epoch()))
                await events.receive()  # the answer is lost: restart the server now
                await stop()
                stopped_at = sim.epoch()
                # Restarted with the same options (the start epoch of the first run): it
                # resumes where it stopped, not at its configured start.
                again, _ = await start_simulator(servers, speed=10, state=state, port=sim.port)
                assert again.epoch() >= stopped_at >= START + 300
                await stack.settle()
                buys = statement_buys(again)
            servers.cancel_scope.cancel()
        assert status(journal, "t-2") == ("bought", "reconciled")
        assert len(buys) == 2
        assert_journal_is_the_statement(journal, buys)


async def test_buy_left_sending_by_a_killed_process(vclock: MockClock, tmp_path: Path) -> None:
    state = tmp_path / "sim.sqlite"
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with open_simulator(**sim_options(speed=10, state=state)) as sim:
            port = sim.port
            async with trading(sim, journal) as stack, stack.client.transaction() as txs:
                stack.actor.submit(intent(1, sim.epoch()))
                await txs.receive()  # bought on the server; still open when killed
                events = stack.connection.events()
                sim.faults.drop_on("buy", when="after")
                stack.actor.submit(intent(2, sim.epoch()))
                await events.receive()
                # Killed here, the answer lost and not yet reconciled.
            stopped_at = sim.epoch()
        assert status(journal, "t-2") == ("sending", None)
        (left_open,) = journal.open_contracts()
        # Down for an hour of simulated time: both contracts ended meanwhile.
        later = sim_options(speed=10, state=state, port=port, start_epoch=stopped_at + 3600)
        async with open_simulator(**later) as sim:
            async with trading(sim, journal) as stack:
                report = await recover(
                    stack.actor, journal, stack.broker, log=structlog.get_logger()
                )
                await stack.settle()
            buys = statement_buys(sim)
            open_on_server = sim.contracts(open_only=True)
        assert report.reconciled_bought == 1 and report.reconciled_absent == 0
        assert report.settled == 2  # the one journaled open, and the one just found
        assert status(journal, "t-2") == ("bought", "reconciled")
        assert len(buys) == 2 and open_on_server == []
        assert_journal_is_the_statement(journal, buys)
        assert journal.open_contracts() == []
        assert left_open.contract_id in buys
        assert all(c.symbol == SYMBOL for c in journal.contracts())


async def test_unreadable_records_never_make_a_bought_contract_not_bought(
    vclock: MockClock, tmp_path: Path
) -> None:
    # A token that may trade but not read the statement: the outcome stays unknown.
    trade_only = TokenConfig(DEMO_TOKEN, scopes=("trade",))
    async with open_simulator(**sim_options(tokens=(trade_only,))) as sim:
        with Journal(tmp_path / "journal.sqlite") as journal:
            async with trading(sim, journal) as stack:
                sim.faults.drop_on("buy", when="after")
                stack.actor.submit(intent(1, sim.epoch()))
                await trio.sleep(600)  # ten minutes of asking again in the background
                assert stack.actor.stats.unknown == 1 and not stack.actor.idle
                assert stack.actor.open_contracts == 1  # still counted against the limits
            assert status(journal, "t-1") == ("sending", None)
            assert len(statement_buys(sim)) == 1 and journal.contracts() == []
