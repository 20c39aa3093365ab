"""Ends/Stays Between, High/Low Ticks, Only Ups/Downs: validation, pricing, offerings, bids."""

from __future__ import annotations

import math
import random

import pytest

from framework.market import (
    CONTRACT_TYPES,
    ContractSpec,
    MarketError,
    Position,
    contracts_for,
    open_position,
    price,
    validate,
)
from framework.market.pricing import (
    probability,
    probability_above,
    probability_between,
    probability_high_low_tick,
    probability_run,
    probability_stay,
    probability_touch,
)
from framework.market.ticks import YEAR_SECONDS
from tests.market.specs import spec

SPOT = 1000.0


def error(s: ContractSpec) -> MarketError:
    with pytest.raises(MarketError) as info:
        validate(s)
    return info.value


def price_error(s: ContractSpec, spot: float = SPOT) -> MarketError:
    with pytest.raises(MarketError) as info:
        price(s, spot)
    return info.value


def two(contract_type: str, high: str = "+2", low: str = "-2", **fields: object) -> ContractSpec:
    args: dict[str, object] = {"duration": 2, "duration_unit": "m"}
    args.update(fields)
    return spec(contract_type, barrier=high, barrier2=low, **args)


# -- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "s",
    [
        two("EXPIRYRANGE"),
        two("EXPIRYMISS", "+10", "-5", duration=1, duration_unit="h"),
        two("EXPIRYRANGEE", "1010", "990", duration=1, duration_unit="d"),
        two("EXPIRYMISSE", "+3", "+1"),  # both above the spot: fine when only the exit counts
        two("RANGE", "+5", "-5", duration=120, duration_unit="s"),
        two("UPORDOWN", "1100", "900", duration=365, duration_unit="d"),
        spec("TICKHIGH", selected_tick=1),
        spec("TICKLOW", selected_tick=5, symbol="JD10"),
        spec("RUNHIGH", duration=2),
        spec("RUNLOW", duration=5, symbol="1HZ100V"),
    ],
)
def test_valid(s: ContractSpec) -> None:
    assert validate(s) is CONTRACT_TYPES[s.contract_type]


@pytest.mark.parametrize(
    ("s", "message", "field"),
    [
        (
            spec("EXPIRYRANGE", barrier="+2", duration=2, duration_unit="m"),
            "Invalid barrier (Double barrier input is expected).",
            "barrier2",
        ),
        (
            spec("RANGE", barrier2="-2", duration=2, duration_unit="m"),
            "Invalid barrier (Double barrier input is expected).",
            "barrier",
        ),
        (
            two("EXPIRYMISS", "1010", "-2"),
            "Invalid barrier (Barrier type must be the same for double-barrier contracts).",
            "barrier2",
        ),
        (two("EXPIRYRANGE", "+2", "+2.00"), "High and low barriers must be different.", "barrier2"),
        (two("RANGE", "990", "1010"), "High barrier must be higher than low barrier.", "barrier"),
        (two("RANGE", "+3", "+1"), "Barriers must be on either side of the spot.", "barrier"),
        (two("UPORDOWN", "+0", "-1"), "Barriers must be on either side of the spot.", "barrier"),
        (two("EXPIRYRANGE", "+2", "-x"), "Invalid barrier.", "barrier"),
        (
            two("EXPIRYRANGE", duration=5, duration_unit="t"),
            "Trading is not offered for this duration.",
            "duration",
        ),
        (
            two("RANGE", duration=1, duration_unit="m"),
            "Trading is not offered for this duration.",
            "duration",
        ),
        (spec("TICKHIGH", selected_tick=2, barrier="+0.1"), "Invalid barrier.", "barrier"),
        (
            spec("TICKLOW", selected_tick=2, barrier2="-1"),
            "Invalid barrier (Single barrier input is expected).",
            "barrier2",
        ),
        (
            spec("TICKHIGH"),
            "Missing required contract parameters (selected tick).",
            "selected_tick",
        ),
        (spec("TICKHIGH", selected_tick=0), "Number of ticks must be between 1 and 5.", "duration"),
        (spec("TICKLOW", selected_tick=6), "Number of ticks must be between 1 and 5.", "duration"),
        (
            spec("TICKHIGH", selected_tick=True),
            "Selected tick must be an integer.",
            "selected_tick",
        ),
        (
            spec("TICKHIGH", selected_tick=1, duration=4),
            "Number of ticks must be between 5 and 5.",
            "duration",
        ),
        (
            spec("TICKLOW", selected_tick=1, duration=5, duration_unit="m"),
            "Trading is not offered for this duration.",
            "duration",
        ),
        (spec("RUNHIGH", duration=1), "Number of ticks must be between 2 and 5.", "duration"),
        (spec("RUNLOW", duration=6), "Number of ticks must be between 2 and 5.", "duration"),
        (spec("RUNHIGH", barrier="+0"), "Invalid barrier.", "barrier"),
        (
            spec("RUNLOW", duration=2, duration_unit="m"),
            "Trading is not offered for this duration.",
            "duration",
        ),
    ],
)
def test_invalid(s: ContractSpec, message: str, field: str) -> None:
    e = error(s)
    assert (e.code, e.message, e.details) == (
        "ContractBuyValidationError",
        message,
        {"field": field},
    )


