"""Connection actor benchmarks, each against a reference measured in the same run.

1. Throughput: ticks/s delivered to a consumer through ``Connection.subscribe`` (decoded,
   routed, parsed into ``Tick``) vs a bare trio-websocket loop (``get_message`` +
   ``json.loads``) on the same stream with the same transport settings (goal: >= 85 %), and
   vs the same bare loop with the ``websockets`` library (asyncio; from its own virtualenv,
   ``.venv-bench-websockets/``, made on first use, by ``bench/_peer_websockets.py``).
2. Tick-to-trade latency: the server sends a tick, the consumer answers with a buy, the
   server times the buy's arrival. Through ``Client.buy`` vs the same loop on bare
   trio-websocket and with Deriv's official ``python_deriv_api`` (asyncio; run from its own
   virtualenv by ``bench/_deriv_api_trader.py``, skipped with the reason if it cannot be set up).
   Goal: p50 and p99 at or below the official client's.
3. Memory: RSS of the client process while 1M stream messages go through the actor.

The server is a separate process that does the WebSocket handshake with wsproto and then
writes pre-framed bytes, so it costs almost nothing and the client is what is measured.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import socket
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import trio
import trio_websocket

from bench._summary import Figure
from tools.private_venv import ROOT, ensure_venv

SUB_ID = "0" * 8 + "-1111-2222-3333-" + "4" * 12
EPOCH0 = 1_700_000_000


def tick_frame(quote: float, epoch: int, req_id: int) -> str:
    """A ``tick`` message of R_100 at ``quote`` and ``epoch``, as the server sends it."""
    return json.dumps(
        {
            "echo_req": {"ticks": "R_100", "subscribe": 1, "req_id": req_id},
            "msg_type": "tick",
            "req_id": req_id,
            "subscription": {"id": SUB_ID},
            "tick": {
                "ask": quote,
                "bid": quote,
                "epoch": epoch,
                "id": SUB_ID,
                "pip_size": 2,
                "quote": quote,
                "symbol": "R_100",
            },
        },
        separators=(",", ":"),
    )


def _tick_text(i: int, req_id: int) -> str:
    return tick_frame(round(1000 + (i % 997) * 0.01, 2), EPOCH0 + i, req_id)


def _accept(sock: socket.socket) -> tuple[socket.socket, Any]:
    from wsproto import ConnectionType, WSConnection
    from wsproto.events import AcceptConnection, Request

    conn, _ = sock.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    ws = WSConnection(ConnectionType.SERVER)
    while True:
        ws.receive_data(conn.recv(65536))
        if any(isinstance(event, Request) for event in ws.events()):
            break
    conn.sendall(ws.send(AcceptConnection()))
    return conn, ws


def _next_text(conn: socket.socket, ws: Any) -> str:
    from wsproto.events import TextMessage

    while True:
        for event in ws.events():
            if isinstance(event, TextMessage):
                return str(event.data)
        data = conn.recv(65536)
        if not data:
            raise EOFError
        ws.receive_data(data)


def _until_closed(conn: socket.socket, ws: Any) -> None:
    """Answer the client's closing handshake (or notice it hung up)."""
    from wsproto.events import CloseConnection

    while True:
        for event in ws.events():
            if isinstance(event, CloseConnection):
                with contextlib.suppress(OSError):
                    conn.sendall(ws.send(event.response()))
                return
        try:
            data = conn.recv(65536)
        except OSError:
            return
        if not data:
            return
        ws.receive_data(data)


def _blaster(port_box: Any, _result_box: Any, count: int) -> None:
    """Serve one client: wait for its subscription request, then send ``count`` ticks."""
    from wsproto.events import Message

    with socket.create_server(("127.0.0.1", 0)) as sock:
        port_box.put(sock.getsockname()[1])
        conn, ws = _accept(sock)
        req_id = int(json.loads(_next_text(conn, ws)).get("req_id", 1))
        chunk = 10_000
        for start in range(0, count, chunk):
            blob = b"".join(
                ws.send(Message(data=_tick_text(i, req_id)))
                for i in range(start, min(count, start + chunk))
            )
            conn.sendall(blob)
        _until_closed(conn, ws)
        conn.close()


