"""``triobot run``'s process layer: ``--duration``, and the exit code of each way a run fails."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import pytest
from trio.testing import MockClock

from bots.lifecycle import EXIT_FAILURE, run_process, supervise
from framework.connection import ReconnectExhausted
from framework.errors import UserError
from framework.runtime import StartupError

from .conftest import make_bot, write_config


def failing(exc: BaseException) -> Callable[[Any], NoReturn]:
    """A runner in place of ``trio.run`` whose run ends with ``exc``."""

    def run(_fn: Any) -> NoReturn:
        raise exc

    return run


async def test_duration_stops_the_bot_gracefully(tmp_path: Path, vclock: MockClock) -> None:
    bot = make_bot(write_config(tmp_path))
    summary = await supervise(bot, duration=20, handle_signals=False)
    assert summary.reason == "duration 20s elapsed"
    assert not bot.aborted and summary.open_at_exit == 0


@pytest.mark.parametrize(
    "exc",
    [
        ReconnectExhausted(5, OSError("connection refused")),
        StartupError("ticks subscription refused"),
        RuntimeError("a bug"),
    ],
    ids=["reconnect", "startup", "bug"],
)
def test_a_failed_run_exits_1(tmp_path: Path, exc: BaseException) -> None:
    bot = make_bot(write_config(tmp_path))  # never started: there is no summary to print
    out = io.StringIO()
    assert run_process(bot, runner=failing(exc), out=out) == EXIT_FAILURE
    assert out.getvalue() == ""


async def test_after_a_lost_connection_the_summary_so_far_is_printed(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(write_config(tmp_path))
    await supervise(bot, duration=10, handle_signals=False)
    assert bot.summary is not None
    out = io.StringIO()
    lost = ReconnectExhausted(3, OSError("unreachable"))
    assert run_process(bot, runner=failing(lost), out=out) == EXIT_FAILURE
    assert out.getvalue().splitlines() == bot.summary.lines()


def test_a_user_error_reaches_the_command_line_as_itself(tmp_path: Path) -> None:
    bot = make_bot(write_config(tmp_path))
    refused = UserError("the token was refused", exit_code=3)
    with pytest.raises(UserError) as raised:
        run_process(bot, runner=failing(refused), out=io.StringIO())
    assert raised.value is refused and raised.value.exit_code == 3
