"""The notifier against fake receivers on loopback: delivery, retries, drops, the flush."""

from __future__ import annotations

from collections.abc import AsyncIterator, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
import trio
from structlog.testing import capture_logs
from trio.testing import MockClock

from framework.bus import BotEvent, EventBus
from framework.config.model import Secret
from framework.logs import get_logger
from framework.notify.config import NotifyConfig, RetryConfig, TelegramTarget, WebhookTarget
from framework.notify.notifier import TargetWorker, notifying
from framework.notify.targets import TelegramSender
from tests.notify.fakes import FakeReceiver, Reply, Request

TOKEN = "123456:SECRET-bot-token"
FAST = RetryConfig(attempts=3, initial=0.5, maximum=4.0)


def settled(n: int = 1) -> dict[str, Any]:
    """A settled event's details, as the execution actor publishes them."""
    return {
        "strategy": "every",
        "contract_id": n,
        "symbol": "1HZ100V",
        "contract_type": "CALL",
        "status": "won",
        "profit": 0.95,
        "balance": 10000.95,
    }


def webhook_config(receiver: FakeReceiver, **kw: Any) -> NotifyConfig:
    kw.setdefault("retry", FAST)
    return NotifyConfig(webhooks=(WebhookTarget(receiver.url + "/hook"),), **kw)


@asynccontextmanager
async def receiving(receiver: FakeReceiver) -> AsyncIterator[FakeReceiver]:
    async with trio.open_nursery() as nursery:
        await nursery.start(receiver.serve)
        yield receiver
        nursery.cancel_scope.cancel()


def by_event(logs: list[MutableMapping[str, Any]], name: str) -> list[MutableMapping[str, Any]]:
    return [line for line in logs if line["event"] == name]


async def test_events_reach_the_webhook_in_order_with_the_account(vclock: MockClock) -> None:
    bus = EventBus()
    async with (
        receiving(FakeReceiver()) as receiver,
        notifying(webhook_config(receiver), bus) as notifier,
    ):
        assert notifier is not None
        bus.publish("started", account="VRTC1", balance=10000.0)
        bus.publish("bought", strategy="every")  # not one of the default events
        bus.publish("settled", **settled())
        await receiver.wait_for(2)
    assert bus.subscribers == 0  # the notifier is gone with its block
    bus.publish("stopped", reason="late")
    assert [r.path for r in receiver.requests] == ["/hook", "/hook"]
    started, done = receiver.bodies()
    assert started["kind"] == "started" and started["account"] == "VRTC1"
    assert done["kind"] == "settled" and done["account"] == "VRTC1"
    assert done["contract_id"] == 1 and done["profit"] == 0.95 and "at" in done
    assert notifier.counters() == {"sent": 2, "failed": 0, "dropped": 0, "retries": 0}


async def test_what_is_queued_at_the_end_is_sent_by_the_flush(vclock: MockClock) -> None:
    bus = EventBus()
    async with (
        receiving(FakeReceiver()) as receiver,
        notifying(webhook_config(receiver), bus) as notifier,
    ):
        for n in range(5):
            bus.publish("settled", **settled(n))
        bus.publish("stopped", reason="test")
    assert notifier is not None and notifier.sent == 6
    assert [b["kind"] for b in receiver.bodies()] == ["settled"] * 5 + ["stopped"]


async def test_server_errors_are_retried_with_backoff_until_it_recovers(
    vclock: MockClock,
) -> None:
    answers = [500, 503]

    async def flaky(_request: Request) -> Reply:
        return Reply(answers.pop(0)) if answers else Reply()

    bus = EventBus()
    with capture_logs() as logs:
        async with (
            receiving(FakeReceiver(flaky)) as receiver,
            notifying(webhook_config(receiver), bus) as notifier,
        ):
            bus.publish("settled", **settled())
            await receiver.wait_for(3)
    assert notifier is not None
    assert notifier.counters() == {"sent": 1, "failed": 0, "dropped": 0, "retries": 2}
    retried = by_event(logs, "notification failed; retrying")
    assert [r["error"] for r in retried] == ["HTTP 500", "HTTP 503"]
    assert [r["attempt"] for r in retried] == [1, 2]
    # Exponential steps with up to half jitter: 0.25..0.5, then 0.5..1.
    assert 0.25 <= retried[0]["delay"] <= 0.5 <= retried[1]["delay"] <= 1.0
    assert all(r["target"] == f"webhook {receiver.url[7:]}" for r in retried)


