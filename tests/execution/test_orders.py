"""Orders on open contracts in the execution actor, branch by branch, on a scripted broker.

Every order is journaled before it is sent and gets exactly one outcome; a lost answer is
decided, never re-sent; a sale and the final state that reports it are one closing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from framework.client.results import OrderOutcome
from framework.connection import ConnectionClosed, OutcomeUnknown, RequestTimeout
from framework.deriv.errors import api_error
from framework.deriv.models import (
    ContractUpdateReceipt,
    LimitOrderLevel,
    OpenContract,
    OrderKind,
    SellReceipt,
)
from framework.execution.actor import NOT_SENT, OUTCOME_LOST
from framework.strategy.events import ContractOrder
from tests.execution.scripted import EPOCH, Scripted, bought, done, state
from tests.execution.test_actor import Run, intent

CONTRACT = 70


def order(kind: OrderKind = "sell", n: int = 1, **terms: Any) -> ContractOrder:
    return ContractOrder(f"s-1/{kind}-{n}", kind, "s", "s-1", CONTRACT, EPOCH + 3, **terms)


def sold_state(status: str = "sold", sell_price: float = 12.0) -> OpenContract:
    """The final state of the contract: sold by a sale (not by its own rule)."""
    final = state(CONTRACT)
    return OpenContract.from_payload(
        {**final.raw, "status": status, "sell_price": sell_price, "profit": sell_price - 10}
    )


async def until(check: Callable[[], bool]) -> None:
    """Wait, in virtual time, until ``check()`` holds."""
    with trio.fail_after(600):
        while not check():  # noqa: ASYNC110 - the journal is polled: it has no event to wait on
            await trio.sleep(0.1)


class Held:
    """An actor following one bought contract, whose final state waits for :attr:`gate`."""

    def __init__(self, run: Run, gate: trio.Event) -> None:
        self.run = run
        self.gate = gate
        self.actor = run.actor
        self.journal = run.journal
        self.sink = run.sink

    def order_row(self, order_id: str = "s-1/sell-1") -> tuple[str, str | None]:
        row = self.journal.order(order_id)
        assert row is not None
        return row.status, row.reason

    async def idle(self) -> None:
        with trio.fail_after(3600):
            await self.actor.wait_idle()


@asynccontextmanager
async def holding(broker: Scripted, final: OpenContract | None = None) -> AsyncIterator[Held]:
    """Buy contract 70; its follow stream shows it open, then ``final`` once the gate opens."""
    gate = trio.Event()
    broker.buys.append(bought(CONTRACT))
    broker.follows.append(
        [state(CONTRACT, sold=False), gate, final if final is not None else sold_state()]
    )
    run = Run(broker)
    async with trio.open_nursery() as nursery:
        await nursery.start(run.actor.run)
        run.actor.submit(intent())
        with trio.fail_after(60):
            await run.sink.got_update.wait()  # bought, followed, seen open
        yield Held(run, gate)
        nursery.cancel_scope.cancel()


def receipt(sold_for: float = 12.0) -> SellReceipt:
    return SellReceipt(CONTRACT, 90, 71, sold_for, 112.0)


async def test_a_sale_and_the_state_that_reports_it_are_one_closing(
    autojump_clock: trio.abc.Clock,
) -> None:
    sale = OrderOutcome(
        "sell", CONTRACT, done=True, sold_for=12.0, receipt=receipt(), detail="sold"
    )
    broker = Scripted(orders=[sale])
    async with holding(broker) as held:
        held.actor.order(order(min_price=11.5))
        assert held.order_row() == ("pending", None)  # journaled before anything is sent
        assert not held.actor.idle
        with trio.fail_after(60):
            await broker.order_sent.wait()
        await trio.sleep(1)
        assert held.order_row() == ("done", "sold")
        assert held.sink.closed_contracts == []  # the answer closes nothing by itself
        held.gate.set()
        await held.idle()
    (closed,) = held.sink.closed_contracts
    assert (closed.end, closed.status, closed.sell_price) == ("sold", "sold", 12.0)
    (contract,) = held.journal.contracts()
    assert (contract.status, contract.end) == ("sold", "sold")
    (row,) = held.journal.orders()
    assert (row.request, row.sent_epoch) == ({"sell": CONTRACT, "price": 11.5}, EPOCH + 5)
    answer = held.journal.events(kind="order_done")[0]["payload"]["answer"]
    assert answer["sold_for"] == 12.0
    stats = held.actor.stats
    assert (stats.orders, stats.orders_done, stats.orders_failed, stats.settled) == (1, 1, 0, 1)


async def test_a_final_state_waits_for_the_sale_on_its_way(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted(orders=[done(order())])
    broker.order_answer = trio.Event()
    async with holding(broker) as held:
        held.actor.order(order())
        with trio.fail_after(60):
            await broker.order_sent.wait()
        held.gate.set()  # the state saying "sold" arrives before the sale's answer
        await trio.sleep(5)
        assert held.sink.closed_contracts == [] and held.order_row()[0] == "sending"
        broker.order_answer.set()
        await held.idle()
    (closed,) = held.sink.closed_contracts
    assert closed.end == "sold" and held.order_row() == ("done", "done")
    assert held.journal.events(kind="order_done")[0]["payload"]["answer"] is None


async def test_a_contract_its_own_rule_closed_first_ends_by_that_rule(
    autojump_clock: trio.abc.Clock,
) -> None:
    # The sale came too late: the contract had expired (won); the server refused the sale.
    refusal = api_error("InvalidSellContractProposal", "Resale of this contract is not offered.")
    broker = Scripted(orders=[OrderOutcome("sell", CONTRACT, done=False, error=refusal)])
    async with holding(broker, state(CONTRACT)) as held:
        held.actor.order(order())
        held.gate.set()
        await held.idle()
    (closed,) = held.sink.closed_contracts
    assert (closed.end, closed.status) == ("expired", "won")
    assert held.sink.failed_orders == [
        ("s-1/sell-1", "InvalidSellContractProposal", "Resale of this contract is not offered.")
    ]
    assert held.order_row() == (
        "failed",
        "InvalidSellContractProposal: Resale of this contract is not offered.",
    )


@pytest.mark.parametrize(
    ("kind", "code", "message"),
    [
        ("sell", "SellAtEntryTick", "Contract cannot be sold at entry tick. Please wait."),
        ("sell", "PriceMoved", "The underlying market has moved too much."),
        ("sell", "NoOpenPosition", "This contract was not found among your open positions."),
        ("update", "TakeProfitTooLow", "Please enter a take profit amount that's higher."),
        ("cancel", "CancellationExpired", "Deal cancellation is no longer available."),
    ],
)
async def test_a_refused_order_is_journaled_and_reported_with_the_servers_reason(
    kind: OrderKind, code: str, message: str, autojump_clock: trio.abc.Clock
) -> None:
    refusal = OrderOutcome(kind, CONTRACT, done=False, error=api_error(code, message))
    broker = Scripted(orders=[refusal])
    async with holding(broker) as held:
        held.actor.order(order(kind))
        with trio.fail_after(60):
            await broker.order_sent.wait()
        await trio.sleep(1)
        assert held.sink.failed_orders == [(f"s-1/{kind}-1", code, message)]
        assert held.sink.failures[0].epoch == EPOCH + 3  # no tick seen yet: the order's
        assert held.order_row(f"s-1/{kind}-1") == ("failed", f"{code}: {message}")
        held.gate.set()
        await held.idle()
    assert held.actor.stats.orders_failed == 1
    assert len(broker.sent_orders) == 1


async def test_an_update_is_done_from_its_answer_and_closes_nothing(
    autojump_clock: trio.abc.Clock,
) -> None:
    limits = ContractUpdateReceipt(LimitOrderLevel(6.0, EPOCH + 3, None), None)
    update = order("update", take_profit=6.0, set_take_profit=True)
    broker = Scripted(orders=[OrderOutcome("update", CONTRACT, done=True, limits=limits)])
    async with holding(broker) as held:
        held.actor.order(update)
        with trio.fail_after(60):
            await broker.order_sent.wait()
        await trio.sleep(1)
        assert held.order_row(update.order_id)[0] == "done"
        assert held.sink.closed_contracts == []
        held.gate.set()
        await held.idle()
    assert broker.sent_orders == [update]
    (row,) = held.journal.orders()
    assert row.request["limit_order"] == {"take_profit": 6.0}
    answer = held.journal.events(kind="order_done")[0]["payload"]["answer"]
    assert answer["take_profit"]["amount"] == 6.0
    (closed,) = held.sink.closed_contracts
    assert closed.end == "sold"  # not by the bot, and by no rule: sold outside it


async def test_a_cancellation_ends_the_contract_cancelled(autojump_clock: trio.abc.Clock) -> None:
    broker = Scripted(orders=[done(order("cancel"))])
    async with holding(broker, sold_state("cancelled", 10.0)) as held:
        held.actor.order(order("cancel"))
        with trio.fail_after(60):
            await broker.order_sent.wait()
        await trio.sleep(1)
        held.gate.set()
        await held.idle()
    (closed,) = held.sink.closed_contracts
    assert (closed.end, closed.status, closed.profit) == ("cancelled", "cancelled", 0.0)


RATE_LIMITED = OrderOutcome(
    "sell", CONTRACT, done=False, error=api_error("RateLimit", "You have reached the rate limit.")
)


async def test_a_rate_limited_order_backs_off_and_is_sent_again(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted(orders=[RATE_LIMITED, RATE_LIMITED, done(order())])
    async with holding(broker) as held:
        started = trio.current_time()
        held.actor.order(order())
        await until(lambda: held.order_row()[0] == "done")
        assert trio.current_time() - started >= 1.0 + 2.0
        held.gate.set()
        await held.idle()
    assert len(broker.sent_orders) == 3  # an error answer proves nothing was done


async def test_an_order_rate_limited_past_its_back_offs_fails(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted(orders=[RATE_LIMITED] * 4)
    async with holding(broker) as held:
        held.actor.order(order())
        await until(lambda: held.order_row()[0] == "failed")
        held.gate.set()
        await held.idle()
    assert [code for _, code, _ in held.sink.failed_orders] == ["RateLimit"]
    assert len(broker.sent_orders) == 4


async def test_orders_are_still_sent_while_the_bot_stops_in_the_order_given(
    autojump_clock: trio.abc.Clock,
) -> None:
    # A stopping bot waits for its open contracts; a sale is how a Multiplier ends.
    update = order("update", take_profit=6.0, set_take_profit=True)
    broker = Scripted(orders=[done(update), RATE_LIMITED, done(order())])
    broker.order_answer = trio.Event()
    async with holding(broker) as held:
        held.actor.order(update)
        with trio.fail_after(60):
            await broker.order_sent.wait()
        held.actor.close_intake()
        held.actor.order(order())  # after the stop, behind the update on the wire
        broker.order_answer.set()
        held.gate.set()
        await held.idle()
    assert broker.sent_orders == [update, order(), order()]  # the refusal backed off once
    assert [o.status for o in held.journal.orders()] == ["done", "done"]
    (closed,) = held.sink.closed_contracts
    assert closed.end == "sold"


async def test_an_order_id_an_earlier_run_journaled_gets_a_suffix(
    autojump_clock: trio.abc.Clock,
) -> None:
    # A restarted bot numbers a recovered contract's orders from 1 again.
    refusal = api_error("PriceMoved", "The underlying market has moved too much.")
    broker = Scripted(
        orders=[OrderOutcome("sell", CONTRACT, done=False, error=refusal)] * 2 + [done(order())]
    )
    async with holding(broker) as held:
        for _ in range(3):
            held.actor.order(order())
        await until(lambda: held.order_row("s-1/sell-1#3")[0] == "done")
        held.gate.set()
        await held.idle()
    assert [o.order_id for o in broker.sent_orders] == [
        "s-1/sell-1",
        "s-1/sell-1#2",
        "s-1/sell-1#3",
    ]
    assert [f.order.order_id for f in held.sink.failures] == ["s-1/sell-1", "s-1/sell-1#2"]
    assert held.actor.stats.orders == 3 and held.actor.stats.orders_done == 1


async def test_an_order_the_connection_could_not_send_fails_not_sent(
    autojump_clock: trio.abc.Clock,
) -> None:
    unsent = OrderOutcome("sell", CONTRACT, done=False, detail="not sent: not connected")
    lost = OrderOutcome(
        "sell", CONTRACT, done=False, reconciled=True, detail="answer lost; still open"
    )
    broker = Scripted(orders=[unsent, lost])
    async with holding(broker) as held:
        held.actor.order(order(n=1))
        held.actor.order(order(n=2))
        await until(lambda: len(held.sink.failed_orders) >= 2)
        held.gate.set()
        await held.idle()
    assert held.sink.failed_orders == [
        ("s-1/sell-1", NOT_SENT, "not sent: not connected"),
        ("s-1/sell-2", OUTCOME_LOST, "answer lost; still open"),
    ]


LOST = OutcomeUnknown("sell", 9, 0.0, ConnectionError("cut"))


async def test_a_lost_answer_is_decided_later_never_sent_again(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted(
        orders=[LOST],
        decisions=[
            api_error("PermissionDenied", "needs read"),
            RequestTimeout("proposal_open_contract", 120.0),
            done(order(), reconciled=True),
        ],
    )
    async with holding(broker) as held:
        started = trio.current_time()
        held.actor.order(order())
        await until(lambda: held.order_row()[0] == "done")
        assert trio.current_time() - started >= 1.0 + 2.0
        held.gate.set()
        await held.idle()
    assert broker.sent_orders == [order()] and broker.decided == [order()] * 3
    assert held.order_row() == ("done", "decided")
    (closed,) = held.sink.closed_contracts
    assert closed.end == "sold"


@pytest.mark.parametrize("where", ["sending", "deciding"])
async def test_stopping_with_the_answer_lost_leaves_the_order_sending(
    where: str, autojump_clock: trio.abc.Clock
) -> None:
    closed = ConnectionClosed("stopping")
    broker = Scripted(
        orders=[closed if where == "sending" else LOST],
        decisions=[closed],
    )
    async with holding(broker) as held:
        held.actor.order(order())
        with trio.fail_after(60):
            await broker.order_sent.wait()
        await trio.sleep(1)
        held.gate.set()
        await held.idle()
    assert held.order_row() == ("sending", None)  # the next start decides it
    assert held.sink.failed_orders == []
    (closed_contract,) = held.sink.closed_contracts
    assert closed_contract.end == "sold"
