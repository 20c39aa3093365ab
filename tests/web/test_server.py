"""The server: port 0, the one ``web:`` line, refusals at start, ``triobot run --web``."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypercorn.config import Config
from structlog.testing import capture_logs
from trio.testing import MockClock

from bots.cli import main
from bots.commands import run as run_command
from framework.errors import UserError
from framework.runtime import Bot
from framework.web import WebConfig
from framework.web.auth import TOKEN_ENV, Auth
from framework.web.config import parse_listen
from framework.web.context import WebContext
from framework.web.server import _ServerLog
from tests.runtime.conftest import make_bot
from tests.web.conftest import TOKEN, web_config, with_bot

TRIOBOT = [sys.executable, "-m", "bots.cli"]
DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"


@pytest.mark.usefixtures("web_token")
async def test_port_0_binds_a_free_port_and_says_where_once(
    tmp_path: Path, vclock: MockClock, capsys: pytest.CaptureFixture[str]
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        assert bot.web_url is not None
        host, port = parse_listen(bot.web_url.removeprefix("http://").rstrip("/"))
        assert host == "127.0.0.1" and port > 0
        assert (await http.get("/health")).status_code == 200

    with capture_logs() as logs:
        bot = await with_bot(web_config(tmp_path), body)
    out = capsys.readouterr().out
    assert [line for line in out.splitlines() if line.startswith("web:")] == [f"web: {bot.web_url}"]
    assert any(e["event"] == "web: listening" and e["url"] == bot.web_url for e in logs)


@pytest.mark.usefixtures("web_token")
async def test_ipv6_loopback_is_served_with_a_bracketed_url(
    tmp_path: Path, vclock: MockClock
) -> None:
    if not socket.has_ipv6:  # pragma: no cover - depends on the machine
        pytest.skip("no IPv6 on this machine")
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:  # pragma: no cover - depends on the machine
        pytest.skip("no IPv6 loopback on this machine")

    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        assert bot.web_url is not None and bot.web_url.startswith("http://[::1]:")
        assert (await http.get("/api/status")).status_code == 200

    await with_bot(web_config(tmp_path, web='{listen: "[::1]:0"}'), body)


@pytest.mark.usefixtures("web_token")
async def test_a_port_in_use_is_one_line_exit_2(tmp_path: Path, vclock: MockClock) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        bot = make_bot(web_config(tmp_path, web=f'{{listen: "127.0.0.1:{port}"}}'))
        with pytest.raises(UserError) as caught:
            await bot.run()
    assert caught.value.exit_code == 2
    assert str(caught.value).startswith(f"web: cannot listen on 127.0.0.1:{port}: ")
    assert bot.web_url is None


def test_the_context_needs_a_started_bot(tmp_path: Path) -> None:
    from framework.config.model import Secret

    bot = make_bot(web_config(tmp_path))
    with pytest.raises(RuntimeError, match="components exist"):
        WebContext.of(bot, Auth(Secret("t")), started=0.0, status_period=1.0)


async def test_hypercorn_errors_go_to_the_bot_log() -> None:
    log = _ServerLog(Config())
    with capture_logs() as logs:
        await log.critical("worker %s died", 3)
        await log.error("plain")
        await log.warning("careful %s", "now")
        await log.info("Running on http://x (CTRL + C to quit)")
        try:
            raise ValueError("bug")
        except ValueError:
            await log.exception("Error in ASGI Framework")
    assert [(e["log_level"], e["event"]) for e in logs] == [
        ("critical", "web server: worker 3 died"),
        ("error", "web server: plain"),
        ("warning", "web server: careful now"),
        ("error", "web server: Error in ASGI Framework"),
    ]
    assert logs[-1]["exc_info"] is True


def test_the_web_section_checks_its_values() -> None:
    assert WebConfig().loopback and WebConfig().port == 0
    assert WebConfig(listen="[::1]:8080").host == "::1"
    assert not WebConfig(listen="0.0.0.0:80").loopback
    for bad in ("8080", "host:", ":80", "h:99999", "h:x"):
        with pytest.raises(ValueError, match="HOST:PORT"):
            WebConfig(listen=bad)
    with pytest.raises(ValueError):
        WebConfig(status_period=0)


def test_run_web_sets_the_listen_address_and_keeps_the_section(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran: list[Bot] = []

    def fake_run(bot: Bot, *, duration: float | None = None) -> int:
        ran.append(bot)
        return 0

    monkeypatch.setattr(run_command, "run_process", fake_run)
    config = web_config(tmp_path, web=f'{{listen: "127.0.0.1:1", token_file: {tmp_path}/t}}')
    assert config.source is not None
    assert main(["run", str(config.source), "--web", "127.0.0.1:0"]) == 0
    assert ran[0].config.web == WebConfig(listen="127.0.0.1:0", token_file=tmp_path / "t")
    plain = tmp_path / "plain"
    plain.mkdir()
    bare = web_config(plain)
    assert bare.source is not None
    text = bare.source.read_text(encoding="utf-8").replace('web: {listen: "127.0.0.1:0"}', "")
    bare.source.write_text(text, encoding="utf-8")
    assert main(["run", str(bare.source), "--web", "localhost:0"]) == 0
    assert ran[1].config.web == WebConfig(listen="localhost:0")
    assert main(["run", str(bare.source)]) == 0
    assert ran[2].config.web is None


def test_a_bad_web_argument_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", str(DEMO), "--web", "8080"])
    assert exited.value.code == 2
    assert "--web: expected HOST:PORT" in capsys.readouterr().err
    assert isinstance(run_command._listen("127.0.0.1:0"), str)
    with pytest.raises(argparse.ArgumentTypeError):
        run_command._listen("nowhere")


def test_triobot_run_web_prints_the_line_and_serves_live_figures(tmp_path: Path) -> None:
    """The issue's check: the demo with ``--web 127.0.0.1:0``, its API asked while it runs."""
    shutil.copy(DEMO, tmp_path / "demo.yaml")
    env = {**os.environ, TOKEN_ENV: TOKEN}
    process = subprocess.Popen(
        [*TRIOBOT, "run", "demo.yaml", "--web", "127.0.0.1:0", "--duration", "30"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("web: http://127.0.0.1:") and first.endswith("/\n"), first
        url = first.split()[1]
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=url, headers=headers, timeout=30) as http:
            assert httpx.get(url + "api/status", timeout=30).status_code == 401
            # The live stream's status events, read as they come (no polling, no sleep).
            status: dict[str, Any] = {"ticks": 0}
            with http.stream("GET", "/api/events", timeout=60) as events:
                kind = ""
                for line in events.iter_lines():
                    if line.startswith("event: "):
                        kind = line[len("event: ") :]
                    elif line.startswith("data: ") and kind == "status":
                        status = json.loads(line[len("data: ") :])
                        if status["ticks"] >= 3:
                            break
            assert status["connected"] is True and status["ticks"] >= 3
            assert status["account"].startswith("VRTC")
            paused = http.post("/api/strategies/momentum/pause").json()
            assert paused["changed"] is True and paused["source"] == "web 127.0.0.1"
            stopped = http.post("/api/stop").json()
            assert stopped["changed"] is True
        out, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:  # pragma: no cover - only when the test failed
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=60)
    assert process.returncode == 0, err
    lines = (first + out).splitlines()
    assert [line for line in lines if line.startswith("web:")] == [first.strip()]
    assert "stopped: stopped by web 127.0.0.1" in lines
    assert TOKEN not in out and TOKEN not in err
