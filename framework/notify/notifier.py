"""The notifier: the bot's events to webhooks and Telegram, without ever holding the bot up.

Each target has its own bounded subscription to the bot's :class:`~framework.bus.EventBus`
and its own task, so a slow or dead receiver delays only itself: the bus never waits for a
subscriber, and while a target's queue is full, new events are dropped for it, counted and
logged once per run of drops. A failed send is retried with exponential backoff
(:class:`~framework.connection.backoff.Backoff`, as reconnects are) for a bounded number of
attempts, then given up, logged and counted. Nothing here can stop the bot: every failure,
even an unexpected one, ends as a count and a log line.

:func:`notifying` runs a notifier around a block (the bot's run): subscribed before the block
starts, so the ``started`` event is seen, and still sending for a bounded ``flush`` after it
ends, so the ``stopped`` event published on the way out is sent too.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import trio

from framework.bus import BotEvent, EventBus, Subscription
from framework.connection.backoff import Backoff, BackoffPolicy
from framework.logs import get_logger

from .config import NotifyConfig, RetryConfig, TelegramTarget, WebhookTarget
from .targets import Sender, SendFailed, sender_for

__all__ = ["DROP_CHECK", "Notifier", "TargetWorker", "notifying"]

#: Seconds between looks for events dropped while a send takes its time.
DROP_CHECK = 1.0


class TargetWorker:
    """Sends the selected events of one subscription to one target, in order.

    Attributes:
        sender: the target.
        sent: events delivered.
        failed: events given up (attempts spent, or a failure retrying cannot mend).
        retries: sends tried again after a failure.
        unsent: events still queued or in flight when the notifier was cancelled at stop.
    """

    def __init__(
        self,
        sender: Sender,
        events: frozenset[str],
        retry: RetryConfig,
        *,
        log: Any,
    ) -> None:
        self.sender = sender
        self._events = events
        self._policy = BackoffPolicy(
            initial=retry.initial, maximum=retry.maximum, max_attempts=retry.attempts - 1
        )
        self._log = log
        self._subscription: Subscription | None = None
        self._closing = False
        self._waiting: trio.CancelScope | None = None
        self._seen_dropped = 0
        self._run_dropped = 0
        self._account: str | None = None
        self.sent = 0
        self.failed = 0
        self.retries = 0
        self.unsent = 0

    @property
    def dropped(self) -> int:
        """Events lost unsent: the queue was full, or the stop's flush ran out first."""
        queued = self._subscription.dropped if self._subscription is not None else 0
        return queued + self.unsent

    def subscribe(self, bus: EventBus, capacity: int) -> None:
        """Start queueing the bus's events (before anything is published that should go)."""
        self._subscription = bus.subscribe(capacity)

    def close(self) -> None:
        """Send what is queued, then end :meth:`run` (it waits for no new event)."""
        self._closing = True
        if self._waiting is not None:
            self._waiting.cancel()

    async def run(self, client: httpx.AsyncClient) -> None:
        """Send events until :meth:`close` and an empty queue, or until cancelled."""
        subscription = self._subscription
        assert subscription is not None, "subscribe() first"
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._watch_drops, subscription)
            await self._send_all(client, subscription)
            nursery.cancel_scope.cancel()

    async def _watch_drops(self, subscription: Subscription) -> None:
        # A drop happens inside the bus's publish, which tells nobody; while a send hangs,
        # no receive would notice it either, so a run of drops is looked for each second.
        while True:
            await trio.sleep(DROP_CHECK)
            self._note_drops(subscription, room=False)

    async def _send_all(self, client: httpx.AsyncClient, subscription: Subscription) -> None:
        current: BotEvent | None = None  # the event being sent, if a cancellation comes
        try:
            while (event := await self._next(subscription)) is not None:
                self._note_drops(subscription, room=True)
                if event.kind == "started":
                    account = event.data.get("account")
                    self._account = account if isinstance(account, str) else None
                if event.kind in self._events:
                    current = event
                    await self._deliver(client, event)
                    current = None
            self._note_drops(subscription, room=True)
        finally:
            self._give_up_queue(subscription, current)

    async def _next(self, subscription: Subscription) -> BotEvent | None:
        while True:
            try:
                return subscription.receive_nowait()
            except trio.WouldBlock:
                if self._closing:
                    return None
            with trio.CancelScope() as self._waiting:
                try:
                    return await subscription.receive()
                finally:
                    self._waiting = None
            # close() woke us: whatever came meanwhile is still sent

    def _note_drops(self, subscription: Subscription, *, room: bool) -> None:
        """Log a run of drops once when it starts, and once when it is over.

        Args:
            subscription: the queue.
            room: an event was just taken from the queue, so there is room in it now: no
                drop since the last look means the run is over.
        """
        new = subscription.dropped - self._seen_dropped
        self._seen_dropped = subscription.dropped
        if new:
            if not self._run_dropped:
                self._log.warning(
                    "notification queue full: dropping events",
                    target=self.sender.label,
                    dropped=new,
                )
            self._run_dropped += new
        elif room and self._run_dropped:
            self._log.info(
                "notification queue has room again",
                target=self.sender.label,
                dropped=self._run_dropped,
            )
            self._run_dropped = 0

    async def _deliver(self, client: httpx.AsyncClient, event: BotEvent) -> None:
        backoff = Backoff(self._policy)
        label = self.sender.label
        while True:
            try:
                await self.sender.send(client, event, self._account)
            except SendFailed as exc:
                delay = backoff.next_delay() if exc.retry else None
                if delay is None:
                    self.failed += 1
                    self._log.warning(
                        "notification given up",
                        target=label,
                        kind=event.kind,
                        error=exc.detail,
                        attempts=backoff.attempts + 1,
                    )
                    return
                if exc.after is not None:
                    delay = max(delay, min(exc.after, self._policy.maximum))
                self.retries += 1
                self._log.info(
                    "notification failed; retrying",
                    target=label,
                    kind=event.kind,
                    error=exc.detail,
                    attempt=backoff.attempts,
                    delay=round(delay, 3),
                )
                await trio.sleep(delay)
            except Exception as exc:
                # A bug must not stop the bot; the class only: the text may hold a URL.
                self.failed += 1
                self._log.error(
                    "notification failed",
                    target=label,
                    kind=event.kind,
                    error=type(exc).__name__,
                )
                return
            else:
                self.sent += 1
                return

    def _give_up_queue(self, subscription: Subscription, current: BotEvent | None) -> None:
        """Count what a cancellation left unsent, and stop queueing."""
        unsent = 0 if current is None else 1
        while True:
            try:
                event = subscription.receive_nowait()
            except trio.WouldBlock:
                break
            unsent += event.kind in self._events
        subscription.close()
        if unsent:
            self.unsent += unsent
            self._log.warning(
                "notifications not sent at stop", target=self.sender.label, unsent=unsent
            )


