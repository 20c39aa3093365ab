"""The simulator's inspection helpers that tests and tools read: tokens, statements, ticks."""

from __future__ import annotations

import trio
from trio.testing import MockClock

from framework.simulator import Simulator
from tests.simulator.client import RawClient, connect
from tests.simulator.session_script import PARAMS


async def test_an_issued_token_has_exactly_its_scopes(vclock: MockClock, sim: Simulator) -> None:
    token = sim.issue_token(sim.loginid, ["read"])
    async with connect(sim) as raw:
        assert (await raw.authorize(token.token))["scopes"] == ["read"]
        refused = await raw.call({"buy": "1", "price": 10, "parameters": PARAMS})
    assert refused["error"]["code"] == "PermissionDenied"


async def test_statement_lists_the_buy_and_last_tick_moves_on(
    vclock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    before = len(sim.statement())
    bought = (await trader.call({"buy": "1", "price": 10, "parameters": PARAMS}))["buy"]
    entries = sim.statement()
    assert len(entries) == before + 1
    assert entries[-1].action == "buy" and entries[-1].contract_id == bought["contract_id"]
    first = sim.last_tick("R_100")
    await trio.sleep(10)
    later = sim.last_tick("R_100")
    assert later.symbol == "R_100" and later.epoch > first.epoch
    assert (later.epoch - first.epoch) % 2 == 0  # R_100 ticks every 2 seconds
