"""What a client sees on the wire, over a real loopback socket: compression, close codes,
binary frames, the message size limit and the sanity check.

trio-websocket's client can neither offer permessage-deflate nor send invalid UTF-8, so these
tests speak WebSocket with wsproto directly and, for invalid UTF-8, write the frame by hand.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio
from trio.testing import MockClock
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Event, Request, TextMessage
from wsproto.extensions import PerMessageDeflate

from framework.deriv.protocol import MAX_RESPONSE_SIZE
from framework.simulator import Simulator, open_simulator
from framework.simulator.websocket import MAX_MESSAGE_SIZE
from tests.simulator.client import connect, connect_tcp
from tests.simulator.conftest import sim_options

SANITY = {
    "echo_req": {},
    "error": {"code": "SanityCheckFailed", "message": "Parameters sanity check failed."},
    "msg_type": "sanity_check",
}

_TEXT, _BINARY = 0x1, 0x2


def _masked_frame(opcode: int, payload: bytes) -> bytes:
    """One final client frame, masked as RFC 6455 requires of clients."""
    mask = os.urandom(4)
    size = len(payload)
    if size < 126:
        head = bytes([0x80 | opcode, 0x80 | size])
    elif size < 2**16:
        head = bytes([0x80 | opcode, 0x80 | 126]) + struct.pack("!H", size)
    else:
        head = bytes([0x80 | opcode, 0x80 | 127]) + struct.pack("!Q", size)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class RawSocket:
    """A wsproto client on a TCP stream that also keeps the raw bytes it receives."""

    def __init__(self, stream: trio.SocketStream, ws: WSConnection) -> None:
        self.stream = stream
        self.ws = ws
        self.raw = bytearray()
        self.accepted: AcceptConnection | None = None

    async def next_event(self) -> Event | None:
        """The next WebSocket event; ``None`` once the server closed the TCP stream."""
        while True:
            for event in self.ws.events():
                return event
            data = await self.stream.receive_some()
            if not data:
                return None
            self.raw += data
            self.ws.receive_data(data)

    async def send_text(self, text: str) -> None:
        await self.stream.send_all(self.ws.send(TextMessage(data=text)))

    async def answer(self) -> dict[str, Any]:
        event = await self.next_event()
        assert isinstance(event, TextMessage), event
        message: dict[str, Any] = json.loads(event.data)
        return message

    async def close_code(self) -> int:
        """The code of the server's close frame (failing if the stream ends without one)."""
        event = await self.next_event()
        assert isinstance(event, CloseConnection), event
        return int(event.code)


@asynccontextmanager
async def raw_socket(sim: Simulator, *, deflate: bool = False) -> AsyncIterator[RawSocket]:
    """Open a wsproto client on ``sim``'s loopback listener, offering compression or not."""
    stream = await trio.open_tcp_stream("127.0.0.1", sim.port)
    async with stream:
        ws = WSConnection(ConnectionType.CLIENT)
        offer = [PerMessageDeflate()] if deflate else []
        target = "/websockets/v3?app_id=1089"
        await stream.send_all(ws.send(Request(host="127.0.0.1", target=target, extensions=offer)))
        sock = RawSocket(stream, ws)
        event = await sock.next_event()
        assert isinstance(event, AcceptConnection), event
        sock.accepted = event
        sock.raw.clear()
        yield sock


async def test_permessage_deflate_is_negotiated_and_used(vclock: MockClock) -> None:
    async with open_simulator(**sim_options()) as sim, raw_socket(sim, deflate=True) as sock:
        assert sock.accepted is not None
        assert [type(e) for e in sock.accepted.extensions] == [PerMessageDeflate]
        await sock.send_text(json.dumps({"ping": 1, "req_id": 1}))
        assert (await sock.answer())["ping"] == "pong"
        assert sock.raw[0] & 0x40  # RSV1: the server's frame is compressed


async def test_without_an_offer_nothing_is_compressed(vclock: MockClock) -> None:
    async with open_simulator(**sim_options()) as sim, raw_socket(sim) as sock:
        assert sock.accepted is not None and sock.accepted.extensions == []
        await sock.send_text(json.dumps({"ping": 1}))
        assert (await sock.answer())["ping"] == "pong"
        assert not sock.raw[0] & 0x40


