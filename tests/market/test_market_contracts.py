"""Contract validation: Deriv's error codes and exact messages."""

from __future__ import annotations

import pytest

from framework.market import CONTRACT_TYPES, ContractSpec, MarketError, parse_barrier, validate
from tests.market.specs import spec


def error(s: ContractSpec) -> MarketError:
    with pytest.raises(MarketError) as info:
        validate(s)
    return info.value


@pytest.mark.parametrize(
    "s",
    [
        spec("CALL", duration=1),
        spec("PUT", duration=10),
        spec("CALLE", duration=15, duration_unit="s"),
        spec("PUTE", duration=1, duration_unit="d"),
        spec("CALL", barrier="+0.10"),
        spec("CALL", barrier="+0", duration=1),  # "+0" is at the money: 1 tick is fine
        spec("PUT", barrier="1001.5", duration=2, duration_unit="m"),
        spec("DIGITMATCH", barrier="0", duration=1),
        spec("DIGITDIFF", barrier="9", duration=10),
        spec("DIGITOVER", barrier="8"),
        spec("DIGITUNDER", barrier="1"),
        spec("DIGITEVEN"),
        spec("DIGITODD", barrier="3"),  # ignored, as Deriv stores 0
        spec("ONETOUCH", barrier="+0.5", duration=5),
        spec("NOTOUCH", barrier="-0.5", duration=10),
        spec("ONETOUCH", barrier="+2", duration=2, duration_unit="m"),
        spec("NOTOUCH", barrier="1100", duration=1, duration_unit="h"),
        spec("CALL", symbol="1HZ10V", basis="payout", amount=100.0),
        spec("DIGITMATCH", symbol="JD25", barrier="4"),
    ],
)
def test_valid(s: ContractSpec) -> None:
    assert validate(s) is CONTRACT_TYPES[s.contract_type]


def test_invalid_symbol() -> None:
    e = error(spec(symbol="R_1000"))
    assert (e.code, e.message) == ("InvalidSymbol", "Symbol R_1000 invalid.")


@pytest.mark.parametrize("s", [spec("ASIANU"), spec("DIGITMATCH", symbol="stpRNG", barrier="1")])
def test_not_offered(s: ContractSpec) -> None:
    e = error(s)
    assert e.code == "OfferingsValidationError"
    assert e.message == "Trading is not offered for this contract type."


@pytest.mark.parametrize(
    ("s", "message"),
    [
        (spec("CALL", duration=11), "Number of ticks must be between 1 and 10."),
        (spec("CALL", duration=0), "Number of ticks must be between 1 and 10."),
        (spec("DIGITEVEN", duration=11), "Number of ticks must be between 1 and 10."),
        (spec("ONETOUCH", barrier="+1", duration=4), "Number of ticks must be between 5 and 10."),
        (spec("CALL", barrier="+1", duration=4), "Number of ticks must be between 5 and 10."),
        (spec("CALL", duration=14, duration_unit="s"), "Trading is not offered for this duration."),
        (
            spec("CALL", duration=1441, duration_unit="m"),
            "Trading is not offered for this duration.",
        ),
        (spec("PUT", duration=25, duration_unit="h"), "Trading is not offered for this duration."),
        (spec("PUT", duration=366, duration_unit="d"), "Trading is not offered for this duration."),
        (
            spec("DIGITMATCH", barrier="1", duration=30, duration_unit="s"),
            "Trading is not offered for this duration.",
        ),
        (
            spec("ONETOUCH", barrier="+1", duration=60, duration_unit="s"),
            "Trading is not offered for this duration.",
        ),
        (spec("CALL", duration=5, duration_unit="x"), "Trading is not offered for this duration."),
    ],
)
def test_duration_errors(s: ContractSpec, message: str) -> None:
    e = error(s)
    assert (e.code, e.message, e.details) == (
        "ContractBuyValidationError",
        message,
        {"field": "duration"},
    )


@pytest.mark.parametrize(
    ("s", "message"),
    [
        (spec("DIGITOVER", barrier="9"), "Digit must be in the range of 0 to 8."),
        (spec("DIGITUNDER", barrier="0"), "Digit must be in the range of 1 to 9."),
        (spec("DIGITMATCH", barrier="10"), "Digit must be in the range of 0 to 9."),
        (spec("DIGITDIFF", barrier="-1"), "Digit must be in the range of 0 to 9."),
        (spec("DIGITMATCH", barrier="1.5"), "Barrier must be an integer."),
        (spec("DIGITMATCH"), "Invalid barrier."),
        (spec("ONETOUCH"), "Invalid barrier."),
        (spec("NOTOUCH", barrier="+0"), "Barrier must be at least 1 pip away from the spot."),
        (spec("CALL", barrier="abc"), "Invalid barrier."),
        (spec("CALL", barrier="0"), "Absolute barrier cannot be zero."),
        (
            spec("CALL", barrier="+1", barrier2="-1"),
            "Invalid barrier (Single barrier input is expected).",
        ),
    ],
)
def test_barrier_errors(s: ContractSpec, message: str) -> None:
    e = error(s)
    assert (e.code, e.message) == ("ContractBuyValidationError", message)


