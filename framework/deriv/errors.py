"""The protocol core's error tree.

Two families, after h11 and wsproto:

* :class:`ProtocolError` is about frames. :class:`LocalProtocolError` means *we* were about
  to send something the API would reject (unknown call, unknown field, wrong type...);
  :class:`RemoteProtocolError` means the server sent something that is not a Deriv message.
* :class:`APIError` is a well-formed ``{"error": {...}}`` answer from the server. There is one
  subclass per documented ``error.code`` so callers can ``except PriceMoved``; an unknown code
  still gives an :class:`APIError` that carries it. Each class knows whether retrying can help.

(``framework.deriv.oauth.OAuthError``, a bad OAuth argument or redirect, is the third member.)

:class:`DerivError`, the family's base, derives from :class:`framework.errors.TriobotError`, the
root of every error triobot raises. That module imports nothing async, so this package stays
importable without Trio.

The API error classes are written out one by one, not generated: the class statements are the
code table (``code=`` and ``retryable=`` on each), so there is nothing else for them to drift
from, and IDEs, docs and mypy see every class. Declaring a subclass with ``code=`` registers it
for :func:`error_class`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..errors import TriobotError

__all__ = [
    "APIError",
    "AlreadySubscribed",
    "AuthorizationRequired",
    "BadRequest",
    "CallError",
    "CallNotImplemented",
    "ContractBuyValidationError",
    "ContractCreationFailure",
    "ContractValidationError",
    "DailyLossLimitExceeded",
    "DailyTurnoverLimitExceeded",
    "DerivError",
    "DisabledClient",
    "GetProposalFailure",
    "InputValidationFailed",
    "InsufficientBalance",
    "InternalServerError",
    "InvalidAppID",
    "InvalidContractProposal",
    "InvalidEmail",
    "InvalidGranularity",
    "InvalidResidence",
    "InvalidSellContractProposal",
    "InvalidState",
    "InvalidStyle",
    "InvalidSymbol",
    "InvalidToken",
    "InvalidVerificationCode",
    "InvalidtoBuy",
    "InvalidtoSell",
    "LocalProtocolError",
    "MarketIsClosed",
    "NoOpenPosition",
    "OfferingsValidationError",
    "OpenPositionLimit",
    "OpenPositionLimitExceeded",
    "PayloadError",
    "PaymentAgentTransferError",
    "PaymentAgentWithdrawError",
    "PermissionDenied",
    "PriceMoved",
    "ProtocolError",
    "RateLimit",
    "RemoteProtocolError",
    "ResponseTooLarge",
    "SanityCheckFailed",
    "SellAtEntryTick",
    "Timeout",
    "TopupVirtualError",
    "UnrecognisedRequest",
    "WrongResponse",
    "api_error",
    "error_class",
]

# How much of an offending frame an error message quotes: enough to recognise it, never a
# megabyte of JSON in a log line.
MAX_QUOTED = 200


def quote_text(text: str | bytes, limit: int = MAX_QUOTED) -> str:
    """Return ``text`` as a repr cut to ``limit`` characters, marking the cut."""
    shown = repr(text[:limit])
    return shown + (f"...({len(text) - limit} more)" if len(text) > limit else "")


class DerivError(TriobotError):
    """Base of every error raised by ``framework.deriv``."""


class ProtocolError(DerivError):
    """A frame that breaks the Deriv protocol. Abstract: raise a subclass."""

    def __init__(self, message: str) -> None:
        if type(self) is ProtocolError:
            raise TypeError("raise LocalProtocolError or RemoteProtocolError")
        super().__init__(message)
        self.message = message


class LocalProtocolError(ProtocolError):
    """A request that must not be sent: the API would refuse it.

    Attributes:
        call: the call being encoded, when known.
        field: the dotted path of the offending field, when there is one.
    """

    def __init__(self, message: str, *, call: str | None = None, field: str | None = None):
        super().__init__(message)
        self.call = call
        self.field = field


class RemoteProtocolError(ProtocolError):
    """A frame from the server that is not a valid Deriv message."""


class PayloadError(RemoteProtocolError):
    """A Deriv message whose payload lacks a field the typed model needs, or has a wrong type.

    The message names the model and the field first: ``"BuyReceipt.contract_id: expected
    integer, got str 'abc'"`` (``"Tick: expected an object..."`` for the whole payload).
    """

    @property
    def field(self) -> str | None:
        """The ``Model.field`` the message names, ``None`` when it is about the whole payload."""
        head, sep, _ = self.message.partition(": ")
        return head if sep and "." in head and " " not in head else None


_REGISTRY: dict[str, type[APIError]] = {}


class APIError(DerivError):
    """An ``error`` answer from the Deriv API.

    Attributes:
        code: Deriv's ``error.code`` (e.g. ``"PriceMoved"``).
        message: the human message the server sent.
        details: ``error.details`` when present (per-field reasons, contract info...).
        echo_req: the request as the server echoed it (sensitive fields hidden by the server).
        req_id: the request id the answer belongs to, if any.
        msg_type: the answer's ``msg_type``.
    """

    #: Whether sending the same request again later can succeed.
    retryable: ClassVar[bool] = False
    #: The error code this class stands for (``None`` for the generic base).
    code_name: ClassVar[str | None] = None

    def __init_subclass__(
        cls, *, code: str | None = None, retryable: bool | None = None, **kwargs: Any
    ) -> None:
        """Register a subclass declared with ``code=`` as the class of that error code.

        Raises:
            TypeError: another class already stands for ``code``.
        """
        super().__init_subclass__(**kwargs)
        if retryable is not None:
            cls.retryable = retryable
        if code is not None:
            if code in _REGISTRY:
                raise TypeError(f"{code!r} already has its class {_REGISTRY[code].__qualname__}")
            cls.code_name = code
            _REGISTRY[code] = cls

    def __init__(
        self,
        code: str,
        message: str,
        *,
        details: dict[str, Any] | None = None,
        echo_req: dict[str, Any] | None = None,
        req_id: int | None = None,
        msg_type: str | None = None,
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details or {}
        self.echo_req = echo_req or {}
        self.req_id = req_id
        self.msg_type = msg_type

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments do not survive the default pickling; error objects cross
        # process boundaries in sweeps.
        return (
            _rebuild_api_error,
            (self.code, self.message, self.details, self.echo_req, self.req_id, self.msg_type),
        )


def _rebuild_api_error(
    code: str,
    message: str,
    details: dict[str, Any],
    echo_req: dict[str, Any],
    req_id: int | None,
    msg_type: str | None,
) -> APIError:
    return api_error(
        code, message, details=details, echo_req=echo_req, req_id=req_id, msg_type=msg_type
    )


# Retryable vs fatal follows Deriv's own bot (reference section 1.3): transient backend and
# pricing failures may succeed later; token, permission and money problems never will by
# themselves. PriceMoved / InvalidContractProposal are "re-quote, then retry" and flagged
# retryable; the execution layer decides how (never by blindly re-sending a buy). The one-line
# docstrings say when the server sends each code (reference section 1.3).


class InvalidToken(APIError, code="InvalidToken", retryable=False):
    """authorize (or a call that needs a token) got an unknown or expired token."""


class AuthorizationRequired(APIError, code="AuthorizationRequired", retryable=False):
    """A call that needs authorization, on a connection that has not authorized."""


class PermissionDenied(APIError, code="PermissionDenied", retryable=False):
    """The token lacks the call's scope (or a non-OAuth token asked for other accounts)."""


