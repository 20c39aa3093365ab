"""Deriv's candle rule: aligned open times, OHLC of the ticks in the bar, closed by a later tick."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework.deriv.models import Candle
from framework.market.candles import (
    GRANULARITIES,
    CandleBuilder,
    aggregate,
    check_granularity,
    open_time,
    span,
)
from framework.market.errors import MarketError


def naive(ticks: list[tuple[int, float]], g: int) -> list[Candle]:
    """The rule written the slow, obvious way: group by open time."""
    groups: dict[int, list[float]] = {}
    for epoch, quote in ticks:
        groups.setdefault(epoch - epoch % g, []).append(quote)
    return [
        Candle(start, qs[0], max(qs), min(qs), qs[-1], "R_100", g) for start, qs in groups.items()
    ]


@settings(max_examples=60, deadline=None)
@given(
    g=st.sampled_from(GRANULARITIES[:4]),
    steps=st.lists(st.integers(1, 200), min_size=1, max_size=80),
    quotes=st.lists(st.floats(1, 1000, allow_nan=False), min_size=80, max_size=80),
    start=st.integers(1_700_000_000, 1_700_086_400),
)
def test_aggregate_is_the_obvious_grouping(
    g: int, steps: list[int], quotes: list[float], start: int
) -> None:
    epochs = [start]
    for step in steps[1:]:
        epochs.append(epochs[-1] + step)
    ticks = list(zip(epochs, quotes, strict=False))
    assert aggregate(ticks, "R_100", g) == naive(ticks, g)


def test_a_bar_closes_on_the_first_tick_of_a_later_bar_only() -> None:
    builder = CandleBuilder("R_100", 60)
    assert builder.forming is None
    assert builder.add(120, 10.0) is None
    assert builder.add(150, 12.0) is None
    assert builder.add(179, 9.0) is None
    assert builder.forming == Candle(120, 10.0, 12.0, 9.0, 9.0, "R_100", 60)
    closed = builder.add(300, 11.0)  # two minutes without ticks: no empty bar in between
    assert closed == Candle(120, 10.0, 12.0, 9.0, 9.0, "R_100", 60)
    assert closed.close_time == 180
    assert builder.forming_open_time == 300


def test_repeated_or_older_ticks_are_ignored() -> None:
    builder = CandleBuilder("R_100", 60)
    builder.add(100, 1.0)
    assert builder.add(100, 5.0) is None
    assert builder.add(90, 5.0) is None
    assert builder.forming == Candle(60, 1.0, 1.0, 1.0, 1.0, "R_100", 60)


def test_the_servers_bar_replaces_an_older_view_and_closes_the_forming_one() -> None:
    builder = CandleBuilder("R_100", 60)
    builder.add(125, 10.0)
    # The server's bar of the same minute holds ticks this builder never saw.
    assert builder.merge(Candle(120, 8.0, 13.0, 7.0, 10.0, "R_100", 60), 125) is None
    assert builder.forming == Candle(120, 8.0, 13.0, 7.0, 10.0, "R_100", 60)
    builder.add(127, 14.0)
    # An older server view (last tick 125) does not undo the tick at 127.
    assert builder.merge(Candle(120, 8.0, 13.0, 7.0, 10.0, "R_100", 60), 125) is None
    assert builder.forming is not None and builder.forming.high == 14.0
    closed = builder.merge(Candle(180, 14.5, 14.5, 14.5, 14.5, "R_100", 60), 181)
    assert closed == Candle(120, 8.0, 14.0, 7.0, 14.0, "R_100", 60)
    assert builder.merge(Candle(120, 1.0, 1.0, 1.0, 1.0, "R_100", 60), 130) is None


def test_open_time_and_granularity_checks() -> None:
    assert open_time(1_700_000_059, 60) == 1_700_000_040
    assert open_time(3661, 3600) == 3600
    assert open_time(86_400 * 3 + 5, 86_400) == 86_400 * 3
    assert check_granularity(300) == 300
    for bad in (0, 59, 61, 3600.0, "60", True):
        with pytest.raises(MarketError) as caught:
            check_granularity(bad)
        assert caught.value.code == "InvalidGranularity"


@settings(max_examples=40, deadline=None)
@given(
    steps=st.lists(st.integers(1, 90), min_size=1, max_size=60),
    quotes=st.lists(st.floats(1, 1000, allow_nan=False), min_size=60, max_size=60),
)
def test_a_span_of_bars_is_the_bar_of_all_their_ticks(
    steps: list[int], quotes: list[float]
) -> None:
    epochs = [1_700_000_000]
    for step in steps[1:]:
        epochs.append(epochs[-1] + step)
    ticks = list(zip(epochs, quotes, strict=False))
    (whole,) = aggregate(ticks, "R_100", 86_400)  # all inside one day
    minutes = aggregate(ticks, "R_100", 60)
    assert span(minutes, whole.epoch, 86_400) == whole


def test_a_span_of_nothing_is_no_bar() -> None:
    assert span([], 60, 60) is None
