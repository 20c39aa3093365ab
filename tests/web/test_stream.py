"""``GET /api/events``: bus events and periodic status over Server-Sent Events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from trio.testing import MockClock

from framework.runtime import Bot
from framework.web.stream import sse
from tests.runtime.conftest import make_bot
from tests.web.conftest import client, until, web_config, with_bot


async def _events(response: httpx.Response) -> Any:
    """The stream's events as ``(kind, data)``."""
    kind = None
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            kind = line[len("event: ") :]
        elif line.startswith("data: "):
            yield kind, json.loads(line[len("data: ") :])


@pytest.mark.usefixtures("web_token")
async def test_the_stream_gives_status_then_trades_and_unsubscribes_when_the_client_goes(
    tmp_path: Path, vclock: MockClock
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        before = bot.events.subscribers
        seen: dict[str, list[dict[str, Any]]] = {}
        async with http.stream("GET", "/api/events") as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            assert response.headers["cache-control"] == "no-store"
            async for kind, data in _events(response):
                # The first event comes from the subscription: it is in place by then.
                assert bot.events.subscribers == before + 1
                seen.setdefault(kind, []).append(data)
                if len(seen.get("status", [])) >= 3 and "settled" in seen:
                    break
        status = seen["status"][0]
        assert status["account"].startswith("VRTC") and "pnl" in status
        ticks = [s["ticks"] for s in seen["status"]]
        assert ticks == sorted(ticks) and ticks[-1] > ticks[0]
        bought, settled = seen["bought"][0], seen["settled"][0]
        assert bought["kind"] == "bought" and bought["strategy"] == "every"
        assert "latency" in bought and "contract_id" in bought
        assert settled["kind"] == "settled" and "profit" in settled
        # The client went: its subscription goes with it.
        await until(bot, lambda: bot.events.subscribers == before)

    await with_bot(web_config(tmp_path), body)


@pytest.mark.usefixtures("web_token")
async def test_an_open_stream_does_not_hold_the_stop_up(tmp_path: Path, vclock: MockClock) -> None:
    bot = make_bot(web_config(tmp_path))
    outcome: list[str] = []
    ended = trio.Event()

    async def watch(http: httpx.AsyncClient, task_status: trio.TaskStatus[None]) -> None:
        try:
            async with http.stream("GET", "/api/events") as response:
                async for kind, _ in _events(response):
                    if kind == "status" and not outcome:
                        outcome.append("streaming")
                        task_status.started()
        except httpx.HTTPError:
            pass  # the server went away with the bot
        outcome.append("ended")
        ended.set()

    async with trio.open_nursery() as outer:
        async with trio.open_nursery() as nursery:
            await nursery.start(bot.run)
            http = client(bot)
            await outer.start(watch, http)
            bot.stop.request("test")
        # The bot's run is over while the client still held its stream open.
        assert bot.summary is not None and bot.summary.reason == "test"
        with trio.fail_after(60):
            await ended.wait()
        await http.aclose()
    assert outcome == ["streaming", "ended"]


def test_an_event_is_one_event_line_and_one_data_line() -> None:
    assert sse("trip", {"limit": "kill_switch", "reason": "a\nb"}) == (
        b'event: trip\ndata: {"limit": "kill_switch", "reason": "a\\nb"}\n\n'
    )
