"""The transport lets the body's own errors through as themselves, and closes with a code.

Over an in-memory stream to the simulator: these tests are about the error translation
around the body, not about sockets.
"""

from __future__ import annotations

import json

import pytest
import trio
from trio.testing import MockClock

from framework.simulator import open_simulator
from framework.simulator.memory import open_memory_transport
from framework.transport import ConnectionLost


async def test_a_timeout_inside_the_body_is_not_a_connect_timeout(
    autojump_clock: MockClock,
) -> None:
    async with open_simulator(seed=1) as sim:
        with pytest.raises(trio.TooSlowError):
            async with open_memory_transport(sim) as transport:
                await transport.send(json.dumps({"ping": 1}))
                with trio.fail_after(1):
                    await trio.sleep(5)  # the body's own deadline, long after connecting


async def test_an_os_error_inside_the_body_is_not_a_connect_failure(
    autojump_clock: MockClock,
) -> None:
    async with open_simulator(seed=1) as sim:
        with pytest.raises(FileNotFoundError):
            async with open_memory_transport(sim):
                raise FileNotFoundError("journal.sqlite")


async def test_closing_with_a_code_then_receiving_is_connection_lost(
    autojump_clock: MockClock,
) -> None:
    async with open_simulator(seed=1) as sim, open_memory_transport(sim) as transport:
        await transport.send(json.dumps({"ping": 1, "req_id": 1}))
        assert json.loads(await transport.receive())["ping"] == "pong"
        await transport.aclose(4000, "done")
        with pytest.raises(ConnectionLost) as lost:
            await transport.receive()
        assert lost.value.code == 4000


async def test_the_body_error_wins_over_a_stalled_closing_handshake(
    autojump_clock: MockClock,
) -> None:
    # The server stops answering; closing then times out, which must not hide the error
    # that ended the body.
    async with open_simulator(seed=1, faults="stall=ping") as sim:
        with pytest.raises(KeyError, match="mine"):
            async with open_memory_transport(sim) as transport:
                await transport.send(json.dumps({"ping": 1}))
                await trio.sleep(1)
                raise KeyError("mine")