def _trader_server(port_box: Any, result_box: Any, rounds: int) -> None:
    """Send a tick, time until the buy arrives, answer it; ``rounds`` times."""
    from wsproto.events import Message

    with socket.create_server(("127.0.0.1", 0)) as sock:
        port_box.put(sock.getsockname()[1])
        conn, ws = _accept(sock)
        req_id = int(json.loads(_next_text(conn, ws)).get("req_id", 1))
        latencies = []
        for i in range(rounds):
            frame = ws.send(Message(data=_tick_text(i, req_id)))
            sent = time.perf_counter()
            conn.sendall(frame)
            buy = json.loads(_next_text(conn, ws))
            latencies.append(time.perf_counter() - sent)
            receipt = {
                "echo_req": buy,
                "msg_type": "buy",
                "req_id": buy.get("req_id"),
                "buy": {
                    "balance_after": 1000.0,
                    "buy_price": 10.0,
                    "contract_id": 10_000 + i,
                    "longcode": "bench",
                    "payout": 19.5,
                    "purchase_time": EPOCH0 + i,
                    "shortcode": f"CALL_R_100_19.50_{EPOCH0 + i}_5T_S0P_0",
                    "start_time": EPOCH0 + i,
                    "transaction_id": 20_000 + i,
                },
            }
            if "passthrough" in buy:
                receipt["passthrough"] = buy["passthrough"]
            conn.sendall(ws.send(Message(data=json.dumps(receipt))))
        result_box.put(latencies)
        _until_closed(conn, ws)
        conn.close()


def _spawn(target: Any, *args: Any) -> tuple[Any, int, Any]:
    ctx = multiprocessing.get_context("spawn")
    port_box = ctx.Queue()
    result_box = ctx.Queue()
    process = ctx.Process(target=target, args=(port_box, result_box, *args))
    process.start()
    return process, port_box.get(timeout=30), result_box


def _rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover - not Linux


# ---------------------------------------------------------------------- throughput


async def _bare_receive(port: int, count: int, tuned: bool = True) -> float:
    # ``tuned``: the same trio-websocket settings our transport uses (queue 64, 64 KiB
    # reads), so that the ratio measures the actor, not the knobs.
    knobs: dict[str, Any] = (
        {"message_queue_size": 64, "receive_buffer_size": 65536} if tuned else {}
    )
    async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/", **knobs) as ws:
        await ws.send_message('{"ticks":"R_100","subscribe":1,"req_id":1}')
        first = json.loads(await ws.get_message())
        started = time.perf_counter()
        assert first["msg_type"] == "tick"
        for _ in range(count - 1):
            json.loads(await ws.get_message())
        return (count - 1) / (time.perf_counter() - started)


def _settings(port: int) -> Any:
    from framework.connection import ConnectionSettings, KeepalivePolicy

    # No token and no rate limiting: nothing but the stream (and the buys) on the wire. The
    # servers here answer no ping: the longest interval and timeout the policy allows.
    return ConnectionSettings(
        url=f"ws://127.0.0.1:{port}/",
        rate_limit=False,
        keepalive=KeepalivePolicy(interval=110, timeout=60, stale_ticks=0),
    )


async def _actor_receive(
    port: int, count: int, rss: list[tuple[int, float]] | None = None
) -> tuple[float, int]:
    from framework.client import Client
    from framework.connection import Connection

    async with trio.open_nursery() as nursery:
        connection = Connection(_settings(port))
        await nursery.start(connection.run)
        client = Client(connection)
        async with client.ticks("R_100") as stream:
            tick = await stream.receive()
            started = time.perf_counter()
            delivered = 0
            last_epoch = EPOCH0 + count - 1
            while True:
                tick = await stream.receive()
                delivered += 1
                if rss is not None and delivered % 100_000 == 0:
                    rss.append((delivered, _rss_mb()))
                if tick.epoch == last_epoch:  # type: ignore[union-attr]
                    break
            elapsed = time.perf_counter() - started
            dropped = stream.dropped
        nursery.cancel_scope.cancel()
    return delivered / elapsed, dropped


