"""The embedding API: start a simulator inside a Trio program and inspect or disturb it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import attrs
import trio

from framework.deriv.calls import ALL_SCOPES
from framework.deriv.models import Tick
from framework.deriv.protocol import DEFAULT_APP_ID

from .accounts import Account, Token, Transaction
from .config import SimulatorConfig
from .core import SimCore
from .faults import Faults
from .handlers import HANDLERS
from .outbox import Outbox
from .server import StreamServer, serve
from .trading import Contract

__all__ = ["Simulator", "open_simulator", "run_simulator"]


class Simulator:
    """A running simulator.

    Attributes:
        core: the whole state (bank, feeds, desk...), for what the helpers do not cover.
        host: the interface it listens on.
        port: the TCP port (the real one when the config said 0).
    """

    def __init__(
        self,
        core: SimCore,
        listeners: list[trio.SocketListener],
        server: StreamServer,
        nursery: trio.Nursery,
    ) -> None:
        self.core = core
        self._server = server
        self._connections = server.connections
        self._nursery = nursery
        sockname = listeners[0].socket.getsockname()
        self.host: str = core.config.host
        self.port: int = sockname[1]

    # -- where and who -------------------------------------------------------------------

    @property
    def url(self) -> str:
        """``ws://HOST:PORT/websockets/v3`` (add ``?app_id=N``, or use :meth:`app_url`)."""
        return f"ws://{self.host}:{self.port}/websockets/v3"

    def app_url(self, app_id: int = DEFAULT_APP_ID) -> str:
        """The URL with an ``app_id`` query (by default Deriv's documented test app)."""
        return f"{self.url}?app_id={app_id}"

    def serve_stream(self, stream: trio.abc.Stream) -> None:
        """Serve one more client on an already open byte stream, as if it came in on the port.

        The client end speaks WebSocket as over TCP (handshake, frames, closing codes) and
        faults apply alike; :func:`framework.simulator.memory.memory_connector` pairs this
        with an in-memory stream so that tests need no socket.
        """
        self._nursery.start_soon(self._server.handle, stream)

    @property
    def tokens(self) -> list[Token]:
        """The configured tokens, in configuration order."""
        return list(self.core.configured)

    @property
    def token(self) -> str:
        """The first configured token's secret (the demo token by default)."""
        return self.core.configured[0].token

    @property
    def loginid(self) -> str:
        """The account the first configured token logs in to."""
        return self.core.configured[0].loginid

    @property
    def accounts(self) -> dict[str, Account]:
        """Every account by loginid (live objects: balances change as trading happens)."""
        return self.core.bank.accounts

    def open_account(
        self,
        *,
        virtual: bool = True,
        balance: float = 10000.0,
        scopes: Iterable[str] = ALL_SCOPES,
    ) -> tuple[Account, Token]:
        """Open an account for a new user, with one API token; return both."""
        bank = self.core.bank
        now = self.core.clock.epoch()
        account = bank.open_account(virtual=virtual, balance=balance, now=now)
        token = bank.issue_token(account.loginid, scopes, now=now, display_name="test")
        return account, token

    def issue_token(self, loginid: str, scopes: Iterable[str] = ALL_SCOPES) -> Token:
        """Create another token for an existing account."""
        return self.core.bank.issue_token(loginid, scopes, now=self.core.clock.epoch())

    # -- inspection ----------------------------------------------------------------------

    def balance(self, loginid: str | None = None) -> float:
        """Current balance (of the default account when ``loginid`` is omitted)."""
        return self.core.bank.account(loginid or self.loginid).balance

    def contracts(self, loginid: str | None = None, *, open_only: bool = False) -> list[Contract]:
        """Contracts held by an account (default account when omitted), oldest first."""
        return self.core.desk.of_account(loginid or self.loginid, open_only=open_only)

    def statement(self, loginid: str | None = None) -> list[Transaction]:
        """Statement entries of an account, oldest first."""
        return list(self.core.bank.transactions.get(loginid or self.loginid, []))

    def last_tick(self, symbol: str) -> Tick:
        """The latest tick of ``symbol`` (starting its feed if needed)."""
        return self.core.feeds.get(symbol).last

    def epoch(self) -> int:
        """The simulated clock's current epoch."""
        return self.core.clock.epoch()

    @property
    def outbox(self) -> Outbox:
        """Verification emails (codes for ``new_account_virtual``, payment agents...)."""
        return self.core.outbox

    @property
    def faults(self) -> Faults:
        """Fault-injection controls shared by every connection."""
        return self.core.faults

    @property
    def connection_count(self) -> int:
        """How many clients are connected now."""
        return len(self._connections)

    def subscriptions(self) -> list[dict[str, Any]]:
        """Open streams of every connection (``connection``, ``id``, ``kind``)."""
        return [
            {"connection": c.number, "id": sub.id, "kind": sub.kind}
            for c in self._connections
            for sub in c.session.subscriptions.values()
        ]

    def drop_connections(self) -> int:
        """Cut every connection now, without a closing handshake; return how many."""
        live = list(self._connections)
        for connection in live:
            connection.drop()
        return len(live)


async def run_simulator(
    config: SimulatorConfig,
    *,
    task_status: trio.TaskStatus[Simulator] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Run a simulator until cancelled; ``await nursery.start(run_simulator, config)``.

    Args:
        config: the configuration.
        task_status: receives the :class:`Simulator` once it accepts connections.
    """
    core: SimCore | None = None
    try:
        async with trio.open_nursery() as nursery:
            core = SimCore(config, nursery)
            server = StreamServer(core, HANDLERS)
            listeners = await nursery.start(serve, server)
            task_status.started(Simulator(core, listeners, server, nursery))
    finally:
        if core is not None:
            core.close()


@asynccontextmanager
async def open_simulator(
    config: SimulatorConfig | None = None, **overrides: Any
) -> AsyncIterator[Simulator]:
    """Run a simulator for the duration of an ``async with`` block.

    Args:
        config: the configuration (defaults: loopback, any free port, one demo token).
        **overrides: fields of :class:`SimulatorConfig` to change (``seed=7``, ``speed=10``).

    Yields:
        The running :class:`Simulator`.
    """
    config = attrs.evolve(config or SimulatorConfig(), **overrides)
    async with trio.open_nursery() as nursery:
        sim: Simulator = await nursery.start(run_simulator, config)
        try:
            yield sim
        finally:
            nursery.cancel_scope.cancel()
