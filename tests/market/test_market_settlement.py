"""Known-answer tests of settlement (reference notes section 5)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from framework.market import (
    ContractSpec,
    MarketError,
    Position,
    Settlement,
    open_position,
    price,
)
from tests.market.specs import spec

P = 1000  # purchase epoch


def position(s: ContractSpec, spot: float = 1000.0) -> Position:
    pos = open_position(s, price(s, spot, date_start=P), P, contract_id=42)
    assert isinstance(pos, Position)
    return pos


def feed(pos: Position, ticks: Sequence[tuple[int, float]]) -> tuple[int, Settlement]:
    """Feed ticks; return (index of the settling tick, settlement); check nothing after."""
    found: tuple[int, Settlement] | None = None
    for i, (epoch, quote) in enumerate(ticks):
        result = pos.on_tick(epoch, quote)
        if found is None:
            if result is not None:
                found = (i, result)
        else:
            assert result is None
    assert found is not None, "never settled"
    return found


def every_2s(quotes: Sequence[float], first: int = P + 1) -> list[tuple[int, float]]:
    return [(first + 2 * i, q) for i, q in enumerate(quotes)]


def test_rise_5_ticks_exits_5_ticks_after_entry() -> None:
    pos = position(spec("CALL", duration=5))
    ticks = [(P - 1, 990.0), (P, 995.0), *every_2s([1000.0, 1001, 999, 998, 997, 1000.01, 5000])]
    i, s = feed(pos, ticks)
    assert i == 7  # 6th tick after purchase
    assert (s.entry_epoch, s.entry_quote) == (P + 1, 1000.0)
    assert (s.exit_epoch, s.exit_quote) == (P + 11, 1000.01)
    assert s.barrier == 1000.0
    assert s.status == "won" and s.is_won
    assert (s.buy_price, s.payout, s.sell_price, s.profit) == (10.0, 19.5, 19.5, 9.5)
    assert s.sell_epoch == P + 11
    assert s.tick_stream == tuple(ticks[2:8])
    assert s.contract_id == 42
    assert pos.status == "won"


def test_tick_at_purchase_second_is_not_the_entry() -> None:
    pos = position(spec("PUT", duration=1))
    _, s = feed(pos, [(P, 1.0), (P + 1, 1000.0), (P + 2, 999.99)])
    assert (s.entry_epoch, s.exit_epoch, s.status) == (P + 1, P + 2, "won")


@pytest.mark.parametrize(
    ("contract_type", "status"),
    [("CALL", "lost"), ("PUT", "lost"), ("CALLE", "won"), ("PUTE", "won")],
)
def test_equal_exit(contract_type: str, status: str) -> None:
    pos = position(spec(contract_type, duration=2))
    _, s = feed(pos, every_2s([1000.0, 1003.0, 1000.0]))
    assert s.status == status
    assert s.sell_price == (s.payout if status == "won" else 0.0)
    assert s.profit == (round(s.payout - 10.0, 2) if status == "won" else -10.0)


def test_one_tick_digit_settles_on_entry_tick() -> None:
    pos = position(spec("DIGITMATCH", barrier="0", duration=1))
    i, s = feed(pos, every_2s([1234.5, 1234.51]))
    assert i == 0
    assert (s.entry_epoch, s.exit_epoch) == (P + 1, P + 1)
    assert s.status == "won"  # 1234.50 -> last digit 0
    assert s.barrier == 0.0


@pytest.mark.parametrize(
    ("contract_type", "barrier", "exit_quote", "status"),
    [
        ("DIGITMATCH", "7", 1000.07, "won"),
        ("DIGITMATCH", "7", 1000.7, "lost"),  # 1000.70 -> 0
        ("DIGITDIFF", "7", 1000.7, "won"),
        ("DIGITDIFF", "0", 1000.7, "lost"),
        ("DIGITOVER", "5", 1000.06, "won"),
        ("DIGITOVER", "5", 1000.05, "lost"),
        ("DIGITUNDER", "5", 1000.04, "won"),
        ("DIGITUNDER", "5", 1000.05, "lost"),
        ("DIGITEVEN", None, 1000.1, "won"),  # 1000.10 -> 0 is even
        ("DIGITEVEN", None, 1000.11, "lost"),
        ("DIGITODD", None, 1000.11, "won"),
        ("DIGITODD", None, 1000.0, "lost"),
    ],
)
def test_digits_exit_on_nth_tick(
    contract_type: str, barrier: str | None, exit_quote: float, status: str
) -> None:
    pos = position(spec(contract_type, barrier=barrier, duration=3))
    i, s = feed(pos, every_2s([1000.01, 1000.03, exit_quote, 1000.09]))
    assert i == 2  # 3rd tick after purchase; the entry tick is tick 1
    assert (s.exit_epoch, s.exit_quote) == (P + 5, exit_quote)
    assert s.status == status
    assert len(s.tick_stream) == 3


def test_digits_on_4_decimal_symbol() -> None:
    pos = position(spec("DIGITMATCH", symbol="R_50", barrier="0", duration=1), 250.0)
    _, s = feed(pos, every_2s([250.12]))  # "250.1200"
    assert s.status == "won"


def test_relative_barrier_resolves_against_entry_spot() -> None:
    pos = position(spec("CALL", barrier="+0.50", duration=5), spot=900.0)
    _, s = feed(pos, every_2s([1000.0, 1, 1, 1, 1, 1000.5]))
    assert s.barrier == 1000.5
    assert s.status == "lost"  # equal to the barrier
    pos = position(spec("CALLE", barrier="+0.50", duration=5), spot=900.0)
    assert feed(pos, every_2s([1000.0, 1, 1, 1, 1, 1000.5]))[1].status == "won"
    pos = position(spec("PUT", barrier="-0.25", duration=5))
    _, s = feed(pos, every_2s([1000.1, 1, 1, 1, 1, 999.84]))
    assert (s.barrier, s.status) == (999.85, "won")


def test_absolute_barrier() -> None:
    pos = position(spec("PUT", barrier="1001.00", duration=5))
    _, s = feed(pos, every_2s([1002.0, 1, 1, 1, 1, 1000.99]))
    assert (s.barrier, s.status) == (1001.0, "won")


def test_touch_at_the_exact_tick() -> None:
    pos = position(spec("ONETOUCH", barrier="+0.30", duration=5))
    i, s = feed(pos, every_2s([1000.0, 1000.1, 1000.3, 999.0, 999.0, 999.0, 999.0]))
    assert i == 2
    assert (s.status, s.exit_epoch, s.exit_quote, s.barrier) == ("won", P + 5, 1000.3, 1000.3)
    assert len(s.tick_stream) == 3


def test_touch_by_crossing() -> None:
    pos = position(spec("ONETOUCH", barrier="-0.30", duration=5))
    i, s = feed(pos, every_2s([1000.0, 1000.2, 998.0, 1000.0]))
    assert (i, s.status, s.exit_quote) == (2, "won", 998.0)


def test_notouch_loses_at_touch_and_wins_at_expiry() -> None:
    pos = position(spec("NOTOUCH", barrier="+0.30", duration=5))
    i, s = feed(pos, every_2s([1000.0, 1000.31, 1000.0]))
    assert (i, s.status, s.exit_quote) == (1, "lost", 1000.31)
    pos = position(spec("NOTOUCH", barrier="+0.30", duration=5))
    i, s = feed(pos, every_2s([1000.0, 1000.29, 1000.0, 999.0, 1000.1, 1000.29, 2000.0]))
    assert (i, s.status, s.exit_epoch) == (5, "won", P + 11)


def test_touch_on_the_expiry_tick_and_untouched() -> None:
    pos = position(spec("ONETOUCH", barrier="+1", duration=5))
    i, s = feed(pos, every_2s([1000.0, 1000.5, 1000.5, 1000.5, 1000.5, 1001.0]))
    assert (i, s.status) == (5, "won")
    pos = position(spec("ONETOUCH", barrier="+1", duration=5))
    i, s = feed(pos, every_2s([1000.0, 1000.5, 1000.5, 1000.5, 1000.5, 1000.99, 1001]))
    assert (i, s.status, s.sell_price) == (5, "lost", 0.0)


def test_absolute_touch_barrier_at_entry_is_touched() -> None:
    pos = position(spec("ONETOUCH", barrier="1001", duration=5))
    i, s = feed(pos, every_2s([1001.0, 1000.0]))
    assert (i, s.status) == (0, "won")


def test_time_contract_exit_is_last_tick_at_or_before_expiry() -> None:
    # Ticks on even epochs: P=1000, E=1015; last tick <= E is 1014, settled when 1016 arrives.
    pos = position(spec("CALL", duration=15, duration_unit="s"))
    ticks = [(P + k, 1000.0 + k / 100) for k in range(0, 20, 2)]
    i, s = feed(pos, ticks)
    assert ticks[i][0] == 1016
    assert (s.entry_epoch, s.exit_epoch, s.exit_quote, s.sell_epoch) == (1002, 1014, 1000.14, 1016)
    assert s.status == "won"
    assert s.tick_stream == ()


def test_time_contract_tick_exactly_at_expiry_settles_at_once() -> None:
    pos = position(spec("PUT", duration=15, duration_unit="s"))
    ticks = [(P + k, 1000.0 - k / 100) for k in range(1, 20, 2)]  # odd epochs, 1015 is one
    i, s = feed(pos, ticks)
    assert ticks[i][0] == 1015
    assert (s.exit_epoch, s.sell_epoch, s.status) == (1015, 1015, "won")


def test_time_touch_settles_early() -> None:
    pos = position(spec("ONETOUCH", barrier="+0.5", duration=2, duration_unit="m"))
    i, s = feed(pos, [(1001, 1000.0), (1002, 1000.2), (1003, 1000.6), (1004, 1000.0)])
    assert (i, s.status, s.exit_epoch, s.sell_epoch) == (2, "won", 1003, 1003)


def test_time_contract_without_tick_in_window() -> None:
    pos = position(spec("CALL", duration=15, duration_unit="s"))
    _, s = feed(pos, [(P + 20, 1000.0)])
    assert (s.entry_epoch, s.exit_epoch, s.status) == (P + 20, P + 20, "lost")


def test_poc_state_and_resale_of_tick_contract() -> None:
    pos = position(spec("CALL", duration=5))
    assert pos.status == "open"
    assert pos.validation_error(P) == "Resale of this contract is not offered."
    assert not pos.is_valid_to_sell(P)
    assert pos.bid_price(P) == round(19.5 * (0.5 - 0.0128), 2)
    pos.on_tick(P + 1, 1000.0)
    assert (pos.tick_count, pos.ticks_to_expiry, pos.current_quote) == (1, 6, 1000.0)
    assert not pos.is_expired(P + 5)
    with pytest.raises(MarketError) as info:
        pos.sell(P + 2)
    assert info.value.code == "ResaleNotOffered"
    assert info.value.message == "Resale of this contract is not offered."


def test_sell_time_contract() -> None:
    pos = position(spec("CALL", duration=60, duration_unit="s"))
    assert pos.validation_error(P) == "Waiting for entry tick."
    pos.on_tick(P + 2, 1000.0)
    pos.on_tick(P + 4, 1005.0)
    assert pos.is_valid_to_sell(P + 5)
    bid = pos.bid_price(P + 5)
    assert 0.5 * 19.5 < bid < 19.5  # well in the money
    s = pos.sell(P + 5)
    assert (s.status, s.sell_price, s.exit_epoch, s.exit_quote, s.sell_epoch) == (
        "sold",
        bid,
        P + 4,
        1005.0,
        P + 5,
    )
    assert s.profit == round(bid - 10.0, 2)
    assert pos.on_tick(P + 100, 1.0) is None
    assert pos.validation_error(P + 6) == "This contract has been sold."
    assert pos.bid_price(P + 6) == bid
    # Sold before its expiry: never expired, even once the expiry time has passed.
    assert not pos.is_expired(P + 6) and not pos.is_expired(P + 100)


def test_cannot_sell_after_expiry() -> None:
    pos = position(spec("CALL", duration=15, duration_unit="s"))
    pos.on_tick(P + 2, 1000.0)
    assert pos.is_expired(P + 15)
    with pytest.raises(MarketError) as info:
        pos.sell(P + 15)
    assert info.value.message == "This contract has already expired."
