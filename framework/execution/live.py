"""The live :class:`~framework.execution.broker.Broker`: the execution actor's calls on the client.

Buying and reconciling a lost answer are the client's (:meth:`Client.buy` returns exactly
one outcome). What this adapter adds is the reconciliation of a buy left ``sending`` by a
*previous* process: the journal knows the intent (contract type, symbol, stake, the tick
time it was asked at) and the most it could have cost; the account's records say whether a
contract matching it was bought since, and contracts the journal already holds are never
claimed twice.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from framework.client import Client
from framework.client.reconcile import candidates_from, pick
from framework.client.results import (
    BuyOutcome,
    ContractMatch,
    PortfolioContract,
    ProfitTableEntry,
    StatementEntry,
)
from framework.connection import ConnectionRestored
from framework.deriv.models import OpenContract, Proposal
from framework.strategy.events import TradeIntent

__all__ = ["ClientBroker"]

#: Seconds of slack around the window in which a lost buy can have executed.
SLACK = 10


class ClientBroker:
    """Execution on a live :class:`~framework.client.Client`.

    Args:
        client: the client.
        known_contracts: contract ids already journaled (never attributed to another buy).
    """

    def __init__(self, client: Client, *, known_contracts: Iterable[int] = ()) -> None:
        self.client = client
        self._claimed: set[int] = set(known_contracts)

    async def quote(self, intent: TradeIntent) -> Proposal:
        """Price the intent's contract."""
        extra: dict[str, Any] = {}
        if intent.barrier is not None:
            extra["barrier"] = intent.barrier
        return await self.client.proposal(
            contract_type=intent.contract_type,
            symbol=intent.symbol,
            amount=intent.amount,
            basis=intent.basis,
            currency=intent.currency,
            duration=intent.duration,
            duration_unit=intent.duration_unit,
            **extra,
        )

    async def buy(self, intent: TradeIntent, proposal: Proposal) -> BuyOutcome:
        """Buy at most at the ask price; the client reconciles a lost answer."""
        outcome = await self.client.buy(
            proposal, price=proposal.ask_price, intent_id=intent.intent_id
        )
        if outcome.contract_id is not None:
            self._claimed.add(outcome.contract_id)
        return outcome

    async def reconcile(
        self, intent: TradeIntent, sent_at: float | None, max_price: float | None = None
    ) -> BuyOutcome:
        """Look for a contract a previous process's buy created.

        Args:
            intent: the journaled intent.
            sent_at: unused (the intent's tick time bounds the window: it is server time,
                unlike the journal's wall-clock ``sent_at``).
            max_price: the most the buy could have paid (from the journal), if known.
        """
        client = self.client
        earliest = int(intent.created_epoch) - SLACK
        latest = await client.time() + SLACK
        statement = await client.call(
            "statement", statement=1, date_from=earliest, description=1, limit=500
        )
        lines = [StatementEntry.from_payload(t) for t in statement.get("transactions", [])]
        portfolio = await client.call("portfolio", portfolio=1)
        open_now = [PortfolioContract.from_payload(c) for c in portfolio.get("contracts", [])]
        table = await client.call(
            "profit_table", profit_table=1, date_from=str(earliest), description=1, limit=500
        )
        closed = [ProfitTableEntry.from_payload(t) for t in table.get("transactions", [])]
        match = ContractMatch(
            intent.contract_type,
            intent.symbol,
            intent.amount if intent.basis == "stake" else None,
            max_price if max_price is not None else float("inf"),
        )
        found, _count = pick(
            candidates_from(open_now, closed, lines),
            match,
            earliest=earliest,
            latest=latest,
            claimed=self._claimed,
        )
        if found is None:
            return BuyOutcome(
                intent.intent_id,
                bought=False,
                reconciled=True,
                detail="no matching contract in the account's records",
            )
        self._claimed.add(found.contract_id)
        return BuyOutcome(
            intent.intent_id,
            bought=True,
            contract_id=found.contract_id,
            transaction_id=found.transaction_id,
            buy_price=found.buy_price,
            purchase_time=found.purchase_time,
            reconciled=True,
            detail=f"found in {found.source}",
        )

    @asynccontextmanager
    async def follow(
        self, contract_id: int
    ) -> AsyncIterator[AsyncIterator[OpenContract | ConnectionRestored]]:
        """Stream one contract's updates until it is sold."""
        async with self.client.open_contract_stream(contract_id) as stream:
            yield stream

    async def contract(self, contract_id: int) -> OpenContract | None:
        """The contract's state now, ``None`` when the account does not know it."""
        data = await self.client.call("proposal_open_contract", contract_id=contract_id)
        if not data:
            return None
        return OpenContract.from_payload(data)

    def transactions(self) -> AbstractAsyncContextManager[AsyncIterator[Any]]:
        """The account's transaction stream."""
        return self.client.transaction()