class Notifier:
    """Every configured target's worker, and their counters for whoever reports them.

    Attributes:
        config: the ``notify:`` section.
        workers: one per target, webhooks first.
    """

    def __init__(self, config: NotifyConfig, bus: EventBus, *, log: Any = None) -> None:
        """Prepare (nothing is subscribed or sent until :meth:`run`).

        Args:
            config: the ``notify:`` section, its Telegram token set by the loader.
            bus: the bot's events.
            log: a structlog logger.
        """
        self.config = config
        self._bus = bus
        self._log = log if log is not None else get_logger("triobot.notify")
        events = frozenset(config.events)
        targets: list[WebhookTarget | TelegramTarget] = [*config.webhooks]
        if config.telegram is not None:
            targets.append(config.telegram)
        self.workers = [
            TargetWorker(sender_for(t), events, config.retry, log=self._log) for t in targets
        ]
        self._done = trio.Event()

    @property
    def sent(self) -> int:
        """Events delivered, every target counted."""
        return sum(w.sent for w in self.workers)

    @property
    def failed(self) -> int:
        """Events given up, every target counted."""
        return sum(w.failed for w in self.workers)

    @property
    def dropped(self) -> int:
        """Events lost unsent (a full queue, or the stop's flush ran out), every target."""
        return sum(w.dropped for w in self.workers)

    @property
    def retries(self) -> int:
        """Sends tried again, every target counted."""
        return sum(w.retries for w in self.workers)

    def counters(self) -> dict[str, int]:
        """``sent``, ``failed``, ``dropped`` and ``retries``, every target counted."""
        return {
            "sent": self.sent,
            "failed": self.failed,
            "dropped": self.dropped,
            "retries": self.retries,
        }

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Subscribe, report started, then send until :meth:`flush` or cancellation."""
        for worker in self.workers:
            worker.subscribe(self._bus, self.config.queue)
        self._log.info(
            "notifications on",
            targets=[w.sender.label for w in self.workers],
            events=list(self.config.events),
        )
        try:
            async with httpx.AsyncClient() as client, trio.open_nursery() as nursery:
                for worker in self.workers:
                    nursery.start_soon(worker.run, client)
                task_status.started()
        finally:
            self._done.set()
            self._log.info("notifications off", **self.counters())

    async def flush(self) -> bool:
        """Send what is queued, waiting at most ``config.flush`` seconds, even if cancelled.

        Returns:
            Whether everything queued was sent (or given up) in time.
        """
        for worker in self.workers:
            worker.close()
        with trio.move_on_after(self.config.flush, shield=True):
            await self._done.wait()
        return self._done.is_set()


@asynccontextmanager
async def notifying(
    config: NotifyConfig | None, bus: EventBus, *, log: Any = None
) -> AsyncIterator[Notifier | None]:
    """Run a notifier around a block: subscribed before it, flushed (bounded) after it.

    An error or cancellation of the block propagates as it is, after the flush: the
    notifier's own task never fails (see the module docstring).

    Args:
        config: the ``notify:`` section (``None``: no notifier, the block just runs).
        bus: the events to send.
        log: a structlog logger.

    Yields:
        The running notifier, or ``None``.
    """
    if config is None:
        yield None
        return
    notifier = Notifier(config, bus, log=log)
    error: BaseException | None = None
    async with trio.open_nursery() as nursery:
        await nursery.start(notifier.run)
        try:
            yield notifier
        except BaseException as exc:
            # Raised again below, outside the nursery, so the caller gets it as it was
            # rather than wrapped in an exception group.
            error = exc
        await notifier.flush()
        nursery.cancel_scope.cancel()
    if error is not None:
        raise error
