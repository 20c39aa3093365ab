"""The typed Deriv API client and the buy/sell outcomes it reports.

Usage::

    async with open_client(ConnectionSettings(url=..., tokens=(token,))) as client:
        async with client.ticks("R_100") as ticks:
            async for tick in ticks:
                ...

or, inside a supervisor's nursery, ``client = Client(await nursery.start(Connection(s).run))``.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio

from ..connection import Connection, ConnectionSettings
from ..transport import Connector
from .client import Client as Client
from .reconciler import Reconciler as Reconciler
from .results import ApiToken as ApiToken
from .results import App as App
from .results import BuyOutcome as BuyOutcome
from .results import ContractMatch as ContractMatch
from .results import NewAccount as NewAccount
from .results import OrderOutcome as OrderOutcome
from .results import PaymentAgentMove as PaymentAgentMove
from .results import PortfolioContract as PortfolioContract
from .results import ProfitTableEntry as ProfitTableEntry
from .results import StatementEntry as StatementEntry
from .results import TickHistory as TickHistory
from .results import TopUp as TopUp

__all__ = [
    "ApiToken",
    "App",
    "BuyOutcome",
    "Client",
    "ContractMatch",
    "NewAccount",
    "OrderOutcome",
    "PaymentAgentMove",
    "PortfolioContract",
    "ProfitTableEntry",
    "Reconciler",
    "StatementEntry",
    "TickHistory",
    "TopUp",
    "open_client",
]


@asynccontextmanager
async def open_client(
    settings: ConnectionSettings,
    *,
    connector: Connector | None = None,
    rng: random.Random | None = None,
) -> AsyncIterator[Client]:
    """Run a connection for the duration of the block and yield a client over it.

    Returns once connected and authorized. If the connection cannot be made
    (``NeverConnected``, ``AuthorizationFailed``) that error is raised as itself. If it
    fails for good later (``ReconnectExhausted``, ``AuthorizationFailed``) the block is
    cancelled and the error propagates (inside an exception group, as from any nursery).
    """
    connection = Connection(settings, connector=connector, rng=rng)
    started = False
    try:
        async with trio.open_nursery() as nursery:
            await nursery.start(connection.run)
            started = True
            try:
                yield Client(connection)
            finally:
                nursery.cancel_scope.cancel()
    except BaseExceptionGroup as group:
        if started:
            raise
        # Only the connection ran yet, so the group holds its one failure: raise it as itself.
        error = group.exceptions[0]
        raise error from error.__cause__
