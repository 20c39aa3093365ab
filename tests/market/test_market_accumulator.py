"""Accumulators (ACCU): validation, pricing, barriers, knock-out, auto-close, sell, update."""

from __future__ import annotations

from typing import Any

import pytest

from framework.market import (
    AccumulatorPosition,
    ContractSpec,
    MarketError,
    get_symbol,
    open_position,
    price,
)
from framework.market.openended import (
    AccumulatorTerms,
    accumulator_close_ticks,
    accumulator_ticks_for,
    accumulator_value,
    round_barrier,
)
from framework.market.terms import (
    GROWTH_RATES,
    accumulator_max_ticks,
    growth_rates,
    tick_size_barrier,
)

P = 1000
SPOT = 1000.0
TSB = tick_size_barrier(get_symbol("R_100"), 0.03)


def accu(**fields: Any) -> ContractSpec:
    args: dict[str, Any] = {
        "symbol": "R_100",
        "amount": 10.0,
        "duration": None,
        "duration_unit": None,
        "growth_rate": 0.03,
    }
    args.update(fields)
    return ContractSpec("ACCU", **args)


def opened(s: ContractSpec, spot: float = SPOT) -> AccumulatorPosition:
    pos = open_position(s, price(s, spot, date_start=P), P, contract_id=9)
    assert isinstance(pos, AccumulatorPosition)
    return pos


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"growth_rate": None}, "ContractBuyValidationError",
         "Missing required contract parameters (growth_rate)."),
        ({"growth_rate": 0.06}, "GrowthRateOutOfRange",
         "Growth rate is not in acceptable range. Accepts 0.01, 0.02, 0.03, 0.04, 0.05."),
        ({"amount": 1000.01}, "StakeLimitExceeded", "Maximum stake allowed is 1000.00."),
        ({"amount": 0.99}, "ContractBuyValidationError",
         "Please enter a stake amount that's at least 1.00."),
        ({"take_profit": -1.0}, "NegativeTakeProfit", "Negative take profit value is not accepted"),
        ({"take_profit": 0.0}, "TakeProfitTooLow",
         "Please enter a take profit amount that's higher than 0.00."),
        ({"take_profit": 9990.01}, "TakeProfitTooHigh",
         "Please enter a take profit amount that's lower than 9990.00."),
        ({"stop_loss": 5.0}, "ContractBuyValidationError",
         "stop_loss is not a valid input for contract type ACCU."),
        ({"multiplier": 40}, "ContractBuyValidationError",
         "multiplier is not a valid input for contract type ACCU."),
        ({"cancellation": "5m"}, "ContractBuyValidationError",
         "cancellation is not a valid input for contract type ACCU."),
        ({"symbol": "stpRNG"}, "OfferingsValidationError",
         "Trading is not offered for this contract type."),
    ],
)  # fmt: skip
def test_refusals(fields: dict[str, Any], code: str, message: str) -> None:
    with pytest.raises(MarketError) as info:
        price(accu(**fields), SPOT)
    assert (info.value.code, info.value.message) == (code, message)


def test_terms_follow_the_rules() -> None:
    # Deriv's proposal schema shows 4.9358253e-05 for R_10 at 5 %.
    assert tick_size_barrier(get_symbol("R_10"), 0.05) == pytest.approx(4.9358253e-05, rel=1e-6)
    assert [accumulator_max_ticks(g) for g in GROWTH_RATES] == [230, 115, 75, 55, 45]
    assert growth_rates(get_symbol("stpRNG")) == ()
    assert accumulator_value(10.0, 0.03, 1) == 10.0 and accumulator_value(10.0, 0.03, 3) == 10.61
    assert accumulator_ticks_for(10.0, 0.03, 10.5) == 3
    assert accumulator_ticks_for(10.0, 0.03, 10.3) == 2  # reached exactly: no extra tick
    assert accumulator_close_ticks(10.0, 0.03, None) == 75
    assert accumulator_close_ticks(10.0, 0.03, 1.0) == 5
    assert accumulator_close_ticks(10.0, 0.03, None, max_payout=12.0) == 8
    assert round_barrier(1000.5465, 2, up=True) == 1000.547
    assert round_barrier(999.4535, 2, up=False) == 999.453
    assert round_barrier(1000.5, 2, up=True) == 1000.5  # no float noise pushed up


