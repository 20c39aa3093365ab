"""The simulated broker's counted contracts settle exactly as the ones fed tick by tick.

A contract decided at its exit tick (Rise/Fall, digits) bought ``counted`` is given its
ticks in one go when its expiry tick comes; these tests run two brokers side by side on the
same ticks and purchases, one counting and one polling, and require the same settlements,
on the same ticks, credited in the same order with the same balances.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from framework.backtest.broker import BrokerRejection, SimulatedBroker
from framework.market import ContractSpec, Position

SYMBOLS = ("R_100", "R_50")
TYPES = ("CALL", "PUT", "DIGITEVEN", "DIGITOVER", "ONETOUCH")


def _spec(symbol: str, contract_type: str, duration: int) -> ContractSpec:
    barrier = {"DIGITOVER": "4", "ONETOUCH": "+0.3"}.get(contract_type)
    return ContractSpec(contract_type, symbol, 1.0, duration=duration, barrier=barrier)


# One step: a tick of one symbol (with the epoch step from the previous tick of the replay:
# 0 is an equal epoch on the other symbol), and buys made before it is settled (as in
# on_tick) or after (as in on_contract_closed).
step = st.tuples(
    st.sampled_from(SYMBOLS),
    st.integers(min_value=0, max_value=2),
    st.integers(min_value=-30, max_value=30),
    st.lists(
        st.tuples(
            st.sampled_from(SYMBOLS),
            st.sampled_from(TYPES),
            st.integers(min_value=5, max_value=10),
            st.booleans(),
        ),
        max_size=3,
    ),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(step, min_size=1, max_size=80))
def test_counting_and_polling_brokers_settle_alike(steps: list) -> None:  # type: ignore[type-arg]
    counting = SimulatedBroker(balance=1e6)
    polling = SimulatedBroker(balance=1e6)
    last = {s: 0 for s in SYMBOLS}
    quotes = {s: 1000.0 for s in SYMBOLS}
    spots: dict[str, float] = {}
    epoch = 1_700_000_000
    settled_counting: list[tuple[int, int, float]] = []
    settled_polling: list[tuple[int, int, float]] = []

    def buy(symbol: str, contract_type: str, duration: int) -> None:
        spot = spots.get(symbol)
        if spot is None:
            return
        spec = _spec(symbol, contract_type, duration)
        try:
            quote = counting.quote(spec, spot, epoch)
        except BrokerRejection:
            return
        counting.buy(spec, quote, epoch, counted=True)
        polling.buy(spec, quote, epoch)

    for index, (symbol, gap, move, buys) in enumerate(steps):
        if last[symbol] >= epoch + gap:
            gap = last[symbol] - epoch + 1  # each symbol's ticks strictly increase
        epoch += gap
        last[symbol] = epoch
        quotes[symbol] = round(quotes[symbol] + move / 100, 2)
        spots[symbol] = quotes[symbol]
        for b_symbol, contract_type, duration, before in buys:
            if before:
                buy(b_symbol, contract_type, duration)
        for broker, out in ((counting, settled_counting), (polling, settled_polling)):
            for settlement, balance in broker.settle(symbol, epoch, quotes[symbol]) or ():
                out.append((index, settlement.contract_id, balance))
                assert settlement.tick_stream  # the ticks from entry on, either way
        for b_symbol, contract_type, duration, before in buys:
            if not before:
                buy(b_symbol, contract_type, duration)
    assert settled_counting == settled_polling
    assert counting.balance == polling.balance
    assert counting.open_count == polling.open_count
    assert sorted(p.contract_id for p in counting.open_positions()) == sorted(
        p.contract_id for p in polling.open_positions()
    )


def test_a_counted_contract_read_before_expiry_is_caught_up() -> None:
    broker = SimulatedBroker(balance=100.0)
    spec = _spec("R_100", "CALL", 5)
    epoch = 1_700_000_000
    position = broker.buy(spec, broker.quote(spec, 1000.0, epoch), epoch, counted=True)
    broker.catch_up(position)  # nothing recorded yet: nothing to give
    assert position.tick_count == 0
    for k in range(1, 4):
        assert broker.settle("R_100", epoch + k, 1000.0 + k) is None
    assert position.tick_count == 0  # not fed yet: nothing watches it
    broker.catch_up(position)
    assert position.tick_count == 3
    assert position.entry_quote == 1001.0 and position.current_quote == 1003.0
    for k in range(4, 6):
        assert broker.settle("R_100", epoch + k, 1000.0 + k) is None
    settled = broker.settle("R_100", epoch + 6, 1010.0)  # 5 ticks after the entry tick
    assert settled is not None
    ((settlement, balance),) = settled
    assert settlement.status == "won" and settlement.exit_quote == 1010.0
    assert [q for _, q in settlement.tick_stream] == [1001, 1002, 1003, 1004, 1005, 1010]
    assert balance == broker.balance


def test_a_counted_contract_sold_or_refused_leaves_the_tape_consistent() -> None:
    broker = SimulatedBroker(balance=100.0)
    spec = _spec("R_100", "PUT", 5)
    epoch = 1_700_000_000
    first = broker.buy(spec, broker.quote(spec, 1000.0, epoch), epoch, counted=True)
    broker.settle("R_100", epoch + 1, 999.0)
    second = broker.buy(spec, broker.quote(spec, 999.0, epoch + 1), epoch + 1, counted=True)
    # Tick contracts are not resold: the refusal changes nothing.
    try:
        broker.sell(first, epoch + 1, 0.0)
    except BrokerRejection as exc:
        assert exc.code == "ResaleNotOffered"
    else:  # pragma: no cover - the market model's rule
        raise AssertionError("a tick contract was resold")
    # Closing one by hand (as the end of a replay does with its bookkeeping) forgets it.
    assert isinstance(first, Position)
    settlement = first.advance([(epoch + 2 + k, 990.0) for k in range(6)])
    assert settlement is not None
    broker._close(first, settlement)  # the path sell() and cancel() take
    assert broker.open_count == 1
    settled = [broker.settle("R_100", epoch + k, 990.0 - k) for k in range(2, 9)]
    assert settled[:5] == [None] * 5 and settled[6] is None
    result = settled[5]  # the tick of epoch + 7: 5 ticks after its entry tick
    assert result is not None and result[0][0].contract_id == second.contract_id
    assert broker.open_count == 0


def test_the_tape_keeps_only_the_ticks_open_contracts_need() -> None:
    broker = SimulatedBroker(balance=1e9)
    spec = _spec("R_100", "CALL", 5)
    epoch = 1_700_000_000
    for k in range(20_000):
        broker.settle("R_100", epoch + k, 1000.0 + k % 7)
        broker.buy(spec, broker.quote(spec, 1000.0, epoch + k), epoch + k, counted=True)
    tape = broker._tapes["R_100"]  # the memory bound is the point
    assert len(tape.epochs) == len(tape.quotes) <= 4096 + 10
    assert broker.open_count == 6  # a 5-tick Rise lasts 6 ticks from its purchase
