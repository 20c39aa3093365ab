"""The other option types on the simulator: two barriers, High/Low Ticks, Only Ups/Downs.

Their rules are the market model's; these tests check the open-contract view shows what the
real server shows for them and that each settles as a twin position of the market model.
"""

from __future__ import annotations

from typing import Any

from trio.testing import MockClock

from framework.market.positions import open_position
from framework.simulator import Simulator
from tests.simulator.client import RawClient

BASE: dict[str, Any] = {"symbol": "R_100", "currency": "USD", "amount": 10, "basis": "stake"}


async def follow(trader: RawClient, sim: Simulator, terms: dict[str, Any]) -> list[dict[str, Any]]:
    """Buy, follow to the end, and check the end against the market model's own position."""
    bought = await trader.call({"buy": "1", "price": 10, "parameters": terms, "subscribe": 1})
    assert "error" not in bought, bought
    contract = sim.core.desk.contracts[bought["buy"]["contract_id"]]
    twin = open_position(contract.quote.spec, contract.quote, contract.position.purchase_epoch)
    views = []
    while True:
        view = (await trader.stream(bought["subscription"]["id"], limit=900))[
            "proposal_open_contract"
        ]
        views.append(view)
        if view["is_sold"]:
            break
    ended = None
    for tick in sim.core.feeds.get("R_100").history(twin.purchase_epoch + 1, view["sell_time"]):
        ended = twin.on_tick(tick.epoch, tick.quote) or ended
    assert ended is not None
    assert (view["status"], view["sell_price"], view["exit_tick_time"]) == (
        ended.status,
        ended.sell_price,
        ended.exit_epoch,
    )
    return views


async def test_two_barriers_are_shown_around_the_entry_spot(
    autojump_clock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    terms = {
        **BASE, "contract_type": "EXPIRYRANGE", "barrier": "+0.50", "barrier2": "-0.50",
        "duration": 2, "duration_unit": "m",
    }  # fmt: skip
    views = await follow(trader, sim, terms)
    entered = next(v for v in views if "entry_tick" in v)
    assert entered["barrier_count"] == 2
    assert "barrier" not in entered
    entry = entered["entry_tick"]
    assert entered["high_barrier"] == f"{entry + 0.5:.2f}"
    assert entered["low_barrier"] == f"{entry - 0.5:.2f}"
    assert views[-1]["status"] in ("won", "lost")


async def test_high_ticks_show_the_selected_tick_and_its_spot(
    autojump_clock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    terms = {
        **BASE, "contract_type": "TICKHIGH", "selected_tick": 2, "duration": 5,
        "duration_unit": "t",
    }  # fmt: skip
    views = await follow(trader, sim, terms)
    assert all(v["selected_tick"] == 2 for v in views)
    final = views[-1]
    # It cannot end before the selected tick: that tick's quote is the barrier.
    assert final["selected_spot"] == final["tick_stream"][1]["tick"]
    assert final["tick_count"] == 5


async def test_only_ups_settle_on_the_first_tick_that_is_not_higher(
    autojump_clock: MockClock, trader: RawClient, sim: Simulator
) -> None:
    views = await follow(trader, sim, {**BASE, "contract_type": "RUNHIGH", "duration": 3,
                                        "duration_unit": "t"})  # fmt: skip
    assert views[-1]["is_path_dependent"] == 1
