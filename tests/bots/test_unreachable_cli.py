"""Commands against an endpoint that never answers: one line, exit 1, within the budget.

The endpoint is a loopback socket that listens but is never accepted: the kernel completes
TCP, nobody answers the WebSocket handshake. Each command's own ``trio.run`` runs on an
autojumping virtual clock, so the seconds of its budget pass at once; the budget each
command spent is in its message (``1 attempt in 3.0 s``), measured on that clock.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from framework.connection import BackoffPolicy
from framework.scopes import EXIT_SCOPES
from tests.bots.conftest import Runner

FIRST_CONNECT = BackoffPolicy().first_connect


pytestmark = pytest.mark.usefixtures("cli_virtual_time")


@pytest.fixture
def silent() -> Iterator[str]:
    """The URL of a listener that never answers the WebSocket handshake."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield f"ws://127.0.0.1:{listener.getsockname()[1]}/websockets/v3"


def _the_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.startswith("triobot:")]
    assert len(lines) == 1, err
    assert "Traceback" not in err and "reconnecting" not in err
    return lines[0]


def test_download(cli: Runner, silent: str, tmp_path: Path) -> None:
    result = cli("download", "R_100", "--count", "10", "--out", str(tmp_path / "t.jsonl"),
                 "--endpoint", silent)  # fmt: skip
    assert result.code == 1
    line = _the_line(result.err)
    assert line.startswith(f"triobot: cannot reach {silent}?app_id=1089: no WebSocket connection")
    assert line.endswith(f"(1 attempt in {FIRST_CONNECT:.1f} s)")


def test_record_duration_bounds_connecting(cli: Runner, silent: str, tmp_path: Path) -> None:
    result = cli("record", "R_100", "--duration", "3", "--out", str(tmp_path / "t.jsonl"),
                 "--endpoint", silent)  # fmt: skip
    assert result.code == 1
    line = _the_line(result.err)
    assert line.startswith(f"triobot: cannot reach {silent}?app_id=1089: ")
    assert line.endswith("(1 attempt in 3.0 s)")  # --duration, not the 10 s budget


def test_account_command(cli: Runner, silent: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DERIV_TOKEN", "well-formed-token-1")
    result = cli("account", "balance", "--endpoint", silent, "--json")
    assert result.code == 1
    line = _the_line(result.err)
    assert line.startswith(f"triobot: ConnectionFailed: cannot reach {silent}")
    assert result.json()["error"]["code"] == "ConnectionFailed"


@pytest.mark.parametrize("command", ["download", "record"])
def test_malformed_token_for_market_data(
    cli: Runner, silent: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    token = "a token with spaces"
    monkeypatch.setenv("DERIV_TOKEN", token)
    result = cli(command, "R_100", "--count", "5", "--out", str(tmp_path / "t.jsonl"),
                 "--endpoint", silent)  # fmt: skip
    assert result.code == EXIT_SCOPES
    line = _the_line(result.err)
    assert line.startswith("triobot: the API token (env:DERIV_TOKEN) was refused: InvalidToken:")
    assert "malformed" in line and token not in result.err + result.out