async def test_an_event_is_given_up_after_its_attempts(vclock: MockClock) -> None:
    async def down(_request: Request) -> Reply:
        return Reply(502, b"bad gateway", ())

    bus = EventBus()
    with capture_logs() as logs:
        async with (
            receiving(FakeReceiver(down)) as receiver,
            notifying(webhook_config(receiver), bus) as notifier,
        ):
            bus.publish("settled", **settled(1))
            bus.publish("settled", **settled(2))
    assert notifier is not None
    assert len(receiver.requests) == 6  # three attempts each
    assert notifier.counters() == {"sent": 0, "failed": 2, "dropped": 0, "retries": 4}
    given_up = by_event(logs, "notification given up")
    assert [(g["attempts"], g["error"]) for g in given_up] == [(3, "HTTP 502")] * 2
    assert given_up[0]["log_level"] == "warning"


@pytest.mark.parametrize("status", [400, 404, 301])
async def test_a_refusal_is_not_retried(vclock: MockClock, status: int) -> None:
    async def refuse(_request: Request) -> Reply:
        return Reply(status, b"{}")

    bus = EventBus()
    async with (
        receiving(FakeReceiver(refuse)) as receiver,
        notifying(webhook_config(receiver), bus) as notifier,
    ):
        bus.publish("settled", **settled())
    assert notifier is not None and len(receiver.requests) == 1
    assert (notifier.failed, notifier.retries) == (1, 0)


async def test_retry_after_lengthens_the_delay_up_to_the_maximum(vclock: MockClock) -> None:
    answers = [
        Reply(429, b"{}", (("retry-after", "3"),)),
        Reply(429, b"{}", (("retry-after", "99"),)),
        Reply(503, b"{}", (("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"),)),
    ]

    async def limited(_request: Request) -> Reply:
        return answers.pop(0) if answers else Reply()

    bus = EventBus()
    retry = RetryConfig(attempts=5, initial=0.5, maximum=4.0)
    with capture_logs() as logs:
        async with (
            receiving(FakeReceiver(limited)) as receiver,
            notifying(webhook_config(receiver, retry=retry), bus) as notifier,
        ):
            bus.publish("settled", **settled())
            await receiver.wait_for(4)
    assert notifier is not None and notifier.sent == 1
    delays = [r["delay"] for r in by_event(logs, "notification failed; retrying")]
    assert delays[:2] == [3.0, 4.0]  # as asked, then capped at retry.maximum
    assert 1.0 <= delays[2] <= 2.0  # a date is not understood: the backoff's own step


async def test_an_unreachable_receiver_is_a_counted_failure(vclock: MockClock) -> None:
    async with receiving(FakeReceiver()) as gone:
        url = gone.url  # a port that was free a moment ago and is closed now
    bus = EventBus()
    config = NotifyConfig(webhooks=(WebhookTarget(url, name="gone"),), retry=FAST)
    with capture_logs() as logs:
        async with notifying(config, bus) as notifier:
            bus.publish("settled", **settled())
    assert notifier is not None and (notifier.failed, notifier.retries) == (1, 2)
    given_up = by_event(logs, "notification given up")
    assert given_up == [
        {
            "event": "notification given up",
            "log_level": "warning",
            "component": "triobot.notify",
            "target": "gone",
            "kind": "settled",
            "error": "ConnectError",
            "attempts": 3,
        }
    ]


async def test_a_slow_receiver_fills_its_queue_and_drops_are_logged_once_per_run(
    vclock: MockClock,
) -> None:
    release = trio.Event()

    async def slow(_request: Request) -> Reply:
        await release.wait()
        return Reply()

    bus = EventBus()
    with capture_logs() as logs:
        async with receiving(FakeReceiver(slow)) as receiver:
            config = webhook_config(receiver, queue=3)
            async with notifying(config, bus) as notifier:
                assert notifier is not None
                bus.publish("settled", **settled(0))
                await receiver.wait_for(1)  # the first send hangs
                for n in range(1, 11):  # publishing never waits
                    bus.publish("settled", **settled(n))
                assert notifier.dropped == 7  # three wait, seven had no room
                release.set()
                await receiver.wait_for(4)
                await trio.sleep(1)
                bus.publish("settled", **settled(11))  # the run of drops is over
                await receiver.wait_for(5)
    assert notifier.counters() == {"sent": 5, "failed": 0, "dropped": 7, "retries": 0}
    assert [b["contract_id"] for b in receiver.bodies()] == [0, 1, 2, 3, 11]
    full = by_event(logs, "notification queue full: dropping events")
    room = by_event(logs, "notification queue has room again")
    assert [f["dropped"] for f in full] == [7] and [r["dropped"] for r in room] == [7]


async def test_a_hanging_receiver_delays_the_end_by_the_flush_bound_only(
    vclock: MockClock,
) -> None:
    async def hang(_request: Request) -> Reply:
        await trio.sleep_forever()
        raise AssertionError("unreachable")

    bus = EventBus()
    with capture_logs() as logs:
        async with receiving(FakeReceiver(hang)) as receiver:
            target = WebhookTarget(receiver.url, timeout=60.0)
            config = NotifyConfig(webhooks=(target,), flush=2.0, retry=FAST)
            with trio.fail_after(2.5):
                async with notifying(config, bus) as notifier:
                    bus.publish("settled", **settled(1))
                    bus.publish("settled", **settled(2))
                    bus.publish("stopped", reason="test")
                    await receiver.wait_for(1)
    assert notifier is not None
    assert notifier.counters() == {"sent": 0, "failed": 0, "dropped": 3, "retries": 0}
    assert by_event(logs, "notifications not sent at stop")[0]["unsent"] == 3