class RateLimit(APIError, code="RateLimit", retryable=True):
    """The connection exceeded one of its per-category call budgets."""


class InputValidationFailed(APIError, code="InputValidationFailed", retryable=False):
    """The request failed the call's schema; ``details`` names each field and why."""


class AlreadySubscribed(APIError, code="AlreadySubscribed", retryable=False):
    """A second stream with the same arguments (ticks, proposal, transaction, balance...)."""


class InvalidContractProposal(APIError, code="InvalidContractProposal", retryable=True):
    """buy: the proposal id is unknown on this connection (never issued, bought, forgotten)."""


class PriceMoved(APIError, code="PriceMoved", retryable=True):
    """buy or sell: the price moved beyond the request's ``price`` since it was quoted."""


class InsufficientBalance(APIError, code="InsufficientBalance", retryable=False):
    """buy: the account's balance does not cover the stake."""


class ContractBuyValidationError(APIError, code="ContractBuyValidationError", retryable=False):
    """proposal or buy: the contract breaks the offering's rules or limits (stake, payout...)."""


class ContractCreationFailure(APIError, code="ContractCreationFailure", retryable=True):
    """proposal, buy or proposal_open_contract: the server could not create the contract."""


class MarketIsClosed(APIError, code="MarketIsClosed", retryable=True):
    """ticks, proposal or buy on a market that is presently closed (synthetics never close)."""


class InvalidSymbol(APIError, code="InvalidSymbol", retryable=False):
    """ticks, ticks_history or proposal named an unknown symbol."""


class NoOpenPosition(APIError, code="NoOpenPosition", retryable=False):
    """sell: the contract is not among the account's open positions."""


class InvalidSellContractProposal(APIError, code="InvalidSellContractProposal", retryable=False):
    """sell: the contract cannot be sold now."""


class TopupVirtualError(APIError, code="TopupVirtualError", retryable=False):
    """topup_virtual on a real account, or on a virtual one whose balance is still high."""


class UnrecognisedRequest(APIError, code="UnrecognisedRequest", retryable=False):
    """The request names no known call (the answer's msg_type is ``error``)."""


