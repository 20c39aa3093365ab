"""The contract lifecycle in the models: Multiplier and Accumulator states, orders' answers,
and how a contract ended, read from its final ``proposal_open_contract``."""

from __future__ import annotations

from typing import Any

import pytest

from framework.deriv import PayloadError
from framework.deriv.models import (
    ContractUpdateReceipt,
    LimitOrder,
    LimitOrderLevel,
    OpenContract,
    UpdateHistoryEntry,
)
from framework.market.settlement import END_REASONS
from framework.strategy.events import ClosedContract, ContractUpdate, TradeIntent
from tests.schemas import validator

EPOCH = 1_700_000_000


def _level(amount: float | None, value: str | None = None) -> dict[str, Any]:
    """A limit-order level; without ``value`` (its spot) it is read by its amount."""
    return {
        "display_name": "Level",
        "order_amount": amount,
        "order_date": EPOCH + 1,
        "value": value,
    }


def poc(contract_type: str = "MULTUP", **fields: Any) -> dict[str, Any]:
    """A ``proposal_open_contract`` payload of an open contract, changed by ``fields``."""
    data: dict[str, Any] = {
        "contract_id": 77,
        "contract_type": contract_type,
        "underlying": "R_100",
        "currency": "USD",
        "status": "open",
        "buy_price": 10.0,
        "payout": 0.0,
        "bid_price": 10.4,
        "profit": 0.4,
        "is_sold": 0,
        "is_valid_to_sell": 1,
        "purchase_time": EPOCH,
        "date_start": EPOCH,
        "entry_tick": 100.0,
        "entry_tick_time": EPOCH + 1,
        "current_spot": 100.2,
        "current_spot_time": EPOCH + 3,
    }
    if contract_type.startswith("MULT"):
        data |= {
            "multiplier": 100,
            "commission": 0.05,
            "limit_order": {"stop_out": _level(-10.0, "90.10"), "take_profit": _level(5.0)},
            "cancellation": {"ask_price": 0.45, "date_expiry": EPOCH + 3600},
            "is_valid_to_cancel": 1,
            "is_valid_to_update": {"take_profit": 1, "stop_loss": 1, "stop_out": 0},
        }
    if contract_type == "ACCU":
        data |= {
            "growth_rate": 0.03,
            "tick_passed": 4,
            "high_barrier": "100.345",
            "low_barrier": "99.655",
            "current_spot_high_barrier": "100.501",
            "current_spot_low_barrier": "99.899",
            "limit_order": {"take_profit": _level(2.0)},
        }
    return data | fields


def sold(contract_type: str = "MULTUP", *, status: str, sell: float, **fields: Any) -> OpenContract:
    """The final state: sold with ``status``, credited ``sell``."""
    return OpenContract.from_payload(
        poc(
            contract_type,
            status=status,
            is_sold=1,
            is_valid_to_sell=0,
            is_valid_to_cancel=0,
            sell_price=sell,
            profit=round(sell - 10.0, 2),
            sell_time=EPOCH + 9,
            exit_tick=100.9,
            exit_tick_time=EPOCH + 9,
            **fields,
        )
    )


INTENT = TradeIntent(
    intent_id="m-1",
    strategy="m",
    symbol="R_100",
    contract_type="MULTUP",
    duration=None,
    duration_unit=None,
    barrier=None,
    amount=10.0,
    basis="stake",
    currency="USD",
    created_epoch=EPOCH,
    multiplier=100,
)


def test_the_fixtures_are_what_the_server_may_send() -> None:
    check = validator("proposal_open_contract", "receive")
    for payload in (poc("MULTUP"), poc("ACCU"), poc("CALL")):
        frame = {
            "echo_req": {"proposal_open_contract": 1},
            "msg_type": "proposal_open_contract",
            "proposal_open_contract": payload,
        }
        errors = [e.message for e in check.iter_errors(frame)]
        assert not errors, errors