async def test_the_block_s_error_comes_out_as_it_is(vclock: MockClock) -> None:
    bus = EventBus()
    async with receiving(FakeReceiver()) as receiver:
        with pytest.raises(KeyError, match="boom"):
            async with notifying(webhook_config(receiver), bus):
                bus.publish("stopped", reason="failed")
                raise KeyError("boom")
    assert len(receiver.requests) == 1  # the flush still sent what was queued


async def test_without_a_section_nothing_subscribes() -> None:
    bus = EventBus()
    async with notifying(None, bus) as notifier:
        assert notifier is None and bus.subscribers == 0


class Broken:
    """A sender with a bug."""

    label = "broken"

    async def send(self, client: httpx.AsyncClient, event: BotEvent, account: str | None) -> None:
        raise RuntimeError(f"bug with {event.kind}")


async def test_an_unexpected_error_is_counted_and_logged_never_raised(
    autojump_clock: MockClock,
) -> None:
    bus = EventBus()
    with capture_logs() as logs:
        worker = TargetWorker(Broken(), frozenset({"settled"}), FAST, log=get_logger("t"))
        worker.subscribe(bus, 10)
        bus.publish("settled", **settled())
        worker.close()
        async with httpx.AsyncClient() as client:
            await worker.run(client)
    assert (worker.sent, worker.failed, worker.dropped) == (0, 1, 0)
    assert by_event(logs, "notification failed")[0]["error"] == "RuntimeError"


def telegram(receiver: FakeReceiver, **kw: Any) -> NotifyConfig:
    target = TelegramTarget(chat_id=-1001234, api_url=receiver.url, token=Secret(TOKEN), **kw)
    return NotifyConfig(telegram=target, retry=FAST)


async def test_telegram_gets_send_message_with_the_token_only_in_the_path(
    vclock: MockClock,
) -> None:
    bus = EventBus()
    with capture_logs() as logs:
        async with (
            receiving(FakeReceiver()) as receiver,
            notifying(telegram(receiver), bus) as notifier,
        ):
            bus.publish(
                "started",
                account="VRTC1",
                virtual=True,
                balance=10000.0,
                currency="USD",
                strategies=["every"],
            )
            bus.publish("settled", **settled())
    assert notifier is not None and notifier.sent == 2
    first, second = receiver.requests
    assert first.method == "POST" and first.path == f"/bot{TOKEN}/sendMessage"
    assert second.json() == {
        "chat_id": -1001234,
        "text": "[VRTC1] settled: every CALL 1HZ100V won +0.95 (balance 10000.95)",
    }
    for request in receiver.requests:
        assert TOKEN not in request.body.decode() and TOKEN not in str(request.headers)
    assert TOKEN not in repr(logs)
    assert by_event(logs, "notifications on")[0]["targets"] == ["telegram"]


@pytest.mark.parametrize(
    ("reply", "error", "retries"),
    [
        (Reply(200, b'{"ok": false, "description": "odd"}'), "not ok: odd", 0),
        (Reply(200, b"[1, 2]"), "not ok: no description", 0),
        (Reply(200, b"not json"), "not ok: no description", 0),
        (
            Reply(400, b'{"ok": false, "description": "Bad Request: chat not found"}'),
            "HTTP 400: Bad Request: chat not found",
            0,
        ),
        (
            Reply(401, f'{{"ok": false, "description": "bot{TOKEN} refused"}}'.encode()),
            "HTTP 401: bot<not shown> refused",
            0,
        ),
        (Reply(500, b"{}"), "HTTP 500", 2),
    ],
)
async def test_telegram_refusals_are_given_up_and_say_why_without_the_token(
    vclock: MockClock, reply: Reply, error: str, retries: int
) -> None:
    async def answer(_request: Request) -> Reply:
        return reply

    bus = EventBus()
    with capture_logs() as logs:
        async with (
            receiving(FakeReceiver(answer)) as receiver,
            notifying(telegram(receiver), bus) as notifier,
        ):
            bus.publish("settled", **settled())
    assert notifier is not None and (notifier.failed, notifier.retries) == (1, retries)
    assert by_event(logs, "notification given up")[0]["error"] == error
    assert TOKEN not in repr(logs)


def test_a_telegram_target_needs_its_token() -> None:
    with pytest.raises(ValueError, match="without a token"):
        TelegramSender(TelegramTarget(chat_id=1))
