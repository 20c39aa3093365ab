"""Each sizing scheme's stake sequence on a known win/loss pattern."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from framework.sizing import (
    DAlembert,
    Fixed,
    Martingale,
    OneThreeTwoSix,
    OscarsGrind,
    StakeConfig,
    make_sizer,
)


def stakes(config: StakeConfig, pattern: str, payout_ratio: float = 1.0) -> list[float]:
    """Stake of each trade when results follow ``pattern`` (W/L), wins paying the ratio."""
    sizer = make_sizer(config)
    out = []
    for outcome in pattern:
        stake = sizer.next_stake()
        out.append(stake)
        sizer.on_result(stake, stake * payout_ratio if outcome == "W" else -stake)
    return out


def test_fixed() -> None:
    assert stakes(Fixed(2.5), "LLWLW") == [2.5] * 5


def test_martingale_doubles_on_losses_resets_on_win() -> None:
    assert stakes(Martingale(base=1.0), "LLLWL") == [1, 2, 4, 8, 1]


def test_martingale_resets_after_max_steps() -> None:
    # 1, 2, 4, 8 (three losses = max_steps), the fourth loss ends the progression.
    assert stakes(Martingale(base=1.0, max_steps=3), "LLLLLL") == [1, 2, 4, 8, 1, 2]


def test_martingale_hold_keeps_the_top_stake() -> None:
    assert stakes(Martingale(base=1.0, max_steps=2, on_max_steps="hold"), "LLLLWL") == [
        1,
        2,
        4,
        4,
        4,
        1,
    ]


def test_martingale_factor_rounds_to_cents() -> None:
    assert stakes(Martingale(base=0.35, factor=2.1, max_steps=4), "LLLL") == [
        0.35,
        0.74,
        1.54,
        3.24,
    ]


def test_dalembert_steps_up_on_loss_down_on_win_never_below_base() -> None:
    assert stakes(DAlembert(base=1.0, step=0.5), "WLLLWWWL") == [
        1.0,
        1.0,
        1.5,
        2.0,
        2.5,
        2.0,
        1.5,
        1.0,
    ]


def test_dalembert_caps_at_max_steps() -> None:
    assert stakes(DAlembert(base=1.0, max_steps=2), "LLLL") == [1, 2, 3, 3]


def test_oscars_grind_even_money() -> None:
    # L: stay; W: +1 unit unless that overshoots the +1 goal; the goal restarts the cycle.
    # cycle: -1, -2, -1 (stake 1 -> 2), +1 done; new cycle 1.
    assert stakes(OscarsGrind(unit=1.0), "LLWWW") == [1, 1, 1, 2, 1]


def test_oscars_grind_never_stakes_more_than_the_goal_needs() -> None:
    # L L L (cycle -3), W at 1 (cycle -2) -> 2, W at 2 (cycle 0) -> needs 1 -> 1, W -> done.
    assert stakes(OscarsGrind(unit=1.0), "LLLWWWL") == [1, 1, 1, 1, 2, 1, 1]


def test_oscars_grind_uses_the_payout_ratio_of_wins() -> None:
    # Paying 0.95 per unit: after L (cycle -1), W at 1 (cycle -0.05) needs 1.05/0.95 = 1.11.
    assert stakes(OscarsGrind(unit=1.0), "LWW", payout_ratio=0.95) == [1.0, 1.0, 1.11]


def test_1326_sequence() -> None:
    assert stakes(OneThreeTwoSix(base=1.0), "WWWWW") == [1, 3, 2, 6, 1]
    assert stakes(OneThreeTwoSix(base=0.5), "WWLWL") == [0.5, 1.5, 1.0, 0.5, 1.5]


@pytest.mark.parametrize("pattern", ["LWLWLLLWWW", "WWWWLLLLL", "LLLLLLLLLL"])
@pytest.mark.parametrize(
    "config",
    [
        Martingale(base=1.0, factor=1.5, max_steps=4),
        DAlembert(base=0.5),
        OscarsGrind(unit=1.0, max_units=3),
        OneThreeTwoSix(base=1.0),
    ],
    ids=["martingale", "dalembert", "oscar", "1326"],
)
def test_schemes_are_deterministic_and_in_cents(config: StakeConfig, pattern: str) -> None:
    first = stakes(config, pattern, payout_ratio=0.95)
    assert first == stakes(config, pattern, payout_ratio=0.95)
    assert all(round(s, 2) == s and s > 0 for s in first)


@pytest.mark.parametrize(
    "build",
    [
        lambda: Fixed(0),
        lambda: Fixed(1.234),
        lambda: Martingale(base=1.0, factor=1.0),
        lambda: Martingale(base=1.0, max_steps=0),
        lambda: DAlembert(base=1.0, step=-1.0),
        lambda: OscarsGrind(unit=1.0, max_units=0),
    ],
)
def test_invalid_scheme_configs_are_refused(build: Callable[[], object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        build()


def test_oscars_grind_never_stakes_below_the_market_minimum() -> None:
    # Paying 0.95: W (cycle +0.95) needs only 0.05/0.95 = 0.05 more; the server refuses a
    # stake under 0.35, so the last step of the cycle stakes the minimum instead.
    assert stakes(OscarsGrind(unit=1.0), "WW", payout_ratio=0.95) == [1.0, 0.35]