@pytest.mark.parametrize(
    "s", [two("RANGE", symbol="stpRNG"), spec("TICKHIGH", symbol="stpRNG", selected_tick=1)]
)
def test_not_offered_on_step_index(s: ContractSpec) -> None:
    assert error(s).code == "OfferingsValidationError"


# -- probabilities ------------------------------------------------------------------------


def test_high_low_ticks_are_exact() -> None:
    # Deriv's engine prices tick 1 of TICKHIGH at 0.273 (= 70/256).
    assert probability_high_low_tick(1) == 70 / 256
    assert [probability_high_low_tick(k) for k in (2, 3, 4, 5)] == [
        0.15625,
        0.140625,
        0.15625,
        70 / 256,
    ]
    assert sum(probability_high_low_tick(k) for k in range(1, 6)) == pytest.approx(1.0)


def test_high_low_ticks_by_enumeration() -> None:
    """Every ordering of four +-1 steps is not enough (ties); count strict maxima of
    Gaussian walks from a seeded generator instead."""
    rng = random.Random(11)
    wins = [0] * 5
    trials = 40000
    for _ in range(trials):
        path = [0.0]
        for _ in range(4):
            path.append(path[-1] + rng.gauss(0, 1))
        wins[path.index(max(path))] += 1
    for k in range(1, 6):
        assert wins[k - 1] / trials == pytest.approx(probability_high_low_tick(k), abs=0.01)


def test_runs_are_exact() -> None:
    # Deriv's engine prices a 3-tick RUNHIGH at 0.125.
    assert probability_run(3) == 0.125
    assert probability_run(0) == 1.0
    assert probability("RUNLOW", SPOT, SPOT, 0, 1.0, 10, ticks=5) == 1 / 32


def test_ends_between_is_a_difference_of_two_calls() -> None:
    between = probability_between(SPOT, 998, 1002, 1.0, 120)
    expected = probability_above(SPOT, 998, 1.0, 120) - probability_above(SPOT, 1002, 1.0, 120)
    assert between == pytest.approx(expected)
    assert probability("EXPIRYRANGE", SPOT, 1002, 0, 1.0, 120, barrier2=998) == between
    assert probability("EXPIRYRANGEE", SPOT, 1002, 0, 1.0, 120, barrier2=998) == between
    assert probability("EXPIRYMISS", SPOT, 1002, 0, 1.0, 120, barrier2=998) == 1 - between
    assert probability("EXPIRYMISSE", SPOT, 1002, 0, 1.0, 120, barrier2=998) == 1 - between
    assert probability_between(SPOT, 998, 1002, 1.0, 0) == 1.0
    assert probability_between(SPOT, 1001, 1002, 1.0, 0) == 0.0


