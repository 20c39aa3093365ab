"""The simulator's connection handling: accepted app ids, handshake timeout, idle and slow
clients."""

from __future__ import annotations

import json

import pytest
import trio
import trio.testing
from trio.testing import MockClock
from trio_websocket import ConnectionRejected, open_websocket_url

from framework.simulator import open_simulator
from framework.simulator.server import HANDSHAKE_TIMEOUT
from framework.transport import ConnectionLost
from tests.simulator.client import connect, connect_tcp
from tests.simulator.conftest import sim_options
from tests.simulator.session_script import PARAMS


async def test_only_the_configured_app_ids_are_accepted(vclock: MockClock) -> None:
    async with open_simulator(**sim_options(app_ids=frozenset({4242}))) as sim:
        with pytest.raises(ConnectionRejected) as info:
            async with open_websocket_url(sim.app_url(1089)):
                pass
        assert info.value.status_code == 401
        assert info.value.body is not None
        assert json.loads(info.value.body) == {"error": "InvalidAppID"}
        async with connect_tcp(sim, app_id=4242) as raw:
            assert (await raw.call({"ping": 1}))["ping"] == "pong"


async def test_a_client_that_never_completes_the_handshake_is_cut(vclock: MockClock) -> None:
    async with open_simulator(**sim_options()) as sim:
        stream = await trio.open_tcp_stream("127.0.0.1", sim.port)
        async with stream:
            start = trio.current_time()
            with trio.fail_after(HANDSHAKE_TIMEOUT + 5):
                assert await stream.receive_some() == b""  # closed by the server
            assert trio.current_time() - start >= HANDSHAKE_TIMEOUT
        assert sim.connection_count == 0


async def test_without_an_idle_timeout_a_quiet_connection_stays(vclock: MockClock) -> None:
    async with open_simulator(**sim_options(idle_timeout=None)) as sim, connect(sim) as raw:
        await raw.call({"ping": 1})
        await trio.sleep(600)  # five times the default idle limit
        assert (await raw.call({"ping": 1}))["ping"] == "pong"
        assert sim.connection_count == 1


async def test_a_client_too_slow_for_its_queue_is_dropped(vclock: MockClock) -> None:
    # A queue of one message: a request answered with several messages at once overflows it.
    async with open_simulator(**sim_options(queue_size=1)) as sim, connect(sim) as raw:
        await raw.authorize(sim.token)
        long = {**PARAMS, "duration": 5, "duration_unit": "m"}
        for _ in range(3):
            assert "error" not in await raw.call({"buy": "1", "price": 10, "parameters": long})
        await raw.send({"proposal_open_contract": 1})  # three answers in one go
        with pytest.raises(ConnectionLost), trio.fail_after(30):
            while True:
                await raw.receive()
        await trio.testing.wait_all_tasks_blocked()  # the server side winds down after the cut
        assert sim.connection_count == 0
        assert len(sim.contracts(open_only=True)) == 3  # the account is untouched


async def test_a_delayed_answer_is_not_sent_after_a_drop(vclock: MockClock) -> None:
    async with open_simulator(**sim_options(faults="delay=5:time")) as sim, connect(sim) as raw:
        await raw.send({"time": 1})
        await trio.sleep(1)
        assert sim.drop_connections() == 1
        with pytest.raises(ConnectionLost), trio.fail_after(30):
            while True:
                message = await raw.receive()
                assert "time" not in message  # the held answer never arrives
