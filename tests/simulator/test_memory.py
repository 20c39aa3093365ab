"""The simulator in memory: the same WebSocket protocol and faults as over TCP, no socket.

Everything here runs under pytest-trio's ``autojump_clock`` (threshold 0): in memory no byte
is ever outside Trio's sight, which is the point of the seam.
"""

from __future__ import annotations

import json

import pytest
import trio

from framework.client import open_client
from framework.connection import ConnectionSettings
from framework.deriv.models import Tick
from framework.simulator import Simulator, open_simulator
from framework.simulator.memory import memory_connector, open_memory_transport
from framework.transport import ConnectFailed, ConnectionLost, Transport
from tests.simulator.conftest import sim_options
from tests.simulator.session_script import PARAMS


async def test_a_client_trades_over_memory(autojump_clock: trio.abc.Clock) -> None:
    async with open_simulator(**sim_options()) as sim:
        settings = ConnectionSettings(url=sim.app_url(), tokens=(sim.token,))
        async with open_client(settings, connector=memory_connector(sim)) as client:
            async with client.ticks("R_100") as ticks:
                first = await ticks.receive()
                second = await ticks.receive()
            assert isinstance(first, Tick) and isinstance(second, Tick)  # no reconnect here
            assert second.epoch - first.epoch == 2
            outcome = await client.buy(PARAMS, price=10)
        assert outcome.bought
        assert [c.contract_id for c in sim.contracts()] == [outcome.contract_id]
        assert sim.connection_count == 0  # closed with the client


async def _call(transport: Transport, request: dict[str, object]) -> dict[str, object]:
    await transport.send(json.dumps(request))
    reply: dict[str, object] = json.loads(await transport.receive())
    return reply


async def test_the_handshake_checks_apply(autojump_clock: trio.abc.Clock) -> None:
    async with open_simulator(**sim_options()) as sim:
        with pytest.raises(ConnectFailed) as info:
            async with open_memory_transport(sim, app_id=0):
                pass
        assert info.value.status_code == 401
        async with open_memory_transport(sim) as transport:
            assert (await _call(transport, {"ping": 1}))["ping"] == "pong"


async def test_faults_and_close_codes_apply(autojump_clock: trio.abc.Clock) -> None:
    async with open_simulator(**sim_options()) as sim:
        await _drop_is_1006(sim)
        async with open_memory_transport(sim) as transport:
            await transport.send("{not json")
            with pytest.raises(ConnectionLost) as info:
                await transport.receive()
        assert info.value.code == 1007


async def _drop_is_1006(sim: Simulator) -> None:
    sim.faults.drop_on("ping", when="before")
    async with open_memory_transport(sim) as transport:
        await transport.send(json.dumps({"ping": 1}))
        with pytest.raises(ConnectionLost) as info:
            await transport.receive()
    assert info.value.code == 1006  # cut without a closing handshake, as a TCP drop is


async def test_an_error_in_the_block_comes_out_as_itself(autojump_clock: trio.abc.Clock) -> None:
    async with open_simulator(**sim_options()) as sim:
        with pytest.raises(KeyError):
            async with open_memory_transport(sim):
                raise KeyError("not wrapped in an exception group")
        assert sim.connection_count == 0


async def test_closing_a_stalled_connection_is_bounded(autojump_clock: trio.abc.Clock) -> None:
    async with open_simulator(**sim_options()) as sim:
        sim.faults.stall(call="ping")
        async with open_memory_transport(sim) as transport:
            await transport.send(json.dumps({"ping": 1}))
            with trio.move_on_after(30) as scope:
                await transport.receive()
            assert scope.cancelled_caught  # silent, the closing handshake included
        # Leaving the block did not wait for an answer that never comes.
        with pytest.raises(ConnectionLost):
            await transport.send(json.dumps({"ping": 1}))