def test_quote() -> None:
    q = price(accu(take_profit=0.5), SPOT, date_start=P)
    terms = q.terms
    assert isinstance(terms, AccumulatorTerms)
    assert (q.ask_price, q.payout, q.commission, q.stake_max, q.payout_max) == (
        10.0, 0.0, 0.0, 1000.0, 10000.0
    )  # fmt: skip
    assert terms.ticks == 3
    assert q.longcode == (
        "After the entry spot tick, your stake will grow continuously by 3% for every tick "
        "that the spot price remains within the \u00b1 0.05465% from the previous spot price."
    )
    assert q.contract_details() == {
        "barrier_spot_distance": "0.547",
        "high_barrier": "1000.547",
        "low_barrier": "999.453",
        "maximum_payout": 10000.0,
        "maximum_stake": "1000.00",
        "maximum_ticks": 75,
        "minimum_stake": "1.00",
        "tick_size_barrier": TSB,
        "tick_size_barrier_percentage": "0.05465%",
    }
    assert q.validation_params() == {
        "max_payout": "10000.00",
        "max_ticks": 75,
        "stake": {"min": "1.00", "max": "1000.00"},
        "take_profit": {"min": "0.01", "max": "9990.00"},
    }


def test_grows_then_knocks_out() -> None:
    pos = opened(accu())
    assert (pos.buy_price, pos.payout, pos.status, pos.barrier) == (10.0, 0.0, "open", None)
    assert pos.validation_error(P) == "Waiting for entry tick."
    assert pos.bid_price(P) == 10.0
    assert pos.on_tick(P, 1200.0) is None  # the purchase second does not count
    assert pos.on_tick(P + 2, 1000.0) is None  # entry tick: sets the barriers only
    assert (pos.entry_epoch, pos.entry_quote, pos.tick_passed) == (P + 2, 1000.0, 0)
    assert (pos.high_barrier, pos.low_barrier) == (None, None)
    assert pos.current_spot_high_barrier == 1000.547
    error = pos.sell_error(P + 2)
    assert error is not None and error.code == "SellAtEntryTick"
    assert pos.bid_price(P + 2) == round(10 / 1.03, 2)
    assert pos.on_tick(P + 4, 1000.5) is None  # inside 1000 +- 0.5465
    assert (pos.tick_passed, pos.bid_price(P + 4)) == (1, 10.0)
    assert (pos.high_barrier, pos.low_barrier) == (1000.547, 999.453)
    assert pos.current_spot_low_barrier == round_barrier(1000.5 * (1 - TSB), 2, up=False)
    assert pos.on_tick(P + 6, 1001.0) is None
    assert pos.bid_price(P + 6) == 10.3
    s = pos.on_tick(P + 8, 1001.6)  # 1001 * (1 + TSB) = 1001.547: out
    assert s is not None
    assert (s.status, s.end, s.sell_price, s.profit) == ("lost", "knocked_out", 0.0, -10.0)
    assert (s.entry_epoch, s.exit_epoch, s.exit_quote) == (P + 2, P + 8, 1001.6)
    assert s.tick_stream == ((P + 2, 1000.0), (P + 4, 1000.5), (P + 6, 1001.0), (P + 8, 1001.6))
    assert (s.high_barrier, s.low_barrier) == (
        round_barrier(1001.0 * (1 + TSB), 2, up=True),
        round_barrier(1001.0 * (1 - TSB), 2, up=False),
    )
    assert pos.is_expired(P + 8) and pos.bid_price(P + 9) == 0.0
    assert pos.on_tick(P + 10, 1001.6) is None


