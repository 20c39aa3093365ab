"""The execution stack on the embedded simulator, over a real loopback socket.

Connection, client, :class:`ClientBroker`, journal and :class:`ExecutionActor`, as the bot
assembles them, without strategies: tests submit intents themselves and compare the
journal with the simulator's own statement.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import trio

from framework.client import Client
from framework.connection import BackoffPolicy, Connection, ConnectionSettings
from framework.deriv.models import Transaction
from framework.execution import ClientBroker, ExecutionActor, ExecutionPolicy
from framework.journal import Journal
from framework.risk import RiskGate, RiskLimits
from framework.simulator import Simulator, open_simulator
from framework.strategy.events import ClosedContract, ContractUpdate, OrderFailed, TradeIntent

#: Fixed simulator start: the same seed and start give the same ticks on every run.
START = 1_700_000_000
SYMBOL = "R_100"


def sim_options(**overrides: Any) -> dict[str, Any]:
    """The simulator options of these tests."""
    return {"seed": 7, "start_epoch": START, "history_seconds": 600, **overrides}


def settings(sim: Simulator, *, first_retry: float = 2.0) -> ConnectionSettings:
    """Connection settings for ``sim``; reconnects wait ``first_retry`` Trio seconds first.

    The wait is real (Trio) time: on an accelerated simulator it is many simulated
    seconds, which is what once pushed lost buys out of their window.
    """
    return ConnectionSettings(
        url=sim.app_url(),
        tokens=(sim.token,),
        backoff=BackoffPolicy(
            initial=first_retry, maximum=2 * first_retry, max_attempts=60, healthy_after=10
        ),
    )


def intent(
    n: int,
    epoch: int,
    *,
    amount: float = 10.0,
    contract_type: str = "CALL",
    duration: int = 5,
    unit: str = "t",
) -> TradeIntent:
    """A stake-basis intent (5 ticks by default) made on the tick at ``epoch``."""
    return TradeIntent(
        intent_id=f"t-{n}",
        strategy="t",
        symbol=SYMBOL,
        contract_type=contract_type,
        duration=duration,
        duration_unit=unit,
        barrier=None,
        amount=amount,
        basis="stake",
        currency="USD",
        created_epoch=epoch,
    )


class Sink:
    """Records what the actor reports (the strategy runner's place)."""

    def __init__(self) -> None:
        self.refusals: list[tuple[str, str]] = []
        self.closed_contracts: list[ClosedContract] = []
        self.updates: list[ContractUpdate] = []
        self.failed_orders: list[tuple[str, str, str]] = []
        self.failures: list[OrderFailed] = []
        self.transactions: list[Transaction] = []
        self.got_transaction = trio.Event()
        self.got_update = trio.Event()

    def rejected(self, intent: TradeIntent, reason: str) -> None:
        self.refusals.append((intent.intent_id, reason))

    def update(self, intent: TradeIntent, update: ContractUpdate) -> None:
        self.updates.append(update)
        self.got_update.set()

    def order_failed(self, failure: OrderFailed) -> None:
        self.failed_orders.append((failure.order.order_id, failure.code, failure.message))
        self.failures.append(failure)

    def closed(self, intent: TradeIntent, result: ClosedContract) -> None:
        self.closed_contracts.append(result)

    def transaction(self, tx: Transaction) -> None:
        self.transactions.append(tx)
        self.got_transaction.set()

    async def tick_reached(self, symbol: str, epoch: int) -> None:
        return


class Stack:
    """One trading process: what a bot runs under its strategies."""

    def __init__(
        self,
        connection: Connection,
        client: Client,
        broker: ClientBroker,
        actor: ExecutionActor,
        sink: Sink,
    ) -> None:
        self.connection = connection
        self.client = client
        self.broker = broker
        self.actor = actor
        self.sink = sink

    async def settle(self, limit: float = 600.0) -> None:
        """Wait until nothing is queued, being bought or open."""
        with trio.fail_after(limit):
            await self.actor.wait_idle()


@asynccontextmanager
async def trading(
    sim: Simulator,
    journal: Journal,
    *,
    first_retry: float = 2.0,
    policy: ExecutionPolicy | None = None,
    limits: RiskLimits | None = None,
) -> AsyncIterator[Stack]:
    """Run one trading process against ``sim`` for the block; cancelled on exit."""
    async with trio.open_nursery() as nursery:
        connection = Connection(settings(sim, first_retry=first_retry), rng=random.Random(1))
        await nursery.start(connection.run)
        client = Client(connection)
        broker = ClientBroker(client, known_contracts=[c.contract_id for c in journal.contracts()])
        auth = connection.authorization
        assert auth is not None
        sink = Sink()
        actor = ExecutionActor(
            broker,
            journal,
            RiskGate(limits or RiskLimits()),
            sink,
            balance=auth.balance,
            currency="USD",
            policy=policy,
        )
        await nursery.start(actor.run)
        try:
            yield Stack(connection, client, broker, actor, sink)
        finally:
            nursery.cancel_scope.cancel()


def statement_buys(sim: Simulator) -> dict[int, tuple[float, float | None]]:
    """The simulator's own statement: contract id -> (price paid, payout) of every buy."""
    return {
        t.contract_id: (round(-t.amount, 2), t.payout)
        for t in sim.statement()
        if t.action == "buy" and t.contract_id is not None
    }


def journal_buys(journal: Journal) -> dict[int, tuple[float, float | None]]:
    """The journal's contracts: contract id -> (price paid, payout)."""
    return {c.contract_id: (round(c.buy_price, 2), c.payout) for c in journal.contracts()}


async def start_simulator(
    nursery: trio.Nursery, **options: Any
) -> tuple[Simulator, Callable[[], Awaitable[None]]]:
    """Run a simulator in its own task of ``nursery``; return it and a ``stop`` to await.

    Its own task, so that it can be stopped (and restarted from its state file) while the
    trading process that talks to it keeps running.
    """
    done = trio.Event()
    scope = trio.CancelScope()

    async def run(task_status: trio.TaskStatus[Simulator]) -> None:
        try:
            with scope:
                async with open_simulator(**sim_options(**options)) as sim:
                    task_status.started(sim)
                    await trio.sleep_forever()
        finally:
            done.set()

    sim: Simulator = await nursery.start(run)

    async def stop() -> None:
        scope.cancel()
        await done.wait()

    return sim, stop