def test_a_multiplier_state_reads_its_limit_order_cancellation_and_flags() -> None:
    state = OpenContract.from_payload(poc("MULTUP"))
    assert state.multiplier == 100 and state.commission == 0.05
    assert state.limit_order == LimitOrder(
        take_profit=LimitOrderLevel(5.0, EPOCH + 1, None),
        stop_out=LimitOrderLevel(-10.0, EPOCH + 1, "90.10"),
    )
    assert (state.cancellation_price, state.cancellation_expiry) == (0.45, EPOCH + 3600)
    assert state.is_valid_to_cancel and state.is_valid_to_update
    update = ContractUpdate.from_open_contract(state, INTENT)
    assert (update.take_profit, update.stop_loss, update.stop_out) == (5.0, None, -10.0)
    assert update.is_valid_to_sell and update.is_valid_to_cancel and update.is_valid_to_update
    assert update.cancellation_expiry == EPOCH + 3600 and update.barrier is None


def test_an_accumulator_state_shows_the_range_the_next_tick_must_stay_in() -> None:
    state = OpenContract.from_payload(poc("ACCU", validation_error="Contract cannot be sold"))
    assert (state.growth_rate, state.tick_passed) == (0.03, 4)
    assert (state.high_barrier, state.low_barrier) == ("100.345", "99.655")
    assert state.validation_error == "Contract cannot be sold"
    update = ContractUpdate.from_open_contract(state, INTENT)
    assert (update.high_barrier, update.low_barrier) == (100.501, 99.899)
    assert (update.tick_passed, update.take_profit, update.is_valid_to_update) == (4, 2.0, False)


def test_barriers_that_are_not_prices_and_levels_without_an_amount() -> None:
    digit = OpenContract.from_payload(
        poc("DIGITEVEN", barrier="x", high_barrier=101, is_valid_to_update=1)
    )
    update = ContractUpdate.from_open_contract(digit, INTENT)
    assert (update.barrier, update.high_barrier, update.low_barrier) == (None, 101.0, None)
    assert digit.is_valid_to_update is True  # an old server's plain flag
    removed = OpenContract.from_payload(
        poc(limit_order={"stop_loss": _level(-3.0), "take_profit": _level(None)})
    )
    update = ContractUpdate.from_open_contract(removed, INTENT)
    assert (update.take_profit, update.stop_loss) == (None, 3.0)  # the amount the strategy set
    assert LimitOrder.amount(None) is None


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (poc(limit_order=[]), "OpenContract.limit_order: expected an object"),
        (poc(limit_order={"take_profit": 5}), "OpenContract.limit_order.take_profit: expected"),
        (poc(cancellation={"date_expiry": "soon"}), "OpenContract.date_expiry: expected integer"),
        (poc(is_valid_to_update={"stop_loss": 2}), "OpenContract.stop_loss: expected 0 or 1"),
        (poc(tick_passed="many"), "OpenContract.tick_passed: expected integer"),
    ],
)
def test_a_bad_lifecycle_field_names_itself(payload: dict[str, Any], message: str) -> None:
    with pytest.raises(PayloadError, match=message):
        OpenContract.from_payload(payload)


def test_the_answers_of_orders() -> None:
    receipt = ContractUpdateReceipt.from_payload(
        {"take_profit": _level(6.0, "101.5"), "stop_loss": _level(None)}
    )
    assert receipt.take_profit == LimitOrderLevel(6.0, EPOCH + 1, "101.5")
    assert receipt.stop_loss is not None and receipt.stop_loss.amount is None
    assert ContractUpdateReceipt.from_payload({}) == ContractUpdateReceipt(None, None)
    entry = UpdateHistoryEntry.from_payload(
        {
            "display_name": "Take profit",
            "order_amount": "6",
            "order_date": EPOCH,
            "order_type": "take_profit",
        }
    )
    assert entry == UpdateHistoryEntry("take_profit", 6.0, EPOCH, None)
    with pytest.raises(PayloadError, match=r"UpdateHistoryEntry\.order_type: missing"):
        UpdateHistoryEntry.from_payload({"order_amount": 1})
    with pytest.raises(PayloadError, match="ContractUpdateReceipt: expected an object"):
        ContractUpdateReceipt.from_payload(None)


