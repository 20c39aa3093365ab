"""A scripted :class:`~framework.execution.broker.Broker`: answers and failures from lists.

For the actor's rules that no live server can be made to show on demand (a broker that
raises ``NotConnected``, records that become readable later, a follow stream that ends
without a sale). Every call is recorded; an exception in a script is raised by the call.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import trio

from framework.client.results import BuyOutcome, OrderOutcome
from framework.deriv.models import OpenContract, Proposal
from framework.strategy.events import ContractOrder, TradeIntent

EPOCH = 1_700_000_000


def proposal(n: int, ask: float = 10.0) -> Proposal:
    """A quote ``p<n>`` at ``ask``, spot at ``EPOCH + n``."""
    return Proposal(f"p{n}", ask, ask * 1.95, 100.0, EPOCH + n, EPOCH + n, None, "", "", raw={})


def state(contract_id: int, *, sold: bool = True, entry: bool = True) -> OpenContract:
    """A ``proposal_open_contract`` state: sold (won) or open."""
    payload: dict[str, Any] = {
        "contract_id": contract_id,
        "contract_type": "CALL",
        "underlying": "R_100",
        "currency": "USD",
        "status": "won" if sold else "open",
        "buy_price": 10.0,
        "payout": 19.5,
        "is_sold": 1 if sold else 0,
    }
    if entry:
        payload |= {"entry_tick": 100.0, "entry_tick_time": EPOCH + 1}
    if sold:
        payload |= {
            "sell_price": 19.5,
            "profit": 9.5,
            "sell_time": EPOCH + 11,
            "exit_tick": 101.0,
            "exit_tick_time": EPOCH + 11,
        }
    return OpenContract.from_payload(payload)


def bought(contract_id: int, *, payout: float | None = 19.5, detail: str = "") -> BuyOutcome:
    """A bought outcome without a receipt (as reconciliation gives)."""
    return BuyOutcome(
        "x",
        bought=True,
        contract_id=contract_id,
        transaction_id=contract_id + 1,
        buy_price=10.0,
        payout=payout,
        purchase_time=EPOCH + 2,
        detail=detail,
    )


def done(order: ContractOrder, *, reconciled: bool = False) -> OrderOutcome:
    """The order's call carried out (a sale or cancellation credits 12.0)."""
    return OrderOutcome(
        order.kind,
        order.contract_id,
        done=True,
        sold_for=None if order.kind == "update" else 12.0,
        reconciled=reconciled,
        detail="decided" if reconciled else "done",
    )


def _next(script: list[Any]) -> Any:
    item = script.pop(0)
    if isinstance(item, BaseException):
        raise item
    return item


