"""``ticks_history`` windows: start after end, and the default count."""

from __future__ import annotations

from trio.testing import MockClock

from tests.simulator.client import RawClient


async def test_start_after_end_is_refused(vclock: MockClock, client: RawClient) -> None:
    now = (await client.call({"time": 1}))["time"]
    reply = await client.call({"ticks_history": "R_100", "start": now, "end": now - 60})
    assert reply["error"]["code"] == "InvalidStartEnd"
    assert reply["error"]["message"] == "Start time is later than end time."


async def test_a_count_of_zero_means_the_default_thousand(
    vclock: MockClock, client: RawClient
) -> None:
    reply = await client.call({"ticks_history": "R_100", "end": "latest", "count": 0})
    assert "error" not in reply, reply
    times = reply["history"]["times"]
    assert len(times) == 1000 and times == sorted(times)
