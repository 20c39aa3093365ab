"""The event bus: publishing never blocks, each subscriber is bounded on its own."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from framework.bus import EVENT_KINDS, BotEvent, EventBus


def test_every_subscriber_gets_each_event_with_its_time_and_details() -> None:
    bus = EventBus(clock=lambda: 12.5)
    first, second = bus.subscribe(), bus.subscribe()
    event = bus.publish("settled", contract_id=7, profit=0.95)
    assert event == BotEvent("settled", 12.5, {"contract_id": 7, "profit": 0.95})
    assert event.as_dict() == {"kind": "settled", "at": 12.5, "contract_id": 7, "profit": 0.95}
    assert first.receive_nowait() == event and second.receive_nowait() == event
    assert bus.published == {"settled": 1}
    assert "settled" in EVENT_KINDS and "control" in EVENT_KINDS


def test_a_full_subscriber_loses_events_alone_and_counts_them() -> None:
    bus = EventBus()
    slow, fast = bus.subscribe(capacity=1), bus.subscribe(capacity=10)
    for n in range(3):
        bus.publish("bought", n=n)
    assert slow.dropped == 2 and fast.dropped == 0
    assert slow.receive_nowait().data == {"n": 0}
    with pytest.raises(trio.WouldBlock):
        slow.receive_nowait()
    assert [fast.receive_nowait().data["n"] for _ in range(3)] == [0, 1, 2]


async def test_iteration_ends_when_the_subscriber_closes() -> None:
    bus = EventBus()
    seen: list[str] = []
    with bus.subscribe() as subscription:
        assert bus.subscribers == 1

        async def watch() -> None:
            async for event in subscription:
                seen.append(event.kind)

        async with trio.open_nursery() as nursery:
            nursery.start_soon(watch)
            bus.publish("started")
            assert (await subscription.receive()).kind == "started"
            bus.publish("stopped")
            await trio.testing.wait_all_tasks_blocked()
            subscription.close()
    assert bus.subscribers == 0
    assert seen == ["stopped"]
    bus.publish("started")  # nobody listens: nothing to do, nothing fails


def test_a_subscriber_whose_receiver_went_away_is_forgotten() -> None:
    bus = EventBus()
    subscription = bus.subscribe()
    subscription._receive.close()  # dropped without close(): the next offer forgets it
    bus.publish("trip", limit="kill_switch")
    assert bus.subscribers == 0
