"""The one place an account-level command reaches a server: connect, authorize, check, run.

:func:`run_session` takes the command's endpoint options, the API calls it will make and its
body (an async function of a :class:`Session`), and:

1. reads the token (``--token-file`` or ``DERIV_TOKEN``); with the embedded simulator and no
   token it uses the simulator's demo token, shaped by ``--sim-account/--sim-scopes``;
2. starts the embedded simulator in this process when no ``--endpoint`` is given;
3. connects (the connection actor, so keepalive and rate limits apply) and, when any of the
   calls needs a login, authorizes;
4. compares ``authorize.scopes`` with every call the command declared, **before sending any
   of them** (:func:`framework.scopes.require_scopes`, the check ``triobot run`` makes), and
   stops with :class:`~framework.scopes.MissingScopes` naming each missing scope and the
   calls needing it (exit 3);
5. runs the body and turns every failure into one line on stderr (and a JSON ``error``
   document with ``--json``) and an exit code: 1 for an API error, an unreachable server or
   a lost answer; 2 for a request the API schema rejects; 3 for a missing scope or a token
   refused or malformed (never echoed).

A server that cannot be reached fails within the connection's first-connection budget (a few
seconds, :mod:`framework.connection.backoff`), whether the command is one-shot or follows a
stream; only a connection that worked once is waited for.

The session's connection (:class:`DeclaredConnection`) refuses a call the command did not
declare: the up-front scope check must cover everything the command can send.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import trio

from framework.client import Client
from framework.connection import (
    AuthorizationFailed,
    BackoffPolicy,
    Connection,
    ConnectionClosed,
    ConnectionSettings,
    NeverConnected,
    NotConnected,
    OutcomeUnknown,
    ReconnectExhausted,
    RequestTimeout,
    Stream,
    TransportError,
)
from framework.deriv.calls import ALL_SCOPES, get_call
from framework.deriv.errors import APIError, LocalProtocolError, RemoteProtocolError
from framework.deriv.models import Authorize
from framework.deriv.protocol import Reply
from framework.errors import UserError
from framework.logs import configure_logging
from framework.runtime.groups import sole_error
from framework.scopes import EXIT_SCOPES, MissingScopes, call_needs, require_scopes
from framework.simulator import (
    DEMO_TOKEN,
    PAYMENT_AGENT_TOKEN,
    Simulator,
    SimulatorConfig,
    TokenConfig,
    run_simulator,
)

from .options import TOKEN_ENV, EndpointOptions, read_token
from .output import Output

__all__ = ["DeclaredConnection", "Session", "run_session"]

# A one-shot command gives up quickly on a server it cannot reach or loses; a command that
# follows a stream (--watch) holds on through outages like a bot does. Neither waits long for a
# server it never reached: the connection's first-connection budget bounds both.
_CLI_BACKOFF = BackoffPolicy(initial=0.25, maximum=1.0, max_attempts=2, healthy_after=5.0)
_FOLLOW_BACKOFF = BackoffPolicy()


class DeclaredConnection(Connection):
    """A connection that sends only the calls its command declared.

    The scope check runs once, up front, over the declared calls; refusing anything else
    here (typed client methods and generic calls alike go through :meth:`request` and
    :meth:`subscribe`) keeps that check complete.
    """

    def __init__(self, settings: ConnectionSettings, calls: Sequence[str]) -> None:
        super().__init__(settings)
        self.declared = frozenset(calls)

    def _check(self, call: str) -> None:
        if call not in self.declared:
            # A programming error: the up-front scope check did not cover this call.
            raise RuntimeError(f"{call} was not declared in the command's calls")

    async def request(self, call: str, *args: Any, **kwargs: Any) -> Reply:
        """:meth:`Connection.request` for a declared call."""
        self._check(call)
        return await super().request(call, *args, **kwargs)

    @asynccontextmanager
    async def subscribe(self, call: str, *args: Any, **kwargs: Any) -> AsyncIterator[Stream[Any]]:
        """:meth:`Connection.subscribe` for a declared call."""
        self._check(call)
        async with super().subscribe(call, *args, **kwargs) as stream:
            yield stream


class Session:
    """A connected (and, when needed, authorized) endpoint, for one command's body.

    Commands use the typed :attr:`client` (its results are what they print); :meth:`call`
    is the generic caller behind ``triobot api call``.

    Attributes:
        client: the typed client, over a connection that refuses undeclared calls.
        options: the endpoint options the command was given.
        output: where the command prints.
        simulator: the embedded simulator, or ``None`` with ``--endpoint``.
        token_source: where the token came from, for messages (never the token itself).
    """

    def __init__(
        self,
        client: Client,
        *,
        options: EndpointOptions,
        output: Output,
        simulator: Simulator | None,
        token_source: str,
    ) -> None:
        self.client = client
        self.options = options
        self.output = output
        self.simulator = simulator
        self.token_source = token_source

    @property
    def authorization(self) -> Authorize | None:
        """The ``authorize`` answer, or ``None`` when the command needed no login."""
        return self.client.connection.authorization

    @property
    def account(self) -> Authorize:
        """The ``authorize`` answer of a command that declared a call needing a login."""
        auth = self.authorization
        if auth is None:  # pragma: no cover - run_session authorizes when a call needs it
            raise RuntimeError("no authorized account: declare a call that needs a login")
        return auth

    async def call(self, name: str, /, **fields: Any) -> Any:
        """Make one declared call by name; return its payload (``triobot api call``).

        Raises:
            APIError: the server refused; LocalProtocolError: the schema rejects the request.
        """
        return await self.client.call(name, timeout=self.options.timeout, **fields)


Body = Callable[[Session], Awaitable[int]]


def _demo_token(options: EndpointOptions) -> tuple[str, TokenConfig | None]:
    """The embedded simulator's token for ``--sim-account/--sim-scopes``, and its config."""
    if options.sim_account == "agent":
        return PAYMENT_AGENT_TOKEN, None  # the simulator always has its payment agent
    if options.sim_account == "virtual" and options.sim_scopes == ALL_SCOPES:
        return DEMO_TOKEN, TokenConfig(DEMO_TOKEN)
    # One token per shape: a state file keeps a token's scopes, so a new shape needs a new
    # token (the account behind it is the same demo user's).
    name = "-".join(("demo", options.sim_account, *options.sim_scopes))
    return name, TokenConfig(name, options.sim_scopes, options.sim_account)


