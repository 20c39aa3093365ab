"""Market hours (forex): the weekly schedule, ticks only while open, and what a closed
market refuses."""

from __future__ import annotations

import calendar
from itertools import pairwise

import pytest

from framework.market import (
    ContractSpec,
    contracts_for,
    get_symbol,
    price,
    symbols,
    tick_intervals,
)
from framework.market.errors import MarketError
from framework.market.hours import DAY, FOREX_HOURS, WEEK, MarketHours, week_start
from framework.market.open_ticks import OpenTicks
from framework.market.ticks import TickGenerator


def utc(*when: int) -> int:
    """Epoch of a UTC date and time."""
    return calendar.timegm((*when, 0, 0, 0)[:6])


MONDAY = utc(2023, 11, 20)
FRIDAY_CLOSE = utc(2023, 11, 17, 21)
FOREX = ("frxAUDUSD", "frxEURUSD", "frxGBPUSD", "frxUSDJPY")


def test_forex_trades_monday_midnight_to_friday_21_utc() -> None:
    hours = FOREX_HOURS
    assert week_start(MONDAY + 3 * DAY + 5) == MONDAY
    assert hours.is_open(MONDAY) and not hours.is_open(MONDAY - 1)
    assert hours.is_open(FRIDAY_CLOSE - 1) and not hours.is_open(FRIDAY_CLOSE)
    assert hours.is_open(utc(2023, 11, 22, 23, 59, 59)) and hours.is_open(utc(2023, 11, 23))
    assert not hours.is_open(utc(2023, 11, 18, 12)) and not hours.is_open(utc(2023, 11, 19, 23))
    assert hours.next_open(utc(2023, 11, 18, 12)) == MONDAY
    assert hours.next_open(MONDAY + 10) == MONDAY + 10
    assert hours.next_close(MONDAY + 10) == MONDAY + 4 * DAY + 21 * 3600
    assert hours.next_close(FRIDAY_CLOSE) == MONDAY + 4 * DAY + 21 * 3600
    assert hours.day(MONDAY) == (MONDAY, MONDAY + DAY)
    assert hours.day(MONDAY + 4 * DAY) == (MONDAY + 4 * DAY, MONDAY + 4 * DAY + 21 * 3600)
    assert hours.day(MONDAY + 5 * DAY) is None and hours.day(MONDAY + 6 * DAY) is None
    assert hours.trading_days() == ("Mon", "Tue", "Wed", "Thu", "Fri")


def test_sessions_that_touch_across_the_week_end_are_one() -> None:
    # Sunday 22:00 to Friday 21:00, as a broker's week: two intervals of the schedule.
    hours = MarketHours(sessions=((0, 4 * DAY + 21 * 3600), (6 * DAY + 22 * 3600, WEEK)))
    sunday_night = MONDAY - 2 * 3600
    assert hours.is_open(sunday_night) and not hours.is_open(sunday_night - 1)
    assert hours.next_close(sunday_night) == MONDAY + 4 * DAY + 21 * 3600
    with pytest.raises(ValueError):
        MarketHours(sessions=((10, 5),))


def test_the_forex_symbols() -> None:
    specs = {s.symbol: s for s in symbols() if s.market == "forex"}
    assert set(specs) == set(FOREX)
    jpy, eur = specs["frxUSDJPY"], specs["frxEURUSD"]
    assert (jpy.display_name, jpy.pip_size, jpy.pip) == ("USD/JPY", 3, 0.001)
    assert (eur.display_name, eur.pip_size, eur.pip) == ("EUR/USD", 5, 0.00001)
    for spec in specs.values():
        assert spec.hours is FOREX_HOURS
        assert (spec.submarket, spec.symbol_type, spec.exchange_name) == (
            "major_pairs",
            "forex",
            "FOREX",
        )
        assert 0.05 <= spec.volatility <= 0.15
    assert all(s.hours is None for s in symbols() if s.market != "forex")
    # The stale-stream watchdog must not watch a stream that goes quiet for the weekend.
    assert not set(specs) & set(tick_intervals()) and tick_intervals()["R_100"] == 2.0


