"""Several buys on the wire when the connection goes: each decided once, none twice.

Three identical intents are bought at once. The server executes the first buy it reads and
closes the connection (the fault), so the others are lost unsent or never sent. Every
answer is lost: each buy is decided from the account's records, one reconciliation at a
time once no buy waits for its answer, and the one contract is attributed to exactly one
intent. The journal is then the simulator's own statement.
"""

from __future__ import annotations

from pathlib import Path

from trio.testing import MockClock

from framework.execution import ExecutionPolicy
from framework.journal import Journal
from framework.simulator import open_simulator
from tests.execution.helpers import intent, journal_buys, sim_options, statement_buys, trading


async def test_buys_lost_together_are_each_decided_once(vclock: MockClock, tmp_path: Path) -> None:
    async with open_simulator(**sim_options()) as sim:
        with Journal(tmp_path / "journal.sqlite") as journal:
            async with trading(sim, journal, policy=ExecutionPolicy(max_in_flight=3)) as stack:
                sim.faults.drop_on("buy", when="after")
                for n in (1, 2, 3):
                    stack.actor.submit(intent(n, sim.epoch()))
                await stack.settle()
            assert sim.faults.fired == {"drop_after": 1}
            rows = journal.intents()
            assert sorted(r.status for r in rows) == ["bought", "not_bought", "not_bought"]
            (bought,) = [r for r in rows if r.status == "bought"]
            assert bought.reason == "reconciled"
            assert len(statement_buys(sim)) == 1
            assert journal_buys(journal) == statement_buys(sim)
