"""Reaching a simulator in memory: its WebSocket protocol over a byte-stream pair, no socket.

Over loopback TCP, bytes travelling between two Trio tasks sit in the kernel, where Trio's
scheduler cannot see them: under a :class:`~trio.testing.MockClock` the clock may jump while
a frame is on its way, so such tests need an autojump threshold above 0. Over
:func:`trio.testing.memory_stream_pair` every byte stays inside Trio, so pytest-trio's
``autojump_clock`` (threshold 0) is safe, and no port is opened. The simulator serves the
stream exactly as it serves a TCP one (:meth:`Simulator.serve_stream`: handshake checks,
faults, sessions) and the client end is the framework's own WebSocket transport: only the
kernel is left out. Usage::

    async with open_simulator(seed=7) as sim:
        settings = ConnectionSettings(url=sim.app_url(), tokens=(sim.token,))
        async with open_client(settings, connector=memory_connector(sim)) as client:
            ...
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import trio.testing

from framework.deriv.protocol import DEFAULT_APP_ID
from framework.transport import Connector, Transport, open_websocket_transport

from .simulator import Simulator

__all__ = ["memory_connector", "open_memory_transport"]


@asynccontextmanager
async def open_memory_transport(
    sim: Simulator, app_id: int = DEFAULT_APP_ID
) -> AsyncIterator[Transport]:
    """Open a :class:`~framework.transport.Transport` to ``sim`` over an in-memory stream.

    Args:
        sim: the running simulator.
        app_id: the ``app_id`` of the handshake URL (by default Deriv's documented test app).

    Raises:
        ConnectFailed: the simulator refused the handshake (an ``app_id`` it does not know).
    """
    client, server = trio.testing.memory_stream_pair()
    sim.serve_stream(server)
    async with open_websocket_transport(sim.app_url(app_id), stream=client) as transport:
        yield transport


def memory_connector(sim: Simulator, app_id: int = DEFAULT_APP_ID) -> Connector:
    """A :data:`~framework.transport.Connector` for ``Connection(..., connector=...)``.

    Each (re)connection of the connection actor opens a new in-memory stream to ``sim``.
    """
    return partial(open_memory_transport, sim, app_id)
