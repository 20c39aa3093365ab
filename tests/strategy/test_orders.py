"""Orders on open contracts through the context: ctx.sell, ctx.update, ctx.cancel."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
import structlog
from structlog.testing import capture_logs

from framework.deriv.models import Tick
from framework.risk import RiskGate, RiskLimits
from framework.strategy import (
    ContractOrder,
    ContractTemplate,
    ContractUpdate,
    HostedStrategy,
    IntentError,
    MemoryStateStore,
    MemoryVenue,
    NoParams,
    OrderFailed,
    Strategy,
    TradeIntent,
    make_host,
)
from framework.strategy._context import contract_label
from framework.strategy._host import StrategyHost, StrategySetup

CALL = ContractTemplate(type="CALL", duration=5, duration_unit="m")


@pytest.fixture
def logs() -> Iterator[list[MutableMapping[str, Any]]]:
    with capture_logs() as captured:
        yield captured


class Recorder(Strategy[NoParams]):
    """Buys on its first tick; records what the hooks get."""

    Params = NoParams

    def on_start(self) -> None:
        self.updates: list[ContractUpdate] = []
        self.failures: list[OrderFailed] = []

    def on_tick(self, tick: Tick) -> None:
        if not self.ctx.open_contracts:
            self.ctx.buy()

    def on_contract_update(self, update: ContractUpdate) -> None:
        self.updates.append(update)

    def on_order_failed(self, failure: OrderFailed) -> None:
        self.failures.append(failure)


def bought(
    venue: MemoryVenue | None = None, **kwargs: Any
) -> tuple[HostedStrategy, MemoryVenue, TradeIntent]:
    """A started strategy with one contract bought and known to its context."""
    venue = venue if venue is not None else MemoryVenue(now=100)
    slot = make_host(Recorder, NoParams(), venue, name="s", contract=CALL, **kwargs)
    slot.start()
    slot.tick(Tick("R_100", 100, 1000.0, 2))
    [intent] = venue.intents
    slot.contract_update(venue.update(intent, bid_price=0.6))
    return slot, venue, intent


def test_sell_names_the_contract_by_its_update_intent_or_id() -> None:
    slot, venue, intent = bought()
    update = slot.strategy.updates[0]  # type: ignore[attr-defined]
    order = slot.ctx.sell(update)
    assert order == ContractOrder(
        order_id="s-1/sell-1",
        kind="sell",
        strategy="s",
        intent_id="s-1",
        contract_id=1,
        created_epoch=100,
    )
    assert venue.orders == [order]
    assert order.to_request() == {"sell": 1, "price": 0}
    # A failed sale may be tried again, by the intent or the id, with a minimum price.
    slot.order_failed(venue.failed(order, "PriceMoved", "moved"))
    again = slot.ctx.sell(intent, min_price=0.55)
    assert again is not None and again.order_id == "s-1/sell-2" and again.min_price == 0.55
    assert again.to_request() == {"sell": 1, "price": 0.55}
    slot.order_failed(venue.failed(again, "PriceMoved", "moved"))
    third = slot.ctx.sell(1)
    assert third is not None and third.order_id == "s-1/sell-3"
    assert slot.ctx.order_counts == {"sell": 3}


def test_a_sale_closes_the_contract_once_and_forgets_it() -> None:
    slot, venue, intent = bought()
    order = slot.ctx.sell(intent)
    assert order is not None
    result = venue.sold(order, 0.6)
    assert (result.status, result.end, result.profit, result.won) == ("sold", "sold", -0.4, False)
    slot.contract_closed(result)
    assert not slot.ctx.open_contracts
    assert slot.ctx.sell(intent) is None
    assert slot.ctx.sell(1) is None
    assert slot.ctx.order_refusals == {"not_open": 2}
    assert venue.balance == 999.6


def test_orders_refused_on_the_spot_are_counted_and_logged_once(
    logs: list[MutableMapping[str, Any]],
) -> None:
    venue = MemoryVenue(now=100)
    slot = make_host(Recorder, NoParams(), venue, name="s", contract=CALL)
    slot.start()
    slot.tick(Tick("R_100", 100, 1000.0, 2))
    [intent] = venue.intents
    # Bought, but no update of it has arrived: the context does not know its contract yet.
    assert slot.ctx.sell(intent) is None
    assert slot.ctx.cancel(intent) is None
    assert slot.ctx.sell(99) is None
    slot.contract_update(venue.update(intent, bid_price=0.5))
    order = slot.ctx.sell(intent)
    assert order is not None
    # A sale is under way: neither a second one, nor a cancellation, nor an update.
    assert slot.ctx.sell(intent) is None
    assert slot.ctx.cancel(intent) is None
    assert slot.ctx.update(intent, take_profit=1.0) is None
    assert slot.ctx.order_refusals == {"not_bought": 2, "not_open": 1, "closing": 3}
    assert venue.orders == [order]
    refused = [e for e in logs if e["event"] == "order refused"]
    assert [(e["reason"], e["kind"]) for e in refused] == [
        ("not_bought", "sell"),
        ("not_open", "sell"),
        ("closing", "sell"),
    ]


def test_another_strategys_contract_is_not_ours() -> None:
    slot, _, _ = bought()
    foreign = ContractUpdate(
        intent_id="x-1", strategy="x", contract_id=7, symbol="R_100", contract_type="CALL",
        buy_price=1.0, payout=1.95, bid_price=0.5, profit=-0.5, spot_epoch=None, spot=None,
        entry_epoch=None, entry_quote=None,
    )  # fmt: skip
    assert slot.ctx.sell(foreign) is None
    assert slot.ctx.order_refusals == {"not_open": 1}


def test_update_sets_removes_or_keeps_each_limit() -> None:
    slot, venue, intent = bought()
    both = slot.ctx.update(intent, take_profit=5, stop_loss=2.504)
    assert both is not None
    assert (both.take_profit, both.stop_loss, both.set_take_profit, both.set_stop_loss) == (
        5.0,
        2.5,
        True,
        True,
    )
    remove_tp = slot.ctx.update(intent, take_profit=None)
    assert remove_tp is not None
    assert remove_tp.to_request() == {
        "contract_update": 1,
        "contract_id": 1,
        "limit_order": {"take_profit": None},
    }
    only_sl = slot.ctx.update(intent, stop_loss=3.0)
    assert only_sl is not None and only_sl.limit_order() == {"stop_loss": 3.0}
    assert [o.order_id for o in venue.orders] == ["s-1/update-1", "s-1/update-2", "s-1/update-3"]
    # Updates do not hold the contract: it may still be sold.
    assert slot.ctx.sell(intent) is not None


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "needs take_profit or stop_loss"),
        ({"take_profit": 0}, "take_profit must be an amount > 0"),
        ({"stop_loss": -1.0}, "stop_loss must be an amount > 0"),
        ({"stop_loss": float("inf")}, "stop_loss must be an amount > 0"),
        ({"take_profit": "5"}, "take_profit must be an amount > 0"),
    ],
)
def test_update_without_a_valid_change_is_a_bug(kwargs: dict[str, Any], match: str) -> None:
    slot, venue, intent = bought()
    with pytest.raises(IntentError, match=match):
        slot.ctx.update(intent, **kwargs)
    assert venue.orders == []


@pytest.mark.parametrize("price", [-0.01, float("nan"), float("inf")])
def test_a_minimum_price_must_be_a_number_at_least_zero(price: float) -> None:
    slot, venue, intent = bought()
    with pytest.raises(IntentError, match="min_price must be a number >= 0"):
        slot.ctx.sell(intent, min_price=price)
    assert venue.orders == []


def test_cancel_returns_the_stake_and_ends_cancelled() -> None:
    slot, venue, intent = bought()
    order = slot.ctx.cancel(intent)
    assert order is not None and order.to_request() == {"cancel": 1}
    assert slot.ctx.sell(intent) is None  # the cancellation is under way
    result = venue.cancelled(order)
    slot.contract_closed(result)
    assert (result.status, result.end, result.profit) == ("cancelled", "cancelled", 0.0)
    assert venue.balance == 1000.0


def test_a_failed_order_is_counted_logged_once_and_reaches_the_hook(
    logs: list[MutableMapping[str, Any]],
) -> None:
    slot, venue, intent = bought()
    for _ in range(2):
        order = slot.ctx.sell(intent)
        assert order is not None
        slot.order_failed(venue.failed(order, "ResaleNotOffered", "Resale is not offered."))
    strategy: Any = slot.strategy
    assert [f.code for f in strategy.failures] == ["ResaleNotOffered"] * 2
    assert slot.ctx.order_failures == {"ResaleNotOffered": 2}
    failed = [e for e in logs if e["event"] == "order failed"]
    assert len(failed) == 1 and failed[0]["code"] == "ResaleNotOffered"


def test_the_host_books_updates_and_failures_of_strategies_that_ignore_them() -> None:
    class Quiet(Strategy[NoParams]):
        Params = NoParams

        def on_tick(self, tick: Tick) -> None:
            if not self.ctx.open_contracts:
                self.ctx.buy()

    gate = RiskGate(RiskLimits())
    host = StrategyHost(gate, log=structlog.get_logger())
    venue = MemoryVenue(now=100)
    slot = host.add(
        StrategySetup("q", Quiet, NoParams(), ("R_100",), contract=CALL),
        venue=venue,
        state=MemoryStateStore(),
    )
    host.start_all()
    host.tick(Tick("R_100", 100, 1000.0, 2))
    [intent] = venue.intents
    assert not slot.wants_updates
    host.contract_update(slot, venue.update(intent, bid_price=0.5))
    order = slot.ctx.sell(intent)
    assert order is not None
    host.order_failed(slot, venue.failed(order, "PriceMoved", "moved"))
    assert slot.ctx.order_failures == {"PriceMoved": 1}
    # A strategy that is down still has its failures booked (and may sell on restart).
    slot.state = "disabled"
    again = slot.ctx.sell(intent)
    assert again is not None
    host.order_failed(slot, venue.failed(again, "PriceMoved", "moved"))
    assert slot.ctx.order_failures == {"PriceMoved": 2}
    assert host.summary()[0]["orders"] == {"sell": 2}


def test_a_raising_on_order_failed_goes_through_the_policy() -> None:
    class Raises(Recorder):
        def on_order_failed(self, failure: OrderFailed) -> None:
            raise RuntimeError("boom")

    host = StrategyHost(RiskGate(RiskLimits()), log=structlog.get_logger())
    venue = MemoryVenue(now=100)
    slot = host.add(
        StrategySetup("r", Raises, NoParams(), ("R_100",), contract=CALL, on_error="disable"),
        venue=venue,
        state=MemoryStateStore(),
    )
    host.start_all()
    host.tick(Tick("R_100", 100, 1000.0, 2))
    [intent] = venue.intents
    host.contract_update(slot, venue.update(intent, bid_price=0.5))
    order = slot.ctx.sell(intent)
    assert order is not None
    host.order_failed(slot, venue.failed(order, "PriceMoved", "moved"))
    assert (slot.state, slot.errors, slot.ctx.order_failures) == ("disabled", 1, {"PriceMoved": 1})


def test_the_risk_gate_counts_what_an_open_contract_cost_until_it_closes() -> None:
    gate = RiskGate(RiskLimits(max_daily_loss=10.0))
    slot, _, _ = bought(gate=gate)
    assert gate.exposure == 1.0
    # A recovered contract the gate never checked counts as open and at risk, not as a trade.
    slot.contract_update(
        ContractUpdate(
            intent_id="s-0", strategy="s", contract_id=50, symbol="R_100",
            contract_type="MULTUP", buy_price=8.5, payout=0.0, bid_price=8.0, profit=-0.5,
            spot_epoch=None, spot=None, entry_epoch=None, entry_quote=None,
        )
    )  # fmt: skip
    assert (gate.exposure, gate.in_flight, gate.trades) == (9.5, 2, 1)
    # 9.50 at risk: a 1.00 trade would put 10.50 at stake against a 10.00 daily limit.
    assert slot.ctx.buy(symbol="R_100") is None
    assert slot.ctx.refusals == {"max_daily_loss": 1}
    order = slot.ctx.sell(50)
    assert order is not None and order.intent_id == "s-0"


def test_contracts_are_described_with_or_without_a_duration() -> None:
    assert contract_label(CALL, "R_100") == "CALL 5m on R_100"
    assert contract_label(ContractTemplate(type="MULTUP", multiplier=100)) == "MULTUP x100"
    assert contract_label(ContractTemplate(growth_rate=0.03)) == "? 5t growth 0.03"
