"""The protocol core's error tree.

Two families, after h11 and wsproto:

* :class:`ProtocolError` is about frames. :class:`LocalProtocolError` means *we* were about
  to send something the API would reject (unknown call, unknown field, wrong type...);
  :class:`RemoteProtocolError` means the server sent something that is not a Deriv message.
* :class:`APIError` is a well-formed ``{"error": {...}}`` answer from the server. There is one
  subclass per documented ``error.code`` so callers can ``except PriceMoved``; an unknown code
  still gives an :class:`APIError` that carries it. Each class knows whether retrying can help.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "APIError",
    "AlreadySubscribed",
    "AuthorizationRequired",
    "ContractBuyValidationError",
    "ContractCreationFailure",
    "DerivError",
    "InputValidationFailed",
    "InsufficientBalance",
    "InvalidContractProposal",
    "InvalidSellContractProposal",
    "InvalidSymbol",
    "InvalidToken",
    "LocalProtocolError",
    "MarketIsClosed",
    "NoOpenPosition",
    "PayloadError",
    "PermissionDenied",
    "PriceMoved",
    "ProtocolError",
    "RateLimit",
    "RemoteProtocolError",
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


class DerivError(Exception):
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
    """A Deriv message whose payload lacks a field the typed model needs, or has a wrong type."""


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


_REGISTRY: dict[str, type[APIError]] = {}


def _register(code: str, *, retryable: bool) -> type[APIError]:
    cls = type(code, (APIError,), {"retryable": retryable, "code_name": code, "__doc__": None})
    cls.__module__ = __name__
    _REGISTRY[code] = cls
    return cls


# Retryable vs fatal follows Deriv's own bot (reference section 1.3): transient backend and
# pricing failures may succeed later; token, permission and money problems never will by
# themselves. PriceMoved / InvalidContractProposal are "re-quote, then retry" and flagged
# retryable; the execution layer decides how (never by blindly re-sending a buy).
InvalidToken = _register("InvalidToken", retryable=False)
AuthorizationRequired = _register("AuthorizationRequired", retryable=False)
PermissionDenied = _register("PermissionDenied", retryable=False)
RateLimit = _register("RateLimit", retryable=True)
InputValidationFailed = _register("InputValidationFailed", retryable=False)
AlreadySubscribed = _register("AlreadySubscribed", retryable=False)
InvalidContractProposal = _register("InvalidContractProposal", retryable=True)
PriceMoved = _register("PriceMoved", retryable=True)
InsufficientBalance = _register("InsufficientBalance", retryable=False)
ContractBuyValidationError = _register("ContractBuyValidationError", retryable=False)
ContractCreationFailure = _register("ContractCreationFailure", retryable=True)
MarketIsClosed = _register("MarketIsClosed", retryable=True)
InvalidSymbol = _register("InvalidSymbol", retryable=False)
NoOpenPosition = _register("NoOpenPosition", retryable=False)
InvalidSellContractProposal = _register("InvalidSellContractProposal", retryable=False)
TopupVirtualError = _register("TopupVirtualError", retryable=False)
UnrecognisedRequest = _register("UnrecognisedRequest", retryable=False)
WrongResponse = _register("WrongResponse", retryable=True)
Timeout = _register("Timeout", retryable=True)

# Codes without a dedicated name in this module still get a class, so that retry decisions
# are made in one place.
for _code, _retryable in (
    ("CallError", True),
    ("GetProposalFailure", True),
    ("OfferingsValidationError", False),
    ("ContractValidationError", False),
    ("InvalidtoBuy", False),
    ("OpenPositionLimit", True),
    ("OpenPositionLimitExceeded", True),
    ("InternalServerError", True),
    ("DisabledClient", False),
    ("InvalidAppID", False),
    ("SanityCheckFailed", False),
    ("ResponseTooLarge", False),
    ("BadRequest", False),
    ("InvalidGranularity", False),
    ("InvalidStyle", False),
    ("DailyLossLimitExceeded", False),
    ("DailyTurnoverLimitExceeded", False),
    ("SellAtEntryTick", True),
    ("InvalidVerificationCode", False),
    ("InvalidEmail", False),
    ("InvalidResidence", False),
    ("InvalidState", False),
    ("PaymentAgentWithdrawError", False),
    ("PaymentAgentTransferError", False),
    ("NotImplemented", False),
):
    _register(_code, retryable=_retryable)


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
