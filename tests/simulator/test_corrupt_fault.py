"""The ``corrupt`` fault: the server acts, then one field of the message it sends is rewritten."""

from __future__ import annotations

import json

import pytest
from trio.testing import MockClock

from framework.simulator import Faults, Simulator, parse_faults
from tests.simulator.client import connect_tcp
from tests.simulator.session_script import PARAMS

BUY = {"buy": "1", "price": 10, "parameters": PARAMS}


async def test_a_buy_is_made_and_its_answer_rewritten(vclock: MockClock, sim: Simulator) -> None:
    sim.faults.corrupt("buy", "contract_id", "abc")
    async with connect_tcp(sim) as raw:
        await raw.authorize(sim.token)
        first = await raw.call(BUY)
        second = await raw.call(BUY)
    assert first["buy"]["contract_id"] == "abc"
    assert isinstance(second["buy"]["contract_id"], int)  # used up
    assert len(sim.contracts()) == 2
    assert sim.faults.fired == {"corrupt": 1} and sim.faults.rules == []


async def test_a_stream_message_is_rewritten_not_its_bare_acknowledgement(
    vclock: MockClock, sim: Simulator
) -> None:
    sim.faults.corrupt("ticks", "quote", None, times=2)
    sim.faults.corrupt("transaction", "amount", remove=True)
    async with connect_tcp(sim) as raw:
        await raw.authorize(sim.token)
        ack = await raw.call({"transaction": 1, "subscribe": 1})
        assert set(ack["transaction"]) == {"id"}  # no amount in it: left alone
        ticks = await raw.call({"ticks": "R_100", "subscribe": 1})
        assert ticks["tick"]["quote"] is None
        assert (await raw.receive())["tick"]["quote"] is None
        bought = await raw.call(BUY)
        messages = [await raw.receive() for _ in range(4)]
    assert "error" not in bought
    (tx,) = [m for m in messages if m["msg_type"] == "transaction"]
    assert "amount" not in tx["transaction"] and tx["transaction"]["action"] == "buy"
    quotes = [m["tick"]["quote"] for m in messages if m["msg_type"] == "tick"]
    assert all(isinstance(q, float) for q in quotes)


async def test_error_answers_are_left_alone(vclock: MockClock, sim: Simulator) -> None:
    sim.faults.corrupt("buy", "contract_id", "abc")
    async with connect_tcp(sim) as raw:
        refused = await raw.call(BUY)  # not authorized: an error answer
    assert refused["error"]["code"] == "AuthorizationRequired"
    assert sim.faults.fired == {} and len(sim.faults.rules) == 1


def test_other_rules_and_other_messages_pass_unchanged() -> None:
    faults = Faults()
    text = json.dumps({"msg_type": "ping", "ping": "pong"})
    assert faults.rewrite(text) is text
    faults.delay(1.0, call="ping")
    assert faults.rewrite(text) is text
    faults.corrupt("buy", "contract_id", "abc")
    assert faults.rewrite(text) is text  # a payload that is no object
    time = json.dumps({"msg_type": "time", "time": 5})
    assert faults.rewrite(time) is time
    assert not faults.on_request("buy").delay  # a corrupt rule never acts on requests
    assert faults.fired == {}


def test_parse_corrupt() -> None:
    faults = parse_faults(
        "corrupt=buy:contract_id=abc, corrupt=buy:buy_price=null:*,"
        "corrupt=proposal_open_contract:contract_id:2, corrupt=ticks:quote=12"
    )
    rules = [(r.call, r.field, r.value, r.remove, r.times) for r in faults.rules]
    assert rules == [
        ("buy", "contract_id", "abc", False, 1),
        ("buy", "buy_price", None, False, None),
        ("proposal_open_contract", "contract_id", None, True, 2),
        ("ticks", "quote", 12, False, 1),
    ]
    for bad in ("corrupt", "corrupt=buy", "corrupt=*:x=1", "corrupt=nope:x=1", "corrupt=buy:=1"):
        with pytest.raises(ValueError, match="bad fault"):
            parse_faults(bad)
