"""Bots on the embedded simulator serving their web API on loopback, in virtual time.

The bot, its simulator and its web server run in the test's Trio run over real loopback
sockets, under the suite's ``vclock``; the test talks to the server with a real HTTP client
(httpx), so every request goes through hypercorn, the app and the bot's live components.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from framework.config import BotConfig
from framework.runtime import Bot
from framework.web.auth import TOKEN_ENV
from tests.runtime.conftest import EVERY, make_bot, write_config

#: The token the tests' bots accept (from the environment, as an operator would set it).
TOKEN = "test-token-5f0c2a"
BEARER = {"Authorization": f"Bearer {TOKEN}"}
SYMBOL = "1HZ100V"

Body = Callable[[Bot, httpx.AsyncClient], Awaitable[None]]


@pytest.fixture
def web_token(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``TRIOBOT_WEB_TOKEN`` set for the test."""
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    yield TOKEN


def web_config(
    tmp_path: Path,
    strategies: str = EVERY,
    *,
    web: str = '{listen: "127.0.0.1:0"}',
    risk: str = "",
) -> BotConfig:
    """A bot config with a ``web:`` section."""
    return write_config(tmp_path, strategies, risk=risk, extra=f"web: {web}\n")


def client(bot: Bot, *, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
    """An HTTP client of ``bot``'s server (signed in with the bearer token by default)."""
    assert bot.web_url is not None
    return httpx.AsyncClient(
        base_url=bot.web_url,
        headers=BEARER if headers is None else headers,
        timeout=httpx.Timeout(120.0),
    )


async def with_bot(config: BotConfig, body: Body, **kw: Any) -> Bot:
    """Run a bot with ``config``, give ``body`` it and a signed-in client, then stop it."""
    bot = make_bot(config, **kw)
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        async with client(bot) as http:
            await body(bot, http)
        bot.stop.request("test")
    return bot


async def until(bot: Bot, predicate: Callable[[], bool], *, limit: float = 600.0) -> None:
    """Wait, tick by tick (virtual time), until ``predicate`` holds; fail after ``limit`` s."""
    assert bot.runner is not None
    runner = bot.runner
    with trio.fail_after(limit):
        while not predicate():
            epoch = runner.last_epoch.get(SYMBOL, 0)
            await runner.tick_reached(SYMBOL, epoch + 1)


async def ticks(bot: Bot, n: int) -> None:
    """Wait until ``n`` more ticks have been dispatched."""
    assert bot.runner is not None
    target = bot.runner.ticks + n
    await until(bot, lambda: bot.runner is not None and bot.runner.ticks >= target)
