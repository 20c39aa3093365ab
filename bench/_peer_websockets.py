"""The bare receive loop with the ``websockets`` library (run from ``.venv-bench-websockets/``).

``python -m bench._peer_websockets PORT COUNT``: asyncio, ``websockets``' own client with its
defaults (the server of ``bench/connection.py`` negotiates no compression); subscribes, then
``recv`` + ``json.loads`` of every message, as the bare trio-websocket loop does. Prints the
messages per second after the first.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time

import websockets


async def receive(port: int, count: int) -> float:
    """Messages per second of the loop over ``count`` messages."""
    async with websockets.connect(f"ws://127.0.0.1:{port}/") as ws:
        await ws.send('{"ticks":"R_100","subscribe":1,"req_id":1}')
        first = json.loads(await ws.recv())
        started = time.perf_counter()
        assert first["msg_type"] == "tick"
        for _ in range(count - 1):
            json.loads(await ws.recv())
        return (count - 1) / (time.perf_counter() - started)


if __name__ == "__main__":
    print(asyncio.run(receive(int(sys.argv[1]), int(sys.argv[2]))), flush=True)
