"""permessage-deflate on the client: CPU per message and bytes on the wire, with and without.

The same stream goes through ``Connection.subscribe`` twice in one run: once over a plain
connection (the reference) and once with ``compression`` on, which the server accepts. Two
kinds of stream, the two a trading bot mostly receives: ``tick`` messages (about 300 bytes of
JSON) and ``proposal_open_contract`` updates of an open contract (about 1.3 KB).

The server is a separate process (wsproto, as in :mod:`bench.connection`) that frames and
compresses the whole stream before it sends the first byte, so its own deflate costs the
client nothing; it counts the bytes it writes and the CPU its framing took (what compression
costs a server: the embedded simulator's share, in the bot's own process). The client's
cost is its process CPU time (``time.process_time``) from the first message to the last,
divided by the messages.
"""

from __future__ import annotations

import json
import math
import random
import socket
import statistics
import time
from typing import Any

import trio

from bench.connection import SUB_ID, _next_text, _settings, _spawn, _until_closed, tick_frame

EPOCH0 = 1_700_000_000


def _walk(i: int) -> float:
    """The ``i``-th quote of a seeded random walk: digits that vary as a market's do (a
    repeating pattern would compress far better than real quotes)."""
    rng = random.Random(i)
    return round(1000 + 50 * math.sin(i / 5000) + rng.gauss(0, 1), 2)


def _tick_text(i: int, req_id: int) -> str:
    """A ``tick`` message of R_100 on the walk."""
    return tick_frame(_walk(i), EPOCH0 + 2 * i, req_id)


def _poc_text(i: int, req_id: int) -> str:
    """A ``proposal_open_contract`` update of an open Rise contract, as the server sends it."""
    spot = _walk(i)
    bid = round(max(0.0, 9.75 + (spot - 1000) * 0.4), 2)
    return json.dumps(
        {
            "echo_req": {
                "contract_id": 10_000,
                "proposal_open_contract": 1,
                "subscribe": 1,
                "req_id": req_id,
            },
            "msg_type": "proposal_open_contract",
            "proposal_open_contract": {
                "account_id": 1001,
                "barrier": "1000.00",
                "barrier_count": 1,
                "bid_price": bid,
                "buy_price": 10,
                "contract_id": 10_000,
                "contract_type": "CALL",
                "currency": "USD",
                "current_spot": spot,
                "current_spot_display_value": f"{spot:.2f}",
                "current_spot_time": EPOCH0 + 2 * i,
                "date_expiry": EPOCH0 + 600,
                "date_settlement": EPOCH0 + 600,
                "date_start": EPOCH0,
                "display_name": "Volatility 100 Index",
                "entry_spot": 1000.0,
                "entry_spot_display_value": "1000.00",
                "entry_tick": 1000.0,
                "entry_tick_display_value": "1000.00",
                "entry_tick_time": EPOCH0 + 1,
                "expiry_time": EPOCH0 + 600,
                "id": SUB_ID,
                "is_expired": 0,
                "is_forward_starting": 0,
                "is_intraday": 1,
                "is_path_dependent": 0,
                "is_settleable": 0,
                "is_sold": 0,
                "is_valid_to_cancel": 0,
                "is_valid_to_sell": 1,
                "longcode": "Win payout if Volatility 100 Index is strictly higher than entry "
                "spot at 10 minutes after contract start time.",
                "payout": 19.5,
                "profit": round(bid - 10, 2),
                "profit_percentage": round((bid - 10) * 10, 2),
                "purchase_time": EPOCH0,
                "shortcode": f"CALL_R_100_19.50_{EPOCH0}_{EPOCH0 + 600}_S0P_0",
                "status": "open",
                "transaction_ids": {"buy": 20_000},
                "underlying": "R_100",
            },
            "req_id": req_id,
            "subscription": {"id": SUB_ID},
        },
        separators=(",", ":"),
    )


KINDS = {"tick": _tick_text, "proposal_open_contract": _poc_text}


