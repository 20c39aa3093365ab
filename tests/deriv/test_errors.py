"""API error classes: one per code, retry classification, pickling."""

from __future__ import annotations

import pickle

import pytest

from framework.deriv import errors as E

REQUIRED_CODES = [
    "InvalidToken", "AuthorizationRequired", "PermissionDenied", "RateLimit",
    "InputValidationFailed", "AlreadySubscribed", "InvalidContractProposal", "PriceMoved",
    "InsufficientBalance", "ContractBuyValidationError", "ContractCreationFailure",
    "MarketIsClosed", "InvalidSymbol", "NoOpenPosition", "InvalidSellContractProposal",
    "TopupVirtualError", "UnrecognisedRequest", "WrongResponse", "Timeout",
]  # fmt: skip


@pytest.mark.parametrize("code", REQUIRED_CODES)
def test_each_code_has_its_class(code: str) -> None:
    error = E.api_error(code, "message", details={"field": "why"}, req_id=3, msg_type="buy")
    assert type(error).__name__ == code
    assert isinstance(error, E.APIError)
    assert isinstance(error, getattr(E, code))
    assert (error.code, error.message, error.req_id, error.msg_type) == (code, "message", 3, "buy")
    assert error.details == {"field": "why"}
    assert str(error) == f"{code}: message"


@pytest.mark.parametrize(
    ("code", "retryable"),
    [
        ("RateLimit", True), ("WrongResponse", True), ("Timeout", True), ("PriceMoved", True),
        ("MarketIsClosed", True), ("InvalidToken", False), ("PermissionDenied", False),
        ("InsufficientBalance", False), ("AuthorizationRequired", False),
        ("InputValidationFailed", False), ("SomethingNew", False),
    ],
)  # fmt: skip
def test_retry_classification(code: str, retryable: bool) -> None:
    assert E.api_error(code, "m").retryable is retryable


def test_api_errors_survive_pickling() -> None:
    error = E.api_error("PriceMoved", "moved", details={"a": 1}, echo_req={"buy": "x"}, req_id=4)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (copy.code, copy.details, copy.echo_req, copy.req_id) == (
        "PriceMoved",
        {"a": 1},
        {"buy": "x"},
        4,
    )


def test_protocol_error_is_abstract() -> None:
    with pytest.raises(TypeError):
        E.ProtocolError("x")
