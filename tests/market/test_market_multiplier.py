"""Multipliers (MULTUP/MULTDOWN): validation, pricing, the per-tick closes, sell/update/cancel."""

from __future__ import annotations

from typing import Any

import pytest

from framework.market import (
    KEEP,
    ContractSpec,
    MarketError,
    MultiplierPosition,
    get_symbol,
    open_position,
    price,
    validate,
)
from framework.market.openended import MultiplierTerms
from framework.market.terms import cancellation_fee, multiplier_commission

P = 1000  # purchase epoch
SPOT = 1000.0


def mult(contract_type: str = "MULTUP", **fields: Any) -> ContractSpec:
    args: dict[str, Any] = {
        "symbol": "R_100",
        "amount": 10.0,
        "duration": None,
        "duration_unit": None,
        "multiplier": 200,
    }
    args.update(fields)
    return ContractSpec(contract_type, **args)


def opened(s: ContractSpec, spot: float = SPOT) -> MultiplierPosition:
    pos = open_position(s, price(s, spot, date_start=P), P, contract_id=7)
    assert isinstance(pos, MultiplierPosition)
    return pos


def refusal(s: ContractSpec) -> MarketError:
    with pytest.raises(MarketError) as info:
        price(s, SPOT)
    return info.value


# -- validation -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"multiplier": None}, "ContractBuyValidationError",
         "Missing required contract parameters (multiplier)."),
        ({"multiplier": 50}, "MultiplierOutOfRange",
         "Multiplier is not in acceptable range. Accepts 40, 80, 120, 160, 200."),
        ({"duration": 5, "duration_unit": "t"}, "ContractBuyValidationError",
         "Invalid input (duration or date_expiry) for this contract type (MULTUP)."),
        ({"barrier": "+0.1"}, "ContractBuyValidationError",
         "Barrier is not allowed for this contract type."),
        ({"growth_rate": 0.01}, "ContractBuyValidationError",
         "growth_rate is not a valid input for contract type MULTUP."),
        ({"basis": "payout"}, "ContractBuyValidationError",
         "Basis must be stake for this contract."),
        ({"amount": 10.001}, "ContractBuyValidationError",
         "Stake can not have more than 2 decimal places."),
        ({"amount": 0.5}, "ContractBuyValidationError",
         "Please enter a stake amount that's at least 1.00."),
        ({"amount": 2000.01}, "StakeLimitExceeded", "Maximum stake allowed is 2000.00."),
        ({"cancellation": "7m"}, "InvalidDealCancellation",
         "Deal cancellation is not offered at this duration."),
        ({"cancellation": "5m", "stop_loss": 5.0}, "EitherStopLossOrCancel",
         "You may use either stop loss or deal cancellation, but not both. "
         "Please select either one."),
        ({"cancellation": "5m", "take_profit": 5.0}, "EitherTakeProfitOrCancel",
         "You may use either take profit or deal cancellation, but not both. "
         "Please select either one."),
        ({"take_profit": 0.05}, "TakeProfitTooLow",
         "Please enter a take profit amount that's higher than 0.10."),
        ({"take_profit": 500.01}, "TakeProfitTooHigh",
         "Please enter a take profit amount that's lower than 500.00."),
        ({"take_profit": 1.234}, "LimitOrderIncorrectDecimal", "Only 2 decimal places allowed."),
        ({"stop_loss": 0.05}, "StopLossTooLow",
         "Please enter a stop loss amount that's higher than 0.10."),
        ({"stop_loss": 10.01}, "StopLossTooHigh",
         "Please enter a stop loss amount that's lower than 10.00."),
        ({"stop_loss": 0.5}, "StopLossTooLow",
         "Please enter a stop loss amount that's higher than 0.50."),
    ],
)  # fmt: skip
def test_refusals(fields: dict[str, Any], code: str, message: str) -> None:
    error = refusal(mult(**fields))
    assert (error.code, error.message) == (code, message)
    assert error.details is not None and "field" in error.details