def _accept(sock: socket.socket) -> tuple[socket.socket, Any, bool]:
    """The handshake, accepting permessage-deflate when the client offers it."""
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, Request
    from wsproto.extensions import PerMessageDeflate

    conn, _ = sock.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ws = WSConnection(ConnectionType.SERVER)
    while True:
        ws.receive_data(conn.recv(65536))
        requests = [event for event in ws.events() if isinstance(event, Request)]
        if requests:
            break
    offered = any("permessage-deflate" in str(e) for e in requests[0].extensions)
    conn.sendall(ws.send(AcceptConnection(extensions=[PerMessageDeflate()])))
    return conn, ws, offered


def _blaster(port_box: Any, result_box: Any, kind: str, count: int) -> None:
    """Serve one client: on its first request, send ``count`` messages of ``kind``."""
    from wsproto.events import Message

    make = KINDS[kind]
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port_box.put(sock.getsockname()[1])
        conn, ws, offered = _accept(sock)
        req_id = int(json.loads(_next_text(conn, ws)).get("req_id", 1))
        texts = [make(i, req_id) for i in range(count)]
        cpu = time.process_time()
        frames = [ws.send(Message(data=text)) for text in texts]
        cpu = time.process_time() - cpu
        payload = sum(len(text.encode()) for text in texts)
        wire = sum(len(frame) for frame in frames)
        for start in range(0, count, 10_000):
            conn.sendall(b"".join(frames[start : start + 10_000]))
        result_box.put((offered, payload, wire, cpu / count * 1e6))
        _until_closed(conn, ws)
        conn.close()


async def _receive(port: int, kind: str, count: int, compression: bool) -> tuple[float, float]:
    """Receive the stream through the actor; ``(CPU µs per message, messages per second)``."""
    import attrs

    from framework.connection import Connection

    settings = attrs.evolve(_settings(port), compression=compression)
    async with trio.open_nursery() as nursery:
        connection = Connection(settings)
        await nursery.start(connection.run)
        if kind == "tick":
            opened = connection.subscribe("ticks", {"ticks": "R_100"})
        else:
            opened = connection.subscribe("proposal_open_contract", {"contract_id": 10_000})
        async with opened as stream:
            await stream.receive()
            cpu, wall = time.process_time(), time.perf_counter()
            for _ in range(count - 1):
                await stream.receive()
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        nursery.cancel_scope.cancel()
    return cpu / (count - 1) * 1e6, (count - 1) / wall


def _measure(kind: str, count: int, runs: int) -> None:
    print(f"{kind} stream, {count:,} messages x {runs} runs (median):")
    rows: dict[bool, list[tuple[float, float]]] = {False: [], True: []}
    wire: dict[bool, tuple[bool, int, int, float]] = {}
    for _ in range(runs):
        for compression in (False, True):
            process, port, box = _spawn(_blaster, kind, count)
            rows[compression].append(trio.run(_receive, port, kind, count, compression))
            wire[compression] = box.get(timeout=120)
            process.join(30)
    for compression, label in ((False, "plain (reference)"), (True, "permessage-deflate")):
        offered, payload, sent, framing = wire[compression]
        assert offered == compression, "the client's offer is what the server saw"
        cpu = statistics.median(r[0] for r in rows[compression])
        rate = statistics.median(r[1] for r in rows[compression])
        print(
            f"  {label:19s}: client {cpu:5.1f} us CPU/msg, {rate:7,.0f} msg/s; "
            f"{sent / count:6.1f} B/msg on the wire ({sent / payload:.0%} of the JSON); "
            f"server framing {framing:4.1f} us/msg"
        )
    plain = statistics.median(r[0] for r in rows[False])
    deflate = statistics.median(r[0] for r in rows[True])
    print(f"  deflate costs {deflate - plain:+.1f} us CPU per message ({deflate / plain - 1:+.0%})")


def main(quick: bool = False) -> None:
    """Both streams, with and without compression."""
    count, runs = (20_000, 1) if quick else (100_000, 3)
    for kind in KINDS:
        _measure(kind, count, runs)


if __name__ == "__main__":
    main()