def test_stay_is_bounded_by_the_single_barrier_touches() -> None:
    for low, high, seconds in [(999, 1001, 60), (995, 1002, 600), (990, 1010, 3600)]:
        stay = probability_stay(SPOT, low, high, 1.0, seconds)
        up = probability_touch(SPOT, high, 1.0, seconds)
        down = probability_touch(SPOT, low, 1.0, seconds)
        assert max(1 - up - down, 0.0) <= stay + 1e-12
        assert stay <= min(1 - up, 1 - down) + 1e-12
        goes_out = probability("UPORDOWN", SPOT, high, 0, 1.0, seconds, barrier2=low)
        assert goes_out == pytest.approx(1 - stay)


def test_stay_edges() -> None:
    assert probability_stay(SPOT, 1000, 1001, 1.0, 60) == 0.0  # on the low barrier
    assert probability_stay(SPOT, 990, 999, 1.0, 60) == 0.0  # outside
    assert probability_stay(SPOT, 990, 1010, 1.0, 0) == 1.0
    assert probability_stay(SPOT, 990, 1010, 0.0, 60) == 1.0
    # Longer is never likelier to stay inside.
    assert probability_stay(SPOT, 995, 1005, 1.0, 600) < probability_stay(SPOT, 995, 1005, 1.0, 60)


def test_stay_series_meets_the_far_apart_shortcut() -> None:
    """The series and the two-touch shortcut agree where one hands over to the other."""
    sigma, seconds = 1.0, 600.0
    s = sigma * math.sqrt(seconds / YEAR_SECONDS)
    probs = []
    for ratio in (11.999, 12.001):
        half = ratio * s / 2
        probs.append(
            probability_stay(SPOT, SPOT * math.exp(-half), SPOT * math.exp(half), sigma, seconds)
        )
    assert probs[0] == pytest.approx(probs[1], abs=1e-6)


def _stay_by_images(spot: float, low: float, high: float, sigma: float, seconds: float) -> float:
    """Survival in (low, high) by the method of images, independently of the series.

    The driftless killed density from 0 in ``(a, b)`` is
    ``sum_n phi(y - 2nw) - phi(y - (2b - 2nw))`` (``w = b - a``); the drift enters as the
    Girsanov factor ``exp(k y - mu^2 t / (2 sigma^2))``, ``k = mu / sigma^2``, and each
    Gaussian integral of ``exp(k y) phi(y - c)`` over ``(a, b)`` has a closed form.
    """
    t = seconds / YEAR_SECONDS
    s = sigma * math.sqrt(t)
    mu = -0.5 * sigma * sigma
    k = mu / (sigma * sigma)
    a, b = math.log(low / spot), math.log(high / spot)
    w = b - a

    def n_cdf(x: float) -> float:
        return 0.5 * math.erfc(-x / math.sqrt(2.0))

    def part(c: float) -> float:
        shift = c + k * s * s
        scale = math.exp(k * c + 0.5 * (k * s) ** 2)
        return scale * (n_cdf((b - shift) / s) - n_cdf((a - shift) / s))

    total = sum(part(2 * n * w) - part(2 * b - 2 * n * w) for n in range(-30, 31))
    return total * math.exp(-mu * mu * t / (2 * sigma * sigma))