def _websockets_receive(python: Path, port: int, count: int) -> tuple[float | None, str]:
    """Run the ``websockets`` loop; (msg/s, "") or (None, why not)."""
    command = [str(python), "-m", "bench._peer_websockets", str(port), str(count)]
    try:
        run = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return None, "the websockets loop did not finish in 300 s"
    if run.returncode != 0:
        lines = run.stderr.strip().splitlines() or [f"exit status {run.returncode}"]
        return None, f"the websockets loop failed: {lines[-1]}"
    return float(run.stdout.split()[-1]), ""


def _throughput(count: int, runs: int, quick: bool) -> list[Figure]:
    default: list[float] = []
    bare: list[float] = []
    actor: list[float] = []
    other: list[float] = []
    drops = 0
    if quick:  # making the virtualenv is no smoke run
        python, reason = None, "not run with --quick (make bench runs it)"
    else:
        python, reason = ensure_venv("bench-websockets", ["websockets>=13"], "websockets")
        reason = reason and f"not installed: {reason}"
    for _ in range(runs):
        process, port, _box = _spawn(_blaster, count)
        default.append(trio.run(_bare_receive, port, count, False))
        process.join(30)
        process, port, _box = _spawn(_blaster, count)
        bare.append(trio.run(_bare_receive, port, count))
        process.join(30)
        process, port, _box = _spawn(_blaster, count)
        rate, dropped = trio.run(_actor_receive, port, count)
        actor.append(rate)
        drops += dropped
        process.join(30)
        if python is not None:
            process, port, _box = _spawn(_blaster, count)
            theirs, reason = _websockets_receive(python, port, count)
            if theirs is None:
                process.terminate()
                python = None
            else:
                other.append(theirs)
            process.join(30)
    reference, ours = statistics.median(bare), statistics.median(actor)
    websockets_rate = statistics.median(other) if other else None
    print(f"throughput, {count:,} ticks x {runs} runs (median):")
    print(
        f"  bare trio-websocket, default settings      : {statistics.median(default):9,.0f} msg/s"
    )
    print(f"  bare trio-websocket, our transport settings: {reference:9,.0f} msg/s  (reference)")
    if websockets_rate is not None:
        print(f"  bare websockets (asyncio), its defaults    : {websockets_rate:9,.0f} msg/s")
    else:
        print(f"  bare websockets (asyncio): {reason}")
    print(f"  Connection.subscribe -> Tick to a consumer : {ours:9,.0f} msg/s")
    print(f"  ratio: {ours / reference:.0%} (goal >= 85 %); updates conflated away: {drops}")
    name = "live: actor receive rate, Connection.subscribe -> Tick"
    return [
        Figure(
            name, ours, "msg/s", "bare trio-websocket loop, same settings", reference,
            goal=">= 0.85x the reference", met=ours >= 0.85 * reference,
        ),
        Figure(
            name, ours, "msg/s", "bare websockets loop (asyncio)", websockets_rate, note=reason
        ),
    ]  # fmt: skip


# ---------------------------------------------------------------------- latency

PARAMS = {
    "contract_type": "CALL",
    "symbol": "R_100",
    "currency": "USD",
    "amount": 10,
    "basis": "stake",
    "duration": 5,
    "duration_unit": "t",
}


async def _bare_trader(port: int, rounds: int) -> None:
    async with trio_websocket.open_websocket_url(f"ws://127.0.0.1:{port}/") as ws:
        await ws.send_message('{"ticks":"R_100","subscribe":1,"req_id":1}')
        req_id = 2
        for _ in range(rounds):
            message = json.loads(await ws.get_message())
            assert message["msg_type"] == "tick"
            await ws.send_message(
                json.dumps({"buy": "1", "price": 10, "parameters": PARAMS, "req_id": req_id})
            )
            req_id += 1
            json.loads(await ws.get_message())


