"""Multipliers on the simulator: proposal, buy, limit orders, updates, deal cancellation, sale.

Every figure (commission, stop-out level, fee, ranges) is the market model's; these tests
check that the server carries them where the real one does, and refuses what it refuses.
"""

from __future__ import annotations

from typing import Any

import trio
from trio.testing import MockClock

from framework.market.contracts import ContractSpec
from framework.market.multiplier import MultiplierPosition
from framework.market.openended import MultiplierTerms
from framework.market.positions import open_position
from framework.market.pricing import price
from framework.market.symbols import get_symbol
from framework.market.terms import cancellation_options, growth_rates, multiplier_range
from framework.simulator import Simulator
from tests.simulator.client import RawClient
from tests.simulator.session_script import MULTIPLIER


def error_of(reply: dict[str, Any]) -> tuple[str, str]:
    assert "error" in reply, reply
    return reply["error"]["code"], reply["error"]["message"]


async def poc(trader: RawClient, contract_id: int) -> dict[str, Any]:
    reply = await trader.call({"proposal_open_contract": 1, "contract_id": contract_id})
    contract: dict[str, Any] = reply["proposal_open_contract"]
    return contract


async def test_a_multiplier_proposal_carries_the_market_models_terms(
    autojump_clock: MockClock, trader: RawClient
) -> None:
    reply = await trader.call(
        {"proposal": 1, **MULTIPLIER, "limit_order": {"take_profit": 5, "stop_loss": 3}}
    )
    proposal = reply["proposal"]
    spec = ContractSpec(
        "MULTUP", "R_100", amount=10, duration=None, duration_unit=None, multiplier=40,
        take_profit=5, stop_loss=3,
    )  # fmt: skip
    terms = price(spec, proposal["spot"]).terms
    assert isinstance(terms, MultiplierTerms)
    assert proposal["ask_price"] == 10.0  # no duration asked, none needed
    assert proposal["multiplier"] == 40
    assert proposal["commission"] == terms.commission
    orders = proposal["limit_order"]
    assert orders["stop_out"] == {
        "display_name": "Stop out",
        "order_amount": -10.0,
        "order_date": proposal["date_start"],
        "value": f"{terms.stop_out_level:.2f}",
    }
    assert orders["take_profit"]["order_amount"] == 5
    assert orders["take_profit"]["value"] == f"{terms.level(5):.2f}"
    assert orders["stop_loss"]["order_amount"] == -3
    assert orders["stop_loss"]["value"] == f"{terms.level(-3):.2f}"
    assert proposal["validation_params"] == terms.validation_params()
    assert "cancellation" not in proposal
    covered = (await trader.call({"proposal": 1, **MULTIPLIER, "cancellation": "60m"}))["proposal"]
    fee = covered["cancellation"]["ask_price"]
    assert fee > 0
    assert covered["ask_price"] == round(10 + fee, 2)
    assert covered["cancellation"]["date_expiry"] == covered["date_start"] + 3600


async def test_refusals_are_the_market_models(autojump_clock: MockClock, trader: RawClient) -> None:
    reply = await trader.call({"proposal": 1, **MULTIPLIER, "multiplier": 100})
    code, message = error_of(reply)
    assert code == "MultiplierOutOfRange"
    assert message.startswith("Multiplier is not in acceptable range. Accepts 40, ")
    assert reply["error"]["details"] == {"field": "multiplier"}
    both = {"proposal": 1, **MULTIPLIER, "cancellation": "60m", "limit_order": {"stop_loss": 3}}
    assert error_of(await trader.call(both))[0] == "EitherStopLossOrCancel"
    timed = {"proposal": 1, **MULTIPLIER, "duration": 5, "duration_unit": "m"}
    assert error_of(await trader.call(timed)) == (
        "ContractBuyValidationError",
        "Invalid input (duration or date_expiry) for this contract type (MULTUP).",
    )
    window = {"proposal": 1, **MULTIPLIER, "cancellation": "2m"}
    assert error_of(await trader.call(window))[0] == "InvalidDealCancellation"


