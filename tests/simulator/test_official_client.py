"""Deriv's official Python client (``python_deriv_api``) completes a session unchanged.

The client pins ``websockets==10.3`` and runs on asyncio, so it lives in its own virtualenv
(``.venv-deriv-api/`` at the repo root, created on first use) and talks to a ``triobot sim``
process. Every frame it sends and receives is checked against Deriv's schemas. Skips, with
the reason, when the package index cannot be reached.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.simulator.official_clients import (
    DEMO_TOKEN,
    read_frames,
    running_sim,
    schema_problems,
)
from tools.deriv_api_venv import ensure_deriv_api

SCRIPT = Path(__file__).with_name("deriv_api_session.py")


@pytest.fixture(scope="session")
def deriv_api_python() -> Path:
    """The interpreter of a virtualenv holding python_deriv_api."""
    python, reason = ensure_deriv_api()
    if python is None:
        pytest.skip(reason)
    return python


def test_python_deriv_api_trades_against_the_simulator(
    deriv_api_python: Path, schema_dir: Path, tmp_path: Path
) -> None:
    frames_file = tmp_path / "frames.jsonl"
    with running_sim("--speed", "20", "--seed", "5") as endpoint:
        run = subprocess.run(
            [str(deriv_api_python), str(SCRIPT), endpoint, DEMO_TOKEN, str(frames_file)],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert run.returncode == 0, run.stderr[-2000:]
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["loginid"].startswith("VRTC")
    assert len(summary["ticks"]) == 3
    assert summary["ask_price"] == 10.0
    assert summary["status"] in ("won", "lost")
    contract = summary["contract_id"]
    assert summary["transactions"] == [["buy", contract], ["sell", contract]]
    assert summary["statement"][:2] == ["sell", "buy"]
    assert summary["profit_table"] == [contract]
    assert summary["candles"] == 1000  # the schema's default count of 1-minute bars
    assert summary["ohlc"] == [[0, "str"], [0, "str"]]  # on the minute, prices as text
    assert summary["forgotten"] == 3
    assert summary["balance_after"] == round(summary["balance_before"] + summary["profit"], 2)
    assert summary["rebuy_error"] == "InvalidContractProposal"
    # Multipliers: deal cancellation, limit orders, their update and history.
    assert summary["is_valid_to_cancel"] == 1
    assert summary["cancel_sold_for"] == 10.0
    assert summary["cancelled_status"] == "cancelled"
    assert summary["cancellation_fee"] > 0
    assert summary["multiplier_shortcode"].startswith("MULTUP_R_100_10.00_40_")
    assert summary["updated"] == ["stop_loss", "take_profit"]
    assert summary["history"] == ["stop_loss", "take_profit", "stop_loss", "take_profit"]
    assert summary["multiplier_sold"] is True
    # Accumulators: followed until they grew, then sold (or knocked out just before).
    assert summary["maximum_ticks"] > 0
    assert summary["accumulator_barriers"] is True
    assert summary["accumulator_status"] in ("sold", "lost")
    # Every frame the official client sent and received is valid against Deriv's own schemas.
    both = read_frames(frames_file)
    assert not schema_problems(both), schema_problems(both)[:5]
    assert {direction for direction, _ in both} == {"send", "recv"}
    frames = [frame for direction, frame in both if direction == "recv"]
    errors = [frame["error"]["code"] for frame in frames if "error" in frame]
    expected = ["InvalidContractProposal"]  # the rebuy, and nothing else
    sold_for = summary["accumulator_sold_for"]
    if summary["accumulator_status"] == "lost":  # knocked out before or just as it was sold
        if sold_for is not None:
            assert sold_for == "InvalidSellContractProposal"
            expected.append("InvalidSellContractProposal")
    else:
        assert sold_for > 0
    assert errors == expected, errors
    kinds = {frame["msg_type"] for frame in frames}
    assert {"contract_update", "contract_update_history", "cancel", "sell"} <= kinds
