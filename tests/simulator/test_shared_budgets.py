"""Rate-limit budgets belong to the client, not to a connection (deriv_api.md section 3).

A client is its ``app_id`` and ``loginid`` once authorized, else its ``app_id``, IP address
and ``User-Agent``: its connections draw on one budget, other clients on theirs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio
from trio.testing import MockClock
from trio_websocket import open_websocket_url

from framework.simulator import RateLimits, Simulator, TokenConfig, open_simulator
from framework.simulator.ratelimit import RateLimiter
from tests.simulator.client import RawClient, SocketClient, connect
from tests.simulator.conftest import sim_options

#: Three general calls a minute: ``authorize`` itself is one.
TIGHT = RateLimits().per_minute(general=3)
CALL = {"active_symbols": "brief"}
TOKENS = (TokenConfig("virtual-token"), TokenConfig("real-token", account="real"))


def _refused(reply: dict[str, object]) -> bool:
    error = reply.get("error")
    return isinstance(error, dict) and error.get("code") == "RateLimit"


async def _spend(raw: RawClient, times: int) -> list[bool]:
    """Make ``times`` general calls; True for each one refused."""
    return [_refused(await raw.call(CALL)) for _ in range(times)]


def test_one_client_running_out_leaves_another_its_budget() -> None:
    limiter = RateLimiter(RateLimits().per_minute(general=1))
    assert limiter.allow("a", "active_symbols", 0.0)
    assert not limiter.allow("a", "active_symbols", 1.0)
    assert limiter.allow("b", "active_symbols", 1.0)


async def test_two_connections_of_one_account_share_its_budget(
    autojump_clock: MockClock,
) -> None:
    options = sim_options(rate_limits=TIGHT, tokens=TOKENS)
    async with open_simulator(**options) as sim, connect(sim) as one, connect(sim) as two:
        await one.authorize("virtual-token")
        await two.authorize("virtual-token")
        # authorize counted on the unauthorized key; the account's budget is still whole.
        assert await _spend(one, 2) == [False, False]
        assert await _spend(two, 2) == [False, True]
        assert await _spend(one, 1) == [True]
        await trio.sleep(61)  # the shared window slides for both
        assert await _spend(two, 1) == [False]


async def test_two_accounts_do_not_share_and_a_reconnect_does_not_refill(
    autojump_clock: MockClock,
) -> None:
    options = sim_options(rate_limits=TIGHT, tokens=TOKENS)
    async with open_simulator(**options) as sim:
        async with connect(sim) as virtual, connect(sim) as real:
            await virtual.authorize("virtual-token")
            await real.authorize("real-token")
            assert await _spend(virtual, 4) == [False, False, False, True]
            assert await _spend(real, 3) == [False, False, False]
        async with connect(sim) as again:
            await again.authorize("virtual-token")
            assert await _spend(again, 1) == [True]


async def test_before_authorize_the_app_and_peer_are_the_client(
    autojump_clock: MockClock,
) -> None:
    async with (
        open_simulator(**sim_options(rate_limits=TIGHT)) as sim,
        connect(sim) as one,
        connect(sim) as two,
        connect(sim, 1090) as other,
    ):
        assert await _spend(one, 2) == [False, False]
        assert await _spend(two, 2) == [False, True]
        assert await _spend(other, 3) == [False, False, False]


@asynccontextmanager
async def _connect_as(sim: Simulator, agent: str) -> AsyncIterator[SocketClient]:
    headers = [(b"User-Agent", agent.encode())]
    async with open_websocket_url(sim.app_url(1089), extra_headers=headers) as ws:
        yield SocketClient(ws)


async def test_over_tcp_the_user_agent_tells_clients_apart(vclock: MockClock) -> None:
    async with (
        open_simulator(**sim_options(rate_limits=TIGHT)) as sim,
        _connect_as(sim, "bot/1") as one,
        _connect_as(sim, "bot/1") as two,
        _connect_as(sim, "browser/2") as other,
    ):
        assert await _spend(one, 2) == [False, False]
        assert await _spend(two, 2) == [False, True]
        assert await _spend(other, 3) == [False, False, False]