def test_touching_the_low_barrier_knocks_out() -> None:
    pos = opened(accu())
    pos.on_tick(P + 2, 1000.0)
    low = 1000.0 * (1 - TSB)
    assert pos.on_tick(P + 4, round(low + 0.01, 2)) is None
    s = pos.on_tick(P + 6, round(low + 0.01, 2) * (1 - TSB))
    assert s is not None and s.end == "knocked_out"


def test_take_profit_closes_it() -> None:
    pos = opened(accu(take_profit=0.5))
    for k in range(3):
        assert pos.on_tick(P + 2 + 2 * k, 1000.0) is None
    s = pos.on_tick(P + 8, 1000.0)  # n = 3: 10.61 >= 10.50
    assert s is not None
    assert (s.status, s.end, s.sell_price, s.profit) == ("won", "take_profit", 10.61, 0.61)


def test_maximum_ticks_close_it_and_the_stream_keeps_ten() -> None:
    pos = opened(accu(growth_rate=0.05))
    assert pos.ticks == 45
    settlement = None
    for k in range(46):
        settlement = pos.on_tick(P + 1 + k, 1000.0)
        if k < 45:
            assert settlement is None
        assert len(pos.tick_stream) == min(k + 1, 10)
    assert settlement is not None
    assert (settlement.status, settlement.end) == ("won", "expired")
    assert settlement.sell_price == accumulator_value(10.0, 0.05, 45)
    assert len(settlement.tick_stream) == 10


def test_sell() -> None:
    pos = opened(accu())
    pos.on_tick(P + 2, 1000.0)
    pos.on_tick(P + 4, 1000.1)
    pos.on_tick(P + 6, 1000.2)
    assert pos.is_valid_to_sell(P + 6) and pos.validation_error(P + 6) is None
    with pytest.raises(MarketError) as info:
        pos.sell(P + 7, min_price=10.31)
    assert info.value.code == "PriceMoved"
    s = pos.sell(P + 7, min_price=10.3, currency="USD")
    assert (s.status, s.end, s.sell_price, s.profit, s.sell_epoch) == (
        "sold", "sold", 10.3, 0.3, P + 7
    )  # fmt: skip
    assert not pos.is_valid_to_sell(P + 8)
    with pytest.raises(MarketError) as info:
        pos.sell(P + 8)
    assert (info.value.code, info.value.message) == (
        "InvalidSellContractProposal",
        "This contract has been sold.",
    )


def test_update_take_profit() -> None:
    pos = opened(accu())
    pos.on_tick(P + 2, 1000.0)
    assert pos.is_valid_to_update(P + 2)
    pos.update(P + 2, take_profit=1.0)
    assert (pos.take_profit, pos.ticks) == (1.0, 5)
    pos.update(P + 3)  # nothing to change
    for k in range(3):
        pos.on_tick(P + 4 + 2 * k, 1000.0)
    with pytest.raises(MarketError) as info:
        pos.update(P + 9, take_profit=0.5)  # the profit is already 0.61
    assert info.value.message == "Please enter a take profit amount that's higher than 0.61."
    with pytest.raises(MarketError) as info:
        pos.update(P + 9, stop_loss=1.0)
    assert info.value.code == "OrderUpdateNotAllowed"
    pos.update(P + 9, take_profit=None)
    assert (pos.take_profit, pos.ticks) == (None, 75)
    history = [(h.epoch, h.amount, h.level) for h in pos.history]
    assert history == [(P + 2, 1.0, None), (P + 9, None, None)]
    pos.sell(P + 10)
    assert not pos.is_valid_to_update(P + 10)
    with pytest.raises(MarketError) as info:
        pos.update(P + 10, take_profit=2.0)
    assert info.value.code == "ContractUpdateFailure"


def test_no_cancellation() -> None:
    pos = opened(accu(take_profit=2.0))
    assert [h.amount for h in pos.history] == [2.0]
    assert not pos.is_valid_to_cancel(P)
    with pytest.raises(MarketError) as info:
        pos.cancel(P)
    assert info.value.code == "CannotCancelContract"