async def test_invalid_utf8_in_a_text_frame_closes_with_1007(vclock: MockClock) -> None:
    async with open_simulator(**sim_options()) as sim, raw_socket(sim) as sock:
        await sock.stream.send_all(_masked_frame(_TEXT, b'{"ping": "\xff"}'))
        assert await sock.close_code() == 1007
        assert await sock.next_event() is None


async def test_a_binary_frame_is_answered_and_the_connection_stays(vclock: MockClock) -> None:
    async with open_simulator(**sim_options()) as sim, raw_socket(sim) as sock:
        await sock.stream.send_all(_masked_frame(_BINARY, b'{"ping": 1, "req_id": 1}'))
        answer = await sock.answer()
        assert answer["msg_type"] == "document_upload"
        assert answer["error"]["code"] == "UnrecognisedRequest"
        assert answer["error"]["message"] == "The simulator does not implement document_upload."
        assert "ping" not in answer and "req_id" not in answer  # not read as a call
        await sock.send_text(json.dumps({"ping": 1}))
        assert (await sock.answer())["ping"] == "pong"


async def test_the_message_size_limit(vclock: MockClock) -> None:
    async with open_simulator(**sim_options()) as sim, raw_socket(sim) as sock:
        at_limit = json.dumps({"ping": 1, "passthrough": {"x": ""}})
        at_limit = at_limit.replace('""', '"' + "a" * (MAX_MESSAGE_SIZE - len(at_limit)) + '"')
        assert len(at_limit) == MAX_MESSAGE_SIZE
        await sock.send_text(at_limit)
        assert await sock.answer() == SANITY  # read and answered (the value is too long)
        await sock.send_text(at_limit + " ")
        assert await sock.close_code() == 1009


@pytest.mark.parametrize(
    "request_",
    [
        {"ping": 1, "bad key": 1},
        {"ticks": "R_100", "passthrough": {"note": "x" * 301}},
        {"ping": 1, "req_id٣": 1},
    ],
)
async def test_sanity_check_failed_over_a_socket(
    vclock: MockClock, request_: dict[str, Any]
) -> None:
    async with open_simulator(**sim_options()) as sim, connect_tcp(sim) as client:
        await client.send(request_)
        assert await client.receive() == SANITY
        assert (await client.call({"ping": 1}))["ping"] == "pong"


async def test_sanity_comes_after_bad_request_and_before_the_call_lookup(
    autojump_clock: MockClock,
) -> None:
    async with open_simulator(**sim_options()) as sim, connect(sim) as client:
        await client.send({"no_such_call": 1, "odd key": 1})
        assert await client.receive() == SANITY
        await client.ws.send_message('["odd key"]')
        assert (await client.receive())["error"]["code"] == "BadRequest"


async def test_requests_are_nfc_normalised_before_decoding(autojump_clock: MockClock) -> None:
    # The server normalises the frame's text, so a JSON escape (decoded later) is kept.
    text = '{"ping": 1, "req_id": 1, "passthrough": {"raw": "e\u0301", "escaped": "e\\u0301"}}'
    async with open_simulator(**sim_options()) as sim, connect(sim) as client:
        await client.ws.send_message(text)
        reply = await client.receive()
        assert reply["ping"] == "pong"
        assert reply["passthrough"] == {"raw": "\u00e9", "escaped": "e\u0301"}


def _passthrough(size: int) -> dict[str, str]:
    """A passthrough of about ``size`` bytes whose values all pass the sanity check."""
    return {f"k{i}": "x" * 300 for i in range(size // 310)}


async def test_an_answer_over_the_response_limit_is_response_too_large(
    autojump_clock: MockClock,
) -> None:
    # 5000 ticks (~95 kB) plus a passthrough echoed twice (in echo_req and on its own).
    request = {"ticks_history": "1HZ100V", "end": "latest", "count": 5000, "style": "ticks"}
    async with open_simulator(**sim_options(history_seconds=6000)) as sim, connect(sim) as client:
        small = await client.call({**request, "passthrough": _passthrough(200_000)})
        assert len(small["history"]["prices"]) == 5000
        assert len(json.dumps(small, separators=(",", ":"))) <= MAX_RESPONSE_SIZE
        big = _passthrough(257_000)
        reply = await client.call({**request, "passthrough": big})
        assert reply["msg_type"] == "error"
        assert reply["error"] == {"code": "ResponseTooLarge", "message": "Response too large."}
        assert reply["passthrough"] == big and reply["echo_req"]["count"] == 5000
        assert "history" not in reply
