"""``ticks_history`` windows: the server's start/end/count rules, and its refusals."""

from __future__ import annotations

import pytest
from trio.testing import MockClock

from framework.deriv.protocol import MAX_HISTORY_COUNT as MAX_COUNT
from framework.simulator.envelope import SimError
from framework.simulator.history import Window, window
from tests.simulator.client import RawClient

NOW = 1_700_000_000
DAY = 86_400


async def test_start_after_end_is_refused(vclock: MockClock, client: RawClient) -> None:
    now = (await client.call({"time": 1}))["time"]
    reply = await client.call({"ticks_history": "R_100", "start": now, "end": str(now - 60)})
    assert reply["error"]["code"] == "InvalidStartEnd"
    assert reply["error"]["message"] == f"Start time {now} must be before end time {now - 60}"


async def test_a_count_of_zero_means_the_most_the_server_gives(
    vclock: MockClock, client: RawClient
) -> None:
    reply = await client.call({"ticks_history": "R_100", "end": "latest", "count": 0})
    assert "error" not in reply, reply
    times = reply["history"]["times"]
    # Every tick of the hour kept (more than the default thousand), oldest first.
    assert len(times) == 1800 and times == sorted(times)
    default = await client.call({"ticks_history": "R_100", "end": "latest"})
    assert default["history"]["times"] == times[-1000:]


@pytest.mark.parametrize(
    ("start", "end", "count", "granularity", "expected"),
    [
        # No start: a day back for ticks; count * granularity back for candles.
        (0, "latest", 1000, 0, Window(NOW - DAY, NOW, 1000)),
        (0, "latest", 10, 60, Window(NOW - 600, NOW, 10)),
        (0, str(NOW - 60), 10, 300, Window(NOW - 3060, NOW - 60, 10)),
        # A granularity sent with style ticks still sets the start (the server's quirk).
        (0, "latest", 5, 120, Window(NOW - 600, NOW, 5)),
        # Counts out of range are the most the server gives, before the start is computed.
        (0, "latest", 0, 60, Window(NOW - DAY, NOW, MAX_COUNT)),
        (0, "latest", 9000, 60, Window(NOW - MAX_COUNT * 60, NOW, MAX_COUNT)),
        (0, "latest", -3, 60, Window(NOW - MAX_COUNT * 60, NOW, MAX_COUNT)),
        # Too far back (three years), or not before now: a day back.
        (NOW - 3 * 365 * DAY, "latest", 10, 0, Window(NOW - DAY, NOW, 10)),
        (0, "latest", 2000, 86_400, Window(NOW - DAY, NOW, 2000)),
        (NOW, "latest", 10, 0, Window(NOW - DAY, NOW, 10)),
        # An end in the future, or zero, is now.
        (NOW - 100, str(NOW + 500), 10, 0, Window(NOW - 100, NOW, 10)),
        (NOW - 100, "0", 10, 0, Window(NOW - 100, NOW, 10)),
        # A start in the future moves to a day back, and then an end before it is now.
        (NOW + 100, str(NOW + 200), 10, 0, Window(NOW - DAY, NOW, 10)),
    ],
)
def test_the_window_follows_the_server(
    start: int, end: str, count: int, granularity: int, expected: Window
) -> None:
    assert window(start=start, end=end, count=count, granularity=granularity, now=NOW) == expected


def test_both_bounds_given_backwards_are_refused_before_any_adjustment() -> None:
    with pytest.raises(SimError) as caught:
        window(start=NOW + 100, end=str(NOW + 50), count=10, granularity=0, now=NOW)
    assert caught.value.code == "InvalidStartEnd"
    assert caught.value.message == f"Start time {NOW + 100} must be before end time {NOW + 50}"