@pytest.mark.parametrize("symbol", FOREX)
def test_forex_offers_no_digits_accumulators_or_tick_durations(symbol: str) -> None:
    offered = contracts_for(symbol)
    categories = {o.contract_category for o in offered}
    assert "digits" not in categories and "accumulator" not in categories
    assert {"callput", "touchnotouch", "multiplier"} <= categories
    assert all(o.expiry_type != "tick" for o in offered)
    intraday = [o for o in offered if o.expiry_type == "intraday"]
    assert intraday and all(o.min_contract_duration == "900s" for o in intraday)
    # A synthetic index keeps its tick durations and 15-second minimum.
    assert any(o.min_contract_duration == "15s" for o in contracts_for("R_100"))


def test_ticks_only_while_open_and_the_stream_does_not_depend_on_chunking() -> None:
    spec = get_symbol("frxEURUSD")
    start = FRIDAY_CLOSE - 600
    whole = OpenTicks(spec, 3, start)
    epochs, quotes = whole.until(start + WEEK)
    assert len(epochs) == len(quotes) == WEEK - (MONDAY - FRIDAY_CLOSE)
    assert all(FOREX_HOURS.is_open(e) for e in epochs)
    gaps = [(a, b) for a, b in pairwise(epochs) if b - a != 1]
    assert gaps == [(FRIDAY_CLOSE - 1, MONDAY)]
    # The same ticks in pieces of any size, by count or by time.
    more_e, more_q = whole.until(start + 2 * WEEK)  # a second week, read on in one piece
    epochs, quotes = epochs + more_e, quotes + more_q
    pieces = OpenTicks(spec, 3, start)
    got_e: list[int] = []
    got_q: list[float] = []
    for n in (1, 599, 1, 7, 50_000, 1000, 400_000):
        e, q = pieces.take(n)
        assert len(e) == n
        got_e += e
        got_q += q
    assert got_e == epochs[: len(got_e)] and got_q == quotes[: len(got_q)]
    assert pieces.last_epoch == got_e[-1] and pieces.quote == got_q[-1]
    # The grid runs on while closed: the reopening tick is the generator's tick at Monday.
    grid = TickGenerator(spec, 3, start)
    assert grid.take(MONDAY - start)[-1] == (MONDAY, quotes[599])


def test_a_symbol_that_never_closes_sees_every_tick() -> None:
    spec = get_symbol("R_100")
    stream = OpenTicks(spec, 5, 1_000_000)
    epochs, quotes = stream.take(1000)
    grid = TickGenerator(spec, 5, 1_000_000)
    assert list(zip(epochs, quotes, strict=True)) == grid.take(1000)
    assert stream.next_epoch() == epochs[-1] + 2


def _quote(symbol: str, contract_type: str, start: int, **terms: object) -> MarketError | None:
    spec = ContractSpec(contract_type, symbol, amount=10, basis="stake", **terms)  # type: ignore[arg-type]
    try:
        price(spec, get_symbol(symbol).start_quote, date_start=start)
    except MarketError as err:
        return err
    return None


def test_a_closed_market_refuses_every_contract() -> None:
    saturday = utc(2023, 11, 18, 12)
    err = _quote("frxUSDJPY", "CALL", saturday, duration=1, duration_unit="d")
    assert err is not None and (err.code, err.message) == (
        "MarketIsClosed",
        "This market is presently closed.",
    )
    err = _quote("frxUSDJPY", "MULTUP", saturday, multiplier=400, duration=None, duration_unit=None)
    assert err is not None and err.code == "MarketIsClosed"
    assert _quote("R_100", "CALL", saturday, duration=5, duration_unit="t") is None


def test_an_expiry_outside_the_hours_is_refused() -> None:
    before_close = FRIDAY_CLOSE - 1200
    assert _quote("frxEURUSD", "CALL", before_close, duration=15, duration_unit="m") is None
    err = _quote("frxEURUSD", "CALL", before_close, duration=30, duration_unit="m")
    assert err is not None and (err.code, err.message, err.details) == (
        "ContractBuyValidationError",
        "Contract must expire during trading hours.",
        {"field": "duration"},
    )
    err = _quote("frxEURUSD", "PUT", MONDAY + 3 * DAY, duration=2, duration_unit="d")
    assert err is not None and err.message == "The contract must expire on a trading day."
    assert _quote("frxEURUSD", "PUT", MONDAY + 3 * DAY, duration=4, duration_unit="d") is None
    err = _quote("frxEURUSD", "CALL", MONDAY + 60, duration=5, duration_unit="t")
    assert err is not None and err.message == "Trading is not offered for this duration."
    err = _quote("frxEURUSD", "CALL", MONDAY + 60, duration=10, duration_unit="m")
    assert err is not None and err.message == "Trading is not offered for this duration."
