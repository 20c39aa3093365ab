"""Per-connection state: who is logged in, open streams, registered proposals.

Like the real server, all of it lives and dies with the connection: ids are valid only on
the connection that created them, and a disconnect forgets every stream and proposal. The
rate-limit budgets are the exception: they belong to the client
(:func:`~framework.deriv.ratelimits.client_key`) and outlive its connections.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from framework.deriv.ratelimits import client_key

from .envelope import Envelope, SimError, dumps, new_id
from .ratelimit import LOCAL_PEER, Peer, RateLimiter

if TYPE_CHECKING:
    from framework.market.contracts import ContractSpec

    from .accounts import Account, Token

__all__ = ["ProposalRecord", "Session", "Subscription"]


@attrs.define(eq=False)
class Subscription:
    """One open stream of a connection.

    Attributes:
        id: the ``subscription.id`` (a UUID).
        kind: its ``forget_all`` stream type (``ticks``, ``candles``, ``proposal``...).
        key: what makes two requests duplicates (``None``: never a duplicate).
        envelope: the opening request's envelope, repeated on every message.
        msg_type: the messages' ``msg_type``.
        session: the owning connection.
        cleanups: run once when the stream ends (unhook from feeds, accounts...).
    """

    id: str
    kind: str
    key: Hashable | None
    envelope: Envelope
    msg_type: str
    session: Session
    cleanups: list[Callable[[], None]] = attrs.field(factory=list)
    active: bool = True

    def emit(
        self,
        payload: Any,
        *,
        msg_type: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """Send one stream message."""
        if self.active:
            self.session.push(
                self.envelope.message(
                    msg_type or self.msg_type, payload, subscription=self.id, extra=extra
                )
            )

    def emit_error(self, err: SimError) -> None:
        """Send an error on the stream (it stays open)."""
        if self.active:
            message = self.envelope.error(self.msg_type, err)
            message["subscription"] = {"id": self.id}
            self.session.push(message)

    def end(self) -> None:
        """Close the stream (after its final message)."""
        self.session.forget(self.id)


@attrs.define(eq=False)
class ProposalRecord:
    """A proposal id registered on a connection (subscribed or not).

    Attributes:
        id: the proposal id, valid for ``buy`` until bought, forgotten or disconnected.
        contract: the priced contract.
        request: the validated request, to re-price at purchase.
        ask_price: the last ask price sent.
        payout: the last payout sent.
        subscription: its stream when ``subscribe: 1``.
    """

    id: str
    contract: ContractSpec
    request: Mapping[str, Any]
    ask_price: float
    payout: float
    subscription: Subscription | None = None


class Session:
    """The state of one client connection.

    Attributes:
        app_id: the ``app_id`` the client connected with.
        account: the account in use (``None`` until authorized).
        token: the token that authorized it.
        authorized: every account authorized on this connection (several with ``tokens``).
        subscriptions: open streams by id.
        proposals: registered proposal ids.
        peer: who connected (IP address, ``User-Agent``).
        rate: the simulator's rate-limit counters, shared by every connection.
        closed: set once the connection is gone.
    """

    def __init__(
        self,
        *,
        app_id: int,
        push: Callable[[str], None],
        rate: RateLimiter,
        peer: Peer = LOCAL_PEER,
        number: int = 0,
    ) -> None:
        """Create a session.

        Args:
            app_id: the connection's app id.
            push: hands one serialised message to the connection's writer.
            rate: the shared rate-limit counters.
            peer: who connected.
            number: a connection number, for logs.
        """
        self.app_id = app_id
        self.number = number
        self._push = push
        self.account: Account | None = None
        self.token: Token | None = None
        self.authorized: dict[str, Token] = {}
        self.subscriptions: dict[str, Subscription] = {}
        self.proposals: dict[str, ProposalRecord] = {}
        self.peer = peer
        self.rate = rate
        self.closed = False

    @property
    def client(self) -> str:
        """The key of the client's rate-limit budgets (it changes with ``authorize``)."""
        loginid = self.account.loginid if self.account is not None else None
        return client_key(self.app_id, loginid, self.peer.ip, self.peer.user_agent)

    # -- output --------------------------------------------------------------------------

    def push(self, message: Mapping[str, Any] | str) -> None:
        """Queue one message for the client (dropped once the session is closed)."""
        if not self.closed:
            self._push(message if isinstance(message, str) else dumps(message))

    # -- auth ----------------------------------------------------------------------------

    def token_for(self, loginid: str | None) -> Token:
        """The token that authorized the account a call acts on (``loginid``, else the current).

        After a multi-token ``authorize`` each account keeps its own token's scopes: a
        ``read`` token does not trade because another token of the connection may.

        Raises:
            SimError: ``AuthorizationRequired`` when nobody is logged in; ``PermissionDenied``
                for a ``loginid`` no token of this connection authorized.
        """
        if self.token is None:
            raise SimError("AuthorizationRequired", "Please log in.")
        if loginid is None:
            return self.token
        token = self.authorized.get(loginid)
        if token is None:
            raise SimError("PermissionDenied", f"Permission denied, {loginid} is not authorized.")
        return token

    def log_in(self, account: Account, token: Token, others: Iterable[Token] = ()) -> None:
        """Switch the connection to ``account``."""
        self.account = account
        self.token = token
        self.authorized = {token.loginid: token}
        for other in others:
            self.authorized[other.loginid] = other

    def log_out(self) -> None:
        """Forget the login (streams that need it are forgotten by the caller)."""
        self.account = None
        self.token = None
        self.authorized = {}

    # -- streams -------------------------------------------------------------------------

    def subscribe(
        self,
        kind: str,
        key: Hashable | None,
        envelope: Envelope,
        msg_type: str,
        *,
        what: str,
        sub_id: str | None = None,
    ) -> Subscription:
        """Open a stream.

        Args:
            kind: the ``forget_all`` stream type.
            key: duplicate key (``None``: duplicates allowed).
            envelope: the request's envelope.
            msg_type: messages' ``msg_type``.
            what: how ``AlreadySubscribed`` names it (the symbol for ticks, else the call).
            sub_id: a fixed id (proposals reuse their proposal id).

        Returns:
            The new stream.

        Raises:
            SimError: ``AlreadySubscribed`` when an open stream has the same key.
        """
        if key is not None:
            for sub in self.subscriptions.values():
                if sub.key == key:
                    raise SimError("AlreadySubscribed", f"You are already subscribed to {what}")
        sub = Subscription(sub_id or new_id(), kind, key, envelope, msg_type, self)
        self.subscriptions[sub.id] = sub
        return sub

    def forget(self, sub_id: str) -> bool:
        """End one stream; return whether it was open."""
        sub = self.subscriptions.pop(sub_id, None)
        if sub is None:
            return False
        sub.active = False
        proposal = self.proposals.get(sub_id)
        if proposal is not None and proposal.subscription is sub:
            del self.proposals[sub_id]
        for cleanup in sub.cleanups:
            cleanup()
        return True

    def forget_kinds(self, kinds: Iterable[str]) -> list[str]:
        """End every stream of the given types; return their ids."""
        wanted = set(kinds)
        ids = [sid for sid, sub in self.subscriptions.items() if sub.kind in wanted]
        for sid in ids:
            self.forget(sid)
        if "proposal" in wanted:
            self.proposals.clear()
        return ids

    def close(self) -> None:
        """Forget everything: the connection is gone."""
        self.closed = True
        for sid in list(self.subscriptions):
            self.forget(sid)
        self.proposals.clear()
