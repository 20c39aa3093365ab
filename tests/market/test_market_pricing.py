"""Pricing: probabilities, ask/payout arithmetic, limits, longcodes."""

from __future__ import annotations

import math

import attrs
import pytest

from framework.market import (
    DEFAULT_COMMISSION,
    ContractSpec,
    MarketError,
    PricingConfig,
    price,
    round_money,
)
from framework.market.pricing import probability_above, probability_touch
from tests.market.specs import spec

SPOT = 1000.0


def test_round_money_is_half_up() -> None:
    assert round_money(2.675) == 2.68
    assert round_money(1.005) == 1.01
    assert round_money(19.4999) == 19.5
    assert round_money(-1.005) == -1.01


@pytest.mark.parametrize(
    ("contract_type", "barrier", "p"),
    [
        ("CALL", None, 0.5),
        ("PUT", None, 0.5),
        ("CALLE", None, 0.5),
        ("PUTE", None, 0.5),
        ("DIGITMATCH", "3", 0.1),
        ("DIGITDIFF", "3", 0.9),
        ("DIGITOVER", "0", 0.9),
        ("DIGITOVER", "6", 0.3),
        ("DIGITUNDER", "6", 0.6),
        ("DIGITUNDER", "1", 0.1),
        ("DIGITEVEN", None, 0.5),
        ("DIGITODD", None, 0.5),
    ],
)
def test_exact_probabilities(contract_type: str, barrier: str | None, p: float) -> None:
    q = price(spec(contract_type, barrier=barrier), SPOT)
    assert q.probability == pytest.approx(p)
    assert q.payout == round_money(10.0 / (p + DEFAULT_COMMISSION))
    assert q.ask_price == 10.0


def test_rise_fall_pays_about_195_percent() -> None:
    q = price(spec("CALL", amount=10.0), SPOT)
    assert q.payout == 19.50
    assert q.display_value == "10.00"
    q = price(spec("PUT", basis="payout", amount=100.0), SPOT)
    assert q.ask_price == 51.28
    assert q.payout == 100.0


def test_commission_is_configurable() -> None:
    q = price(spec(), SPOT, config=PricingConfig(commission=0.0))
    assert q.payout == 20.0
    assert q.commission == 0.0


def test_higher_lower_uses_gbm() -> None:
    sigma = 1.0
    seconds = 5 * 2
    q = price(spec("CALL", barrier="+1"), SPOT)
    t = seconds / (365 * 24 * 3600)
    d2 = (math.log(SPOT / 1001.0) - 0.5 * sigma**2 * t) / (sigma * math.sqrt(t))
    expected = 0.5 * math.erfc(-d2 / math.sqrt(2))
    assert q.probability == pytest.approx(expected)
    assert q.barrier == 1001.0
    p_put = price(spec("PUT", barrier="+1"), SPOT).probability
    assert q.probability + p_put == pytest.approx(1.0)


def test_touch_probabilities() -> None:
    up = price(spec("ONETOUCH", barrier="+0.5"), SPOT).probability
    no = price(spec("NOTOUCH", barrier="+0.5"), SPOT).probability
    assert up + no == pytest.approx(1.0)
    # Touching is at least twice as likely as ending beyond (reflection principle).
    assert up >= 2 * probability_above(SPOT, 1000.5, 1.0, 10) * 0.99
    # Closer barrier, more touches; longer contract, more touches.
    assert probability_touch(SPOT, 1000.2, 1.0, 10) > probability_touch(SPOT, 1000.5, 1.0, 10)
    assert probability_touch(SPOT, 999.5, 1.0, 20) > probability_touch(SPOT, 999.5, 1.0, 10)
    assert probability_touch(SPOT, SPOT, 1.0, 10) == 1.0
    assert probability_touch(SPOT, 1001, 1.0, 0) == 0.0


def test_touch_probability_by_monte_carlo() -> None:
    """Continuous-time touch probability vs a fine simulated GBM path."""
    import random

    rng = random.Random(5)
    sigma, seconds, barrier = 1.0, 3600.0, 1010.0
    steps = 400
    dt = seconds / (365 * 24 * 3600) / steps
    hits = 0
    trials = 4000
    for _ in range(trials):
        s = SPOT
        for _ in range(steps):
            s *= math.exp(-0.5 * sigma**2 * dt + sigma * math.sqrt(dt) * rng.gauss(0, 1))
            if s >= barrier:
                hits += 1
                break
    # Discrete monitoring touches a bit less often than the continuous formula says.
    p = probability_touch(SPOT, barrier, sigma, seconds)
    assert hits / trials == pytest.approx(p, abs=0.04)
    assert hits / trials <= p + 0.01


def test_max_payout_on_stake_basis() -> None:
    with pytest.raises(MarketError) as info:
        price(spec("DIGITMATCH", barrier="1", amount=6000.0), SPOT)
    assert info.value.code == "ContractBuyValidationError"
    assert info.value.message == (
        "Minimum stake of 0.35 and maximum payout of 50000.00. Current payout is 53191.49."
    )


def test_min_stake_on_payout_basis() -> None:
    with pytest.raises(MarketError) as info:
        price(spec("DIGITMATCH", barrier="1", basis="payout", amount=1.0), SPOT)
    assert info.value.message == (
        "Minimum stake of 0.35 and maximum payout of 50000.00. Current stake is 0.11."
    )


def test_touch_barrier_at_spot() -> None:
    with pytest.raises(MarketError) as info:
        price(spec("ONETOUCH", barrier="1000.00"), SPOT)
    assert info.value.message == "Barrier must be at least 1 pip away from the spot."


def test_no_return() -> None:
    with pytest.raises(MarketError) as info:
        price(spec("DIGITDIFF", barrier="1"), SPOT, config=PricingConfig(commission=0.1))
    assert info.value.message == "This contract offers no return."


