"""The execution actor's money rules, branch by branch, with a scripted broker (no sockets).

The live paths are proven end to end in ``test_lost_buys_e2e``; these are the branches a
live server cannot be made to take on demand: a broker that raises ``NotConnected`` or
``OutcomeUnknown``, records unreadable for a while, a follow stream that ends unsold.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import pytest
import trio
from structlog.testing import capture_logs

from framework.client.results import BuyOutcome
from framework.connection import (
    ConnectionClosed,
    ConnectionRestored,
    NotConnected,
    OutcomeUnknown,
    RequestTimeout,
    StreamOverflow,
)
from framework.deriv.errors import api_error
from framework.deriv.models import Transaction
from framework.execution import ExecutionActor, ExecutionPolicy, Followed
from framework.journal import Journal
from framework.risk import RiskGate, RiskLimits
from framework.strategy.events import TradeIntent
from tests.execution.helpers import Sink
from tests.execution.scripted import EPOCH, Scripted, bought, proposal, state

#: These tests follow the quoted path; buys without a quote have ``test_in_flight``.
QUOTED = ExecutionPolicy(quote="always")


def intent(
    n: int = 1, *, basis: Literal["stake", "payout"] = "stake", amount: float = 10.0
) -> TradeIntent:
    return TradeIntent(f"s-{n}", "s", "R_100", "CALL", 5, "t", None, amount, basis, "USD", EPOCH)


class Run:
    """An actor on a scripted broker, with an in-memory journal."""

    def __init__(
        self,
        broker: Scripted,
        limits: RiskLimits | None = None,
        policy: ExecutionPolicy = QUOTED,
    ) -> None:
        self.broker = broker
        self.sink = Sink()
        self.journal = Journal(":memory:")
        self.gate = RiskGate(limits or RiskLimits())
        self.actor = ExecutionActor(
            broker,
            self.journal,
            self.gate,
            self.sink,
            balance=100.0,
            currency="USD",
            policy=policy,
        )

    def status(self, intent_id: str = "s-1") -> tuple[str, str | None]:
        row = self.journal.intent(intent_id)
        assert row is not None
        return row.status, row.reason


@asynccontextmanager
async def running(
    broker: Scripted, limits: RiskLimits | None = None, policy: ExecutionPolicy = QUOTED
) -> AsyncIterator[Run]:
    run = Run(broker, limits, policy)
    async with trio.open_nursery() as nursery:
        await nursery.start(run.actor.run)
        yield run
        nursery.cancel_scope.cancel()


async def execute(
    broker: Scripted,
    *intents: TradeIntent,
    limits: RiskLimits | None = None,
    policy: ExecutionPolicy = QUOTED,
) -> Run:
    """Submit ``intents`` and wait until the actor is idle."""
    async with running(broker, limits, policy) as run:
        for each in intents or (intent(),):
            run.actor.submit(each)
        with trio.fail_after(3600):
            await run.actor.wait_idle()
    return run


def lost() -> OutcomeUnknown:
    return OutcomeUnknown("buy", 7, 0.0, ConnectionError("cut"))


UNREADABLE = [
    lost(),
    RequestTimeout("statement", 120.0),
    NotConnected("statement"),
    api_error("AuthorizationRequired", "log in"),
]


@pytest.mark.parametrize(
    "unreadable",
    UNREADABLE,
    ids=["outcome-unknown", "timeout", "not-connected", "api-error"],
)
async def test_an_unknown_outcome_is_reconciled_later_until_the_records_say(
    unreadable: Exception, autojump_clock: trio.abc.Clock
) -> None:
    broker = Scripted(buys=[lost()], reconciles=[unreadable, unreadable, bought(70)])
    started = trio.current_time()
    run = await execute(broker)
    assert run.status() == ("bought", "reconciled")
    (contract,) = run.journal.contracts()
    assert (contract.contract_id, contract.payout, contract.status) == (70, 19.5, "won")
    # The window starts at the server epoch journaled when the buy left; the ask is the most
    # it could have paid. The same two go to every attempt.
    row = run.journal.intent("s-1")
    assert row is not None and row.sent_epoch == EPOCH + 5
    assert broker.reconciled == [("s-1", EPOCH + 5, 10.0)] * 3
    assert broker.bought == ["p1"]  # never re-sent
    assert trio.current_time() - started >= 1.0 + 2.0  # backed off between attempts
    stats = run.actor.stats
    assert (stats.unknown, stats.reconciled, stats.bought, stats.settled) == (1, 1, 1, 1)


@pytest.mark.parametrize(
    ("detail", "reason"),
    [("no match", "reconciled: no match"), ("", "reconciled: no contract was bought")],
)
async def test_records_without_the_contract_mean_not_bought(
    detail: str, reason: str, autojump_clock: trio.abc.Clock
) -> None:
    absent = BuyOutcome("x", bought=False, reconciled=True, detail=detail)
    run = await execute(Scripted(buys=[lost()], reconciles=[absent]))
    assert run.status() == ("not_bought", reason)
    assert run.sink.refusals == [("s-1", reason)]


async def test_stopping_while_reconciling_leaves_the_intent_sending(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted(buys=[lost()], reconciles=[ConnectionClosed("stopped")])
    with capture_logs() as logs:
        run = await execute(broker)
    assert run.status() == ("sending", None)
    assert run.actor.idle and run.journal.contracts() == []
    assert "stopping before the buy's outcome was known" in [e["event"] for e in logs]


async def test_the_journaled_epoch_is_the_intents_tick_when_the_server_said_nothing_later(
    autojump_clock: trio.abc.Clock,
) -> None:
    run = await execute(Scripted(buys=[lost()], reconciles=[bought(5)], epoch=None))
    row = run.journal.intent("s-1")
    assert row is not None and row.sent_epoch == EPOCH


async def test_a_buy_that_found_the_connection_down_was_not_sent(
    autojump_clock: trio.abc.Clock,
) -> None:
    run = await execute(Scripted(buys=[NotConnected("buy")]))
    assert run.status() == ("not_bought", "not connected: the buy was not sent")


async def test_a_closed_connection_leaves_the_buy_sending(autojump_clock: trio.abc.Clock) -> None:
    run = await execute(Scripted(buys=[ConnectionClosed("stopped")]))
    assert run.status() == ("sending", None)


async def test_a_stopping_bot_sends_nothing(autojump_clock: trio.abc.Clock) -> None:
    broker = Scripted()
    async with running(broker) as run:
        run.actor.close_intake()
        run.actor.submit(intent())
        await run.actor.wait_idle()
    assert run.status() == ("rejected", "bot stopping: not sent")
    assert broker.quoted == 0 and run.actor.stats.rejected == 1


@pytest.mark.parametrize(
    ("failure", "reason"),
    [
        (api_error("InvalidSymbol", "unknown"), "proposal refused: InvalidSymbol: unknown"),
        (RequestTimeout("proposal", 30.0), "proposal refused: proposal: no answer within 30 s"),
    ],
)
async def test_a_refused_quote_is_not_bought(
    failure: Exception, reason: str, autojump_clock: trio.abc.Clock
) -> None:
    run = await execute(Scripted(quotes=[failure]))
    assert run.status() == ("not_bought", reason)


async def test_a_failed_requote_is_not_bought(autojump_clock: trio.abc.Clock) -> None:
    moved = BuyOutcome("x", bought=False, error=api_error("PriceMoved", "moved"))
    broker = Scripted(quotes=[proposal(1), NotConnected("proposal")], buys=[moved])
    run = await execute(broker)
    status, why = run.status()
    assert status == "not_bought" and why is not None and why.startswith("re-quote failed")


async def test_rate_limits_past_the_last_backoff_are_not_bought(
    autojump_clock: trio.abc.Clock,
) -> None:
    limited = BuyOutcome("x", bought=False, error=api_error("RateLimit", "slow down"))
    broker = Scripted(buys=[limited] * 4)
    run = await execute(broker)
    assert run.status() == ("not_bought", "RateLimit: slow down")
    assert len(broker.bought) == 4


async def test_a_payout_basis_price_above_the_limit_is_refused(
    autojump_clock: trio.abc.Clock,
) -> None:
    broker = Scripted(quotes=[proposal(1, ask=30.0), proposal(2, ask=5.0)], buys=[bought(9)])
    run = await execute(
        broker,
        intent(1, basis="payout", amount=60.0),
        intent(2, basis="payout", amount=10.0),
        limits=RiskLimits(max_stake=20.0),
    )
    status, why = run.status("s-1")
    assert status == "rejected" and why is not None and "max_stake" in why
    assert run.status("s-2") == ("bought", None)
    assert broker.bought == ["p2"]


async def test_a_bought_outcome_without_payout_or_fields_falls_back_to_the_intent(
    autojump_clock: trio.abc.Clock,
) -> None:
    bare = BuyOutcome("x", bought=True, contract_id=4)
    run = await execute(Scripted(buys=[bare]))
    (contract,) = run.journal.contracts()
    assert (contract.buy_price, contract.payout, contract.purchase_time) == (10.0, 0.0, EPOCH)


async def test_following_survives_what_a_stream_can_do(autojump_clock: trio.abc.Clock) -> None:
    other = state(99, sold=False)
    open_now = state(8, sold=False)
    broker = Scripted(
        buys=[bought(8)],
        follows=[
            [ConnectionRestored(1.0), other, state(8, sold=False, entry=False), open_now, open_now],
            api_error("ContractNotFound", "later"),
            StreamOverflow("contract 8", 10),
            RequestTimeout("proposal_open_contract", 30.0),
            [],
        ],
        contracts=[None, state(8)],
    )
    with capture_logs() as logs:
        run = await execute(broker)
    (contract,) = run.journal.contracts()
    assert contract.status == "won" and contract.profit == 9.5
    assert len(run.journal.events(kind="update")) == 1  # the entry, logged once
    assert len(run.journal.events(kind="settled")) == 1
    retries = [e for e in logs if e["event"] == "following the contract failed; retrying"]
    assert len(retries) == 3


async def test_a_contract_is_followed_once(autojump_clock: trio.abc.Clock) -> None:
    broker = Scripted(follows=[[state(6, sold=False)], [state(6)]], contracts=[state(6)])
    async with running(broker) as run:
        run.actor.follow(Followed(intent(), 6, 10.0, EPOCH))
        run.actor.follow(Followed(intent(), 6, 10.0, EPOCH))
        assert list(run.actor.followed) == [6]
        run.journal.record_intent(intent())
        run.journal.mark_sending("s-1", {})
        run.journal.record_bought(
            "s-1", contract_id=6, buy_price=10, payout=19.5, purchase_time=EPOCH, transaction_id=7
        )
        await run.actor.wait_idle()
    assert len(broker.follows) == 1  # one follow task: its stream ended, the state said sold
    assert [c.status for c in run.journal.contracts()] == ["won"]


async def test_following_stops_with_the_connection(autojump_clock: trio.abc.Clock) -> None:
    run = await execute(Scripted(buys=[bought(8)], follows=[ConnectionClosed("stopped")]))
    (contract,) = run.journal.open_contracts()
    assert contract.contract_id == 8 and run.actor.idle


async def test_a_settlement_is_journaled_and_reported_once(autojump_clock: trio.abc.Clock) -> None:
    run = await execute(Scripted(buys=[bought(3)]))
    followed = Followed(intent(), 3, 10.0, EPOCH, recovered=True)
    with capture_logs() as logs:
        await run.actor.settle_now(followed, state(3))
    assert [e["event"] for e in logs] == ["settlement already journaled"]
    assert len(run.sink.closed_contracts) == 1


async def test_the_transaction_stream_is_reopened_after_a_failure(
    autojump_clock: trio.abc.Clock,
) -> None:
    tx = Transaction.from_payload(
        {
            "action": "sell",
            "amount": 19.5,
            "balance": 119.5,
            "contract_id": 3,
            "transaction_id": 40,
            "transaction_time": EPOCH + 12,
        }
    )
    broker = Scripted(
        transactions=[api_error("RateLimit", "slow"), [ConnectionRestored(1.0)], [tx]]
    )
    async with running(broker) as run, trio.open_nursery() as nursery:
        with capture_logs() as logs:
            await nursery.start(run.actor.run_transactions)
            with trio.fail_after(60):
                await run.sink.got_transaction.wait()
        nursery.cancel_scope.cancel()
    assert run.actor.balance == 119.5 and run.sink.transactions == [tx]
    assert "transaction stream failed; reopening" in [e["event"] for e in logs]
