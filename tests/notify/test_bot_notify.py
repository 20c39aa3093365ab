"""A real bot on the embedded simulator notifying fake receivers on loopback, in virtual time."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import AsyncIterator, Callable, MutableMapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import trio
from structlog.testing import capture_logs
from trio.testing import MockClock

from framework.logs import configure_logging
from framework.runtime import Bot, StrategyFailed
from tests.notify.fakes import FakeReceiver, Reply, Request
from tests.runtime.conftest import EVERY, make_bot, write_config
from tests.runtime.plugins import Crasher, Every
from tests.runtime.test_bot import until

SYMBOL = "1HZ100V"
TOKEN = "987654:bot-token-never-shown"
RETRY = "retry: {attempts: 4, initial: 0.5, maximum: 4}"


@pytest.fixture(autouse=True)
def _reset_plugins() -> None:
    Every.closed.clear()
    Crasher.starts = 0


def settled_at_least(bot: Bot, count: int) -> Callable[[], bool]:
    return lambda: bot.actor is not None and bot.actor.stats.settled >= count


@asynccontextmanager
async def receiving(respond: Any = None) -> AsyncIterator[FakeReceiver]:
    receiver = FakeReceiver(respond) if respond is not None else FakeReceiver()
    async with trio.open_nursery() as nursery:
        await nursery.start(receiver.serve)
        yield receiver
        nursery.cancel_scope.cancel()


def webhook_bot(
    tmp_path: Path, receiver: FakeReceiver, options: str = "", *, target: str = "", **kw: Any
) -> Bot:
    """A bot whose ``notify:`` section has one webhook, at ``receiver``."""
    hook = f"{{url: '{receiver.url}/hook'{target}}}"
    extra = f"notify: {{webhooks: [{hook}], {RETRY}{options}}}"
    return make_bot(write_config(tmp_path, kw.pop("strategies", EVERY), extra=extra), **kw)


def by_event(logs: list[MutableMapping[str, Any]], name: str) -> list[MutableMapping[str, Any]]:
    return [line for line in logs if line["event"] == name]


async def test_the_webhook_gets_a_real_run_s_events_from_started_to_stopped(
    tmp_path: Path, vclock: MockClock
) -> None:
    async with receiving() as receiver:
        bot = webhook_bot(tmp_path, receiver)
        async with trio.open_nursery() as nursery:
            await nursery.start(bot.run)
            await until(bot, settled_at_least(bot, 3))
            bot.stop.request("test")
    summary, notifier = bot.summary, bot.notifier
    assert summary is not None and notifier is not None
    bodies = receiver.bodies()
    kinds = [b["kind"] for b in bodies]
    assert kinds[0] == "started" and kinds[-1] == "stopped"
    assert "bought" not in kinds  # not among the default events
    settled = [b for b in bodies if b["kind"] == "settled"]
    assert len(settled) == summary.settled >= 3
    assert round(sum(b["profit"] for b in settled), 2) == summary.profit
    assert bodies[-1]["reason"] == "test" and bodies[-1]["settled"] == summary.settled
    account = bodies[0]["account"]
    assert account and all(b["account"] == account for b in bodies)
    assert notifier.counters() == {
        "sent": len(bodies),
        "failed": 0,
        "dropped": 0,
        "retries": 0,
    }


async def test_telegram_gets_one_line_per_event_and_the_token_stays_out_of_every_log(
    tmp_path: Path, vclock: MockClock, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    monkeypatch.setenv("TRIOBOT_TELEGRAM_TOKEN", TOKEN)
    rendered = io.StringIO()
    configure_logging(fmt="json", level="DEBUG", stream=rendered)
    caplog.set_level(logging.DEBUG)  # what the standard library's loggers say (httpx...)
    answers = [Reply(500, b"{}")]  # one failure, so the retry path is logged too

    async def answer(_request: Request) -> Reply:
        return answers.pop() if answers else Reply()

    async with receiving(answer) as receiver:
        extra = (
            f"notify: {{telegram: {{chat_id: 42, api_url: '{receiver.url}'}}, "
            f"events: [started, settled, stopped], {RETRY}}}"
        )
        bot = make_bot(write_config(tmp_path, extra=extra))
        with capture_logs() as logs:
            async with trio.open_nursery() as nursery:
                await nursery.start(bot.run)
                await until(bot, settled_at_least(bot, 2))
                bot.stop.request("test")
    assert bot.notifier is not None and bot.notifier.retries == 1
    assert {r.path for r in receiver.requests} == {f"/bot{TOKEN}/sendMessage"}
    bodies = receiver.bodies()[1:]  # the first answer was a failure: sent again
    assert all(set(b) == {"chat_id", "text"} and b["chat_id"] == 42 for b in bodies)
    texts = [b["text"] for b in bodies]
    assert re.fullmatch(r"\[\w+\] started: account \w+ \(virtual\), balance .+", texts[0])
    assert re.fullmatch(r"\[\w+\] stopped: test; \d+ settled, .+", texts[-1])
    line = re.compile(r"\[\w+\] settled: every CALL 1HZ100V (won|lost) [+-]\d+\.\d\d \(balance .+")
    assert len([t for t in texts if line.fullmatch(t)]) == len(texts) - 2 >= 2
    for request in receiver.requests:
        assert TOKEN not in request.body.decode() and TOKEN not in str(request.headers)
    assert by_event(logs, "notification failed; retrying")  # logged, naming no URL
    assert TOKEN not in repr(logs)
    assert TOKEN not in caplog.text and TOKEN not in rendered.getvalue()


async def test_a_slow_receiver_never_holds_up_trading(tmp_path: Path, vclock: MockClock) -> None:
    async def hang(_request: Request) -> Reply:
        await trio.sleep_forever()
        raise AssertionError("unreachable")

    with capture_logs() as logs:
        async with receiving(hang) as receiver:
            bot = webhook_bot(
                tmp_path, receiver, ", queue: 2, flush: 1", target=", timeout: 120", grace=5.0
            )
            async with trio.open_nursery() as nursery:
                await nursery.start(bot.run)
                await until(bot, settled_at_least(bot, 6))
                assert len(receiver.requests) == 1  # still waiting on the first answer
                bot.stop.request("test")
    notifier = bot.notifier
    assert notifier is not None and bot.summary is not None and bot.summary.settled >= 6
    assert notifier.dropped > 2 and notifier.sent == 0
    assert len(by_event(logs, "notification queue full: dropping events")) == 1
    assert by_event(logs, "notifications not sent at stop")


async def test_a_failing_receiver_is_retried_until_it_recovers_and_never_stops_the_bot(
    tmp_path: Path, vclock: MockClock
) -> None:
    failures = [500, 502, 503]

    async def recovering(_request: Request) -> Reply:
        return Reply(failures.pop(0), b"down") if failures else Reply()

    async with receiving(recovering) as receiver:
        bot = webhook_bot(tmp_path, receiver)
        async with trio.open_nursery() as nursery:
            await nursery.start(bot.run)
            await until(bot, settled_at_least(bot, 4))
            bot.stop.request("test")
    notifier, summary = bot.notifier, bot.summary
    assert notifier is not None and summary is not None and summary.reason == "test"
    delivered = [r.json()["kind"] for r in receiver.requests[3:]]
    assert delivered[0] == "started" and delivered[-1] == "stopped"
    assert delivered.count("settled") == summary.settled
    assert notifier.counters() == {
        "sent": len(delivered),
        "failed": 0,
        "dropped": 0,
        "retries": 3,
    }


async def test_an_aborted_bot_waits_no_longer_than_the_flush_bound(
    tmp_path: Path, vclock: MockClock
) -> None:
    async def hang(_request: Request) -> Reply:
        await trio.sleep_forever()
        raise AssertionError("unreachable")

    done = trio.Event()

    async def run(bot: Bot, *, task_status: trio.TaskStatus[Bot]) -> None:
        await bot.run(task_status=task_status)
        done.set()

    async with receiving(hang) as receiver:
        bot = webhook_bot(tmp_path, receiver, ", flush: 3", grace=30.0)
        async with trio.open_nursery() as nursery:
            await nursery.start(run, bot)
            await until(bot, lambda: bot.actor is not None and len(bot.actor.followed) == 1)
            bot.abort()  # a second signal: no grace for the open contract
            with trio.fail_after(3.5):  # the flush bound and a little scheduling
                await done.wait()
    assert bot.aborted and bot.notifier is not None
    assert bot.notifier.dropped >= 2  # "started" still in flight, and "stopped" at least


async def test_a_failed_strategy_s_error_comes_out_as_it_is_and_is_notified(
    tmp_path: Path, vclock: MockClock
) -> None:
    crasher = """\
  - name: crasher
    plugin: tests.runtime.plugins:Crasher
    symbols: ["1HZ100V"]
    contract: {type: CALL, duration: 3, duration_unit: t}
    stake: {scheme: fixed, amount: 1.00}
    params: {at: 3}
    on_error: raise
"""
    async with receiving() as receiver:
        bot = webhook_bot(tmp_path, receiver, strategies=EVERY + crasher, grace=30.0)
        with pytest.raises(StrategyFailed, match="strategy 'crasher' raised"):
            await bot.run()
    bodies = receiver.bodies()
    assert {"strategy": "crasher", "state": "disabled"}.items() <= next(
        b for b in bodies if b["kind"] == "strategy" and b["strategy"] == "crasher"
    ).items()
    assert bodies[-1]["kind"] == "stopped"
    assert bodies[-1]["reason"].startswith("strategy 'crasher' raised")
