"""The execution actor's rules with a scripted broker (no sockets): one buy per attempt."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest
import trio

from framework.client.results import BuyOutcome
from framework.deriv.errors import api_error
from framework.deriv.models import OpenContract, Proposal, Transaction
from framework.execution import ExecutionActor
from framework.journal import Journal
from framework.market.contracts import Basis
from framework.risk import RiskGate, RiskLimits
from framework.strategy.events import ClosedContract, ContractUpdate, TradeIntent


def _intent(n: int = 1, basis: Basis = "stake") -> TradeIntent:
    return TradeIntent(
        f"s-{n}",
        "s",
        "R_100",
        "CALL",
        5,
        "t",
        None,
        1.0,
        basis,
        "USD",
        1_700_000_000,
    )


def _proposal(n: int, ask: float = 1.0) -> Proposal:
    return Proposal(f"p{n}", ask, 1.95, 100.0, 0, 0, None, "", "", raw={})


class Script:
    """A broker whose buy answers come from a list; records every call."""

    def __init__(self, answers: list[BuyOutcome | BaseException]) -> None:
        self.answers = answers
        self.quotes = 0
        self.buys: list[str] = []

    async def quote(self, intent: TradeIntent) -> Proposal:
        self.quotes += 1
        return _proposal(self.quotes)

    async def buy(
        self, intent: TradeIntent, proposal: Proposal, *, may_send: Callable[[], bool]
    ) -> BuyOutcome:
        assert may_send(), "this bot is not stopping"
        self.buys.append(proposal.id)
        answer = self.answers.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    async def reconcile(self, *a: Any) -> BuyOutcome:
        raise AssertionError("not expected")

    def server_epoch(self) -> int | None:
        return None

    @asynccontextmanager
    async def follow(self, contract_id: int) -> AsyncIterator[AsyncIterator[Any]]:
        send, receive = trio.open_memory_channel[Any](1)
        await send.send(_sold(contract_id))
        await send.aclose()
        yield receive

    async def contract(self, contract_id: int) -> OpenContract | None:
        return None

    @asynccontextmanager
    async def transactions(self) -> AsyncIterator[AsyncIterator[Any]]:
        _, receive = trio.open_memory_channel[Any](0)
        yield receive


def _sold(contract_id: int) -> OpenContract:
    payload = {
        "contract_id": contract_id,
        "contract_type": "CALL",
        "underlying": "R_100",
        "currency": "USD",
        "status": "won",
        "buy_price": 1.0,
        "payout": 1.95,
        "sell_price": 1.95,
        "profit": 0.95,
        "is_sold": 1,
        "sell_time": 1_700_000_010,
        "exit_tick": 101.0,
        "exit_tick_time": 1_700_000_010,
    }
    return OpenContract.from_payload(payload)


class Sink:
    """Records what the actor reports."""

    def __init__(self) -> None:
        self.refusals: list[tuple[str, str]] = []
        self.results: list[ClosedContract] = []

    def rejected(self, intent: TradeIntent, reason: str) -> None:
        self.refusals.append((intent.intent_id, reason))

    def update(self, intent: TradeIntent, update: ContractUpdate) -> None:
        pass

    def closed(self, intent: TradeIntent, result: ClosedContract) -> None:
        self.results.append(result)

    def transaction(self, tx: Transaction) -> None:
        pass

    async def tick_reached(self, symbol: str, epoch: int) -> None:
        return


def _bought(contract_id: int) -> BuyOutcome:
    return BuyOutcome("x", bought=True, contract_id=contract_id, buy_price=1.0, purchase_time=1)


def _refused(code: str) -> BuyOutcome:
    return BuyOutcome("x", bought=False, error=api_error(code, f"{code} says no"))


async def _run(answers: list[BuyOutcome | BaseException], intents: list[TradeIntent]) -> Any:
    broker = Script(answers)
    sink = Sink()
    gate = RiskGate(RiskLimits())
    journal = Journal(":memory:")
    actor = ExecutionActor(broker, journal, gate, sink, balance=100.0, currency="USD")
    async with trio.open_nursery() as nursery:
        await nursery.start(actor.run)
        for intent in intents:
            actor.submit(intent)
        with trio.fail_after(60):
            await actor.wait_idle()
        nursery.cancel_scope.cancel()
    return broker, sink, gate, journal, actor


async def test_price_moved_is_requoted_once_then_bought(autojump_clock: Any) -> None:
    broker, sink, _, journal, actor = await _run([_refused("PriceMoved"), _bought(7)], [_intent()])
    assert broker.quotes == 2 and broker.buys == ["p1", "p2"]
    row = journal.intent("s-1")
    assert row is not None and row.status == "bought" and row.contract_id == 7
    assert [c.contract_id for c in sink.results] == [7]
    assert actor.stats.requotes == 1


async def test_a_second_price_move_is_not_chased(autojump_clock: Any) -> None:
    broker, sink, _, journal, _ = await _run(
        [_refused("PriceMoved"), _refused("PriceMoved")], [_intent()]
    )
    assert len(broker.buys) == 2
    row = journal.intent("s-1")
    assert row is not None and row.status == "not_bought"
    assert row.reason is not None and row.reason.startswith("PriceMoved")
    assert sink.refusals == [("s-1", row.reason)]


async def test_insufficient_balance_stops_new_trades(autojump_clock: Any) -> None:
    _, _, gate, journal, _ = await _run([_refused("InsufficientBalance")], [_intent()])
    assert gate.trip is not None and gate.trip.limit == "kill_switch"
    assert "insufficient balance" in gate.trip.reason
    row = journal.intent("s-1")
    assert row is not None and row.status == "not_bought"


async def test_rate_limit_backs_off_then_buys(autojump_clock: Any) -> None:
    start = trio.current_time()
    broker, _, _, journal, _ = await _run(
        [_refused("RateLimit"), _refused("RateLimit"), _bought(9)], [_intent()]
    )
    assert len(broker.buys) == 3
    assert trio.current_time() - start >= 3.0  # 1 s then 2 s
    row = journal.intent("s-1")
    assert row is not None and row.status == "bought"


@pytest.mark.parametrize("code", ["ContractBuyValidationError", "InvalidSymbol"])
async def test_other_refusals_are_not_retried(code: str, autojump_clock: Any) -> None:
    broker, _, _, journal, _ = await _run([_refused(code)], [_intent()])
    assert len(broker.buys) == 1
    row = journal.intent("s-1")
    assert row is not None and row.status == "not_bought" and code in (row.reason or "")


async def test_a_buy_whose_connection_closed_stays_sending_and_is_never_resent(
    autojump_clock: Any,
) -> None:
    from framework.connection import ConnectionClosed

    broker, sink, _, journal, _ = await _run(
        [ConnectionClosed("stopped"), _bought(3)], [_intent(1), _intent(2)]
    )
    assert broker.buys == ["p1", "p2"]  # the first was not sent again
    first = journal.intent("s-1")
    assert first is not None and first.status == "sending"
    assert [c.contract_id for c in sink.results] == [3]
