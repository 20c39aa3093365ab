"""The bot process: signals, ``--duration``, the summary and the exit code.

Exit codes of ``triobot run``:

===== =================================================================================
0     clean stop (SIGINT/SIGTERM, ``--duration``): open contracts were given the grace
      period, the socket was closed, the summary was printed
1     runtime failure: the endpoint could not be reached at start (within
      ``reconnect.first_connect`` seconds; one line, nothing was started), the connection
      could not be kept (reconnect budget exhausted), a subscription the bot needs was
      refused, a strategy under ``on_error: raise`` raised (after the graceful stop), or a
      bug; logged loudly
2     config or usage error (nothing was started)
3     the token cannot run the bot: missing scopes (each named, with the calls and the
      strategies that need it), or the token was refused or is malformed; nothing was
      started
4     the journal is in use by another process (one line names the journal and that
      process's pid); nothing was started, the journal was not touched
130   a second signal during the graceful stop: stopped at once (open contracts stay in
      the journal and are followed on the next start)
===== =================================================================================

Signals are received with :func:`trio.open_signal_receiver`, so SIGINT never becomes a
``KeyboardInterrupt`` in the middle of a journal write.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from typing import TextIO

import trio

from framework.connection import ReconnectExhausted
from framework.errors import UserError
from framework.logs import get_logger
from framework.runtime import Bot, RunSummary, StartupError, StrategyFailed
from framework.runtime.groups import sole_error

__all__ = [
    "EXIT_FAILURE",
    "EXIT_HARD_STOP",
    "EXIT_OK",
    "EXIT_USAGE",
    "run_process",
    "supervise",
]

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2
EXIT_HARD_STOP = 130

SIGNALS = (signal.SIGINT, signal.SIGTERM)


async def watch_signals(
    bot: Bot, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    """First signal: graceful stop. Second: stop at once."""
    log = get_logger("triobot.lifecycle")
    with trio.open_signal_receiver(*SIGNALS) as signals:
        task_status.started()
        async for signum in signals:
            name = signal.Signals(signum).name
            if not bot.stop.requested:
                log.warning("signal: stopping gracefully (again to stop at once)", signal=name)
                bot.stop.request(name)
            else:
                log.error("second signal: stopping now", signal=name)
                bot.abort()
                return


async def supervise(
    bot: Bot,
    *,
    duration: float | None = None,
    handle_signals: bool = True,
) -> RunSummary:
    """Run a bot with signal handling and an optional duration.

    Args:
        bot: the bot.
        duration: stop gracefully after this many seconds.
        handle_signals: install the SIGINT/SIGTERM handlers (main thread only).

    Returns:
        The run's summary.
    """
    summary: RunSummary | None = None

    async def run_bot() -> None:
        nonlocal summary
        summary = await bot.run()
        nursery.cancel_scope.cancel()

    async def stop_after(seconds: float) -> None:
        await trio.sleep(seconds)
        bot.stop.request(f"duration {seconds:g}s elapsed")

    try:
        async with trio.open_nursery() as nursery:
            if handle_signals:
                await nursery.start(watch_signals, bot)
            if duration is not None:
                nursery.start_soon(stop_after, duration)
            nursery.start_soon(run_bot)
    except BaseExceptionGroup as group:
        # A refused token or a missing scope must reach the command line as itself (one
        # line, its own exit code), not wrapped in this nursery's group.
        error = sole_error(group)
        # Drop the group, keep the error's own cause (a strategy's exception).
        raise error from error.__cause__
    assert summary is not None
    return summary


def run_process(
    bot: Bot,
    *,
    duration: float | None = None,
    out: TextIO | None = None,
    runner: Callable[..., RunSummary] = trio.run,
) -> int:
    """Run a bot in this process and return the exit code (see the module docstring).

    Args:
        bot: the bot.
        duration: stop gracefully after this many seconds.
        out: where the summary is printed (stdout).
        runner: ``trio.run`` (tests may pass another runner).
    """
    out = out if out is not None else sys.stdout
    log = get_logger("triobot.lifecycle")
    try:
        summary = runner(lambda: supervise(bot, duration=duration))
    except UserError:
        raise  # one clear line and its own exit code, from the command line
    except ReconnectExhausted as exc:
        log.error("connection lost for good; the bot stopped", error=str(exc))
        _print_summary(bot.summary, out)
        return EXIT_FAILURE
    except StartupError as exc:
        log.error("the bot could not start", error=str(exc))
        return EXIT_FAILURE
    except StrategyFailed as exc:
        # The traceback was logged where the hook raised; here one line says why it ended.
        log.error("the bot stopped: a strategy failed", error=str(exc))
        _print_summary(bot.summary, out)
        return EXIT_FAILURE
    except Exception:
        log.exception("the bot failed")
        _print_summary(bot.summary, out)
        return EXIT_FAILURE
    _print_summary(summary, out)
    return EXIT_HARD_STOP if bot.aborted else EXIT_OK


def _print_summary(summary: RunSummary | None, out: TextIO) -> None:
    if summary is None:
        return
    for line in summary.lines():
        out.write(line + "\n")
    out.flush()