def test_cancellation_not_on_crash_boom() -> None:
    import attrs

    from framework.market.terms import cancellation_options

    crash = attrs.evolve(get_symbol("R_100"), submarket="crash_index")
    assert cancellation_options(crash) == ()
    from framework.market.terms import validate_open_ended

    with pytest.raises(MarketError) as info:
        validate_open_ended(mult(cancellation="5m"), crash)
    assert info.value.code == "DealCancellationNotAvailable"


def test_validate_returns_the_type() -> None:
    assert validate(mult()).category == "multiplier"
    assert validate(mult("MULTDOWN", multiplier=40)).display == "Multiply Down"


# -- pricing ------------------------------------------------------------------------------


def test_quote() -> None:
    q = price(mult(take_profit=5.0, stop_loss=4.0), SPOT, date_start=P)
    terms = q.terms
    assert isinstance(terms, MultiplierTerms)
    rate = multiplier_commission(get_symbol("R_100"))
    assert terms.commission == round(10 * 200 * rate, 2) == q.commission == 0.5
    assert (q.ask_price, q.payout, q.date_expiry, q.barrier) == (10.0, 0.0, None, None)
    assert q.longcode == (
        'If you select "Up", your total profit/loss will be the percentage increase in '
        "Volatility 100 Index, multiplied by 200, minus commissions."
    )
    assert q.validation_params() == {
        "stake": {"min": "1.00", "max": "2000.00"},
        "take_profit": {"min": "0.10", "max": "500.00"},
        "stop_loss": {"min": "0.51", "max": "10.00"},
    }
    assert q.contract_details() is None
    # Levels: the spot at which the profit is +5, -4 and -10 (pip-sized).
    assert terms.level(5.0) == round(SPOT * (1 + 5 / 2000 + rate), 2) == 1002.75
    assert terms.stop_out_level == round(SPOT * (1 - 10 / 2000 + rate), 2) == 995.25


def test_quote_down_and_cancellation() -> None:
    q = price(mult("MULTDOWN", cancellation="60m"), SPOT, date_start=P)
    terms = q.terms
    assert isinstance(terms, MultiplierTerms)
    assert terms.sign == -1 and terms.cancellation_seconds == 3600
    assert q.ask_price == round(10 + terms.cancellation_fee, 2) > 10
    assert "percentage decrease" in q.longcode
    # The fee grows with the window and is capped at the stake.
    short = price(mult(cancellation="5m"), SPOT).terms
    assert isinstance(short, MultiplierTerms)
    assert 0 < short.cancellation_fee < terms.cancellation_fee <= 10
    assert cancellation_fee(get_symbol("R_100"), 10.0, 5000, "60m") == 10.0


# -- the per-tick closes --------------------------------------------------------------------


def test_up_value_and_stop_out() -> None:
    pos = opened(mult())
    assert (pos.entry_epoch, pos.entry_quote, pos.status) == (P, SPOT, "open")
    assert pos.bid_price(P) == 9.5  # the commission is charged at once
    assert pos.on_tick(P, 1005.0) is None  # the purchase second is not the contract's
    assert pos.tick_count == 0
    assert pos.on_tick(P + 2, 1005.0) is None
    assert pos.bid_price(P + 2) == 19.5 and pos.profit == 9.5
    assert pos.on_tick(P + 4, 997.0) is None
    assert pos.bid_price(P + 4) == 3.5
    s = pos.on_tick(P + 6, 990.0)
    assert s is not None
    assert (s.status, s.end, s.sell_price, s.profit) == ("lost", "stopped_out", 0.0, -10.0)
    assert (s.exit_epoch, s.exit_quote, s.sell_epoch, s.entry_epoch) == (P + 6, 990.0, P + 6, P)
    assert pos.is_expired(P + 6) and pos.bid_price(P + 8) == 0.0
    assert pos.on_tick(P + 8, 1100.0) is None


def test_stop_out_pays_what_is_left_at_the_level() -> None:
    pos = opened(mult())
    level = pos.stop_out_level
    s = pos.on_tick(P + 2, level)
    assert s is not None and s.end == "stopped_out"
    assert s.sell_price == max(round(pos.terms.value_at(level), 2), 0.0)
    assert s.sell_price < 0.5


