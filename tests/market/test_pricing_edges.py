"""Pricing and validation edges: bad basis and amounts, barriers below zero, no return."""

from __future__ import annotations

from typing import Any

import pytest

from framework.market import ContractSpec, MarketError
from framework.market.pricing import longcode, price, probability_above
from framework.market.symbols import get_symbol


def spec(contract_type: str = "CALL", **kw: Any) -> ContractSpec:
    args: dict[str, Any] = {"symbol": "R_100", "amount": 10.0, "duration": 5}
    args.update(kw)
    return ContractSpec(contract_type, **args)


def refusal(s: ContractSpec, spot: float = 1000.0) -> tuple[str, str, object]:
    with pytest.raises(MarketError) as raised:
        price(s, spot)
    return raised.value.code, raised.value.message, raised.value.details


def test_an_unknown_basis_and_a_non_finite_amount() -> None:
    assert refusal(spec(basis="both")) == (
        "ContractBuyValidationError",
        "Invalid basis.",
        {"field": "basis"},
    )
    for amount in (float("nan"), float("inf"), float("-inf")):
        assert refusal(spec(amount=amount)) == (
            "ContractBuyValidationError",
            "Invalid stake.",
            {"field": "amount"},
        )


def test_a_relative_barrier_below_zero_is_refused() -> None:
    below = spec("PUT", barrier="-1500", duration=5, duration_unit="m")
    assert refusal(below, spot=1000.0)[:2] == (
        "ContractBuyValidationError",
        "Contract barrier must be positive.",
    )


def test_a_near_certain_contract_offers_no_return() -> None:
    # About 98 % to win: the smallest stake buys a payout that rounds to the stake itself.
    sure = spec(amount=0.35, duration=5, duration_unit="m", barrier="-6.1")
    assert refusal(sure)[:2] == ("ContractBuyValidationError", "This contract offers no return.")
    # A little less sure still pays something.
    quote = price(spec(amount=0.35, duration=5, duration_unit="m", barrier="-5.1"), 1000.0)
    assert quote.payout > quote.ask_price == 0.35


def test_longcode_of_a_days_contract_without_a_start() -> None:
    text = longcode(spec(duration=2, duration_unit="d"), get_symbol("R_100"))
    assert text == (
        "Win payout if Volatility 100 Index is strictly higher than entry spot at 2 days after "
        "contract start time."
    )


def test_with_no_time_or_no_volatility_the_outcome_is_known() -> None:
    assert probability_above(100.0, 90.0, 0.1, 0) == 1.0
    assert probability_above(100.0, 110.0, 0.1, 0) == 0.0
    assert probability_above(100.0, 110.0, 0.0, 60) == 0.0
    assert 0.0 < probability_above(100.0, 110.0, 0.5, 86400) < 0.5
