"""Trading semantics: proposals, buys, settlement on the feed, streams, per-connection ids."""

from __future__ import annotations

import trio
from trio.testing import MockClock

from framework.market.contracts import ContractSpec
from framework.market.positions import open_position
from framework.market.pricing import price
from framework.simulator import Simulator, TokenConfig, open_simulator
from tests.simulator.client import RawClient, connect
from tests.simulator.conftest import sim_options
from tests.simulator.session_script import PARAMS


async def test_tick_contract_lifecycle_matches_the_market_model(
    autojump_clock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    ticks = (await trader.call({"ticks": "R_100"}))["subscription"]["id"]
    txn_sub = (await trader.call({"transaction": 1, "subscribe": 1}))["subscription"]["id"]
    bal_sub = (await trader.call({"balance": 1, "subscribe": 1}))["subscription"]["id"]
    bought = await trader.call({"buy": "1", "price": 10, "parameters": PARAMS, "subscribe": 1})
    receipt = bought["buy"]
    poc_sub = bought["subscription"]["id"]
    updates = []
    while True:
        message = await trader.stream(poc_sub)
        assert message["msg_type"] == "proposal_open_contract"
        assert message["req_id"] == bought["req_id"]
        updates.append(message["proposal_open_contract"])
        if updates[-1]["is_sold"]:
            break
    final = updates[-1]
    assert final["status"] in ("won", "lost")
    assert all(u["is_sold"] == 0 for u in updates[:-1])
    assert poc_sub not in {s["id"] for s in sim.subscriptions()}  # the stream ended

    # Subscribers saw the very ticks the contract settled on: entry = first tick after buy.
    seen: list[tuple[int, float]] = []
    while len(seen) < 6:
        tick = (await trader.stream(ticks))["tick"]
        if tick["epoch"] > receipt["purchase_time"]:
            seen.append((tick["epoch"], tick["quote"]))
    assert (final["entry_tick_time"], final["entry_tick"]) == seen[0]
    assert (final["exit_tick_time"], final["exit_tick"]) == seen[5]  # 5 ticks after entry

    # Brute force: the market model fed the same ticks reaches the same result.
    spec = ContractSpec("CALL", "R_100", amount=10, basis="stake", duration=5, duration_unit="t")
    quote = price(spec, 1000.0, date_start=receipt["purchase_time"])
    position = open_position(spec, quote, receipt["purchase_time"])
    settlement = None
    for epoch, q in seen:
        settlement = settlement or position.on_tick(epoch, q)
    assert settlement is not None
    assert settlement.status == final["status"]
    expected_credit = receipt["payout"] if final["status"] == "won" else 0.0
    assert final["sell_price"] == expected_credit

    # The transaction stream shows the buy, then the sell; the balance stream follows.
    first = await trader.stream(txn_sub)
    assert first["transaction"]["action"] == "buy"
    assert first["transaction"]["amount"] == -10.0
    second = await trader.stream(txn_sub)
    # A buy event names the contract's market like a sell event (clients look it up).
    for event in (first["transaction"], second["transaction"]):
        assert event["symbol"] == "R_100"
        assert event["display_name"] == "Volatility 100 Index"
    # A tick contract's expiry is approximate: when its last tick is due (receive.json).
    assert first["transaction"]["date_expiry"] == second["transaction"]["date_expiry"]
    assert first["transaction"]["date_expiry"] >= final["exit_tick_time"]
    assert second["transaction"]["action"] == "sell"
    assert second["transaction"]["contract_id"] == receipt["contract_id"]
    assert second["transaction"]["amount"] == expected_credit
    balances = [(await trader.stream(bal_sub))["balance"]["balance"] for _ in range(2)]
    assert balances == [9990.0, 9990.0 + expected_credit]
    assert sim.balance() == 9990.0 + expected_credit


async def test_buy_price_is_a_maximum_fill_at_the_ask(
    autojump_clock: MockClock, trader: RawClient
) -> None:
    proposal = (await trader.call({"proposal": 1, **PARAMS, "basis": "payout", "amount": 20}))[
        "proposal"
    ]
    ask = proposal["ask_price"]
    bought = (await trader.call({"buy": proposal["id"], "price": ask + 5}))["buy"]
    assert bought["buy_price"] == ask
    assert bought["payout"] == 20


async def test_proposal_ids_reuse_consumption_and_scope(
    autojump_clock: MockClock, sim: Simulator
) -> None:
    async with connect(sim) as one, connect(sim) as two:
        await one.authorize(sim.token)
        await two.authorize(sim.token)
        first = (await one.call({"proposal": 1, **PARAMS}))["proposal"]["id"]
        again = (await one.call({"proposal": 1, **PARAMS}))["proposal"]["id"]
        assert first == again  # identical, unsubscribed: the same registered id
        other = await two.call({"buy": first, "price": 10})
        assert other["error"]["code"] == "InvalidContractProposal"  # ids are per connection
        assert "error" not in await one.call({"buy": first, "price": 10})
        reply = await one.call({"buy": first, "price": 10})
        assert reply["error"]["code"] == "InvalidContractProposal"  # bought: consumed
        streamed = await one.call({"proposal": 1, **PARAMS, "duration": 3, "subscribe": 1})
        sub = streamed["subscription"]["id"]
        assert streamed["proposal"]["id"] == sub
        assert (await one.call({"forget": sub}))["forget"] == 1
        assert (await one.call({"forget": sub}))["forget"] == 0
        reply = await one.call({"buy": sub, "price": 10})
        assert reply["error"]["code"] == "InvalidContractProposal"  # forgotten


async def test_streaming_proposal_updates_on_each_tick(
    autojump_clock: MockClock, trader: RawClient
) -> None:
    reply = await trader.call(
        {"proposal": 1, **PARAMS, "duration": 5, "duration_unit": "m", "subscribe": 1}
    )
    sub = reply["subscription"]["id"]
    spots = [reply["proposal"]["spot_time"]]
    for _ in range(3):
        update = await trader.stream(sub)
        assert update["proposal"]["id"] == sub
        spots.append(update["proposal"]["spot_time"])
    assert spots == sorted(set(spots)) and spots[-1] - spots[0] == 6


async def test_forget_all_by_type_and_disconnect_forgets_everything(
    autojump_clock: MockClock, sim: Simulator
) -> None:
    async with connect(sim) as raw:
        await raw.authorize(sim.token)
        t1 = (await raw.call({"ticks": "R_10"}))["subscription"]["id"]
        t2 = (await raw.call({"ticks": "R_25"}))["subscription"]["id"]
        await raw.call({"balance": 1, "subscribe": 1})
        forgotten = (await raw.call({"forget_all": "ticks"}))["forget_all"]
        assert sorted(forgotten) == sorted([t1, t2])
        assert [s["kind"] for s in sim.subscriptions()] == ["balance"]
        await raw.call({"ticks": "R_10"})
    await trio.sleep(1)
    assert sim.subscriptions() == []
    assert sim.core.feeds.get("R_10").listener_count == 0


async def test_sell_a_time_contract_at_its_bid(
    autojump_clock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    params = {**PARAMS, "duration": 5, "duration_unit": "m"}
    bought = (await trader.call({"buy": "1", "price": 10, "parameters": params}))["buy"]
    await trio.sleep(10)
    poc = (await trader.call({"proposal_open_contract": 1, "contract_id": bought["contract_id"]}))[
        "proposal_open_contract"
    ]
    assert poc["is_valid_to_sell"] == 1
    sold = (await trader.call({"sell": bought["contract_id"], "price": 0}))["sell"]
    assert sold["reference_id"] == bought["transaction_id"]
    assert sim.balance() == round(9990.0 + sold["sold_for"], 2)
    final = await trader.call({"proposal_open_contract": 1, "contract_id": bought["contract_id"]})
    assert final["proposal_open_contract"]["status"] == "sold"
    # Sold before its expiry, so not expired (the server prices it as of the sale).
    assert final["proposal_open_contract"]["is_expired"] == 0
    assert final["proposal_open_contract"]["is_settleable"] == 0
    assert "subscription" not in final
    profit = (await trader.call({"profit_table": 1}))["profit_table"]["transactions"][0]
    assert profit["sell_price"] == sold["sold_for"]


async def test_all_contracts_stream_follows_new_buys(
    autojump_clock: MockClock, trader: RawClient
) -> None:
    first = await trader.call({"proposal_open_contract": 1, "subscribe": 1})
    sub = first["subscription"]["id"]
    assert first["proposal_open_contract"] == {}
    bought = (await trader.call({"buy": "1", "price": 10, "parameters": PARAMS}))["buy"]
    statuses: list[str] = []
    while not statuses or statuses[-1] == "open":
        update = (await trader.stream(sub))["proposal_open_contract"]
        assert update["contract_id"] == bought["contract_id"]
        statuses.append(update["status"])
    assert statuses[-1] in ("won", "lost")
    # The all-contracts stream stays open for the next buys.
    second = (await trader.call({"buy": "1", "price": 10, "parameters": PARAMS}))["buy"]
    assert (await trader.stream(sub))["proposal_open_contract"]["contract_id"] == second[
        "contract_id"
    ]


async def test_multi_token_authorize_and_logout(autojump_clock: MockClock) -> None:
    tokens = (TokenConfig("virt-token"), TokenConfig("real-token", account="real"))
    async with open_simulator(**sim_options(tokens=tokens)) as sim, connect(sim) as raw:
        auth = await raw.call({"authorize": "MULTI", "tokens": ["virt-token", "real-token"]})
        assert auth["echo_req"]["tokens"] == ["<not shown>", "<not shown>"]
        info = auth["authorize"]
        logins = {a["loginid"] for a in info["account_list"]}
        assert info["loginid"].startswith("VRTC") and len(logins) == 2
        real = next(login for login in logins if login.startswith("CR"))
        balance = await raw.call({"balance": 1, "loginid": real})
        assert balance["balance"]["loginid"] == real
        await raw.call({"balance": 1, "subscribe": 1})
        assert (await raw.call({"logout": 1}))["logout"] == 1
        assert sim.subscriptions() == []
        assert (await raw.call({"balance": 1}))["error"]["code"] == "AuthorizationRequired"


async def test_same_seed_same_market(autojump_clock: MockClock) -> None:
    histories = []
    for _ in range(2):
        async with open_simulator(**sim_options()) as sim, connect(sim) as raw:
            reply = await raw.call({"ticks_history": "1HZ100V", "end": "latest", "count": 50})
            histories.append(reply["history"])
    assert histories[0] == histories[1]
    assert len(histories[0]["prices"]) == 50
    async with open_simulator(**sim_options(seed=8)) as sim, connect(sim) as raw:
        other = await raw.call({"ticks_history": "1HZ100V", "end": "latest", "count": 50})
    assert other["history"]["prices"] != histories[0]["prices"]


async def test_history_and_candles_agree(autojump_clock: MockClock, client: RawClient) -> None:
    history = (await client.call({"ticks_history": "R_50", "end": "latest", "count": 300}))[
        "history"
    ]
    candles = (
        await client.call({"ticks_history": "R_50", "end": "latest", "count": 3, "granularity": 60})
    )["candles"]
    assert len(candles) == 3
    for candle in candles:
        inside = [
            p
            for p, t in zip(history["prices"], history["times"], strict=True)
            if candle["epoch"] <= t < candle["epoch"] + 60
        ]
        assert candle["high"] == max(inside) and candle["low"] == min(inside)
        assert candle["open"] == inside[0] and candle["close"] == inside[-1]


async def test_topup_virtual_and_speed(autojump_clock: MockClock) -> None:
    async with open_simulator(**sim_options(speed=10, balance=800)) as sim, connect(sim) as raw:
        await raw.authorize(sim.token)
        reply = await raw.call({"topup_virtual": 1})
        assert reply["topup_virtual"] == {"amount": 10000.0, "currency": "USD"}
        assert sim.balance() == 10800.0
        before = (await raw.call({"time": 1}))["time"]
        await trio.sleep(3)
        after = (await raw.call({"time": 1}))["time"]
        assert 29 <= after - before <= 31  # ten simulated seconds per second
