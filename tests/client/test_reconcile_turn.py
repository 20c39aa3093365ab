"""The records' turn: buys together, a reconciliation alone, in the order of the buys."""

from __future__ import annotations

import trio
import trio.testing

from framework.client.reconcile_turn import RecordsTurn


async def test_buys_hold_it_together_and_a_reconciliation_waits_for_all_of_them() -> None:
    turn = RecordsTurn()
    log: list[str] = []
    release = trio.Event()

    async def buy(name: str) -> None:
        async with turn.buying():
            log.append(f"{name} sent")
            await release.wait()
            log.append(f"{name} claimed")

    async def reconcile() -> None:
        async with turn.alone():
            assert turn.reading
            log.append("records read")

    async with trio.open_nursery() as nursery:
        nursery.start_soon(buy, "a")
        nursery.start_soon(buy, "b")
        await trio.testing.wait_all_tasks_blocked()
        nursery.start_soon(reconcile)
        await trio.testing.wait_all_tasks_blocked()
        # A buy that comes while the reconciliation waits goes after it.
        nursery.start_soon(buy, "c")
        await trio.testing.wait_all_tasks_blocked()
        assert sorted(log) == ["a sent", "b sent"]  # both on the wire, c held back
        release.set()
    assert sorted(log[:2]) == ["a sent", "b sent"]
    assert sorted(log[2:4]) == ["a claimed", "b claimed"]
    assert log[4:] == ["records read", "c sent", "c claimed"]
    assert not turn.reading


async def test_lost_buys_are_reconciled_in_the_order_they_were_sent() -> None:
    turn = RecordsTurn()
    order: list[int] = []
    answers = {1: trio.Event(), 2: trio.Event()}

    async def lost_buy(first: bool) -> None:
        async with turn.buying() as number:
            await answers[1 if first else 2].wait()
        async with turn.alone(number):
            order.append(number)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(lost_buy, True)
        await trio.testing.wait_all_tasks_blocked()
        nursery.start_soon(lost_buy, False)
        await trio.testing.wait_all_tasks_blocked()
        answers[2].set()  # the later buy learns first that its answer is lost
        await trio.testing.wait_all_tasks_blocked()
        answers[1].set()
    assert order == [1, 2]


async def test_a_reconciliation_cancelled_while_waiting_gives_up_its_place() -> None:
    turn = RecordsTurn()
    got: list[str] = []
    release = trio.Event()

    async def buy() -> None:
        async with turn.buying():
            await release.wait()

    async def reconcile(name: str, scope: trio.CancelScope | None = None) -> None:
        with scope or trio.CancelScope():
            async with turn.alone():
                got.append(name)

    gone = trio.CancelScope()
    async with trio.open_nursery() as nursery:
        nursery.start_soon(buy)
        await trio.testing.wait_all_tasks_blocked()
        nursery.start_soon(reconcile, "gone", gone)
        await trio.testing.wait_all_tasks_blocked()
        nursery.start_soon(reconcile, "kept")
        await trio.testing.wait_all_tasks_blocked()
        gone.cancel()
        await trio.testing.wait_all_tasks_blocked()
        release.set()
    assert got == ["kept"]
    # Nothing waits any more: a buy goes straight in.
    with trio.fail_after(1):
        async with turn.buying():
            pass
