"""``triobot run`` with a token the server refuses or that lacks a scope: exit 3, one clear
message, and the token nowhere in the output (no traceback, no locals)."""

from __future__ import annotations

import os
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


@pytest.mark.parametrize(("token", "fragment"), [(SECRET, "trade"), ("bogus-Token-xyz", "refused")])
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
