"""Deciding a lost order from its contract's state: the rules, and the reconciler's reads."""

from __future__ import annotations

from typing import Any, cast

import pytest
import trio

from framework.client.reconcile_orders import order_done
from framework.client.reconciler import Reconciler
from framework.connection import Connection
from framework.deriv.models import OpenContract
from tests.deriv.test_models_lifecycle import OUT, SL, TP, _level, poc, sold

OPEN = OpenContract.from_payload(poc("MULTUP", limit_order=TP | SL | OUT))


@pytest.mark.parametrize(
    ("limit_order", "done"),
    [
        ({"take_profit": 5.0}, True),
        ({"take_profit": 5.004, "stop_loss": 3.0}, True),  # a stop-loss is asked as an amount
        ({"stop_loss": -3.0}, True),
        ({}, True),  # nothing asked: nothing differs
        ({"take_profit": 6.0}, False),
        ({"take_profit": None}, False),  # asked removed, still set
    ],
)
def test_an_update_is_done_when_the_limit_order_holds_what_it_asked(
    limit_order: dict[str, float | None], done: bool
) -> None:
    assert order_done("update", OPEN, limit_order)[0] is done


def test_a_removed_level_is_absent_or_without_an_amount() -> None:
    without = OpenContract.from_payload(poc("MULTUP", limit_order={"take_profit": _level(None)}))
    assert order_done("update", without, {"take_profit": None, "stop_loss": None}) == (
        True,
        "answer lost; the contract's limit order is the one asked for",
    )
    assert order_done("update", without, {"stop_loss": 2.0}) == (
        False,
        "answer lost; the contract's stop_loss is not the one asked for",
    )


def test_a_sale_is_done_only_when_nothing_but_a_sale_closed_the_contract() -> None:
    assert order_done("sell", OPEN) == (False, "answer lost; the contract is still open")
    assert order_done("sell", sold(status="sold", sell=12.0)) == (
        True,
        "answer lost; the contract is sold",
    )
    assert order_done("sell", sold(status="sold", sell=15.0)) == (
        False,
        "answer lost; the contract ended otherwise (take_profit)",
    )


def test_a_cancellation_is_done_only_when_the_contract_is_cancelled() -> None:
    assert order_done("cancel", sold(status="cancelled", sell=10.0)) == (
        True,
        "answer lost; the contract is cancelled",
    )
    assert order_done("cancel", sold(status="sold", sell=12.0)) == (
        False,
        "answer lost; the contract ended otherwise (sold)",
    )
    assert order_done("cancel", OPEN)[0] is False


class States:
    """A server answering ``proposal_open_contract`` with each state in turn."""

    def __init__(self, *states: dict[str, Any]) -> None:
        self.states = list(states)
        self.asked: list[dict[str, Any]] = []

    async def request(self, call: str, fields: dict[str, Any], **options: Any) -> Any:
        assert call == "proposal_open_contract"
        self.asked.append(fields)
        return type("Reply", (), {"data": self.states.pop(0)})


async def test_a_second_look_after_the_grace_decides_a_sale_still_executing(
    autojump_clock: trio.abc.Clock,
) -> None:
    server = States(poc("MULTUP"), dict(sold(status="sold", sell=12.0).raw))
    rec = Reconciler(cast(Connection, server), grace=2.0)
    start = trio.current_time()
    outcome = await rec.decide_order("sell", 77, loginid="VRTC1")
    assert outcome.done and outcome.reconciled and outcome.sold_for == 12.0
    assert trio.current_time() - start == 2.0
    assert (
        server.asked == [{"proposal_open_contract": 1, "contract_id": 77, "loginid": "VRTC1"}] * 2
    )


async def test_an_update_decided_done_credits_nothing() -> None:
    server = States(poc("MULTUP", limit_order=TP))
    outcome = await Reconciler(cast(Connection, server)).decide_order(
        "update", 77, limit_order={"take_profit": 5.0}
    )
    assert outcome.done and outcome.sold_for is None and outcome.kind == "update"
    assert server.asked == [{"proposal_open_contract": 1, "contract_id": 77}]
