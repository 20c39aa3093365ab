"""Typed payload models built from recorded-style frames, and their errors on bad payloads."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from framework.deriv import (
    Authorize,
    Balance,
    BuyReceipt,
    Candle,
    OpenContract,
    PayloadError,
    Proposal,
    SellReceipt,
    Tick,
    Transaction,
)
from framework.deriv.models import TickSpot
from tests.deriv import frames
from tests.schemas import validator


@pytest.mark.parametrize(
    ("call", "frame"), frames.ALL, ids=[f"{c}-{f['msg_type']}" for c, f in frames.ALL]
)
def test_frames_match_schemas(call: str, frame: dict[str, Any]) -> None:
    errors = sorted(validator(call, "receive").iter_errors(frame), key=str)
    assert not errors, [error.message for error in errors]


def test_authorize() -> None:
    auth = Authorize.from_payload(frames.AUTHORIZE["authorize"])
    assert auth.loginid == "VRTC1859315"
    assert auth.is_virtual is True
    assert auth.balance == 10000.0
    assert auth.scopes == frozenset({"read", "trade", "trading_information", "payments", "admin"})
    assert [a.loginid for a in auth.account_list] == ["VRTC1859315", "CR799393"]
    assert auth.account_list[1].is_virtual is False
    assert auth.landing_company_name == "virtual"


def test_tick() -> None:
    tick = Tick.from_payload(frames.TICK["tick"])
    assert tick == Tick("R_100", 1700000002, 1234.56, 2)
    assert isinstance(tick.quote, float)


def test_tick_integer_quote_becomes_float() -> None:
    tick = Tick.from_payload({"symbol": "R_10", "epoch": 1, "quote": 5000, "pip_size": 3})
    assert tick.quote == 5000.0
    assert type(tick.quote) is float


def test_candles_and_ohlc() -> None:
    first = Candle.from_payload(frames.CANDLES["candles"][0])
    assert first == Candle(1700000040, 250.1234, 250.5, 249.9, 250.2)
    bar = Candle.from_payload(frames.OHLC["ohlc"])
    assert bar.epoch == 1700000100  # open_time, not the update's epoch
    assert bar.close == 250.6


def test_balance() -> None:
    balance = Balance.from_payload(frames.BALANCE["balance"])
    assert balance.balance == 9990.5
    assert balance.subscription_id == frames.SUB_ID


def test_proposal() -> None:
    proposal = Proposal.from_payload(frames.PROPOSAL["proposal"])
    assert proposal.ask_price == 10.0
    assert proposal.payout == 19.55
    assert proposal.date_expiry == 1700000015
    assert proposal.raw["validation_params"]["stake"]["min"] == "0.35"


def test_buy_receipt() -> None:
    receipt = BuyReceipt.from_payload(frames.BUY["buy"])
    assert receipt.contract_id == 2001
    assert receipt.transaction_id == 4001
    assert receipt.buy_price == 10.0


def test_open_contract() -> None:
    contract = OpenContract.from_payload(frames.OPEN_CONTRACT["proposal_open_contract"])
    assert contract.is_sold and contract.is_expired and contract.is_won
    assert contract.entry_tick == TickSpot(1700000006, 1234.56)
    assert contract.exit_tick == TickSpot(1700000016, 1236.1)
    assert contract.profit == 9.55
    assert contract.transaction_ids == {"buy": 4001, "sell": 4002}
    assert contract.tick_count == 5


def test_open_contract_without_exit_yet() -> None:
    payload = copy.deepcopy(frames.OPEN_CONTRACT["proposal_open_contract"])
    for key in ("exit_tick", "exit_tick_time", "sell_price", "sell_time"):
        del payload[key]
    payload.update(is_sold=0, is_expired=0, status="open")
    contract = OpenContract.from_payload(payload)
    assert contract.exit_tick is None
    assert not contract.is_sold and not contract.is_won


def test_transaction_and_sell() -> None:
    tx = Transaction.from_payload(frames.TRANSACTION["transaction"])
    assert (tx.action, tx.contract_id, tx.amount) == ("sell", 2001, 19.55)
    sold = SellReceipt.from_payload(frames.SELL["sell"])
    assert sold.sold_for == 8.1


MODELS: list[tuple[Any, dict[str, Any], str]] = [
    (Authorize, frames.AUTHORIZE["authorize"], "loginid"),
    (Tick, frames.TICK["tick"], "quote"),
    (Candle, frames.CANDLES["candles"][0], "close"),
    (Balance, frames.BALANCE["balance"], "currency"),
    (Proposal, frames.PROPOSAL["proposal"], "ask_price"),
    (BuyReceipt, frames.BUY["buy"], "contract_id"),
    (SellReceipt, frames.SELL["sell"], "sold_for"),
    (OpenContract, frames.OPEN_CONTRACT["proposal_open_contract"], "buy_price"),
    (Transaction, frames.TRANSACTION["transaction"], "transaction_id"),
]


@pytest.mark.parametrize(
    ("model", "payload", "field"), MODELS, ids=lambda v: getattr(v, "__name__", "")
)
def test_missing_field_names_model_and_field(
    model: Any, payload: dict[str, Any], field: str
) -> None:
    broken = {k: v for k, v in payload.items() if k != field}
    with pytest.raises(PayloadError, match=rf"^{model.__name__}\.{field}: missing"):
        model.from_payload(broken)


@pytest.mark.parametrize(
    ("model", "payload", "field"), MODELS, ids=lambda v: getattr(v, "__name__", "")
)
def test_wrong_type_names_model_and_field(model: Any, payload: dict[str, Any], field: str) -> None:
    broken = dict(payload, **{field: {"not": "a scalar"}})
    with pytest.raises(PayloadError, match=rf"^{model.__name__}\.{field}: expected"):
        model.from_payload(broken)


@pytest.mark.parametrize("model", [m for m, _, _ in MODELS], ids=lambda m: m.__name__)
@pytest.mark.parametrize("payload", [None, [], "tick", 3])
def test_non_object_payload(model: Any, payload: Any) -> None:
    with pytest.raises(PayloadError, match=model.__name__):
        model.from_payload(payload)


def test_bool_is_not_a_number() -> None:
    with pytest.raises(PayloadError, match=r"Tick\.quote"):
        Tick.from_payload({"symbol": "R_10", "epoch": 1, "quote": True, "pip_size": 3})