@pytest.mark.parametrize(
    ("low", "high", "sigma", "seconds"),
    [
        (999.0, 1001.0, 1.0, 120),
        (997.0, 1002.0, 1.0, 120),
        (990.0, 1010.0, 1.0, 3600),
        (950.0, 1200.0, 1.0, 30 * 86400),
        (999.9, 1000.05, 0.1, 600),
        (500.0, 2000.0, 1.0, 365 * 86400),
        (990.0, 1010.0, 0.25, 86400),
        # Far apart for the time left (over 12 standard deviations): the two-touch shortcut.
        (998.0, 1002.0, 1.0, 1),
        (995.0, 1005.0, 1.0, 10),
    ],
)
def test_stay_series_matches_the_images(
    low: float, high: float, sigma: float, seconds: float
) -> None:
    expected = _stay_by_images(SPOT, low, high, sigma, seconds)
    assert probability_stay(SPOT, low, high, sigma, seconds) == pytest.approx(expected, abs=1e-9)


def test_stay_by_monte_carlo() -> None:
    """The continuous survival vs finely simulated GBM paths (seeded, so deterministic)."""
    rng = random.Random(7)
    sigma, seconds, low, high = 1.0, 120.0, 997.0, 1002.0
    steps = 300
    dt = seconds / YEAR_SECONDS / steps
    a, b = math.log(low / SPOT), math.log(high / SPOT)
    inside = 0
    trials = 4000
    for _ in range(trials):
        x = 0.0
        for _ in range(steps):
            x += -0.5 * sigma**2 * dt + sigma * math.sqrt(dt) * rng.gauss(0, 1)
            if x <= a or x >= b:
                break
        else:
            inside += 1
    p = probability_stay(SPOT, low, high, sigma, seconds)
    assert 0.2 < p < 0.8  # a case where the series, not the shortcut, is used
    # Discrete monitoring leaves the range a little less often than the continuous model.
    assert inside / trials == pytest.approx(p, abs=0.04)
    assert inside / trials >= p - 0.01


# -- price, quote, longcode ---------------------------------------------------------------


def test_quote_carries_both_barriers() -> None:
    q = price(two("EXPIRYRANGE", "+2.5", "-1.25"), 1000.004)
    assert (q.high_barrier, q.low_barrier, q.barrier) == (1002.5, 998.75, None)
    assert q.probability == pytest.approx(probability_between(1000.004, 998.75, 1002.5, 1.0, 120))
    assert q.payout == pytest.approx(10 / (q.probability + q.commission), abs=0.01)


def test_single_barrier_quotes_have_no_high_low() -> None:
    q = price(spec("RUNHIGH", duration=3), SPOT)
    # Like at-the-money Rise/Fall: the barrier is the entry spot, not known yet.
    assert (q.high_barrier, q.low_barrier, q.barrier) == (None, None, None)
    assert q.probability == 0.125
    tick = price(spec("TICKLOW", selected_tick=3), SPOT)
    assert tick.probability == 0.140625
    assert tick.barrier is None


def test_stays_between_needs_the_spot_inside() -> None:
    e = price_error(two("RANGE", "1010", "1000"))
    assert e.message == "Barriers must be on either side of the spot."
    e = price_error(two("UPORDOWN", "999", "990"))
    assert e.message == "Barriers must be on either side of the spot."
    assert price(two("EXPIRYMISS", "997", "990"), SPOT).probability > 0.9


def test_low_barrier_must_be_positive() -> None:
    e = price_error(two("EXPIRYRANGE", "+1", "-1000"))
    assert (e.code, e.message) == (
        "ContractBuyValidationError",
        "Contract barrier must be positive.",
    )


