"""Persistence: accounts, balances, tokens and contracts survive a simulator restart."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import trio
from trio.testing import MockClock

from framework.simulator import DEMO_TOKEN, open_simulator
from tests.simulator.client import RawClient, connect
from tests.simulator.conftest import START, sim_options
from tests.simulator.session_script import ACCUMULATOR, MULTIPLIER, PARAMS


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


async def _trade_open_ended(raw: RawClient) -> dict[str, int]:
    """Open a Multiplier and change its orders, cancel another, open an Accumulator."""
    await raw.authorize(DEMO_TOKEN)
    tp = {"take_profit": 5}
    mult = await raw.call(
        {"buy": "1", "price": 10, "parameters": {**MULTIPLIER, "limit_order": tp}}
    )
    contract = mult["buy"]["contract_id"]
    await trio.sleep(6)
    update = {"take_profit": None, "stop_loss": 3}
    changed = await raw.call({"contract_update": 1, "contract_id": contract, "limit_order": update})
    assert "error" not in changed, changed
    covered = {**MULTIPLIER, "cancellation": "5m"}
    cancelled = (await raw.call({"buy": "1", "price": 20, "parameters": covered}))["buy"]
    await trio.sleep(2)
    assert "error" not in await raw.call({"cancel": cancelled["contract_id"]})
    accu = {**ACCUMULATOR, "growth_rate": 0.01, "limit_order": {"take_profit": 3}}
    grows = (await raw.call({"buy": "1", "price": 10, "parameters": accu}))["buy"]
    return {
        "multiplier": contract,
        "cancelled": cancelled["contract_id"],
        "accumulator": grows["contract_id"],
    }


async def _views(raw: RawClient, ids: dict[str, int]) -> dict[str, Any]:
    out = {}
    for name, contract_id in ids.items():
        reply = await raw.call({"proposal_open_contract": 1, "contract_id": contract_id})
        out[name] = reply["proposal_open_contract"]
    history = {"contract_update_history": 1, "contract_id": ids["multiplier"]}
    out["history"] = (await raw.call(history))["contract_update_history"]
    out["balance"] = (await raw.call({"balance": 1}))["balance"]["balance"]
    return out


async def test_multipliers_and_accumulators_come_back_as_if_never_stopped(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    state = tmp_path / "sim.sqlite"
    async with open_simulator(**sim_options(state=state)) as sim, connect(sim) as raw:
        ids = await _trade_open_ended(raw)
        before = await _views(raw, ids)
        stopped = sim.epoch()
    assert before["multiplier"]["status"] == "open"
    assert before["cancelled"]["status"] == "cancelled"
    restart = stopped + 30
    later = sim_options(state=state, start_epoch=restart)
    async with open_simulator(**later) as sim, connect(sim) as raw:
        await raw.authorize(DEMO_TOKEN)
        restored = await _views(raw, ids)
        now = sim.epoch()
    # The same actions on a simulator that never stopped, seen at the same epoch.
    async with open_simulator(**sim_options()) as sim, connect(sim) as raw:
        assert await _trade_open_ended(raw) == ids
        await trio.sleep(now - sim.epoch())
        assert sim.epoch() == now
        uninterrupted = await _views(raw, ids)
    assert restored["cancelled"] == before["cancelled"]  # a settled one keeps its last view
    for name in ("multiplier", "accumulator", "history", "balance"):
        assert restored[name] == uninterrupted[name], name
    assert restored["multiplier"]["limit_order"]["stop_loss"]["order_amount"] == -3


async def test_a_state_file_from_before_the_open_ended_families_still_loads(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    state = tmp_path / "sim.sqlite"
    long_call = {**PARAMS, "duration": 10, "duration_unit": "m"}
    async with open_simulator(**sim_options(state=state)) as sim, connect(sim) as raw:
        await raw.authorize(sim.token)
        open_one = (await raw.call({"buy": "1", "price": 10, "parameters": long_call}))["buy"]
        settled = (await raw.call({"buy": "1", "price": 10, "parameters": PARAMS}))["buy"]
        await trio.sleep(30)
    # Rewrite the rows the way the previous version stored them.
    with sqlite3.connect(state) as db:
        for contract_id, data in db.execute("SELECT contract_id, data FROM contracts").fetchall():
            row = json.loads(data)
            quote = row.pop("quote")
            for gone in ("changes", "view"):
                row.pop(gone)
            row.update(
                buy_price=quote["ask_price"],
                payout=quote["payout"],
                commission=0.05,
                probability=quote["probability"],
            )
            db.execute(
                "UPDATE contracts SET data = ? WHERE contract_id = ?",
                (json.dumps(row), contract_id),
            )
    async with open_simulator(**sim_options(state=state)) as sim, connect(sim) as raw:
        await raw.authorize(sim.token)
        table = (await raw.call({"profit_table": 1}))["profit_table"]["transactions"]
        assert [row["contract_id"] for row in table] == [settled["contract_id"]]
        poc = await raw.call(
            {"proposal_open_contract": 1, "contract_id": open_one["contract_id"], "subscribe": 1}
        )
        assert poc["proposal_open_contract"]["status"] == "open"
        while not (await raw.stream(poc["subscription"]["id"], limit=900))[
            "proposal_open_contract"
        ]["is_sold"]:
            pass


async def test_restart_keeps_registered_apps_and_pending_codes(
    autojump_clock: MockClock, tmp_path: Path
) -> None:
    state = tmp_path / "sim.sqlite"
    async with open_simulator(**sim_options(state=state)) as sim, connect(sim) as raw:
        await raw.authorize(sim.token)
        kept = await raw.call({"app_register": 1, "name": "kept", "scopes": ["read"]})
        gone = await raw.call({"app_register": 1, "name": "gone", "scopes": ["trade"]})
        await raw.call({"app_delete": gone["app_register"]["app_id"]})
        for to in ("used@example.com", "pending@example.com"):
            await raw.call({"verify_email": to, "type": "account_opening"})
        used, pending = sim.outbox.sent
        opening = {"new_account_virtual": 1, "client_password": "Secret123", "residence": "id"}
        await raw.call({**opening, "verification_code": used.code, "email": used.to})
    async with open_simulator(**sim_options(state=state)) as sim, connect(sim) as raw:
        assert sim.outbox.sent == [pending]  # the used code stays used
        await raw.authorize(sim.token)
        apps = (await raw.call({"app_list": 1}))["app_list"]
        assert apps == [kept["app_register"]]
        again = await raw.call({"app_register": 1, "name": "new", "scopes": ["read"]})
        assert again["app_register"]["app_id"] > gone["app_register"]["app_id"]
        refused = await raw.call({**opening, "verification_code": used.code, "email": used.to})
        assert refused["error"]["code"] == "InvalidToken"
        opened = await raw.call({**opening, "verification_code": pending.code, "email": pending.to})
        assert opened["new_account_virtual"]["email"] == pending.to
    async with open_simulator(**sim_options(state=state)) as sim:
        assert sim.outbox.sent == []  # redeemed after the restart: written through too
        assert [app.name for app in sim.core.apps.values()] == ["kept", "new"]
