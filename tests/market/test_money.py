"""Money rounding: the fast path gives exactly what Decimal's half-up on the repr gives."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

from hypothesis import example, given
from hypothesis import strategies as st

from framework.market.money import format_money, round_money


def reference(amount: float) -> float:
    """The rule itself: half-up on the float's shortest repr."""
    return float(Decimal(repr(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@given(st.floats(allow_nan=False, allow_infinity=False, min_value=-1e12, max_value=1e12))
@example(2.675)
@example(-2.675)
@example(1.005)
@example(0.015)
@example(-0.001)
@example(1e9 + 0.125)
@example(123456789.005)
def test_round_money_agrees_with_half_up_on_any_amount(amount: float) -> None:
    got = round_money(amount)
    want = reference(amount)
    assert got == want
    assert math.copysign(1.0, got) == math.copysign(1.0, want)  # -0.0 stays -0.0


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_round_money_rounds_every_half_cent_up(mills: int) -> None:
    # Amounts whose repr ends in exactly half a cent: the builtin would round half to even
    # (or the binary value's way); the rule rounds away from zero.
    amount = (mills * 10 + 5) / 1000
    assert round_money(amount) == reference(amount)


@given(st.integers(min_value=-(10**11), max_value=10**11))
def test_round_money_keeps_whole_cents(cents: int) -> None:
    amount = cents / 100
    assert round_money(amount) == amount


def test_format_money_shows_two_decimals() -> None:
    assert format_money(10) == "10.00"
    assert format_money(2.675) == "2.68"