@pytest.mark.parametrize(
    ("s", "text"),
    [
        (
            two("EXPIRYMISS", "+10", "-5"),
            "Win payout if Volatility 100 Index ends outside entry spot minus 5.00 to entry "
            "spot plus 10.00 at 2 minutes after contract start time.",
        ),
        (
            two("EXPIRYRANGE", "1002.5", "998", duration=30, duration_unit="d"),
            "Win payout if Volatility 100 Index ends strictly between 998.00 to 1002.50 at "
            "close on 2016-09-08.",
        ),
        (
            two("EXPIRYRANGEE", "+0", "-1"),
            "Win payout if Volatility 100 Index ends on or between entry spot minus 1.00 to "
            "entry spot at 2 minutes after contract start time.",
        ),
        (
            two("EXPIRYMISSE", "+1", "-1", duration=1, duration_unit="h"),
            "Win payout if Volatility 100 Index ends on or outside entry spot minus 1.00 to "
            "entry spot plus 1.00 at 1 hour after contract start time.",
        ),
        (
            two("RANGE", "1030", "990", duration=30, duration_unit="d"),
            "Win payout if Volatility 100 Index stays between 990.00 to 1030.00 through close "
            "on 2016-09-08.",
        ),
        (
            two("UPORDOWN", "+200", "-50"),
            "Win payout if Volatility 100 Index goes outside entry spot minus 50.00 and entry "
            "spot plus 200.00 through 2 minutes after contract start time.",
        ),
        (
            spec("TICKHIGH", symbol="R_50", selected_tick=1),
            "Win payout if tick 1 of Volatility 50 Index is the highest among all 5 ticks.",
        ),
        (
            spec("TICKLOW", selected_tick=4),
            "Win payout if tick 4 of Volatility 100 Index is the lowest among all 5 ticks.",
        ),
        (
            spec("RUNLOW"),
            "Win payout if Volatility 100 Index falls successively for 5 ticks after the "
            "entry spot.",
        ),
        (
            spec("RUNHIGH", duration=2),
            "Win payout if Volatility 100 Index rises successively for 2 ticks after the "
            "entry spot.",
        ),
    ],
)
def test_longcodes(s: ContractSpec, text: str) -> None:
    # 2016-08-09 00:00 UTC, so a 30-day contract closes on 2016-09-08 as in Deriv's tests.
    assert price(s, SPOT, date_start=1470700800).longcode == text


# -- offerings ----------------------------------------------------------------------------


def test_contracts_for_lists_the_new_types() -> None:
    rows = {(o.contract_type, o.expiry_type): o for o in contracts_for("R_100")}
    ends = rows[("EXPIRYRANGE", "intraday")]
    assert (ends.contract_category, ends.barrier_category, ends.barriers) == (
        "endsinout",
        "euro_non_atm",
        2,
    )
    assert (ends.min_contract_duration, ends.max_contract_duration) == ("120s", "86400s")
    assert rows[("EXPIRYMISS", "daily")].contract_display == "Ends Outside"
    stays = rows[("UPORDOWN", "intraday")]
    assert (stays.contract_category_display, stays.barrier_category, stays.sentiment) == (
        "Stays Between/Goes Outside",
        "american",
        "high_vol",
    )
    tick = rows[("TICKHIGH", "tick")]
    assert (tick.min_contract_duration, tick.max_contract_duration, tick.barriers) == (
        "5t",
        "5t",
        0,
    )
    run = rows[("RUNLOW", "tick")]
    assert (run.contract_display, run.min_contract_duration, run.max_contract_duration) == (
        "Only Downs",
        "2t",
        "5t",
    )
    assert ("RANGE", "tick") not in rows
    # Accepted by proposal, not advertised.
    assert not any(t.startswith(("EXPIRYRANGEE", "EXPIRYMISSE")) for t, _ in rows)
    step = {o.contract_type for o in contracts_for("stpRNG")}
    assert step.isdisjoint({"EXPIRYRANGE", "RANGE", "TICKHIGH", "RUNHIGH"})


# -- open positions -----------------------------------------------------------------------


def test_high_low_ticks_bid_nothing_until_settled() -> None:
    s = spec("TICKHIGH", selected_tick=3)
    pos = open_position(s, price(s, SPOT), purchase_epoch=100, contract_id=1)
    assert isinstance(pos, Position)
    assert pos.bid_price(100) == 0.0
    assert pos.win_probability(100) == 0.140625
    assert pos.on_tick(101, 1000.0) is None
    assert pos.on_tick(102, 1002.0) is None
    assert pos.barrier is None  # the selected tick has not come yet
    assert pos.win_probability(102) == 0.140625
    settled = pos.on_tick(103, 1001.0)  # tick 3 is below tick 2: lost, exit = tick 2
    assert settled is not None
    assert (settled.status, settled.barrier, settled.exit_epoch, settled.sell_epoch) == (
        "lost",
        1001.0,
        102,
        103,
    )
    assert pos.validation_error(103) == "This contract has been sold."


