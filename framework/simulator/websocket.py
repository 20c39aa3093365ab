"""The server side of one WebSocket, as the real Deriv server speaks it.

trio-websocket (over wsproto) does the protocol; two things it leaves out are added here:

* **permessage-deflate.** The real server enables compression on every connection; wsproto
  implements the extension, trio-websocket just never offers it. It is accepted here when
  the client offers it (no offer, no compression), as
  :func:`framework.transport.permessage_deflate` defines it for both ends.
* **failing the connection with its close code.** When wsproto cannot parse a frame (invalid
  UTF-8 in a text message: 1007; a broken frame: 1002) trio-websocket cuts the TCP stream
  without a close frame, so the client sees 1006. RFC 6455 section 7.1.7 wants the close
  frame first, and the real server sends 1007 for malformed UTF-8: the close frame is sent
  here before the stream is closed.

Both hooks override private methods of trio-websocket's connection; the package is on
life-support maintenance and pinned in its behaviour by the tests over a real socket.
"""

from __future__ import annotations

import contextlib

import trio
from trio_websocket import ConnectionClosed, WebSocketConnection, WebSocketRequest
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import AcceptConnection, CloseConnection, Request

from framework.transport import permessage_deflate

__all__ = ["MAX_MESSAGE_SIZE", "wrap_server_stream"]

#: Largest message a client may send; a larger one closes the connection with 1009. The
#: reference gives no figure for requests: this is the default of Mojolicious (the framework
#: the real server runs on), 256 KiB, which the server's configuration does not change as
#: far as the reference shows. An assumption, documented in docs/simulator.md.
MAX_MESSAGE_SIZE = 262_144


class _ServerSocket(WebSocketConnection):
    """trio-websocket's connection with compression and a close frame on parse failures."""

    async def _accept(
        self,
        request: Request,
        subprotocol: str | None,
        extra_headers: list[tuple[bytes, bytes]],
    ) -> None:
        # As trio-websocket's own _accept, plus the extension (one per connection: it
        # holds that connection's compression state).
        self._subprotocol = subprotocol
        self._path = request.target
        await self._send(
            AcceptConnection(
                subprotocol=subprotocol,
                extra_headers=extra_headers,
                extensions=[permessage_deflate()],
            )
        )
        self._open_handshake.set()

    async def _handle_close_connection_event(self, event: CloseConnection) -> None:
        # A close event while the state is still OPEN comes from wsproto failing to parse
        # what the client sent (a close frame from the peer moves the state first).
        if self._wsproto.state is ConnectionState.OPEN:
            # (If the client is gone already there is nobody to tell.)
            with contextlib.suppress(ConnectionClosed):
                await self._send(CloseConnection(code=event.code, reason=event.reason))
        await super()._handle_close_connection_event(event)


async def wrap_server_stream(
    nursery: trio.Nursery, stream: trio.abc.Stream, *, message_queue_size: int
) -> WebSocketRequest:
    """Read the client's handshake on ``stream``; return the request to accept or reject.

    Args:
        nursery: where the connection's reader task runs.
        stream: the byte stream.
        message_queue_size: messages read ahead of the application.

    Returns:
        The handshake request.
    """
    connection = _ServerSocket(
        stream,
        WSConnection(ConnectionType.SERVER),
        message_queue_size=message_queue_size,
        max_message_size=MAX_MESSAGE_SIZE,
    )
    nursery.start_soon(connection._reader_task)
    return await connection._get_request()
