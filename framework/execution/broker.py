"""What the execution actor needs from a live API client, as a small protocol.

The execution actor never talks to the connection or the client directly: it talks to a
:class:`Broker`. The live implementation (:class:`~framework.execution.live.ClientBroker`)
sits on the typed client; tests may give a scripted one. Keeping the seam this narrow is
what lets the actor's rules (journal before sending, one outcome per buy or order, settle
once) be read in one file.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

from framework.client.results import BuyOutcome, OrderOutcome
from framework.connection import ConnectionRestored, Unreadable
from framework.deriv.models import OpenContract, Proposal
from framework.strategy.events import ContractOrder, TradeIntent

__all__ = ["Broker", "BuyOutcome", "OrderOutcome"]


class Broker(Protocol):
    """The live account, as the execution actor uses it."""

    async def quote(self, intent: TradeIntent) -> Proposal:
        """Price an intent (a ``proposal`` without subscription).

        Raises:
            APIError: the server refused to price it (typed by code).
        """
        ...

    async def buy(
        self, intent: TradeIntent, proposal: Proposal | None, *, may_send: Callable[[], bool]
    ) -> BuyOutcome:
        """Buy a quoted proposal at most at its ask price, ``passthrough`` carrying the intent.

        Without a proposal, buy the intent's contract by its ``parameters`` in one round
        trip, at most at its stake (only for a contract whose price is its stake:
        :func:`~framework.execution.policy.priced_by_stake`).

        ``may_send`` is asked right before the buy is written (after any wait for its
        turn); when it says no, nothing is sent and the outcome is not bought, ``detail``
        starting with "not sent".

        Returns the one outcome of the buy: bought (from the answer, or reconciled from the
        account's records when the answer was lost), or refused (``error`` set).

        Raises:
            NotConnected: the connection was down; nothing was sent.
            OutcomeUnknown: the answer was lost and reconciliation could not decide yet.
        """
        ...

    async def reconcile(
        self, intent: TradeIntent, sent_epoch: int, max_price: float | None = None
    ) -> BuyOutcome:
        """Decide, from the account's records, whether a buy of ``intent`` happened.

        Used for a buy whose outcome stayed unknown, now or in a previous process (the
        journal left it ``sending``).

        Args:
            intent: the intent.
            sent_epoch: the server epoch known when its buy left (journaled at send).
            max_price: the most that buy could have paid, when known.

        Raises:
            APIError: the records could not be read (the caller tries again later).
        """
        ...

    async def order(self, order: ContractOrder) -> OrderOutcome:
        """Send a sell, ``contract_update`` or ``cancel`` order; return its one outcome.

        Done (from the answer, or decided from the contract's state when the answer was
        lost), refused (``error`` set), or not sent (``error`` unset, not done: the
        connection was down).

        Raises:
            OutcomeUnknown: the answer was lost and the contract's state cannot be read
                yet (decide it later with :meth:`decide_order`).
        """
        ...

    async def decide_order(self, order: ContractOrder) -> OrderOutcome:
        """Decide, from the contract's state, whether an order whose answer was lost happened.

        Used for an order whose outcome stayed unknown, now or in a previous process (the
        journal left it ``sending``).

        Raises:
            APIError: the contract's state could not be read (the caller tries again later).
        """
        ...

    def server_epoch(self) -> int | None:
        """The latest epoch the server stamped on anything received (``None``: nothing yet).

        The actor journals it when a buy leaves: the server's clock read at least that
        then, so no contract bought earlier can be that buy's.
        """
        ...

    def follow(
        self, contract_id: int
    ) -> AbstractAsyncContextManager[AsyncIterator[OpenContract | ConnectionRestored | Unreadable]]:
        """Stream ``proposal_open_contract`` updates of one contract until it is sold.

        An update that could not be read comes as an :class:`Unreadable` in its place.
        """
        ...

    async def contract(self, contract_id: int) -> OpenContract | None:
        """The contract's state now (one ``proposal_open_contract``), ``None`` if unknown.

        Raises:
            PayloadError: the answer could not be read (logged and counted already).
        """
        ...

    def transactions(self) -> AbstractAsyncContextManager[AsyncIterator[Any]]:
        """Stream the account's transactions (or ``ConnectionRestored``, ``Unreadable``)."""
        ...