class WrongResponse(APIError, code="WrongResponse", retryable=True):
    """The server's backend failed while processing the request."""


class Timeout(APIError, code="Timeout", retryable=True):
    """The server's backend did not answer within its 15 s."""


# The codes below are not handled by name anywhere in the bot; they have classes all the same,
# so that retry decisions are made here, in one place.


class CallError(APIError, code="CallError", retryable=True):
    """The server's backend call failed while processing the request."""


class GetProposalFailure(APIError, code="GetProposalFailure", retryable=True):
    """proposal, buy or proposal_open_contract: pricing the contract failed."""


class OfferingsValidationError(APIError, code="OfferingsValidationError", retryable=False):
    """proposal or buy: the contract is not among the symbol's offerings."""


class ContractValidationError(APIError, code="ContractValidationError", retryable=False):
    """proposal or proposal_open_contract: the contract cannot be validated."""


class InvalidtoBuy(APIError, code="InvalidtoBuy", retryable=False):
    """proposal or buy: the contract cannot be bought as specified."""


class InvalidtoSell(APIError, code="InvalidtoSell", retryable=False):
    """sell: a rule refuses to sell this open contract now; the message is the rule's."""


class OpenPositionLimit(APIError, code="OpenPositionLimit", retryable=True):
    """buy: the account already holds as many open positions as it may."""


class OpenPositionLimitExceeded(APIError, code="OpenPositionLimitExceeded", retryable=True):
    """buy: the open-position limit is exceeded (Deriv's own bot retries it)."""


class InternalServerError(APIError, code="InternalServerError", retryable=True):
    """An unhandled exception in the server's backend."""


class DisabledClient(APIError, code="DisabledClient", retryable=False):
    """Any authorized call: the account is unavailable."""


class InvalidAppID(APIError, code="InvalidAppID", retryable=False):
    """The app id is not valid; the server closes the connection after this answer."""


class SanityCheckFailed(APIError, code="SanityCheckFailed", retryable=False):
    """A key or value of the request failed the server's sanity pattern before dispatch."""


class ResponseTooLarge(APIError, code="ResponseTooLarge", retryable=False):
    """The answer would exceed the server's maximum response size (600000 bytes)."""


class BadRequest(APIError, code="BadRequest", retryable=False):
    """The frame was not a JSON object (older servers; newer ones close with 1007)."""


class InvalidGranularity(APIError, code="InvalidGranularity", retryable=False):
    """ticks_history: the candle granularity is not one the server offers."""


class InvalidStyle(APIError, code="InvalidStyle", retryable=False):
    """ticks_history: the style is neither ``ticks`` nor ``candles``."""


class DailyLossLimitExceeded(APIError, code="DailyLossLimitExceeded", retryable=False):
    """buy: the account's daily loss limit would be exceeded."""


class DailyTurnoverLimitExceeded(APIError, code="DailyTurnoverLimitExceeded", retryable=False):
    """buy: the account's daily turnover limit would be exceeded."""


class SellAtEntryTick(APIError, code="SellAtEntryTick", retryable=True):
    """sell (accumulators): a contract cannot be sold on its entry tick."""


class InvalidVerificationCode(APIError, code="InvalidVerificationCode", retryable=False):
    """A call confirmed by an emailed code: the code is wrong or expired."""


class InvalidEmail(APIError, code="InvalidEmail", retryable=False):
    """verify_email or account opening: the email address is not valid."""


class InvalidResidence(APIError, code="InvalidResidence", retryable=False):
    """Account opening: the service is not offered in the given country of residence."""


class InvalidState(APIError, code="InvalidState", retryable=False):
    """Account opening or settings: the state is not valid for the country."""


class PaymentAgentWithdrawError(APIError, code="PaymentAgentWithdrawError", retryable=False):
    """paymentagent_withdraw: the withdrawal is refused."""


class PaymentAgentTransferError(APIError, code="PaymentAgentTransferError", retryable=False):
    """paymentagent_transfer: the transfer is refused."""


# Not ``NotImplemented``: that name is Python's own constant.
class CallNotImplemented(APIError, code="NotImplemented", retryable=False):
    """A call the server (or a test double) does not implement."""


def error_class(code: str) -> type[APIError]:
    """Return the class for ``code`` (the generic :class:`APIError` for unknown codes)."""
    return _REGISTRY.get(code, APIError)


def api_error(
    code: str,
    message: str,
    *,
    details: dict[str, Any] | None = None,
    echo_req: dict[str, Any] | None = None,
    req_id: int | None = None,
    msg_type: str | None = None,
) -> APIError:
    """Build the typed exception for an error answer."""
    return error_class(code)(
        code, message, details=details, echo_req=echo_req, req_id=req_id, msg_type=msg_type
    )
