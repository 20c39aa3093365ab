"""Persistence: accounts, balances, tokens and contracts survive a simulator restart."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import trio
from trio.testing import MockClock

from framework.simulator import open_simulator
from tests.simulator.client import connect
from tests.simulator.conftest import START, sim_options
from tests.simulator.session_script import PARAMS


async def test_restart_keeps_accounts_and_settles_open_contracts(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    state = tmp_path / "sim.sqlite"
    long_call = {**PARAMS, "duration": 2, "duration_unit": "m"}
    async with open_simulator(**sim_options(state=state)) as sim, connect(sim) as raw:
        await raw.authorize(sim.token)
        made = await raw.call({"api_token": 1, "new_token": "kept", "new_token_scopes": ["read"]})
        kept = next(t["token"] for t in made["api_token"]["tokens"] if t["display_name"] == "kept")
        open_one = (await raw.call({"buy": "1", "price": 10, "parameters": long_call}))["buy"]
        balance_then = sim.balance()
        loginid = sim.loginid
    # Same market (seed and genesis come from the file), ten minutes later.
    async with open_simulator(**sim_options(state=state, seed=999, start_epoch=START + 600)) as sim:
        assert sim.loginid == loginid
        contract = sim.core.desk.contracts[open_one["contract_id"]]
        assert not contract.is_open  # settled on the ticks it missed while the server was down
        settlement = contract.settlement
        assert settlement is not None
        assert settlement.exit_epoch <= open_one["purchase_time"] + 120
        credit = settlement.sell_price
        assert sim.balance() == round(balance_then + credit, 2)
        async with connect(sim) as raw:
            await raw.authorize(kept)  # tokens made through the API survive too
            table = (await raw.call({"profit_table": 1}))["profit_table"]["transactions"]
            assert [row["contract_id"] for row in table] == [open_one["contract_id"]]
            await raw.authorize(sim.token)
            again = (await raw.call({"buy": "1", "price": 10, "parameters": PARAMS}))["buy"]
            assert again["contract_id"] > open_one["contract_id"]
            assert again["transaction_id"] > open_one["transaction_id"]
        history = sim.core.feeds.get("R_100")
        first_run_tick = history.tick_at_or_before(open_one["purchase_time"])
    async with open_simulator(**sim_options(seed=7)) as fresh:
        # The same seed and genesis without the file show the same quote at that epoch.
        assert fresh.core.feeds.genesis == sim.core.feeds.genesis
        again_tick = fresh.core.feeds.get("R_100").tick_at_or_before(open_one["purchase_time"])
        assert again_tick == first_run_tick


async def test_open_contract_still_open_after_restart_keeps_settling(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    state = tmp_path / "sim.sqlite"
    long_call = {**PARAMS, "duration": 10, "duration_unit": "m"}
    async with open_simulator(**sim_options(state=state)) as sim, connect(sim) as raw:
        await raw.authorize(sim.token)
        bought = (await raw.call({"buy": "1", "price": 10, "parameters": long_call}))["buy"]
    later = sim_options(state=state, start_epoch=START + 60)
    async with open_simulator(**later) as sim, connect(sim) as raw:
        await raw.authorize(sim.token)
        poc = await raw.call(
            {"proposal_open_contract": 1, "contract_id": bought["contract_id"], "subscribe": 1}
        )
        assert poc["proposal_open_contract"]["status"] == "open"
        sub = poc["subscription"]["id"]
        while True:
            update = (await raw.stream(sub, limit=900))["proposal_open_contract"]
            if update["is_sold"]:
                break
        assert update["sell_time"] >= bought["purchase_time"] + 600
        assert update["status"] in ("won", "lost")


def _saved_clock(state: Path) -> float:
    """The clock epoch in the state file, read as another process would (the sim may run)."""
    with sqlite3.connect(state) as db:
        (value,) = db.execute("SELECT value FROM meta WHERE key = 'clock'").fetchone()
    return float(json.loads(value))


async def test_a_restart_resumes_the_simulated_clock(vclock: MockClock, tmp_path: Path) -> None:
    state = tmp_path / "sim.sqlite"
    fast = sim_options(state=state, speed=10)
    async with open_simulator(**fast) as sim, connect(sim) as raw:
        await raw.authorize(sim.token)
        bought = (await raw.call({"buy": "1", "price": 10, "parameters": PARAMS}))["buy"]
        # Written with the trade, while the simulator still runs: a kill loses no time.
        assert _saved_clock(state) >= bought["purchase_time"]
        await trio.sleep(60)  # ten simulated minutes
        assert _saved_clock(state) >= START + 590  # and every second meanwhile
        stopped_at = sim.epoch()
    assert _saved_clock(state) >= stopped_at >= START + 600
    # Same options, so the same configured start: the clock resumes, it does not go back.
    async with open_simulator(**fast) as sim:
        assert sim.epoch() >= stopped_at
        assert sim.core.desk.contracts[bought["contract_id"]].position.purchase_epoch < sim.epoch()
    # A start later than where it stopped (time passed while it was down) is kept.
    async with open_simulator(**sim_options(state=state, start_epoch=START + 7200)) as sim:
        assert START + 7200 <= sim.epoch() < START + 7300
