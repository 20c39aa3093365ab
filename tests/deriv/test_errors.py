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
    "InvalidtoSell",
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


def _api_error_classes() -> list[type[E.APIError]]:
    """The API error classes the module defines (by walking the tree, not the registry)."""
    found: list[type[E.APIError]] = []
    pending = list(E.APIError.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__ == E.__name__:
            found.append(cls)
    return found


def test_every_api_error_class_is_written_out_and_registered() -> None:
    classes = _api_error_classes()
    assert len(classes) == 45
    for cls in classes:
        assert cls.code_name is not None, cls
        assert E.error_class(cls.code_name) is cls
        assert getattr(E, cls.__name__) is cls and cls.__name__ in E.__all__
        doc = cls.__doc__ or ""
        assert doc.strip() and "\n" not in doc.strip(), f"{cls.__name__}: one-line docstring"
    assert len({cls.code_name for cls in classes}) == 45


def test_the_lookup_by_code() -> None:
    assert E.error_class("PriceMoved") is E.PriceMoved
    assert E.error_class("SellAtEntryTick") is E.SellAtEntryTick
    # Deriv's code NotImplemented gets a class that does not shadow Python's constant.
    assert E.error_class("NotImplemented") is E.CallNotImplemented
    error = E.api_error("NotImplemented", "no such call")
    assert isinstance(error, E.CallNotImplemented) and error.code == "NotImplemented"
    # Unknown codes get the generic class, carrying the code; lookups are case-sensitive.
    assert E.error_class("SomethingNew") is E.APIError
    assert E.error_class("pricemoved") is E.APIError
    unknown = E.api_error("SomethingNew", "m")
    assert type(unknown) is E.APIError and unknown.code == "SomethingNew"
    assert unknown.code_name is None


def test_retryable_codes() -> None:
    # Deriv's own bot's classification (reference section 1.3) plus the re-quote codes; a
    # change here changes what the client retries, so it is spelled out.
    retryable = {cls.code_name for cls in _api_error_classes() if cls.retryable}
    assert retryable == {
        "RateLimit", "InvalidContractProposal", "PriceMoved", "ContractCreationFailure",
        "MarketIsClosed", "WrongResponse", "Timeout", "CallError", "GetProposalFailure",
        "OpenPositionLimit", "OpenPositionLimitExceeded", "InternalServerError",
        "SellAtEntryTick",
    }  # fmt: skip


def test_a_second_class_for_a_code_is_refused() -> None:
    with pytest.raises(TypeError, match="'PriceMoved' already has its class PriceMoved"):

        class Again(E.APIError, code="PriceMoved"):
            pass

    assert E.error_class("PriceMoved") is E.PriceMoved


def test_a_subclass_without_a_code_keeps_its_parents_code_and_flag() -> None:
    class Slower(E.PriceMoved):
        pass

    assert (Slower.code_name, Slower.retryable) == ("PriceMoved", True)
    assert E.error_class("PriceMoved") is E.PriceMoved


def test_unknown_codes_survive_pickling() -> None:
    copy = pickle.loads(pickle.dumps(E.api_error("SomethingNew", "m", msg_type="buy")))
    assert type(copy) is E.APIError and (copy.code, copy.msg_type) == ("SomethingNew", "buy")


def test_the_protocol_family_is_under_the_root() -> None:
    from framework.errors import TriobotError

    for cls in (E.DerivError, E.APIError, E.LocalProtocolError, E.PayloadError, E.Timeout):
        assert issubclass(cls, TriobotError)
