"""Request encoding and frame decoding of the sans-IO protocol core."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from framework.deriv import (
    CALL_TABLE,
    DerivProtocol,
    ErrorReply,
    LocalProtocolError,
    RemoteProtocolError,
    Reply,
    StreamUpdate,
    Unsolicited,
)
from framework.deriv import errors as E
from tests.deriv import frames


def test_request_allocates_increasing_ids_and_carries_passthrough() -> None:
    proto = DerivProtocol()
    first = proto.request("ticks", {"ticks": "R_100", "subscribe": 1})
    second = proto.request("ping", passthrough={"intent": "abc"})
    assert (first.req_id, second.req_id) == (1, 2)
    assert json.loads(second.text) == {"ping": 1, "passthrough": {"intent": "abc"}, "req_id": 2}
    assert dict(proto.pending) == {1: "ticks", 2: "ping"}


@pytest.mark.parametrize(
    ("call", "fields", "field", "fragment"),
    [
        ("nosuchcall", {}, None, "unknown call 'nosuchcall'"),
        ("ticks", {"ticks": "R_100", "colour": "red"}, "colour", "unknown field 'colour'"),
        ("proposal", {"contract_type": "CALL", "currency": "USD"}, "symbol", "Missing property"),
        ("ticks", {"ticks": "R 100"}, "ticks", "does not match"),
        ("ticks", {"ticks": "R_100", "subscribe": 2}, "subscribe", "Not in enum list: 1"),
        ("buy", {"buy": "1", "price": "ten"}, "price", "Expected number - got string"),
        ("proposal_open_contract", {"contract_id": 1.5}, "contract_id", "Expected integer"),
        ("ping", {"req_id": 5}, "req_id", "allocated by the protocol"),
    ],
)
def test_bad_requests_name_call_and_field(
    call: str, fields: dict[str, Any], field: str | None, fragment: str
) -> None:
    proto = DerivProtocol()
    with pytest.raises(LocalProtocolError) as info:
        proto.request(call, fields)
    assert fragment in str(info.value)
    assert info.value.field == field
    if call in CALL_TABLE:
        assert str(info.value).startswith(f"{call}:")
    assert not proto.pending, "a refused request must not be pending"


def test_nested_field_is_checked() -> None:
    proto = DerivProtocol()
    bad = {"buy": "1", "price": 10, "parameters": {"contract_type": "CALL", "currency": "USD"}}
    with pytest.raises(LocalProtocolError) as info:
        proto.request("buy", bad)
    assert info.value.field == "parameters.symbol"


def test_reply_then_stream_updates_then_unsolicited() -> None:
    proto = DerivProtocol()
    proto.request("ping")
    proto.request("ticks", {"ticks": "R_100", "subscribe": 1})
    first = proto.receive(json.dumps(frames.TICK))
    assert isinstance(first, Reply)
    assert (first.req_id, first.call, first.subscription_id) == (2, "ticks", frames.SUB_ID)
    assert first.data["quote"] == 1234.56
    again = proto.receive(json.dumps(frames.TICK))
    assert isinstance(again, StreamUpdate)
    assert (again.subscription_id, again.req_id, again.msg_type) == (frames.SUB_ID, 2, "tick")
    pong = proto.receive('{"msg_type":"ping","ping":"pong","req_id":1,"echo_req":{"ping":1}}')
    assert isinstance(pong, Reply) and pong.data == "pong"
    late = proto.receive('{"msg_type":"ping","ping":"pong","req_id":1}')
    assert isinstance(late, Unsolicited)


def test_error_reply_is_typed() -> None:
    proto = DerivProtocol(first_req_id=10)
    proto.request("buy", {"buy": "5f0c0a2f-4d3b-1a4e-7c2b-6a1d2e3f4a5b", "price": 9})
    event = proto.receive(json.dumps(frames.ERROR))
    assert isinstance(event, ErrorReply)
    error = event.error
    assert isinstance(error, E.PriceMoved)
    assert error.code == "PriceMoved" and error.retryable
    assert error.req_id == 10 and error.msg_type == "buy"
    assert error.echo_req["price"] == 9


def test_abandoned_request_answer_is_unsolicited() -> None:
    proto = DerivProtocol()
    request = proto.request("time")
    proto.abandon(request.req_id)
    event = proto.receive('{"msg_type":"time","time":1700000000,"req_id":1}')
    assert isinstance(event, Unsolicited)


def test_stream_error_is_reported_on_the_update() -> None:
    proto = DerivProtocol()
    message = {
        "msg_type": "proposal",
        "subscription": {"id": frames.SUB_ID},
        "error": {"code": "ContractBuyValidationError", "message": "nope"},
    }
    event = proto.receive(json.dumps(message))
    assert isinstance(event, StreamUpdate)
    assert isinstance(event.error, E.ContractBuyValidationError)
    assert event.data is None


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not json at all", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"tick": {}}', "no msg_type"),
        ('{"msg_type": 5}', "no msg_type"),
        ('{"msg_type": "tick", "req_id": "7"}', "req_id"),
        ('{"msg_type": "tick", "subscription": {"id": 5}}', "subscription"),
        ('{"msg_type": "buy", "error": {"code": "X"}}', "error"),
        ('{"msg_type": "buy", "echo_req": []}', "echo_req"),
    ],
)
def test_malformed_frames(text: str, reason: str) -> None:
    with pytest.raises(RemoteProtocolError, match=reason):
        DerivProtocol().receive(text)


def test_malformed_frame_quote_is_cut() -> None:
    with pytest.raises(RemoteProtocolError) as info:
        DerivProtocol().receive("x" * 100_000)
    assert len(str(info.value)) < 300
    assert "more)" in str(info.value)


def test_unknown_error_code_is_still_an_api_error() -> None:
    proto = DerivProtocol()
    proto.request("ping")
    event = proto.receive('{"msg_type":"ping","req_id":1,"error":{"code":"Brand","message":"m"}}')
    assert isinstance(event, ErrorReply)
    assert type(event.error) is E.APIError
    assert event.error.code == "Brand" and not event.error.retryable


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)
envelopes = st.fixed_dictionaries(
    {"msg_type": st.sampled_from(["tick", "buy", "proposal", "ping", "error"]) | st.text()},
    optional={
        "req_id": st.integers(1, 4) | json_values,
        "subscription": st.fixed_dictionaries({"id": st.text()}) | json_values,
        "error": st.fixed_dictionaries({"code": st.text(), "message": st.text()}) | json_values,
        "echo_req": json_values,
        "tick": json_values,
    },
)


def _decode_only_yields_events(text: str | bytes) -> None:
    proto = DerivProtocol()
    for call in ("ping", "ticks", "buy", "proposal"):
        proto.request(call, {"ticks": "R_100"} if call == "ticks" else _minimal(call))
    try:
        event = proto.receive(text)
    except RemoteProtocolError:
        return
    assert isinstance(event, Reply | ErrorReply | StreamUpdate | Unsolicited)


def _minimal(call: str) -> dict[str, Any]:
    requests: dict[str, dict[str, Any]] = {
        "ping": {},
        "buy": {
            "buy": "1",
            "price": 1,
            "parameters": {"contract_type": "CALL", "currency": "USD", "symbol": "R_100"},
        },
        "proposal": {"contract_type": "CALL", "currency": "USD", "symbol": "R_100"},
    }
    return requests[call]


@given(st.text() | st.binary())
def test_arbitrary_text_yields_event_or_remote_error(text: str | bytes) -> None:
    _decode_only_yields_events(text)


@given(json_values | envelopes)
@settings(max_examples=300)
def test_arbitrary_json_yields_event_or_remote_error(value: Any) -> None:
    _decode_only_yields_events(json.dumps(value))


@given(
    call=st.sampled_from(sorted(CALL_TABLE)) | st.text(max_size=10),
    fields=st.dictionaries(st.text(max_size=15), json_values, max_size=5),
    passthrough=st.none() | st.dictionaries(st.text(max_size=5), json_values, max_size=2),
)
@settings(max_examples=300)
def test_arbitrary_requests_encode_or_raise_local_error(
    call: str, fields: dict[str, Any], passthrough: dict[str, Any] | None
) -> None:
    proto = DerivProtocol()
    try:
        request = proto.request(call, fields, passthrough=passthrough)
    except LocalProtocolError:
        assert not proto.pending
        return
    assert json.loads(request.text)["req_id"] == request.req_id


@pytest.mark.parametrize("value", [float("nan"), float("inf"), object()])
def test_values_json_cannot_carry_are_refused(value: Any) -> None:
    with pytest.raises(LocalProtocolError, match="ping"):
        DerivProtocol().request("ping", passthrough={"x": value})
