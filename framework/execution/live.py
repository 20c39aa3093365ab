"""The live :class:`~framework.execution.broker.Broker`: the execution actor's calls on the client.

Buying, and deciding a buy whose answer was lost, are the client's: :meth:`Client.buy`
returns exactly one outcome and its :class:`~framework.client.Reconciler` holds the one
claimed set. So are the orders on a contract (sell, ``contract_update``, cancel), decided
from the contract's state when their answer is lost. This adapter seeds that set with the
journal's contracts and hands the reconciler the buys and orders a *previous* process left
``sending``, described by their journal rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

from framework.client import Client
from framework.client.results import BuyOutcome, ContractMatch, OrderOutcome
from framework.connection import ConnectionRestored, Unreadable
from framework.deriv.models import OpenContract, Proposal
from framework.strategy.events import ContractOrder, TradeIntent

__all__ = ["ClientBroker"]


class ClientBroker:
    """Execution on a live :class:`~framework.client.Client`.

    Args:
        client: the client.
        known_contracts: contract ids already journaled (never attributed to another buy).
    """

    def __init__(self, client: Client, *, known_contracts: Iterable[int] = ()) -> None:
        self.client = client
        client.reconciler.claim(known_contracts)

    def server_epoch(self) -> int | None:
        """The latest server epoch the client has seen."""
        return self.client.server_epoch

    async def quote(self, intent: TradeIntent) -> Proposal:
        """Price the intent's contract: every term :meth:`TradeIntent.to_proposal` sends."""
        fields = intent.to_proposal()
        del fields["proposal"]
        return await self.client.proposal(**fields)

    async def buy(
        self, intent: TradeIntent, proposal: Proposal | None, *, may_send: Callable[[], bool]
    ) -> BuyOutcome:
        """Buy at most at the ask price, unless ``may_send`` says no by the buy's turn.

        Without a proposal: the intent's contract by its ``parameters``, at most at its
        stake. The client reconciles a lost answer.
        """
        if proposal is None:
            parameters = intent.to_proposal()
            del parameters["proposal"]
            return await self.client.buy(
                parameters, price=intent.amount, intent_id=intent.intent_id, may_send=may_send
            )
        return await self.client.buy(
            proposal, price=proposal.ask_price, intent_id=intent.intent_id, may_send=may_send
        )

    async def reconcile(
        self, intent: TradeIntent, sent_epoch: int, max_price: float | None = None
    ) -> BuyOutcome:
        """Decide from the account's records whether a buy of ``intent`` happened.

        Args:
            intent: the intent, as journaled.
            sent_epoch: the server epoch known when its buy left.
            max_price: the most the buy could have paid (from the journal), if known.
        """
        match = ContractMatch(
            intent.contract_type,
            intent.symbol,
            intent.amount if intent.basis == "stake" else None,
            max_price if max_price is not None else float("inf"),
        )
        reconciler = self.client.reconciler
        async with reconciler.turn():
            return await reconciler.decide(intent.intent_id, match, sent_epoch=sent_epoch)

    async def order(self, order: ContractOrder) -> OrderOutcome:
        """Send the order's call (``sell`` at its minimum price, ``contract_update``, ``cancel``).

        The client decides a lost answer from the contract's state.
        """
        client = self.client
        if order.kind == "sell":
            return await client.sell(order.contract_id, price=order.min_price or 0)
        if order.kind == "cancel":
            return await client.cancel(order.contract_id)
        return await client.contract_update(order.contract_id, order.limit_order())

    async def decide_order(self, order: ContractOrder) -> OrderOutcome:
        """Decide an order whose answer was lost from its contract's state."""
        return await self.client.reconciler.decide_order(
            order.kind,
            order.contract_id,
            limit_order=order.limit_order() if order.kind == "update" else None,
        )

    @asynccontextmanager
    async def follow(
        self, contract_id: int
    ) -> AsyncIterator[AsyncIterator[OpenContract | ConnectionRestored | Unreadable]]:
        """Stream one contract's updates until it is sold."""
        async with self.client.open_contract_stream(contract_id) as stream:
            yield stream

    async def contract(self, contract_id: int) -> OpenContract | None:
        """The contract's state now, ``None`` when the account does not know it."""
        data = await self.client.call("proposal_open_contract", contract_id=contract_id)
        if not data:
            return None
        return self.client.read("proposal_open_contract", OpenContract.from_payload, data)

    def transactions(self) -> AbstractAsyncContextManager[AsyncIterator[Any]]:
        """The account's transaction stream."""
        return self.client.transaction()