def test_only_ups_bid_doubles_with_each_rise() -> None:
    s = spec("RUNHIGH", duration=3)
    pos = open_position(s, price(s, SPOT), purchase_epoch=100, contract_id=1)
    assert isinstance(pos, Position)
    assert pos.win_probability(100) == 0.125
    pos.on_tick(101, 1000.0)
    assert pos.barrier == 1000.0
    assert pos.win_probability(101) == 0.125
    pos.on_tick(102, 1000.5)
    assert pos.win_probability(102) == 0.25
    pos.on_tick(103, 1001.0)
    assert pos.win_probability(103) == 0.5
    assert pos.validation_error(103) == "Resale of this contract is not offered."
    settled = pos.on_tick(104, 1001.5)
    assert settled is not None and settled.status == "won"


def test_stays_between_can_be_sold_and_keeps_its_barriers() -> None:
    s = two("RANGE", "+5", "-5")
    quote = price(s, SPOT)
    pos = open_position(s, quote, purchase_epoch=100, contract_id=7)
    assert isinstance(pos, Position)
    assert pos.bid_price(100) == pytest.approx(
        quote.payout * (quote.probability - 0.0128), abs=0.01
    )
    assert pos.validation_error(100) == "Waiting for entry tick."
    pos.on_tick(102, 1001.0)
    assert (pos.high_barrier, pos.low_barrier, pos.barrier) == (1006.0, 996.0, None)
    near_edge = pos.bid_price(110)
    pos.on_tick(104, 1001.0)
    assert pos.bid_price(200) > near_edge  # less time left to leave the range
    sold = pos.sell(200)
    assert (sold.status, sold.high_barrier, sold.low_barrier) == ("sold", 1006.0, 996.0)
    assert sold.sell_price == pos.bid_price(200)


def test_goes_outside_wins_on_the_touch() -> None:
    s = two("UPORDOWN", "+3", "-3")
    pos = open_position(s, price(s, SPOT), purchase_epoch=100, contract_id=1)
    assert isinstance(pos, Position)
    assert pos.on_tick(101, 1000.0) is None
    assert pos.bid_price(101) > 0
    assert pos.on_tick(102, 1002.99) is None
    settled = pos.on_tick(103, 996.99)
    assert settled is not None
    assert (settled.status, settled.exit_quote, settled.low_barrier) == ("won", 996.99, 997.0)


def test_digit_bid_ignores_the_spot() -> None:
    s = spec("DIGITOVER", barrier="3", duration=3)
    quote = price(s, SPOT)
    pos = open_position(s, quote, purchase_epoch=100, contract_id=1)
    assert isinstance(pos, Position)
    pos.on_tick(101, 1000.0)
    assert pos.win_probability(101) == 0.6
    assert pos.bid_price(101) == pytest.approx(quote.payout * (0.6 - 0.0128), abs=0.01)


@pytest.mark.parametrize(
    ("contract_type", "count", "path"),
    [
        ("CALL", 1, False),
        ("DIGITEVEN", 1, False),
        ("ONETOUCH", 1, True),
        ("EXPIRYMISS", 2, False),
        ("RANGE", 2, True),
        ("TICKLOW", 1, True),
        ("RUNHIGH", 1, True),
    ],
)
def test_open_contract_flags(contract_type: str, count: int, path: bool) -> None:
    ctype = CONTRACT_TYPES[contract_type]
    assert (ctype.barrier_count, ctype.path_dependent) == (count, path)
