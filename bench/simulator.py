"""How many stream messages per second the simulator pushes on one core.

Run with ``python -m bench.simulator``. For each (connections x subscriptions) shape the
simulator runs accelerated (1-second symbols at ``speed`` x) and raw trio-websocket
clients in the same process count the tick messages they receive over a fixed window.
The reference, measured in the same run, is a bare trio-websocket server pushing an
equally sized pre-serialised tick to the same number of clients as fast as it can: the
ceiling any trio-websocket server reaches on this machine. Everything shares one core
(one process, one thread), as the simulator does when embedded in a test or a bot.
"""

from __future__ import annotations

import json
import time

import trio
from trio_websocket import ConnectionClosed, open_websocket_url, serve_websocket

from framework.simulator import RateLimits, open_simulator

WINDOW = 2.0
WARMUP = 0.5
SYMBOLS = ["1HZ10V", "1HZ25V", "1HZ50V", "1HZ75V", "1HZ100V", "JD10", "JD25", "JD50"]
SHAPES = [(1, 1, 2000), (1, 8, 1000), (4, 4, 1000), (16, 4, 250), (50, 2, 100)]
SAMPLE = json.dumps(
    {
        "echo_req": {"ticks": "1HZ100V", "req_id": 1},
        "msg_type": "tick",
        "req_id": 1,
        "subscription": {"id": "5b0a4d2c-3f7e-4a51-9d0f-0c9b2a7e1f00"},
        "tick": {
            "ask": 1234.56, "bid": 1234.56, "epoch": 1700000000,
            "id": "5b0a4d2c-3f7e-4a51-9d0f-0c9b2a7e1f00", "pip_size": 2, "quote": 1234.56,
            "symbol": "1HZ100V",
        },
    },
    separators=(",", ":"),
)  # fmt: skip


async def _count(url: str, subscribe: list[str], counter: list[int], window: trio.Event) -> None:
    async with open_websocket_url(url) as ws:
        for i, symbol in enumerate(subscribe):
            await ws.send_message(json.dumps({"ticks": symbol, "req_id": i + 1}))
        try:
            while True:
                await ws.get_message()
                if window.is_set():
                    counter[0] += 1
        except ConnectionClosed:
            pass


async def simulator_rate(
    connections: int, subs: int, speed: float, window_seconds: float = WINDOW
) -> float:
    """Tick messages per second received from the simulator."""
    counter = [0]
    window = trio.Event()
    limits = RateLimits(enabled=False)
    simulator = open_simulator(speed=speed, history_seconds=60, rate_limits=limits)
    async with simulator as sim, trio.open_nursery() as nursery:
        for _ in range(connections):
            nursery.start_soon(_count, sim.app_url(), SYMBOLS[:subs], counter, window)
        await trio.sleep(WARMUP)
        window.set()
        start = time.perf_counter()
        await trio.sleep(window_seconds)
        counter_value = counter[0]
        elapsed = time.perf_counter() - start
        nursery.cancel_scope.cancel()
    return counter_value / elapsed


async def raw_rate(connections: int, window_seconds: float = WINDOW) -> float:
    """Messages per second a bare trio-websocket push loop delivers to the same clients."""
    counter = [0]
    window = trio.Event()

    async def handler(request: object) -> None:
        ws = await request.accept()  # type: ignore[attr-defined]
        try:
            while True:
                await ws.send_message(SAMPLE)
        except ConnectionClosed:
            pass

    async with trio.open_nursery() as nursery:
        server = await nursery.start(serve_websocket, handler, "127.0.0.1", 0, None)
        url = f"ws://127.0.0.1:{server.port}/"
        for _ in range(connections):
            nursery.start_soon(_count, url, [], counter, window)
        await trio.sleep(WARMUP)
        window.set()
        start = time.perf_counter()
        await trio.sleep(window_seconds)
        value = counter[0]
        elapsed = time.perf_counter() - start
        nursery.cancel_scope.cancel()
    return value / elapsed


def main(quick: bool = False) -> None:
    """Print the figures for each shape, with the raw reference measured alongside.

    Args:
        quick: two shapes and short windows, for a smoke run.
    """
    shapes = SHAPES[1:3] if quick else SHAPES
    window = 0.5 if quick else WINDOW
    print(f"simulator push rate, one process, {window:.1f} s windows; tick ~{len(SAMPLE)} bytes")
    print(
        f"{'conns':>5} {'subs':>4} {'speed':>6} {'offered/s':>10} {'delivered/s':>12} "
        f"{'raw tw/s':>9} {'sim/raw':>7}  note"
    )
    for connections, subs, speed in shapes:
        offered = connections * subs * speed
        delivered = trio.run(simulator_rate, connections, subs, float(speed), window)
        raw = trio.run(raw_rate, connections, window)
        # Below ~98 % of the offered rate the simulator is the bottleneck (saturated); above,
        # sim/raw only says how much headroom is left.
        note = "saturated" if delivered < 0.98 * offered else "keeps up"
        print(
            f"{connections:>5} {subs:>4} {speed:>6} {offered:>10.0f} {delivered:>12.0f} "
            f"{raw:>9.0f} {delivered / raw:>7.0%}  {note}"
        )


if __name__ == "__main__":
    main()
