"""Shortcodes of bought contracts, as Deriv writes them, and selling below the asked price."""

from __future__ import annotations

from typing import Any

import pytest
import trio
from trio.testing import MockClock

from tests.simulator.client import RawClient
from tests.simulator.conftest import START

BASE: dict[str, Any] = {"symbol": "R_100", "currency": "USD", "amount": 10, "basis": "stake"}


@pytest.mark.parametrize(
    ("terms", "pattern"),
    [
        (
            {"contract_type": "DIGITMATCH", "barrier": "5", "duration": 5, "duration_unit": "t"},
            "DIGITMATCH_R_100_{payout}_{start}_5T_5_0",
        ),
        (
            {"contract_type": "CALL", "barrier": "+0.50", "duration": 5, "duration_unit": "m"},
            "CALL_R_100_{payout}_{start}_{expiry}_S50P_0",
        ),
        (
            {"contract_type": "PUT", "barrier": "-0.5", "duration": 5, "duration_unit": "m"},
            "PUT_R_100_{payout}_{start}_{expiry}_S-50P_0",
        ),
        (
            {"contract_type": "CALL", "barrier": "1000.5", "duration": 2, "duration_unit": "d"},
            "CALL_R_100_{payout}_{start}_{expiry}_100050_0",
        ),
        (
            {"contract_type": "CALL", "duration": 2, "duration_unit": "d"},
            "CALL_R_100_{payout}_{start}_{expiry}_S0P_0",
        ),
        (
            {
                "contract_type": "EXPIRYRANGE",
                "barrier": "+0.50",
                "barrier2": "-0.50",
                "duration": 5,
                "duration_unit": "m",
            },
            "EXPIRYRANGE_R_100_{payout}_{start}_{expiry}_S50P_S-50P",
        ),
        (
            {"contract_type": "TICKHIGH", "selected_tick": 3, "duration": 5, "duration_unit": "t"},
            "TICKHIGH_R_100_{payout}_{start}_5T_3_0",
        ),
        (
            {"contract_type": "RUNHIGH", "duration": 3, "duration_unit": "t"},
            "RUNHIGH_R_100_{payout}_{start}_3T_S0P_0",
        ),
    ],
    ids=[
        "digit",
        "relative-up",
        "relative-down",
        "absolute",
        "no-barrier",
        "two-barriers",
        "selected-tick",
        "runs",
    ],
)
async def test_barriers_in_shortcodes(
    vclock: MockClock, trader: RawClient, terms: dict[str, Any], pattern: str
) -> None:
    reply = await trader.call({"buy": "1", "price": 100, "parameters": {**BASE, **terms}})
    assert "error" not in reply, reply
    receipt = reply["buy"]
    poc = await trader.call({"proposal_open_contract": 1, "contract_id": receipt["contract_id"]})
    contract = poc["proposal_open_contract"]
    expected = pattern.format(
        payout=f"{receipt['payout']:.2f}",
        start=receipt["start_time"],
        expiry=contract.get("date_expiry"),  # tick contracts have none
    )
    assert receipt["shortcode"] == expected
    assert receipt["start_time"] >= START


async def test_selling_below_the_asked_price_is_price_moved(
    vclock: MockClock, trader: RawClient
) -> None:
    terms = {**BASE, "contract_type": "CALL", "duration": 5, "duration_unit": "m"}
    bought = (await trader.call({"buy": "1", "price": 100, "parameters": terms}))["buy"]
    await trio.sleep(5)
    refused = await trader.call({"sell": bought["contract_id"], "price": 1000})
    error = refused["error"]
    assert error["code"] == "PriceMoved"
    assert error["message"].startswith(
        "The underlying market has moved too much since you priced the contract. "
        "The contract sell price has changed from 1000.00 USD to "
    )
    sold = await trader.call({"sell": bought["contract_id"], "price": 0})
    assert sold["sell"]["sold_for"] > 0  # any price: sold at the bid