def _simulator_config(options: EndpointOptions, demo: TokenConfig | None) -> SimulatorConfig:
    tokens = (demo,) if demo is not None else (TokenConfig(DEMO_TOKEN),)
    return SimulatorConfig(
        port=0, balance=options.sim_balance, state=options.sim_state, tokens=tokens
    )


def run_session(
    options: EndpointOptions,
    calls: Sequence[str],
    body: Body,
    *,
    output: Output | None = None,
    follow: bool = False,
) -> int:
    """Connect as ``options`` say, check the token for ``calls``, run ``body``; the exit code.

    Args:
        options: endpoint, token and output options.
        calls: every API call ``body`` may make (checked against the token's scopes first).
        body: the command; returns its exit code.
        output: the printer (default: per ``options.json``).
        follow: the command follows a stream for long: reconnect patiently.

    Returns:
        ``body``'s exit code, or 1 / 2 / 3 after printing what went wrong.

    Raises:
        UserError: no token for a command that needs one on a real server (exit 2), and
            any :class:`UserError` the body raises.
    """
    out = output or Output(json_mode=options.json)
    specs = [get_call(name) for name in calls]
    needs_login = any(spec.auth_required for spec in specs)
    token = read_token(options)
    if token is not None:
        source = f"--token-file {options.token_file}" if options.token_file else TOKEN_ENV
    else:
        source = "the embedded simulator's demo token"
    sim_config: SimulatorConfig | None = None
    if options.embedded:
        demo_token, demo = _demo_token(options)
        sim_config = _simulator_config(options, demo)
        token = token or demo_token
    elif needs_login and token is None:
        needing = next(spec.name for spec in specs if spec.auth_required)
        raise UserError(
            f"{needing} needs a login: put the API token in {TOKEN_ENV} or a file given "
            "with --token-file",
            exit_code=2,
        )
    # Every failure that ends the command is reported once, by _report; the connection's own
    # log lines would repeat it (or, for a reconnect, say what the stream's notes say).
    configure_logging(fmt="console", level=logging.CRITICAL, stream=sys.stderr)

    async def main() -> int:
        async with trio.open_nursery() as nursery:
            simulator: Simulator | None = None
            if sim_config is not None:
                simulator = await nursery.start(run_simulator, sim_config)
                url = options.url(simulator.url)
            else:
                url = options.url()
            settings = ConnectionSettings(
                url=url,
                tokens=(token,) if needs_login and token else (),
                request_timeout=options.timeout,
                handshake_timeout=options.timeout,
                backoff=_FOLLOW_BACKOFF if follow else _CLI_BACKOFF,
            )
            connection = DeclaredConnection(settings, calls)
            await nursery.start(connection.run)
            session = Session(
                Client(connection),
                options=options,
                output=out,
                simulator=simulator,
                token_source=source,
            )
            auth = session.authorization
            if auth is not None:
                require_scopes(call_needs(calls), auth.scopes, token_source=source)
            try:
                return await body(session)
            finally:
                nursery.cancel_scope.cancel()

    try:
        return trio.run(main)
    except BaseException as raised:
        exc = sole_error(raised) if isinstance(raised, BaseExceptionGroup) else raised
        if isinstance(exc, MissingScopes):
            out.error(exc.code, str(exc))
            return EXIT_SCOPES
        code = _report(exc, out, options, source)
        if code is not None:
            return code
        if isinstance(exc, UserError | KeyboardInterrupt | SystemExit):
            raise exc from None
        raise


def _report(exc: BaseException, out: Output, options: EndpointOptions, source: str) -> int | None:
    """Print ``exc`` as one line (and a JSON error); its exit code, ``None`` if not handled
    here (a :class:`UserError` the command line prints, or a bug)."""
    where = "the embedded simulator" if options.embedded else options.endpoint
    if isinstance(exc, AuthorizationFailed):
        message = f"the API token ({source}) was refused: {exc.message.rstrip('.')}"
        if options.embedded:
            message += "; the embedded simulator knows only its own tokens (use --endpoint)"
        out.error(exc.code, message)
        return EXIT_SCOPES
    if isinstance(exc, APIError):
        out.error(exc.code, exc.message, exc.details)
    elif isinstance(exc, LocalProtocolError):
        out.error("InvalidRequest", f"{exc.message} (not sent)")
        return 2
    elif isinstance(exc, OutcomeUnknown):
        out.error(
            "OutcomeUnknown",
            f"{exc.call} was sent but its answer was lost: it may or may not have happened. "
            "Check 'triobot account statement' before trying again.",
        )
    elif isinstance(exc, NeverConnected):
        out.error("ConnectionFailed", str(exc))
    elif isinstance(exc, ReconnectExhausted):
        out.error("ConnectionFailed", f"cannot reach {where}: {exc.last_error}")
    elif isinstance(exc, RequestTimeout | NotConnected | ConnectionClosed | TransportError):
        out.error("ConnectionFailed", f"{where}: {exc}")
    elif isinstance(exc, RemoteProtocolError):
        out.error("BadAnswer", f"{where} sent an answer that is not valid: {exc}")
    else:
        return None
    return 1