class Scripted:
    """The broker. Each list is consumed in order; follow scripts are per call.

    Args:
        buys: outcomes (or exceptions) of successive buys.
        quotes: proposals (or exceptions); a fresh proposal when empty.
        reconciles: outcomes (or exceptions) of successive reconciliations.
        follows: per ``follow`` call, the items its stream yields (it waits at an event
            until it is set), or an exception.
        contracts: answers (or exceptions) of successive ``contract`` calls.
        transactions: per ``transactions`` call, the items, or an exception.
        orders: outcomes (or exceptions) of successive orders.
        decisions: outcomes (or exceptions) of successive ``decide_order`` calls.
        epoch: what :meth:`server_epoch` says.
    """

    def __init__(
        self,
        *,
        buys: list[Any] | None = None,
        quotes: list[Any] | None = None,
        reconciles: list[Any] | None = None,
        follows: list[Any] | None = None,
        contracts: list[Any] | None = None,
        transactions: list[Any] | None = None,
        orders: list[Any] | None = None,
        decisions: list[Any] | None = None,
        epoch: int | None = EPOCH + 5,
    ) -> None:
        self.buys = buys or []
        self.quotes = quotes or []
        self.reconciles = reconciles or []
        self.follows = follows or []
        self.contracts = contracts or []
        self.transaction_scripts = transactions or []
        self.order_outcomes = orders or []
        self.decisions = decisions or []
        #: The orders sent and the orders decided, in order.
        self.sent_orders: list[ContractOrder] = []
        self.decided: list[ContractOrder] = []
        #: When set: the answers of sent orders wait for it (the order is on the wire).
        self.order_answer: trio.Event | None = None
        self.order_sent = trio.Event()
        self.epoch = epoch
        self.quoted = 0
        self.bought: list[str] = []
        #: When set: quotes wait for it (as a rate limiter holds them) ...
        self.quote_wait: trio.Event | None = None
        #: ... buys wait for it before asking ``may_send`` (their turn at the client) ...
        self.turn: trio.Event | None = None
        #: ... and the answers of sent buys wait for it (the buy is on the wire).
        self.answer: trio.Event | None = None
        self.withdrawn = 0
        #: Set once a buy waits for its turn, and once a buy was sent.
        self.waiting_turn = trio.Event()
        self.sent = trio.Event()
        self.reconciled: list[tuple[str, int, float | None]] = []

    def server_epoch(self) -> int | None:
        return self.epoch

    async def quote(self, intent: TradeIntent) -> Proposal:
        self.quoted += 1
        if self.quote_wait is not None:
            await self.quote_wait.wait()
        if self.quotes:
            answer: Proposal = _next(self.quotes)
            return answer
        return proposal(self.quoted)

    async def buy(
        self, intent: TradeIntent, quote: Proposal | None, *, may_send: Callable[[], bool]
    ) -> BuyOutcome:
        if self.turn is not None:
            self.waiting_turn.set()
            await self.turn.wait()
        if not may_send():
            self.withdrawn += 1
            return BuyOutcome("x", bought=False, detail="not sent: stopped before sending")
        # A buy without a quote is by the contract's parameters, at most its stake.
        self.bought.append(quote.id if quote is not None else f"direct {intent.amount:g}")
        self.sent.set()
        if self.answer is not None:
            await self.answer.wait()
        answer: BuyOutcome = _next(self.buys)
        return answer

    async def reconcile(
        self, intent: TradeIntent, sent_epoch: int, max_price: float | None = None
    ) -> BuyOutcome:
        self.reconciled.append((intent.intent_id, sent_epoch, max_price))
        answer: BuyOutcome = _next(self.reconciles)
        return answer

    async def order(self, order: ContractOrder) -> OrderOutcome:
        self.sent_orders.append(order)
        self.order_sent.set()
        if self.order_answer is not None:
            await self.order_answer.wait()
        answer: OrderOutcome = _next(self.order_outcomes)
        return answer

    async def decide_order(self, order: ContractOrder) -> OrderOutcome:
        self.decided.append(order)
        answer: OrderOutcome = _next(self.decisions)
        return answer

    @asynccontextmanager
    async def follow(self, contract_id: int) -> AsyncIterator[AsyncIterator[Any]]:
        items = _next(self.follows) if self.follows else [state(contract_id)]
        yield _paced(items)

    async def contract(self, contract_id: int) -> OpenContract | None:
        answer: OpenContract | None = _next(self.contracts)
        return answer

    @asynccontextmanager
    async def transactions(self) -> AsyncIterator[AsyncIterator[Any]]:
        items = _next(self.transaction_scripts) if self.transaction_scripts else []
        async with _stream(items, stay_open=not self.transaction_scripts) as stream:
            yield stream


async def _paced(items: list[Any]) -> AsyncIterator[Any]:
    """The items of a follow script; at a :class:`trio.Event` the stream waits for it."""
    for item in items:
        if isinstance(item, trio.Event):
            await item.wait()
        else:
            yield item


@asynccontextmanager
async def _stream(items: list[Any], *, stay_open: bool = False) -> AsyncIterator[Any]:
    send, receive = trio.open_memory_channel[Any](len(items) + 1)
    for item in items:
        send.send_nowait(item)
    if not stay_open:
        send.close()
    async with receive:
        yield receive