def test_take_profit_and_stop_loss_up() -> None:
    pos = opened(mult(take_profit=5.0, stop_loss=4.0))
    assert pos.take_profit_level == 1002.75 and pos.stop_loss_level == 998.25
    assert pos.on_tick(P + 2, 1002.74) is None
    s = pos.on_tick(P + 4, 1002.75)
    assert s is not None and (s.status, s.end, s.sell_price) == ("won", "take_profit", 15.0)
    pos = opened(mult(take_profit=5.0, stop_loss=4.0))
    assert pos.on_tick(P + 2, 998.26) is None
    s = pos.on_tick(P + 4, 998.0)
    assert s is not None and (s.status, s.end, s.sell_price) == ("lost", "stop_loss", 5.5)


def test_take_profit_and_stop_loss_down() -> None:
    pos = opened(mult("MULTDOWN", take_profit=5.0, stop_loss=4.0))
    assert pos.take_profit_level == 997.25 and pos.stop_loss_level == 1001.75
    s = pos.on_tick(P + 2, 990.0)
    assert s is not None and (s.end, s.sell_price) == ("take_profit", 29.5)
    pos = opened(mult("MULTDOWN", take_profit=5.0, stop_loss=4.0))
    s = pos.on_tick(P + 2, 1001.75)
    assert s is not None and s.end == "stop_loss"
    pos = opened(mult("MULTDOWN"))
    s = pos.on_tick(P + 2, 1020.0)
    assert s is not None and (s.end, s.sell_price) == ("stopped_out", 0.0)


def test_stop_out_inside_the_cancellation_window_cancels() -> None:
    pos = opened(mult(cancellation="5m"))
    fee = pos.terms.cancellation_fee
    assert pos.buy_price == round(10 + fee, 2)
    assert pos.cancellation_expiry == P + 300
    s = pos.on_tick(P + 10, 900.0)
    assert s is not None
    assert (s.status, s.end, s.sell_price, s.profit) == ("cancelled", "cancelled", 10.0, -fee)
    pos = opened(mult(cancellation="5m"))
    s = pos.on_tick(P + 300, 900.0)  # the window has closed
    assert s is not None and (s.status, s.end) == ("lost", "stopped_out")


# -- sell -----------------------------------------------------------------------------------


def test_sell() -> None:
    pos = opened(mult())
    assert pos.validation_error(P) == "Contract cannot be sold at this time. Please try again."
    pos.on_tick(P + 2, 1002.0)
    assert pos.is_valid_to_sell(P + 2) and pos.validation_error(P + 2) is None
    with pytest.raises(MarketError) as info:
        pos.sell(P + 3, min_price=14.0, currency="EUR")
    assert info.value.code == "PriceMoved"
    assert info.value.message.endswith("has changed from 14.00 EUR to 13.50 EUR.")
    s = pos.sell(P + 3, min_price=13.5)
    assert (s.status, s.end, s.sell_price, s.profit) == ("sold", "sold", 13.5, 3.5)
    assert s.sell_epoch == P + 3
    assert (s.exit_epoch, s.exit_quote) == (P + 2, 1002.0)
    assert pos.validation_error(P + 4) == "This contract has been sold."
    with pytest.raises(MarketError) as info:
        pos.sell(P + 4)
    assert info.value.code == "InvalidSellContractProposal"


def test_sell_while_cancellation_runs() -> None:
    pos = opened(mult(cancellation="10m"))
    pos.on_tick(P + 2, 1000.1)
    error = pos.sell_error(P + 2)
    assert error is not None and error.code == "CancelIsBetter"
    pos.on_tick(P + 4, 1005.0)
    s = pos.sell(P + 4)
    assert s.sell_price == 19.5 and s.profit == round(19.5 - pos.buy_price, 2)


# -- update -----------------------------------------------------------------------------------


