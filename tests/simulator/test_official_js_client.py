"""Deriv's official JavaScript client (``@deriv/deriv-api``) completes a session unchanged.

The client runs on Node from its own ``node_modules`` (``.node-deriv-api/`` at the repo root,
installed on first use from the pins in ``tools/deriv_api_js/``) and talks to a
``triobot sim`` process through both of its layers: the high-level one (``api.account``,
``api.ticks``, ``api.candles``, ``api.contract`` bought, settled and sold, the account's
transaction and balance streams) and the basic one. Every frame both ways is checked
against Deriv's schemas. Skips, with the reason, without Node or the npm registry.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from itertools import pairwise
from pathlib import Path

import pytest

from framework.deriv.calls import call_of_request
from tests.simulator.official_clients import (
    DEMO_TOKEN,
    REPO,
    read_frames,
    running_sim,
    schema_problems,
)
from tools.deriv_api_node import ensure_deriv_api_js

SCRIPT = Path(__file__).with_name("deriv_api_session.js")


@pytest.fixture(scope="session")
def deriv_api_js() -> Path:
    """The ``node_modules`` folder holding the pinned @deriv/deriv-api and ws."""
    modules, reason = ensure_deriv_api_js()
    if modules is None:
        pytest.skip(reason)
    return modules


def test_deriv_api_js_trades_against_the_simulator(
    deriv_api_js: Path, schema_dir: Path, tmp_path: Path
) -> None:
    frames_file = tmp_path / "frames.jsonl"
    node = shutil.which("node")
    assert node is not None  # the fixture found it
    with running_sim("--speed", "20", "--seed", "5") as endpoint:
        run = subprocess.run(
            [node, str(SCRIPT), endpoint, DEMO_TOKEN, str(frames_file)],
            cwd=REPO,
            env={**os.environ, "NODE_PATH": str(deriv_api_js)},
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads(run.stdout.strip().splitlines()[-1])

    # Before login, then the high-level account: authorize, get_account_status, balance.
    assert summary["ping"] == "pong"
    assert summary["site_status"] == "up"
    assert summary["loginid"].startswith("VRTC")
    assert (summary["currency"], summary["landing_company"]) == ("USD", "virtual")
    assert summary["underlying"] == {
        "name": "Volatility 100 Index",
        "pip_size": 2,
        "is_open": 1,
        "market": "synthetic_index",
    }
    # Ticks and candles: the history first, then the stream, one tick every 2 s on R_100.
    assert summary["history_ticks"] == 1000
    epochs = [epoch for epoch, _ in summary["ticks"]]
    assert [b - a for a, b in pairwise(epochs)] == [2, 2]
    assert summary["tick_steps"] == [2]  # history then stream: no gap, no tick twice
    assert summary["ticks_in_list"] is True
    assert summary["candles"] == 1000
    assert summary["ohlc"] == {"open_time_on_minute": True, "ordered": True}

    # A 5-tick Rise bought through api.contract and followed to its settlement.
    settled = summary["settled"]
    assert summary["proposal_status"] == "proposal"
    assert summary["ask_price"] == settled["buy_price"] == 10
    assert settled["status"] in ("won", "lost")
    assert settled["is_expired"] is True
    assert settled["sell_price"] == (19.5 if settled["status"] == "won" else 0)
    assert settled["profit"] == round(settled["sell_price"] - settled["buy_price"], 2)
    assert settled["ticks"] == 6  # the entry tick and the five after it
    # A 5-minute Rise and a Multiplier sold before their expiry through sell().
    sold, multiplier = summary["sold"], summary["multiplier"]
    for contract in (sold, multiplier):
        assert contract["status"] == "sold"
        assert contract["is_expired"] is False
        assert 0 < contract["price"] == contract["sell_price"]

    # The account's transaction stream saw each buy and sale, with the symbol the client
    # looks up in active_symbols; its balance stream saw each of them too.
    ids = [settled["contract_id"], sold["contract_id"], multiplier["contract_id"]]
    assert summary["transactions"] == [
        [action, contract, "R_100", "Volatility 100 Index"]
        for contract in ids
        for action in ("buy", "sell")
    ]
    assert len(summary["balances"]) == 6
    assert summary["balances"][-1] == multiplier["balance_after"] == summary["balance"]
    assert summary["every_contract"] == ids

    # The basic layer: reports, a raw stream, a consumed proposal, an unknown symbol.
    assert summary["statement"][:6] == [
        [action, contract] for contract in reversed(ids) for action in ("sell", "buy")
    ]
    assert summary["profit_table"][:3] == list(reversed(ids))
    assert summary["portfolio"] == [summary["open"]]  # the basic layer's own 5-tick buy
    assert summary["time"] == "number"
    assert summary["r50"] == ["R_50", "R_50"]
    assert summary["rebuy_error"] == "InvalidContractProposal"
    assert summary["unknown_symbol"] == "InvalidSymbol"
    assert summary["forgotten"] == 2  # the tick and candle streams api.ticks/candles hold

    # Every frame, both ways, is valid against Deriv's own schemas.
    frames = read_frames(frames_file)
    assert not schema_problems(frames), schema_problems(frames)[:5]
    sent = {
        spec.name
        for direction, frame in frames
        if direction == "send" and (spec := call_of_request(frame)) is not None
    }
    assert {"get_account_status", "sell_expired", "ticks_history", "transaction"} <= sent
    # The candle stream goes on from the history's last candle, the minute still open.
    candles = next(f for d, f in frames if d == "recv" and f["msg_type"] == "candles")
    first_ohlc = next(f for d, f in frames if d == "recv" and f["msg_type"] == "ohlc")
    last_open = candles["candles"][-1]["epoch"]
    assert first_ohlc["ohlc"]["open_time"] in (last_open, last_open + 60)
    errors = [frame["error"]["code"] for direction, frame in frames if "error" in frame]
    assert errors == ["InvalidContractProposal", "InvalidSymbol"], errors