async def _actor_trader(port: int, rounds: int) -> None:
    from framework.client import Client
    from framework.connection import Connection

    async with trio.open_nursery() as nursery:
        connection = Connection(_settings(port))
        await nursery.start(connection.run)
        client = Client(connection)
        async with client.ticks("R_100") as stream:
            for _ in range(rounds):
                await stream.receive()
                outcome = await client.buy(PARAMS, price=10)
                assert outcome.bought
        nursery.cancel_scope.cancel()


def _percentiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return (
        ordered[len(ordered) // 2] * 1000,
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    )


def _deriv_api_trader(port: int, rounds: int, python: Path) -> str:
    """Run the official client's loop; ``""`` when it completed, else why not (one line)."""
    script = Path(__file__).with_name("_deriv_api_trader.py")
    try:
        run = subprocess.run(
            [str(python), str(script), str(port), str(rounds)],
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        return f"{script.name} did not finish {rounds} rounds in 300 s"
    if run.returncode != 0:
        lines = run.stderr.strip().splitlines() or [f"exit status {run.returncode}"]
        return f"{script.name} failed: {lines[-1]}"
    return ""


def _latency(rounds: int) -> list[Figure]:
    from tools.deriv_api_venv import ensure_deriv_api

    results = {}
    for name, trader in (("bare trio-websocket", _bare_trader), ("Client.buy", _actor_trader)):
        process, port, box = _spawn(_trader_server, rounds)
        trio.run(trader, port, rounds)
        results[name] = _percentiles(box.get(timeout=60)[rounds // 10 :])  # skip warm-up
        process.join(30)
    python, reason = ensure_deriv_api()
    if python is not None:
        process, port, box = _spawn(_trader_server, rounds)
        reason = _deriv_api_trader(port, rounds, python)
        if reason:
            process.terminate()  # its server still waits for a buy that will not come
        else:
            results["python_deriv_api"] = _percentiles(box.get(timeout=60)[rounds // 10 :])
        process.join(30)
    print(f"tick-to-trade on loopback, {rounds} round trips (server-side timing):")
    for name, (p50, p99) in results.items():
        print(f"  {name:22s}: p50 {p50:6.3f} ms   p99 {p99:6.3f} ms")
    if reason:
        print(f"  python_deriv_api reference not run: {reason}")
    print("  (goal: p50 and p99 at or below python_deriv_api's)")
    ours = results["Client.buy"]
    official = results.get("python_deriv_api")
    bare = results["bare trio-websocket"]
    figures = []
    for k, label in enumerate(("p50", "p99")):
        name = f"live: tick-to-trade {label}, Client.buy"
        theirs = None if official is None else official[k]
        figures += [
            Figure(
                name, ours[k], "ms", "python_deriv_api, same loop", theirs,
                goal="<= the reference", met=None if theirs is None else ours[k] <= theirs,
                note=reason and f"python_deriv_api not run: {reason}",
            ),
            Figure(name, ours[k], "ms", "bare trio-websocket loop", bare[k]),
        ]  # fmt: skip
    return figures


# ---------------------------------------------------------------------- memory


def _memory(count: int) -> None:
    process, port, _box = _spawn(_blaster, count)
    samples: list[tuple[int, float]] = []
    before = _rss_mb()
    rate, _ = trio.run(_actor_receive, port, count, samples)
    process.join(30)
    print(f"memory over {count:,} stream messages through the actor ({rate:,.0f} msg/s):")
    shown = ", ".join(f"{n // 1000}k: {mb:.1f}" for n, mb in samples)
    print(f"  RSS (MB) before: {before:.1f}; after N messages: {shown}")
    if len(samples) >= 3:
        growth = samples[-1][1] - samples[1][1]
        print(f"  growth from {samples[1][0]:,} to {samples[-1][0]:,} messages: {growth:+.1f} MB")


def main(quick: bool = False) -> list[Figure]:
    """Run the three benchmarks (smaller with ``quick``); return the figures of the summary."""
    figures = _throughput(20_000 if quick else 200_000, 1 if quick else 3, quick)
    figures += _latency(300 if quick else 3000)
    _memory(200_000 if quick else 1_000_000)
    return figures


if __name__ == "__main__":
    main()