def test_update_sets_changes_and_removes() -> None:
    pos = opened(mult(take_profit=5.0))
    assert pos.is_valid_to_update(P)
    pos.update(P + 1, stop_loss=3.0)
    assert (pos.take_profit, pos.stop_loss, pos.stop_loss_level) == (5.0, 3.0, 998.75)
    pos.update(P + 2, take_profit=None)
    assert pos.take_profit is None and pos.take_profit_level is None
    assert pos.on_tick(P + 4, 1010.0) is None  # no take-profit any more
    pos.update(P + 5, take_profit=25.0, stop_loss=None)
    history = [(h.epoch, h.order_type, h.amount, h.level, h.display_name) for h in pos.history]
    assert history == [
        (P, "take_profit", 5.0, 1002.75, "Take profit"),
        (P + 1, "stop_loss", 3.0, 998.75, "Stop loss"),
        (P + 2, "take_profit", None, None, "Take profit"),
        (P + 5, "take_profit", 25.0, 1012.75, "Take profit"),
        (P + 5, "stop_loss", None, None, "Stop loss"),
    ]
    pos.update(P + 6)  # nothing to change
    assert len(pos.history) == 5
    s = pos.on_tick(P + 8, 1012.75)
    assert s is not None and s.end == "take_profit"
    assert not pos.is_valid_to_update(P + 9)
    with pytest.raises(MarketError) as info:
        pos.update(P + 9, take_profit=1.0)
    assert info.value.code == "ContractUpdateFailure"


def test_update_checks_against_the_current_profit() -> None:
    pos = opened(mult())
    pos.on_tick(P + 2, 1004.0)  # profit 7.50
    with pytest.raises(MarketError) as info:
        pos.update(P + 2, take_profit=3.0)
    assert (info.value.code, info.value.message) == (
        "TakeProfitTooLow",
        "Please enter a take profit amount that's higher than 7.50.",
    )
    pos.on_tick(P + 4, 996.0)  # loss 8.50
    with pytest.raises(MarketError) as info:
        pos.update(P + 4, take_profit=2.0, stop_loss=4.0)
    assert (info.value.code, info.value.message) == (
        "StopLossTooLow",
        "Please enter a stop loss amount that's higher than 8.50.",
    )
    assert pos.take_profit is None  # nothing changed when one of them is refused


def test_no_update_while_cancellation_runs() -> None:
    pos = opened(mult(cancellation="5m"))
    assert not pos.is_valid_to_update(P + 1)
    with pytest.raises(MarketError) as info:
        pos.update(P + 1, take_profit=KEEP, stop_loss=2.0)
    assert info.value.code == "UpdateTakeProfitNotAllowed"
    assert pos.is_valid_to_update(P + 300)


# -- cancel -----------------------------------------------------------------------------------


def test_cancel() -> None:
    pos = opened(mult(cancellation="5m"))
    pos.on_tick(P + 2, 998.0)
    assert pos.is_valid_to_cancel(P + 299) and pos.cancellation_active(P + 299)
    s = pos.cancel(P + 100)
    assert (s.status, s.end, s.sell_price, s.exit_quote) == ("cancelled", "cancelled", 10.0, 998.0)
    assert pos.status == "cancelled"
    with pytest.raises(MarketError) as info:
        pos.cancel(P + 101)
    assert info.value.code == "ContractUpdateFailure"


def test_cancel_refusals() -> None:
    pos = opened(mult(cancellation="5m"))
    assert not pos.is_valid_to_cancel(P + 300)
    with pytest.raises(MarketError) as info:
        pos.cancel(P + 300)
    assert info.value.code == "DealCancellationExpired"
    pos = opened(mult())
    with pytest.raises(MarketError) as info:
        pos.cancel(P + 1)
    assert info.value.code == "DealCancellationNotBought"
    assert not pos.cancellation_active(P + 1)


def test_open_position_reprices_another_spec() -> None:
    quoted = mult()
    other = mult(multiplier=40, cancellation="5m")
    pos = open_position(other, price(quoted, SPOT), P)
    assert isinstance(pos, MultiplierPosition) and pos.terms.multiplier == 40
    assert pos.buy_price == price(other, SPOT).ask_price > 10
    assert pos.tick_stream == [] and pos.date_expiry is None and pos.barrier is None
    assert (pos.high_barrier, pos.low_barrier) == (None, None)
