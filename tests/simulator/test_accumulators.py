"""Accumulators on the simulator: proposal details, following the barriers, selling, closing.

The barriers, growth, maximum ticks and refusals are the market model's; these tests check
that the server shows them in the real server's fields and formats, tick by tick.
"""

from __future__ import annotations

from typing import Any

from trio.testing import MockClock

from framework.market.accumulator import AccumulatorPosition
from framework.market.contracts import ContractSpec
from framework.market.positions import open_position
from framework.market.pricing import price
from framework.simulator import Simulator
from tests.simulator.client import RawClient
from tests.simulator.session_script import ACCUMULATOR


def error_of(reply: dict[str, Any]) -> tuple[str, str]:
    assert "error" in reply, reply
    return reply["error"]["code"], reply["error"]["message"]


async def test_an_accumulator_proposal_has_its_contract_details(
    autojump_clock: MockClock, trader: RawClient
) -> None:
    proposal = (await trader.call({"proposal": 1, **ACCUMULATOR}))["proposal"]
    assert proposal["ask_price"] == 10.0
    details = proposal["contract_details"]
    spot = proposal["spot"]
    # One decimal more than R_100's two, around the spot, the distance to the high one.
    high, low = float(details["high_barrier"]), float(details["low_barrier"])
    assert low < spot < high
    assert len(details["high_barrier"].split(".")[1]) == 3
    assert details["barrier_spot_distance"] == f"{high - spot:.3f}"
    assert details["maximum_ticks"] == proposal["validation_params"]["max_ticks"]
    spec = ContractSpec(
        "ACCU", "R_100", amount=10, duration=None, duration_unit=None, growth_rate=0.03
    )
    quote = price(spec, spot)
    assert proposal["longcode"] == quote.longcode
    assert details == quote.contract_details()
    assert proposal["validation_params"] == quote.validation_params()
    refused = await trader.call({"proposal": 1, **ACCUMULATOR, "growth_rate": 0.07})
    code, message = error_of(refused)
    assert code == "GrowthRateOutOfRange"
    assert message.startswith("Growth rate is not in acceptable range. Accepts 0.01, ")


async def test_follow_an_accumulator_and_sell_it(
    autojump_clock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    before = sim.balance()
    bought = await trader.call({"buy": "1", "price": 10, "parameters": ACCUMULATOR, "subscribe": 1})
    receipt = bought["buy"]
    contract_id = receipt["contract_id"]
    position = sim.core.desk.contracts[contract_id].position
    assert isinstance(position, AccumulatorPosition)
    barrier = f"{position.terms.tick_size_barrier:.12f}"
    assert receipt["shortcode"].startswith("ACCU_R_100_10.00_")
    assert receipt["shortcode"].endswith(f"_0.03_1_{barrier}_{receipt['purchase_time']}")
    sub = bought["subscription"]["id"]
    seen: list[dict[str, Any]] = []
    while True:
        view = (await trader.stream(sub))["proposal_open_contract"]
        seen.append(view)
        if view.get("tick_passed") == 0 and "entry_tick" in view:
            # On the entry tick: barriers for the next tick, no sale yet.
            assert view["is_valid_to_sell"] == 0
            assert view["validation_error_code"] == "SellAtEntryTick"
            refused = await trader.call({"sell": contract_id, "price": 0})
            assert error_of(refused)[0] == "SellAtEntryTick"
            assert "high_barrier" not in view
            assert "current_spot_high_barrier" in view
        if view.get("tick_passed", 0) >= 3:
            break
    assert view["growth_rate"] == 0.03
    assert view["barrier_count"] == 2
    assert view["tick_count"] == position.ticks
    assert view["is_valid_to_sell"] == 1
    assert len(view["tick_stream"]) == 4  # entry tick and three more (the last ten at most)
    previous = seen[-2]
    # The barriers this tick was checked against are the ones shown for it on the last one.
    assert view["high_barrier"] == previous["current_spot_high_barrier"]
    assert view["low_barrier"] == previous["current_spot_low_barrier"]
    assert float(view["low_barrier"]) < view["current_spot"] < float(view["high_barrier"])
    sold = (await trader.call({"sell": contract_id, "price": 0}))["sell"]
    assert sold["sold_for"] == view["bid_price"]
    assert sim.balance() == round(before - 10 + sold["sold_for"], 2)
    final = (await trader.stream(sub))["proposal_open_contract"]
    assert final["status"] == "sold"
    assert final["sell_price"] == sold["sold_for"]
    assert "current_spot_high_barrier" not in final


async def test_an_accumulator_ends_exactly_as_the_market_model_says(
    autojump_clock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    terms = {**ACCUMULATOR, "growth_rate": 0.05, "limit_order": {"take_profit": 1}}
    bought = await trader.call({"buy": "1", "price": 10, "parameters": terms, "subscribe": 1})
    contract = sim.core.desk.contracts[bought["buy"]["contract_id"]]
    twin = open_position(contract.quote.spec, contract.quote, contract.position.purchase_epoch)
    while True:
        view = (await trader.stream(bought["subscription"]["id"]))["proposal_open_contract"]
        if view["is_sold"]:
            break
    expected = None
    feed = sim.core.feeds.get("R_100")
    for tick in feed.history(twin.purchase_epoch + 1, view["sell_time"]):
        expected = twin.on_tick(tick.epoch, tick.quote) or expected
    assert expected is not None
    assert (view["status"], view["sell_price"], view["exit_tick_time"]) == (
        expected.status,
        expected.sell_price,
        expected.exit_epoch,
    )
    assert view["limit_order"]["take_profit"]["order_amount"] == 1
    assert "value" not in view["limit_order"]["take_profit"]
    events = await trader.call({"statement": 1, "description": 1, "limit": 2})
    rows = events["statement"]["transactions"]
    assert [(r["action_type"], r["amount"]) for r in rows] == [
        ("sell", expected.sell_price),
        ("buy", -10.0),
    ]


async def test_an_accumulator_take_profit_can_change(
    autojump_clock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    bought = (await trader.call({"buy": "1", "price": 10, "parameters": ACCUMULATOR}))["buy"]
    contract_id = bought["contract_id"]
    update = {"contract_update": 1, "contract_id": contract_id}
    changed = await trader.call({**update, "limit_order": {"take_profit": 2}})
    assert changed["contract_update"]["take_profit"]["order_amount"] == 2
    assert changed["contract_update"]["take_profit"]["value"] is None
    position = sim.core.desk.contracts[contract_id].position
    assert isinstance(position, AccumulatorPosition)
    assert position.take_profit == 2
    refused = await trader.call({**update, "limit_order": {"stop_loss": 2}})
    assert error_of(refused)[0] == "OrderUpdateNotAllowed"
    history = await trader.call({"contract_update_history": 1, "contract_id": contract_id})
    assert [e["order_amount"] for e in history["contract_update_history"]] == ["2.00"]


async def test_an_accumulator_proposal_shows_its_take_profit(
    autojump_clock: MockClock, trader: RawClient
) -> None:
    terms = {"proposal": 1, **ACCUMULATOR, "limit_order": {"take_profit": 4}}
    proposal = (await trader.call(terms))["proposal"]
    assert proposal["limit_order"] == {
        "take_profit": {
            "display_name": "Take profit",
            "order_amount": 4,
            "order_date": proposal["date_start"],
        }
    }
    plain = (await trader.call({"proposal": 1, **ACCUMULATOR}))["proposal"]
    assert "limit_order" not in plain