def test_validation_params() -> None:
    q = price(spec(), SPOT)
    assert q.validation_params() == {
        "stake": {"min": "0.35", "max": "25640.00"},
        "payout": {"max": "50000.00"},
    }


def test_date_expiry() -> None:
    assert price(spec(), SPOT, date_start=100).date_expiry is None
    q = price(spec(duration=15, duration_unit="s"), SPOT, date_start=100)
    assert q.date_expiry == 115
    assert price(spec(duration=2, duration_unit="h"), SPOT, date_start=100).date_expiry == 7300


R100 = "Volatility 100 Index"


@pytest.mark.parametrize(
    ("s", "text"),
    [
        (spec("CALL"), f"Win payout if {R100} after 5 ticks is strictly higher than entry spot."),
        (spec("PUT"), f"Win payout if {R100} after 5 ticks is strictly lower than entry spot."),
        (
            spec("CALLE", duration=1),
            f"Win payout if {R100} after 1 tick is higher than or equal to entry spot.",
        ),
        (
            spec("PUTE"),
            f"Win payout if {R100} after 5 ticks is lower than or equal to entry spot.",
        ),
        (
            spec("CALL", barrier="+0.1", duration=15, duration_unit="m"),
            f"Win payout if {R100} is strictly higher than entry spot plus 0.10 at 15 minutes "
            "after contract start time.",
        ),
        (
            spec("CALL", duration=15, duration_unit="s"),
            f"Win payout if {R100} is strictly higher than entry spot at 15 seconds after "
            "contract start time.",
        ),
        (
            spec("PUT", barrier="-0.5", duration=6),
            f"Win payout if {R100} after 6 ticks is strictly lower than entry spot minus 0.50.",
        ),
        (
            spec("DIGITMATCH", barrier="0", duration=10),
            f"Win payout if the last digit of {R100} is 0 after 10 ticks.",
        ),
        (
            spec("DIGITDIFF", barrier="7"),
            f"Win payout if the last digit of {R100} is not 7 after 5 ticks.",
        ),
        (
            spec("DIGITOVER", barrier="4"),
            f"Win payout if the last digit of {R100} is strictly higher than 4 after 5 ticks.",
        ),
        (
            spec("DIGITUNDER", barrier="4"),
            f"Win payout if the last digit of {R100} is strictly lower than 4 after 5 ticks.",
        ),
        (spec("DIGITEVEN"), f"Win payout if the last digit of {R100} is even after 5 ticks."),
        (spec("DIGITODD"), f"Win payout if the last digit of {R100} is odd after 5 ticks."),
        (
            spec("ONETOUCH", barrier="+0.5"),
            f"Win payout if {R100} touches entry spot plus 0.50 through 5 ticks after first tick.",
        ),
        (
            spec("NOTOUCH", barrier="-0.5"),
            f"Win payout if {R100} does not touch entry spot minus 0.50 through 5 ticks after "
            "first tick.",
        ),
        (
            spec("ONETOUCH", barrier="+2", duration=2, duration_unit="m"),
            f"Win payout if {R100} touches entry spot plus 2.00 through 2 minutes after "
            "contract start time.",
        ),
        (
            spec("ONETOUCH", barrier="1100", duration=30, duration_unit="d"),
            f"Win payout if {R100} touches 1100.00 through close on 2016-10-08.",
        ),
    ],
)
def test_longcodes(s: ContractSpec, text: str) -> None:
    # 1473292800 = 2016-09-08 00:00:00 UTC
    assert price(s, SPOT, date_start=1473292800).longcode == text


# -- spot_free: the contracts a replay prices once ------------------------------------------

SPOT_FREE = [
    spec("CALL"),
    spec("PUT", basis="payout", amount=20.0),
    spec("CALLE", barrier="+0"),
    spec("DIGITMATCH", barrier="3"),
    spec("DIGITOVER", barrier="5", symbol="1HZ100V"),
    spec("DIGITEVEN"),
    spec("TICKHIGH", selected_tick=3),
    spec("RUNHIGH", duration=3),
    spec("CALL", symbol="BOOM500", duration=7),
]


@pytest.mark.parametrize("contract", SPOT_FREE, ids=lambda c: f"{c.contract_type}-{c.symbol}")
def test_a_spot_free_contract_is_priced_alike_at_every_spot_and_time(
    contract: ContractSpec,
) -> None:
    from framework.market.pricing import spot_free

    assert spot_free(contract)
    first = price(contract, SPOT, date_start=1_700_000_000)
    for spot, epoch in ((0.5, 1_700_000_001), (987.65, 1_800_000_000), (12345.6, 1_700_086_400)):
        again = price(contract, spot, date_start=epoch)
        assert again.spot == spot and again.date_start == epoch
        assert attrs.evolve(again, spot=first.spot, date_start=first.date_start) == first


@pytest.mark.parametrize(
    "contract",
    [
        spec("CALL", barrier="+0.5"),  # the barrier is relative to the entry spot
        spec("ONETOUCH", barrier="+1.2"),
        spec("EXPIRYRANGE", barrier="+1", barrier2="-1", duration=5, duration_unit="m"),
        spec("CALL", duration=5, duration_unit="m"),  # a time contract
        spec("CALL", symbol="frxEURUSD", duration=5, duration_unit="m"),  # markets close
        spec("MULTUP", multiplier=100, duration=None),
        spec("ACCU", growth_rate=0.01, duration=None),
    ],
    ids=lambda c: f"{c.contract_type}-{c.symbol}-{c.duration_unit}",
)
def test_a_contract_whose_price_moves_is_not_spot_free(contract: ContractSpec) -> None:
    from framework.market.pricing import spot_free

    assert not spot_free(contract)
