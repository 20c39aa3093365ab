"""The live broker on the simulator: barriers are priced, unknown contracts are ``None``."""

from __future__ import annotations

from pathlib import Path

import attrs
from trio.testing import MockClock

from framework.journal import Journal
from framework.simulator import open_simulator
from tests.execution.helpers import intent, sim_options, trading


async def test_a_barrier_reaches_the_quote_and_unknown_contracts_are_none(
    vclock: MockClock, tmp_path: Path
) -> None:
    async with open_simulator(**sim_options()) as sim:
        with Journal(tmp_path / "journal.sqlite") as journal:
            async with trading(sim, journal) as stack:
                digit = attrs.evolve(intent(1, sim.epoch(), contract_type="DIGITDIFF"), barrier="5")
                quote = await stack.broker.quote(digit)
                outcome = await stack.broker.buy(digit, quote, may_send=lambda: True)
                assert outcome.bought and outcome.payout == quote.payout
                assert await stack.broker.contract(123_456_789) is None
                known = await stack.broker.contract(outcome.contract_id or 0)
                assert known is not None and known.contract_id == outcome.contract_id
    assert quote.longcode and "5" in quote.longcode
    (contract,) = sim.contracts()
    assert contract.position.spec.barrier == "5"