@pytest.mark.parametrize(
    ("s", "message"),
    [
        (
            spec(amount=0.1),
            "Minimum stake of 0.35 and maximum payout of 50000.00. Current stake is 0.10.",
        ),
        (
            spec(amount=-1.0),
            "Minimum stake of 0.35 and maximum payout of 50000.00. Current stake is -1.00.",
        ),
        (
            spec(basis="payout", amount=50000.01),
            "Minimum stake of 0.35 and maximum payout of 50000.00. Current payout is 50000.01.",
        ),
        (spec(amount=10.001), "Stake may not have more than two decimal places."),
        (
            spec(basis="payout", amount=10.001),
            "Payout may not have more than two decimal places.",
        ),
    ],
)
def test_amount_errors(s: ContractSpec, message: str) -> None:
    e = error(s)
    assert (e.code, e.message) == ("ContractBuyValidationError", message)


def test_parse_barrier() -> None:
    assert parse_barrier("+0.1", 2) == parse_barrier("+0.10", 2)
    b = parse_barrier("-0.123", 2)
    assert (b.relative, b.value) == (True, -0.12)
    a = parse_barrier("1234.5", 2)
    assert (a.relative, a.value) == (False, 1234.5)
    assert a.resolve(999.0, 2) == 1234.5
    assert parse_barrier("+0.25", 2).resolve(1000.10, 2) == 1000.35
    assert parse_barrier("-0.25", 2).resolve(1000.10, 2) == 999.85


def test_contracts_for_volatility_index() -> None:
    from framework.market import contracts_for

    offers = contracts_for("R_100")
    by = {(o.contract_type, o.barrier_category, o.expiry_type): o for o in offers}
    rise = by[("CALL", "euro_atm", "tick")]
    assert (rise.min_contract_duration, rise.max_contract_duration, rise.barriers) == (
        "1t",
        "10t",
        0,
    )
    higher = by[("CALL", "euro_non_atm", "tick")]
    assert (higher.min_contract_duration, higher.barriers) == ("5t", 1)
    assert by[("PUT", "euro_atm", "intraday")].min_contract_duration == "15s"
    assert by[("PUTE", "euro_atm", "daily")].max_contract_duration == "365d"
    over = by[("DIGITOVER", "non_financial", "tick")]
    assert over.last_digit_range == tuple(range(9))
    assert by[("DIGITEVEN", "non_financial", "tick")].barriers == 0
    touch = by[("ONETOUCH", "american", "intraday")]
    assert (touch.min_contract_duration, touch.barriers) == ("120s", 1)
    assert ("ONETOUCH", "american", "tick") in by
    assert ("DIGITMATCH", "non_financial", "intraday") not in by
    assert all(o.underlying_symbol == "R_100" and o.market == "synthetic_index" for o in offers)


def test_contracts_for_step_index_has_no_digits() -> None:
    from framework.market import contracts_for

    kinds = {o.contract_category for o in contracts_for("stpRNG")}
    assert kinds == {"callput", "callputequal", "multiplier"}  # no Accumulators either


def test_contracts_for_lists_multipliers_and_accumulators() -> None:
    from framework.market import contracts_for

    rows = {o.contract_type: o for o in contracts_for("R_100") if o.expiry_type == "no_expiry"}
    assert sorted(rows) == ["ACCU", "MULTDOWN", "MULTUP"]
    up, accu = rows["MULTUP"], rows["ACCU"]
    assert (up.multiplier_range, up.cancellation_range, up.growth_rate_range) == (
        (40, 80, 120, 160, 200), ("5m", "10m", "15m", "30m", "60m"), ()
    )  # fmt: skip
    assert (up.barriers, up.min_stake, up.contract_category) == (0, 1.0, "multiplier")
    assert accu.growth_rate_range == (0.01, 0.02, 0.03, 0.04, 0.05)
    assert (accu.barriers, accu.payout_limit, accu.multiplier_range) == (2, 10000.0, ())
    assert (accu.min_contract_duration, accu.max_contract_duration) == ("0", "0")
