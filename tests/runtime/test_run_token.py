"""``triobot run`` with a token the server refuses or that lacks a scope: exit 3, one clear
message, and the token nowhere in the output (no traceback, no locals)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

TRIOBOT = [sys.executable, "-m", "bots.cli"]
SECRET = "ro-Secret-token-123"


@pytest.fixture
def simulator() -> Iterator[str]:
    """``triobot sim`` in a subprocess with a read-only token; yields its URL."""
    process = subprocess.Popen(
        [*TRIOBOT, "sim", "--port", "0", "--token", f"{SECRET}=read"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("listening ws://"), first
        yield first.removeprefix("listening ")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("token", "fragment"),
    [
        (SECRET, "trade"),
        ("bogus-Token-xyz", "refused"),
        ("bogus Token with spaces", "malformed"),
        ("bogus" + "x" * 124, "malformed"),
    ],
    ids=["lacks scope", "refused", "space", "129 chars"],
)
@pytest.mark.parametrize("log_format", ["console", "json"])
def test_bad_token_exits_3_without_leaking(
    simulator: str, tmp_path: Path, token: str, fragment: str, log_format: str
) -> None:
    config = tmp_path / "live.yaml"
    config.write_text(
        f"endpoint: {simulator}\ntoken: ${{DERIV_TOKEN}}\njournal: {tmp_path / 'j.sqlite'}\n"
        "strategies:\n  - {name: m, plugin: momentum, symbols: [R_100],\n"
        "     stake: {scheme: fixed, amount: 1}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [*TRIOBOT, "run", str(config), "--log-format", log_format, "--duration", "5"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DERIV_TOKEN": token},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 3, output
    assert fragment in output
    assert "Traceback" not in output
    assert token not in output


def test_unreachable_endpoint_exits_1_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    url = f"ws://127.0.0.1:{port}/websockets/v3"
    config = tmp_path / "live.yaml"
    # A short first-connection budget, set the way a user would, keeps the test quick.
    config.write_text(
        f"endpoint: {url}\ntoken: ${{DERIV_TOKEN}}\njournal: {tmp_path / 'j.sqlite'}\n"
        "reconnect: {first_connect: 1}\n"
        "strategies:\n  - {name: m, plugin: momentum, symbols: [R_100],\n"
        "     stake: {scheme: fixed, amount: 1}}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [*TRIOBOT, "run", str(config), "--log-format", "console"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "DERIV_TOKEN": SECRET},
    )
    assert result.returncode == 1, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("triobot:")]
    assert errors == [errors[0]] and errors[0].startswith(f"triobot: cannot reach {url}")
    assert "Connection refused" in errors[0]
    assert "reconnecting" not in result.stderr and "Traceback" not in result.stderr
    assert SECRET not in result.stdout + result.stderr
