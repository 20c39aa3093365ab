"""The request pipeline: one decoded frame in, answers out, in the real server's order.

``dispatch`` runs, for each request:

1. decode (after NFC normalisation, as the server does): malformed JSON -> :class:`CloseConnection`
   1007 (the newest server closes the socket); valid JSON that is not an object ->
   ``BadRequest``; a key or value failing the server's sanity patterns
   (:mod:`framework.deriv.sanity`) -> ``SanityCheckFailed`` with ``msg_type: "sanity_check"``
   and an empty ``echo_req`` and no ``req_id`` (the server empties the request before
   answering);
2. find the call (first known call key) -> ``UnrecognisedRequest`` with ``msg_type: "error"``;
3. rate limit -> ``RateLimit``;
4. validate against the call's request schema, with the server's coercion (``"1"`` for 1)
   -> ``InputValidationFailed`` with one ``details`` entry per field; fill schema defaults;
5. ``AuthorizationRequired`` "Please log in." when the call needs a login;
6. ``PermissionDenied`` when the token holds none of the call's scopes - the token of the
   account the call acts on: after a multi-token ``authorize`` that is the one that
   authorized ``loginid`` (:func:`require_scopes`);
7. run the handler; a call of the real API the simulator does not implement answers
   ``UnrecognisedRequest`` naming it ("The simulator does not implement ...").

Handlers are synchronous: they read and change the in-memory state and queue answers
through :class:`Call`; they raise :class:`SimError` (or the market model's and the bank's
errors, translated here) to answer an error.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import attrs

from framework.deriv.calls import CallSpec, call_of_request
from framework.deriv.sanity import SANITY_MESSAGE, sanity_failure
from framework.deriv.validate import validate
from framework.market.errors import MarketError

from .accounts import Account, BankError, Token
from .envelope import Envelope, SimError

if TYPE_CHECKING:
    from .core import SimCore
    from .session import Session

__all__ = [
    "Call",
    "CloseConnection",
    "Handler",
    "binary_frame",
    "dispatch",
    "not_implemented",
    "require_scopes",
]

#: The call a binary frame belongs to on the real server: document upload chunks.
UPLOAD_CALL = "document_upload"


# Control flow, not an error: the server loop catches it and closes the socket; no caller or
# user ever sees it. That is why it stands outside framework.errors.TriobotError.
class CloseConnection(Exception):
    """The server must close the connection with ``code`` (after sending nothing more)."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"close {code}: {reason}")
        self.code = code
        self.reason = reason