TP = {"take_profit": _level(5.0)}
SL = {"stop_loss": _level(-3.0)}
OUT = {"stop_out": _level(-10.0)}
NO_SL = {"stop_loss": _level(None)}  # removed


def leveled(status: str, sell: float, kind: str = "MULTUP", **spots: str) -> OpenContract:
    """A final state whose levels are shown with their spots (its exit tick is 100.9)."""
    levels = {name: _level(1.0, spot) for name, spot in spots.items()}
    return sold(kind, status=status, sell=sell, limit_order=levels)


#: (final state, the bot's closing order, how it ended), one row per rule of end_reason.
ENDS = [
    (sold(status="cancelled", sell=10.0), None, "cancelled"),
    (sold(status="sold", sell=10.0), "cancel", "cancelled"),
    (sold(status="sold", sell=15.2), "sell", "sold"),  # sold by the bot at its TP level
    (sold("ACCU", status="lost", sell=0.0), None, "knocked_out"),
    # Levels with their spots: the exit tick at or beyond the level closed it.
    (leveled("lost", 0.3, stop_out="100.90"), None, "stopped_out"),
    (leveled("lost", 0.2, stop_out="100.85", kind="MULTDOWN"), None, "stopped_out"),
    (leveled("lost", 6.0, stop_out="99.0", stop_loss="101.0"), None, "stop_loss"),
    (leveled("won", 15.0, stop_out="99.0", take_profit="100.9"), None, "take_profit"),
    (leveled("won", 14.0, take_profit="101.0", kind="MULTDOWN"), None, "take_profit"),
    (leveled("sold", 12.0, stop_out="99.0", take_profit="101.0"), None, "sold"),
    # Levels shown without a spot: by their amounts.
    (sold(status="sold", sell=0.0, limit_order=OUT), None, "stopped_out"),
    (sold(status="lost", sell=0.0, limit_order={}), None, "stopped_out"),
    (sold(status="lost", sell=0.4, limit_order=TP), None, "stopped_out"),
    (sold(status="sold", sell=7.0, limit_order=SL), None, "stop_loss"),
    (sold(status="sold", sell=6.0, limit_order=SL | OUT), None, "stop_loss"),
    (sold(status="sold", sell=15.0, limit_order=TP | NO_SL), None, "take_profit"),
    (sold("ACCU", status="won", sell=12.05), None, "take_profit"),
    (sold(status="sold", sell=12.0), None, "sold"),  # sold outside the bot
    (sold(status="sold", sell=12.0, limit_order=OUT), None, "sold"),
    (sold("ACCU", status="won", sell=11.0, limit_order=None), None, "expired"),
    (sold("CALL", status="won", sell=19.5), None, "expired"),
    (sold("CALL", status="sold", sell=4.0), None, "sold"),
]  # fmt: skip


@pytest.mark.parametrize(("state", "closed_by", "end"), ENDS)
def test_how_a_contract_ended(state: OpenContract, closed_by: str | None, end: str) -> None:
    assert state.end_reason(closed_by) == end
    closed = ClosedContract.from_open_contract(state, INTENT, closed_by)
    assert closed.end == end
    assert closed.status == state.status


def test_every_end_reason_is_reachable_live() -> None:
    assert {end for _, _, end in ENDS} == set(END_REASONS)


def test_a_profit_the_server_left_out_is_the_difference() -> None:
    state = OpenContract.from_payload(
        {**poc("CALL", is_sold=1, status="sold", sell_price=4.0), "profit": None}
    )
    assert state.final_profit == -6.0
    assert OpenContract.from_payload({**poc("CALL"), "profit": None}).final_profit == -10.0