async def test_buy_follow_update_and_sell_a_multiplier(
    autojump_clock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    before = sim.balance()
    bought = await trader.call(
        {
            "buy": "1",
            "price": 10,
            "parameters": {**MULTIPLIER, "limit_order": {"take_profit": 5}},
            "subscribe": 1,
        }
    )
    receipt = bought["buy"]
    contract_id = receipt["contract_id"]
    start = receipt["purchase_time"]
    view = (await trader.stream(bought["subscription"]["id"]))["proposal_open_contract"]
    expiry = view["date_expiry"]
    # The server's format, with a notional expiry at the end of a day 36500 days on.
    assert receipt["shortcode"] == f"MULTUP_R_100_10.00_40_{start}_{expiry}_0_0.00_N1"
    assert (expiry + 1) % 86400 == 0
    assert (expiry + 1) // 86400 - start // 86400 == 36501
    assert view["multiplier"] == 40
    assert view["is_valid_to_cancel"] == 0
    assert view["is_valid_to_update"] == {"stop_loss": 1, "stop_out": 0, "take_profit": 1}
    assert set(view["limit_order"]) == {"stop_out", "take_profit"}
    assert view["limit_order"]["take_profit"]["order_date"] == start
    await trio.sleep(4)
    changed = await trader.call(
        {
            "contract_update": 1,
            "contract_id": contract_id,
            "limit_order": {"take_profit": None, "stop_loss": 4},
        }
    )
    answer = changed["contract_update"]
    now = answer["stop_loss"]["order_date"]
    assert now > start
    assert answer["take_profit"] == {
        "display_name": "Take profit",
        "order_amount": None,
        "order_date": now,
        "value": None,
    }
    assert answer["stop_loss"]["order_amount"] == -4
    position = sim.core.desk.contracts[contract_id].position
    assert isinstance(position, MultiplierPosition)
    assert answer["stop_loss"]["value"] == f"{position.stop_loss_level:.2f}"
    view = await poc(trader, contract_id)
    assert set(view["limit_order"]) == {"stop_out", "stop_loss"}
    history = await trader.call({"contract_update_history": 1, "contract_id": contract_id})
    entries = history["contract_update_history"]
    assert [(e["order_type"], e["order_amount"]) for e in entries] == [
        ("stop_loss", "4.00"),
        ("take_profit", ""),
        ("take_profit", "5.00"),
    ]
    limited = {"contract_update_history": 1, "contract_id": contract_id, "limit": 1}
    assert len((await trader.call(limited))["contract_update_history"]) == 1
    refused = await trader.call(
        {"contract_update": 1, "contract_id": contract_id, "limit_order": {"stop_loss": 50}}
    )
    assert error_of(refused)[0] == "StopLossTooHigh"
    bid = (await poc(trader, contract_id))["bid_price"]
    too_much = await trader.call({"sell": contract_id, "price": bid + 100})
    assert error_of(too_much)[0] == "PriceMoved"
    sold = (await trader.call({"sell": contract_id, "price": 0}))["sell"]
    assert sim.balance() == round(before - 10 + sold["sold_for"], 2)
    final = await poc(trader, contract_id)
    assert final["status"] == "sold"
    assert final["is_sold"] == 1
    assert final["sell_price"] == sold["sold_for"]
    after = await trader.call(
        {"contract_update": 1, "contract_id": contract_id, "limit_order": {"stop_loss": 2}}
    )
    assert error_of(after) == ("ContractUpdateFailure", "This contract has been sold.")


async def test_deal_cancellation_returns_the_stake_and_then_expires(
    autojump_clock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    before = sim.balance()
    terms = {**MULTIPLIER, "cancellation": "5m"}
    bought = (await trader.call({"buy": "1", "price": 20, "parameters": terms}))["buy"]
    contract_id = bought["contract_id"]
    fee = round(bought["buy_price"] - 10, 2)
    assert fee > 0
    assert bought["shortcode"].endswith("_5m_0.00_N1")
    view = await poc(trader, contract_id)
    assert view["is_valid_to_cancel"] == 1
    assert view["cancellation"] == {
        "ask_price": fee,
        "date_expiry": bought["purchase_time"] + 300,
    }
    updating = await trader.call(
        {"contract_update": 1, "contract_id": contract_id, "limit_order": {"take_profit": 5}}
    )
    assert error_of(updating)[0] == "UpdateTakeProfitNotAllowed"
    cancelled = (await trader.call({"cancel": contract_id}))["cancel"]
    assert cancelled["sold_for"] == 10.0  # the stake, not the fee
    assert cancelled["reference_id"] == bought["transaction_id"]
    assert sim.balance() == round(before - fee, 2)
    view = await poc(trader, contract_id)
    assert view["status"] == "cancelled"
    assert view["is_sold"] == 1
    table = (await trader.call({"profit_table": 1, "description": 1}))["profit_table"]
    row = table["transactions"][0]
    assert (row["contract_id"], row["deal_cancellation_duration"], row["multiplier"]) == (
        contract_id,
        "5m",
        "40",
    )
    again = await trader.call({"cancel": contract_id})
    assert error_of(again)[0] == "NoOpenPosition"
    late = (await trader.call({"buy": "1", "price": 20, "parameters": terms}))["buy"]
    for _ in range(6):  # past the window, talking so the idle connection is not closed
        await trio.sleep(60)
        await trader.call({"ping": 1})
    code, _ = error_of(await trader.call({"cancel": late["contract_id"]}))
    assert code == "DealCancellationExpired"
    assert (await poc(trader, late["contract_id"]))["is_valid_to_cancel"] == 0


async def test_cancel_without_deal_cancellation_and_on_other_contracts(
    autojump_clock: MockClock, trader: RawClient
) -> None:
    plain = (await trader.call({"buy": "1", "price": 10, "parameters": MULTIPLIER}))["buy"]
    assert error_of(await trader.call({"cancel": plain["contract_id"]}))[0] == (
        "DealCancellationNotBought"
    )
    option = {
        "contract_type": "CALL", "symbol": "R_100", "currency": "USD", "amount": 10,
        "basis": "stake", "duration": 5, "duration_unit": "m",
    }  # fmt: skip
    call = (await trader.call({"buy": "1", "price": 10, "parameters": option}))["buy"]
    assert error_of(await trader.call({"cancel": call["contract_id"]}))[0] == (
        "CannotCancelContract"
    )
    update = {"contract_update": 1, "contract_id": call["contract_id"]}
    refused = await trader.call({**update, "limit_order": {"take_profit": 5}})
    assert error_of(refused)[0] == "ContractUpdateNotAllowed"
    history = {"contract_update_history": 1, "contract_id": call["contract_id"]}
    assert (await trader.call(history))["contract_update_history"] == []
    unknown = await trader.call({**update, "contract_id": 7, "limit_order": {"take_profit": 5}})
    assert error_of(unknown) == ("ContractNotFound", "Contract not found for contract id: 7.")
    assert error_of(await trader.call({"cancel": 7}))[0] == "NoOpenPosition"


async def test_a_take_profit_closes_the_multiplier_on_the_tick_that_reaches_it(
    autojump_clock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    # Twin positions opened by the market model on the same quote show which tick and
    # which amount the simulator must close the contract on.
    bought = await trader.call(
        {
            "buy": "1",
            "price": 10,
            "parameters": {**MULTIPLIER, "multiplier": 200, "limit_order": {"take_profit": 0.5}},
            "subscribe": 1,
        }
    )
    contract = sim.core.desk.contracts[bought["buy"]["contract_id"]]
    twin = open_position(contract.quote.spec, contract.quote, contract.position.purchase_epoch)
    feed = sim.core.feeds.get("R_100")
    while True:
        view = (await trader.stream(bought["subscription"]["id"], limit=3600))[
            "proposal_open_contract"
        ]
        if view["is_sold"]:
            break
    expected = None
    for tick in feed.history(twin.purchase_epoch + 1, view["sell_time"]):
        expected = twin.on_tick(tick.epoch, tick.quote) or expected
    assert expected is not None
    assert view["status"] == expected.status
    assert view["sell_price"] == expected.sell_price
    assert view["exit_tick_time"] == expected.exit_epoch
    assert view["sell_time"] == expected.sell_epoch


async def test_contracts_for_lists_the_ranges_of_each_symbol(
    autojump_clock: MockClock, client: RawClient
) -> None:
    for symbol in ("R_100", "1HZ10V"):
        reply = await client.call({"contracts_for": symbol})
        rows = {row["contract_type"]: row for row in reply["contracts_for"]["available"]}
        spec = get_symbol(symbol)
        assert rows["MULTUP"]["multiplier_range"] == list(multiplier_range(spec))
        assert rows["MULTDOWN"]["cancellation_range"] == list(cancellation_options(spec))
        assert rows["MULTUP"]["expiry_type"] == "no_expiry"
        assert rows["ACCU"]["growth_rate_range"] == list(growth_rates(spec))
        assert "multiplier_range" not in rows["ACCU"]
        assert "growth_rate_range" not in rows["CALL"]
