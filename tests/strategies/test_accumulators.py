"""The accumulator strategy: calm entries, barrier distance learned, early sales."""

from __future__ import annotations

import random
import statistics

import attrs
import pytest

from framework.config import ConfigError, parse_config
from framework.strategy import (
    ClosedContract,
    ContractTemplate,
    ContractUpdate,
    HostedStrategy,
    MemoryStateStore,
    MemoryVenue,
    OrderFailed,
    Tick,
    TradeIntent,
    make_host,
)
from strategies.accumulators import (
    AccumulatorParams,
    CalmAccumulator,
    MoveWindow,
    barrier_distance,
)

ACCU = ContractTemplate(type="ACCU", growth_rate=0.03, take_profit=1.0)
D = 0.001  # the barrier distance the tests' contracts show


def accumulator(
    state: MemoryStateStore | None = None, **params: object
) -> tuple[HostedStrategy, MemoryVenue]:
    venue = MemoryVenue()
    host = make_host(
        CalmAccumulator,
        AccumulatorParams(**params),  # type: ignore[arg-type]
        venue,
        name="acc",
        symbols=("R_100", "R_50"),
        contract=ACCU,
        state=state,
    )
    host.start()
    return host, venue


class Feed:
    """Ticks with a running epoch, one symbol each call."""

    def __init__(self, host: HostedStrategy, venue: MemoryVenue) -> None:
        self.host, self.venue, self.epoch = host, venue, 1000

    def quotes(self, quotes: list[float], symbol: str = "R_100") -> list[TradeIntent]:
        """Deliver quotes; return the intents they made."""
        before = len(self.venue.intents)
        for quote in quotes:
            self.epoch += 1
            self.venue.now = self.epoch
            self.host.tick(Tick(symbol, self.epoch, quote, 2))
        return self.venue.intents[before:]


def walk(start: float, step: float, n: int) -> list[float]:
    """``n`` quotes alternating up and down by ``step`` (a relative move of about step/start)."""
    return [start + (step if i % 2 == 0 else 0.0) for i in range(n)]


def update(
    intent: TradeIntent, contract_id: int, spot: float, *, tick_passed: int = 1,
    valid: bool = True, distance: float = D,
) -> ContractUpdate:  # fmt: skip
    return ContractUpdate(
        intent_id=intent.intent_id,
        strategy=intent.strategy,
        contract_id=contract_id,
        symbol=intent.symbol,
        contract_type="ACCU",
        buy_price=intent.amount,
        payout=0.0,
        bid_price=round(intent.amount * 1.03**tick_passed, 2),
        profit=round(intent.amount * (1.03**tick_passed - 1), 2),
        spot_epoch=None,
        spot=spot,
        entry_epoch=None,
        entry_quote=None,
        is_valid_to_sell=valid,
        high_barrier=spot * (1 + distance),
        low_barrier=spot * (1 - distance),
        tick_passed=tick_passed,
    )


def close(venue: MemoryVenue, intent: TradeIntent, contract_id: int, end: str) -> ClosedContract:
    result = venue.settle(intent, won=end != "knocked_out")
    return attrs.evolve(result, contract_id=contract_id, end=end)  # type: ignore[arg-type]


# --- the pieces --------------------------------------------------------------------------


def test_move_window_is_the_mean_of_the_last_values() -> None:
    rng = random.Random(3)
    window = MoveWindow(7)
    values: list[float] = []
    assert window.mean == 0.0 and not window.full
    for _ in range(500):
        value = rng.random() * 1e-3
        window.push(value)
        values.append(value)
        assert window.mean == pytest.approx(statistics.fmean(values[-7:]), rel=1e-12)
    assert window.full and window.count == 7


def test_barrier_distance_inverts_the_barriers() -> None:
    spot = 1234.56
    assert barrier_distance(spot * 1.00042, spot * (1 - 0.00042)) == pytest.approx(0.00042)


def test_exit_move_must_be_above_calm() -> None:
    with pytest.raises(ValueError, match=r"exit_move \(0.2\) must be above calm \(0.3\)"):
        AccumulatorParams(calm=0.3, exit_move=0.2)


def test_a_bad_parameter_is_a_config_error_with_its_line() -> None:
    text = """\
strategies:
  - name: acc
    plugin: accumulators
    symbols: [R_100]
    stake: {scheme: fixed, amount: 1}
    params:
      calm: 0.5
      exit_move: 0.4
      window: 1
"""
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="acc.yaml")
    message = str(info.value)
    assert "strategies[0].params.window: must be >= 2, got 1 (acc.yaml:9)" in message
    text = text.replace("      window: 1\n", "")
    with pytest.raises(ConfigError, match=r"exit_move \(0.4\) must be above calm \(0.5\).*acc"):
        parse_config(text, source="acc.yaml")