@attrs.define(eq=False)
class Call:
    """One request being handled.

    Attributes:
        core: the simulator state.
        session: the connection.
        spec: the call.
        args: the validated request (coerced, schema defaults filled in).
        envelope: what every answer repeats.
    """

    core: SimCore
    session: Session
    spec: CallSpec
    args: dict[str, Any]
    envelope: Envelope

    @property
    def msg_type(self) -> str:
        """The call's (first) answer type."""
        return self.spec.msg_types[0]

    def now(self) -> int:
        """The current simulated epoch."""
        return self.core.clock.epoch()

    def reply(
        self,
        payload: Any,
        *,
        msg_type: str | None = None,
        subscription: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """Queue the answer."""
        self.session.push(
            self.envelope.message(
                msg_type or self.msg_type, payload, subscription=subscription, extra=extra
            )
        )

    @property
    def account(self) -> Account:
        """The account the call acts on: ``loginid`` if given, else the logged-in one.

        Raises:
            SimError: ``AuthorizationRequired`` when nobody is logged in,
                ``PermissionDenied`` for a ``loginid`` not authorized on this connection.
        """
        session = self.session
        token = session.token_for(self.args.get("loginid"))
        if session.account is not None and token.loginid == session.account.loginid:
            return session.account
        return self.core.bank.account(token.loginid)


Handler = Callable[[Call], None]


def require_scopes(spec: CallSpec, token: Token) -> None:
    """Refuse ``spec`` unless ``token`` holds one of its scopes.

    Raises:
        SimError: ``PermissionDenied`` with the server's "requires [_1] scope" text.
    """
    if not spec.allowed_by(token.scopes):
        raise SimError("PermissionDenied", f"Permission denied, requires {spec.scopes[0]} scope.")


def _defaults(spec: CallSpec, args: dict[str, Any]) -> dict[str, Any]:
    for name, prop in spec.request.get("properties", {}).items():
        if name not in args and isinstance(prop, Mapping) and "default" in prop:
            args[name] = prop["default"]
    return args


def _validation_error(problems: list[Any]) -> SimError:
    details: dict[str, str] = {}
    general: list[str] = []
    for problem in problems:
        if problem.path:
            details.setdefault(problem.path, problem.message)
        else:
            general.append(problem.message)
    names = list(details) + [m for m in general if m not in details]
    return SimError(
        "InputValidationFailed", "Input validation failed: " + ", ".join(names), details or None
    )


def not_implemented(name: str) -> SimError:
    """The answer to a call of the real API that the simulator does not implement."""
    return SimError(
        "UnrecognisedRequest", f"The simulator does not implement {name}.", {"call": name}
    )


def decode(text: str) -> Any:
    """Decode one text frame, NFC-normalised first as the real server does.

    Raises:
        CloseConnection: 1007 for malformed JSON, as the real server does.
    """
    try:
        return json.loads(unicodedata.normalize("NFC", text))
    except ValueError:
        raise CloseConnection(1007, "malformed JSON") from None


def dispatch(
    core: SimCore,
    session: Session,
    request: Any,
    handlers: Mapping[str, Handler],
) -> CallSpec | None:
    """Handle one decoded request; answers go to ``session.push``.

    Args:
        core: the simulator state.
        session: the connection.
        request: the decoded JSON value.
        handlers: implemented calls by name.

    Returns:
        The call handled (``None`` when the request named no call).
    """
    if not isinstance(request, dict):
        envelope = Envelope({}, None, None)
        session.push(
            envelope.error(
                "error",
                SimError("BadRequest", "The application sent an invalid request."),
            )
        )
        return None
    if sanity_failure(request) is not None:
        session.push(
            Envelope({}).error("sanity_check", SimError("SanityCheckFailed", SANITY_MESSAGE))
        )
        return None
    spec = call_of_request(request)
    envelope = Envelope.of(request, spec)
    if spec is None:
        session.push(
            envelope.error("error", SimError("UnrecognisedRequest", "Unrecognised request."))
        )
        return None
    msg_type = spec.msg_types[0]
    try:
        if not session.rate.allow(session.client, spec.name, core.clock.now()):
            raise SimError("RateLimit", f"You have reached the rate limit for {spec.name}.")
        forced = core.faults.forced_error(spec.name)
        if forced is not None:
            raise forced
        args, problems = validate(spec.request, request, coerce=True)
        if problems:
            raise _validation_error(problems)
        args = _defaults(spec, args)
        if spec.auth_required:
            require_scopes(spec, session.token_for(args.get("loginid")))
        handler = handlers.get(spec.name)
        if handler is None:
            raise not_implemented(spec.name)
        handler(Call(core, session, spec, args, envelope))
    except SimError as err:
        session.push(envelope.error(msg_type, err))
    except (MarketError, BankError) as err:
        session.push(envelope.error(msg_type, SimError(err.code, err.message, err.details)))
    return spec


def binary_frame(session: Session) -> None:
    """Answer a binary frame.

    The real server reads binary frames as chunks of a ``document_upload`` and answers an
    error, keeping the connection, for one that belongs to no upload. The simulator does
    not implement document uploads, so every binary frame gets that call's
    not-implemented error (an assumption: the real error's code is not in the reference).
    """
    session.push(Envelope({}).error(UPLOAD_CALL, not_implemented(UPLOAD_CALL)))
