"""``triobot sim`` as a process: first line, accepted tokens, clean stop on SIGTERM."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import trio
from trio_websocket import open_websocket_url

from bots.commands.sim import parse_token

REPO = Path(__file__).resolve().parents[2]


def start_sim(*args: str) -> subprocess.Popen[str]:
    """Start ``triobot sim`` on a free port."""
    return subprocess.Popen(
        [sys.executable, "-m", "bots.cli", "sim", "--port", "0", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_first_line_tokens_and_clean_sigterm(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    proc = start_sim("--speed", "20", "--token", "bot-1=read,trade", "--outbox", str(outbox))
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        match = re.fullmatch(r"listening (ws://127\.0\.0\.1:(\d+)/websockets/v3)\n", first)
        assert match, first
        assert int(match.group(2)) > 0
        rest = [proc.stdout.readline() for _ in range(3)]
        assert rest[0].startswith("connect with ")
        assert rest[1].startswith("token bot-1 -> virtual account VRTC")
        assert rest[1].rstrip().endswith("scopes: read, trade")

        async def session() -> None:
            async with open_websocket_url(match.group(1) + "?app_id=1089") as ws:
                await ws.send_message(json.dumps({"authorize": "bot-1", "req_id": 1}))
                reply = json.loads(await ws.get_message())
                assert reply["authorize"]["scopes"] == ["read", "trade"]
                await ws.send_message(
                    json.dumps({"verify_email": "a@example.com", "type": "account_opening"})
                )
                assert json.loads(await ws.get_message())["verify_email"] == 1

        trio.run(session)
        line = json.loads(outbox.read_text().splitlines()[0])
        assert line["to"] == "a@example.com" and line["type"] == "account_opening"
        assert len(line["code"]) >= 8
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_default_demo_token_is_printed() -> None:
    proc = start_sim()
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        assert lines[2].startswith("token demo-token-0001 -> virtual account")
        assert "admin" in lines[2]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--token", "x=foo"], "unknown scope(s) foo"),
        (["--token", "bad token"], "letters, digits"),
        (["--speed", "0"], "must be a positive number"),
        (["--faults", "explode"], "--faults: bad fault 'explode'"),
        (["--state", "/no/such/dir/state.db"], "folder does not exist"),
    ],
)
def test_usage_errors_exit_2_with_one_clear_line(argv: list[str], message: str) -> None:
    proc = start_sim(*argv)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 2
    assert message in err
    assert "Traceback" not in err


def test_parse_token_forms() -> None:
    token = parse_token("abc")
    assert token.scopes == ("read", "trade", "trading_information", "payments", "admin")
    assert token.account == "virtual"
    real = parse_token("abc@real=read")
    assert (real.token, real.scopes, real.account) == ("abc", ("read",), "real")