# --- trading -----------------------------------------------------------------------------


def test_first_contract_is_a_probe_once_the_window_is_full() -> None:
    host, venue = accumulator(window=5)
    feed = Feed(host, venue)
    # Five moves need six quotes; rough moves are no reason not to probe.
    assert feed.quotes(walk(1000.0, 5.0, 5)) == []
    [intent] = feed.quotes([1000.0])
    assert (intent.contract_type, intent.symbol) == ("ACCU", "R_100")
    assert (intent.growth_rate, intent.take_profit) == (0.03, 1.0)
    assert intent.duration is None and intent.duration_unit is None
    # One contract per symbol: no second buy while it is open.
    assert feed.quotes(walk(1000.0, 0.01, 10)) == []


def test_learns_the_distance_and_then_buys_only_when_calm() -> None:
    state = MemoryStateStore()
    host, venue = accumulator(state, window=5, calm=0.3, exit_move=0.6, cooldown=5)
    feed = Feed(host, venue)
    [probe] = feed.quotes(walk(1000.0, 0.1, 6))
    host.contract_update(update(probe, 7, 1000.0))
    assert host.strategy.distance("R_100") == pytest.approx(D)  # type: ignore[attr-defined]
    assert state["distance:R_100"] == pytest.approx(D)
    host.contract_closed(close(venue, probe, 7, "take_profit"))
    # Moves of 0.5 on 1000 (5e-4 > 0.3 * D) are not calm: no trade (the cooldown lets
    # them fill the window first).
    assert feed.quotes(walk(1000.0, 0.5, 30)) == []
    # Moves of 0.2 (2e-4 <= 3e-4) are, once they fill the window.
    bought = feed.quotes(walk(1000.0, 0.2, 30))
    assert len(bought) == 1 and bought[0].intent_id == "acc-2"


def test_each_symbol_has_its_own_window_and_distance() -> None:
    host, venue = accumulator(window=3, max_open=2)
    feed = Feed(host, venue)
    [r100] = feed.quotes(walk(1000.0, 0.1, 4), "R_100")
    [r50] = feed.quotes(walk(200.0, 0.1, 4), "R_50")
    host.contract_update(update(r100, 1, 1000.0, distance=0.002))
    host.contract_update(update(r50, 2, 200.0, distance=0.0005))
    strategy = host.strategy
    assert strategy.distance("R_100") == pytest.approx(0.002)  # type: ignore[attr-defined]
    assert strategy.distance("R_50") == pytest.approx(0.0005)  # type: ignore[attr-defined]


def test_respects_max_open_across_symbols() -> None:
    host, venue = accumulator(window=3, max_open=1)
    feed = Feed(host, venue)
    assert len(feed.quotes(walk(1000.0, 0.1, 4), "R_100")) == 1
    assert feed.quotes(walk(200.0, 0.1, 10), "R_50") == []


def test_sells_when_the_moves_grow_and_only_once() -> None:
    host, venue = accumulator(window=5, calm=0.3, exit_window=2, exit_move=0.6)
    feed = Feed(host, venue)
    [intent] = feed.quotes(walk(1000.0, 0.1, 6))
    host.contract_update(update(intent, 9, 1000.0, tick_passed=0, valid=False))
    feed.quotes([1000.1, 1000.0])
    host.contract_update(update(intent, 9, 1000.0, tick_passed=2))
    assert venue.orders == []  # calm: keep accumulating
    feed.quotes([1000.7, 1000.0])  # moves of 7e-4 >= 0.6 * D
    host.contract_update(update(intent, 9, 1000.0, tick_passed=4))
    [order] = venue.orders
    assert (order.kind, order.contract_id, order.intent_id) == ("sell", 9, intent.intent_id)
    assert order.min_price is None  # at market
    host.contract_update(update(intent, 9, 1000.0, tick_passed=5))
    assert len(venue.orders) == 1  # a sale asked for is not asked again


def test_never_sells_what_is_not_valid_to_sell() -> None:
    host, venue = accumulator(window=5, exit_window=1)
    feed = Feed(host, venue)
    [intent] = feed.quotes(walk(1000.0, 0.1, 6))
    host.contract_update(update(intent, 3, 1000.0, tick_passed=0))  # learns D
    feed.quotes([1002.0])  # a huge move, on the entry tick
    host.contract_update(update(intent, 3, 1002.0, tick_passed=0, valid=False))
    assert venue.orders == []
    host.contract_update(update(intent, 3, 1002.0, tick_passed=1))
    assert [o.kind for o in venue.orders] == ["sell"]


