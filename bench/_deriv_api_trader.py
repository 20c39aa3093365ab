"""The tick-to-trade loop written with Deriv's official client (run by ``bench/connection.py``).

Runs under ``.venv-deriv-api/bin/python`` (asyncio, websockets 10.3), not in triobot's
environment: ``python bench/_deriv_api_trader.py PORT ROUNDS``. On each tick it buys, then
waits for the receipt, exactly like the triobot and bare loops it is compared with.
"""

import asyncio
import sys
from typing import Any

from deriv_api import DerivAPI  # lives in .venv-deriv-api (mypy: see pyproject overrides)

PARAMS = {
    "contract_type": "CALL",
    "symbol": "R_100",
    "currency": "USD",
    "amount": 10,
    "basis": "stake",
    "duration": 5,
    "duration_unit": "t",
}


async def trade(port: int, rounds: int) -> None:
    api = DerivAPI(endpoint=f"ws://127.0.0.1:{port}", app_id=1089)
    ticks: asyncio.Queue[Any] = asyncio.Queue()
    source = await api.subscribe({"ticks": "R_100"})
    source.subscribe(ticks.put_nowait)
    for _ in range(rounds):
        await ticks.get()
        await api.buy({"buy": "1", "price": 10, "parameters": PARAMS})
    await api.clear()


if __name__ == "__main__":
    asyncio.run(trade(int(sys.argv[1]), int(sys.argv[2])))
