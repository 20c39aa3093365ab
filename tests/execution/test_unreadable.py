"""Messages the actor cannot read: each has one rule, and none loses a contract.

Scripted (no sockets) for the branches a live server cannot be made to take on demand, and
startup recovery over a real loopback socket with the simulator corrupting one answer.
The whole bot fed each malformed payload is in ``tests/runtime/test_bad_payloads.py``.
"""

from __future__ import annotations

from pathlib import Path

import structlog
import trio
from structlog.testing import capture_logs
from trio.testing import MockClock

from framework.connection import Unreadable
from framework.deriv.errors import PayloadError
from framework.execution import recover
from framework.journal import Journal
from framework.simulator import open_simulator
from tests.execution.helpers import intent, journal_buys, sim_options, statement_buys, trading
from tests.execution.scripted import Scripted, bought, state
from tests.execution.test_actor import execute

UPDATE = Unreadable("proposal_open_contract", "OpenContract.contract_id", "missing")


async def test_an_unreadable_update_makes_the_actor_ask_for_the_contract(
    autojump_clock: trio.abc.Clock,
) -> None:
    # The stream would go on with an open state; the state asked for says it is sold.
    broker = Scripted(
        buys=[bought(8)], follows=[[UPDATE, state(8, sold=False)]], contracts=[state(8)]
    )
    run = await execute(broker)
    (contract,) = run.journal.contracts()
    assert contract.status == "won" and contract.sell_price == 19.5
    assert broker.contracts == []  # the state was asked for exactly once
    assert len(run.sink.closed_contracts) == 1


async def test_an_unknown_or_unreadable_state_is_asked_again(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted(
        buys=[bought(8)],
        # Asked after the unreadable update: not known yet. Asked when the stream ended:
        # unreadable too. The follow is then retried, and that stream says sold.
        follows=[[UPDATE]],
        contracts=[None, PayloadError("OpenContract.contract_id: missing")],
    )
    with capture_logs() as logs:
        run = await execute(broker)
    assert [c.status for c in run.journal.contracts()] == ["won"]
    retries = [e for e in logs if e["event"] == "following the contract failed; retrying"]
    assert len(retries) == 1 and "OpenContract.contract_id" in retries[0]["error"]


async def test_an_unreadable_proposal_is_not_bought(autojump_clock: trio.abc.Clock) -> None:
    broker = Scripted(quotes=[PayloadError("Proposal.ask_price: expected number, got 'abc'")])
    run = await execute(broker)
    row = run.journal.intent("s-1")
    assert row is not None and row.status == "not_bought"
    assert row.reason == "proposal refused: Proposal.ask_price: expected number, got 'abc'"
    assert broker.bought == []  # nothing was sent


async def test_recovery_follows_a_contract_whose_state_cannot_be_read(
    vclock: MockClock, tmp_path: Path
) -> None:
    with Journal(tmp_path / "journal.sqlite") as journal:
        async with open_simulator(**sim_options()) as sim:
            async with trading(sim, journal) as stack, stack.client.transaction() as txs:
                stack.actor.submit(intent(1, sim.epoch(), duration=2, unit="m"))
                await txs.receive()  # bought; the process stops with it open
            (left_open,) = journal.open_contracts()
            await trio.sleep(300)  # it ends while no bot runs
            sim.faults.corrupt("proposal_open_contract", "contract_id", remove=True)
            async with trading(sim, journal) as stack:
                report = await recover(
                    stack.actor, journal, stack.broker, log=structlog.get_logger()
                )
                await stack.settle()
                unreadable = stack.connection.stats.unreadable
            buys = statement_buys(sim)
        assert sim.faults.fired == {"corrupt": 1} and unreadable == 1
        assert report.following == 1 and report.settled == 0  # followed: the stream settles it
        assert journal.open_contracts() == []
        assert [c.contract_id for c in journal.contracts()] == [left_open.contract_id]
        assert journal_buys(journal) == buys