def test_max_ticks_sells_after_that_many_ticks() -> None:
    host, venue = accumulator(window=5, max_ticks=3)
    feed = Feed(host, venue)
    [intent] = feed.quotes(walk(1000.0, 0.1, 6))
    for passed in (1, 2):
        host.contract_update(update(intent, 4, 1000.0, tick_passed=passed))
    assert venue.orders == []
    host.contract_update(update(intent, 4, 1000.0, tick_passed=3))
    assert [(o.kind, o.contract_id) for o in venue.orders] == [("sell", 4)]


def test_waits_the_cooldown_after_a_close() -> None:
    host, venue = accumulator(window=3, cooldown=5)
    feed = Feed(host, venue)
    [intent] = feed.quotes(walk(1000.0, 0.1, 4))
    host.contract_update(update(intent, 5, 1000.0))
    host.contract_closed(close(venue, intent, 5, "knocked_out"))
    assert feed.quotes(walk(1000.0, 0.1, 5)) == []
    assert len(feed.quotes(walk(1000.0, 0.1, 1))) == 1


def test_a_rejected_buy_frees_its_symbol() -> None:
    host, venue = accumulator(window=3)
    feed = Feed(host, venue)
    [intent] = feed.quotes(walk(1000.0, 0.1, 4))
    del venue.open[intent.intent_id]
    host.intent_rejected(intent)
    assert len(feed.quotes([1000.1])) == 1


def test_a_restart_keeps_the_learned_distance() -> None:
    state = MemoryStateStore()
    host, venue = accumulator(state, window=3)
    feed = Feed(host, venue)
    [intent] = feed.quotes(walk(1000.0, 0.1, 4))
    host.contract_update(update(intent, 6, 1000.0, distance=0.0003))
    host.contract_closed(close(venue, intent, 6, "sold"))
    host.restart()
    assert host.strategy.distance("R_100") == pytest.approx(0.0003)  # type: ignore[attr-defined]
    # Learned: moves of 1e-4 > 0.3 * 3e-4 are not calm enough to buy.
    assert feed.quotes(walk(1000.0, 0.1, 20)) == []


def test_a_failed_sale_is_asked_again_on_a_later_update() -> None:
    host, venue = accumulator(window=5, exit_window=1)
    feed = Feed(host, venue)
    [intent] = feed.quotes(walk(1000.0, 0.1, 6))
    feed.quotes([1002.0])
    host.contract_update(update(intent, 8, 1002.0, tick_passed=1))
    [order] = venue.orders
    host.order_failed(OrderFailed(order, "PriceMoved", "The underlying market has moved.", 0))
    host.contract_update(update(intent, 8, 1002.0, tick_passed=1))
    assert [o.order_id for o in venue.orders] == [f"{intent.intent_id}/sell-1",
                                                  f"{intent.intent_id}/sell-2"]  # fmt: skip


def test_rounding_wobble_of_the_barriers_does_not_move_the_distance() -> None:
    state = MemoryStateStore()
    host, venue = accumulator(state, window=3)
    feed = Feed(host, venue)
    [intent] = feed.quotes(walk(1000.0, 0.1, 4))
    host.contract_update(update(intent, 6, 1000.0, distance=0.001))
    host.contract_update(update(intent, 6, 1000.0, distance=0.001005))  # 0.5 %: rounding
    assert state["distance:R_100"] == pytest.approx(0.001)
    host.contract_update(update(intent, 6, 1000.0, distance=0.0012))  # 20 %: a new figure
    assert state["distance:R_100"] == pytest.approx(0.0012)


def test_after_a_restart_an_open_contract_waits_for_fresh_moves() -> None:
    # The restarted instance has no moves yet for the contract it still holds: it neither
    # sells on no evidence nor trips over the close.
    host, venue = accumulator(window=3, exit_window=1)
    feed = Feed(host, venue)
    [intent] = feed.quotes(walk(1000.0, 0.1, 4))
    host.contract_update(update(intent, 9, 1000.0))
    host.restart()
    host.contract_update(update(intent, 9, 1000.0, tick_passed=2))
    assert venue.orders == []
    host.contract_closed(close(venue, intent, 9, "take_profit"))
    assert len(feed.quotes(walk(1000.0, 0.1, 4))) == 1


def test_a_restarted_instance_does_not_buy_beside_its_open_contract() -> None:
    host, venue = accumulator(window=3, max_open=2)
    feed = Feed(host, venue)
    assert len(feed.quotes(walk(1000.0, 0.1, 4))) == 1
    host.restart()
    assert feed.quotes(walk(1000.0, 0.1, 10)) == []  # the contract is still open
    assert len(feed.quotes(walk(200.0, 0.1, 4), "R_50")) == 1  # another symbol is free
