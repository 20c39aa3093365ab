"""Property tests: Multipliers and Accumulators against a brute-force reading of the rules.

The references below restate the rules on a whole tick list with no state machine: quotes
are integer pips, each tick is judged from the path so far, and an Accumulator's closing
tick is found by counting up rather than with logarithms. Only the per-symbol figures
(commission, tick_size_barrier, maximum ticks) and the money rounding are shared with the
code under test: they are inputs, not rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import event, given, settings
from hypothesis import strategies as st

from framework.market import (
    AccumulatorPosition,
    ContractSpec,
    MarketError,
    MultiplierPosition,
    get_symbol,
    open_position,
    price,
    round_money,
)
from framework.market.terms import (
    ACCU_MAX_PAYOUT,
    accumulator_max_ticks,
    cancellation_seconds,
    multiplier_commission,
    tick_size_barrier,
)

P = 10_000
SYMBOL = "R_100"
SCALE = 100  # R_100 quotes have 2 decimals
BASIS = 100_000  # 1000.00 in pips


@dataclass
class Path:
    epochs: list[int]
    pips: list[int]
    sell_at: int | None  # index of the tick after which the owner sells, if any


@st.composite
def paths(draw: st.DrawFn, step: int, longest: int) -> Path:
    n = draw(st.integers(1, longest))
    scale = draw(st.sampled_from([step // 8 or 1, step // 2, step]))
    moves = draw(st.lists(st.integers(-scale, scale), min_size=n, max_size=n))
    gaps = draw(st.lists(st.integers(1, 3), min_size=n, max_size=n))
    epochs, pips = [P - 2, P], [BASIS, BASIS]  # ticks up to the purchase do not count
    epoch, quote = P, BASIS
    for move, gap in zip(moves, gaps, strict=True):
        epoch += gap
        quote += move
        epochs.append(epoch)
        pips.append(quote)
    sell_at = draw(st.none() | st.integers(2, len(pips) - 1))
    return Path(epochs, pips, sell_at)


# -- Multipliers ----------------------------------------------------------------------------


@dataclass
class MultCase:
    contract_type: str
    multiplier: int
    take_profit: float | None
    stop_loss: float | None
    cancellation: str | None
    path: Path
    update_at: int | None  # index of the tick after which the owner sets new orders
    new_take_profit: float | None  # None removes it
    new_stop_loss: float | None


@st.composite
def mult_cases(draw: st.DrawFn) -> MultCase:
    kind = draw(st.sampled_from(["MULTUP", "MULTDOWN"]))
    multiplier = draw(st.sampled_from([40, 80, 120, 160, 200]))
    cancellation = draw(st.sampled_from([None, None, None, "5m", "10m"]))
    take_profit = stop_loss = None
    if cancellation is None:
        take_profit = draw(st.none() | st.integers(10, 3000).map(lambda c: c / 100))
        stop_loss = draw(st.none() | st.integers(60, 1000).map(lambda c: c / 100))
    path = draw(paths(step=8 * 10_000 // multiplier, longest=60))
    update_at = None
    if cancellation is None:
        update_at = draw(st.none() | st.integers(2, min(len(path.pips) - 1, 8)) | st.just(2))
    new_tp = draw(st.none() | st.integers(1, 3000).map(lambda c: c / 100))
    new_sl = draw(st.none() | st.integers(1, 1100).map(lambda c: c / 100))
    return MultCase(
        kind, multiplier, take_profit, stop_loss, cancellation, path, update_at, new_tp, new_sl
    )


def mult_reference(case: MultCase) -> tuple[tuple[int | None, str, str, float], bool | None]:
    """((index of the closing tick, status, end, amount credited), update accepted); the
    index is None while open, the update flag None when no update was tried."""
    stake = 10.0
    sign = 1 if case.contract_type == "MULTUP" else -1
    c = multiplier_commission(get_symbol(SYMBOL))
    notional = stake * case.multiplier
    b = BASIS / SCALE

    def level_pips(pnl: float) -> int:
        return round(b * (1 + sign * (pnl / notional + c)) * SCALE)

    def value(q: int) -> float:
        return stake + notional * (sign * (q / SCALE - b) / b - c)

    def update_ok(pnl: float) -> bool:
        tp, sl = case.new_take_profit, case.new_stop_loss
        top = min(0.9 * case.multiplier, 50.0) * stake
        tp_ok = tp is None or (tp >= 0.1 and tp <= top and tp > max(pnl, 0.0))
        sl_ok = sl is None or (sl >= 0.1 and sl <= stake and sl > max(-pnl, 0.0))
        return tp_ok and sl_ok

    window = P + cancellation_seconds(case.cancellation) if case.cancellation else None
    take_profit, stop_loss = case.take_profit, case.stop_loss
    accepted: bool | None = None
    last = 1
    for i in range(2, len(case.path.pips)):
        epoch, q = case.path.epochs[i], case.path.pips[i]
        last = i
        bid = max(round_money(value(q)), 0.0)
        if sign * q <= sign * level_pips(-stake):
            if window is not None and epoch < window:
                return (i, "cancelled", "cancelled", stake), accepted
            return (i, "lost", "stopped_out", bid), accepted
        if stop_loss is not None and sign * q <= sign * level_pips(-stop_loss):
            return (i, "lost", "stop_loss", bid), accepted
        if take_profit is not None and sign * q >= sign * level_pips(take_profit):
            return (i, "won", "take_profit", bid), accepted
        if case.update_at == i:
            accepted = update_ok(round_money(value(q) - stake))
            if accepted:
                take_profit, stop_loss = case.new_take_profit, case.new_stop_loss
        if case.path.sell_at == i:
            if window is not None and epoch + 1 < window and bid < stake:
                continue  # refused: cancellation would be better
            return (i, "sold", "sold", bid), accepted
    return (None, "open", "", max(round_money(value(case.path.pips[last])), 0.0)), accepted


@settings(max_examples=400, deadline=None)
@given(mult_cases())
def test_multiplier_matches_reference(case: MultCase) -> None:
    spec = ContractSpec(
        case.contract_type, SYMBOL, 10.0, duration=None, duration_unit=None,
        multiplier=case.multiplier, take_profit=case.take_profit, stop_loss=case.stop_loss,
        cancellation=case.cancellation,
    )  # fmt: skip
    pos = open_position(spec, price(spec, BASIS / SCALE), P, contract_id=1)
    assert isinstance(pos, MultiplierPosition)
    got: tuple[int | None, str, str, float] | None = None
    accepted: bool | None = None
    for i, (epoch, q) in enumerate(zip(case.path.epochs, case.path.pips, strict=True)):
        settlement = pos.on_tick(epoch, q / SCALE)
        if settlement is not None:
            got = (i, settlement.status, settlement.end, settlement.sell_price)
            assert (settlement.exit_epoch, settlement.exit_quote) == (epoch, q / SCALE)
            break
        if case.update_at == i:
            try:
                pos.update(epoch, case.new_take_profit, case.new_stop_loss)
                accepted = True
            except MarketError:
                accepted = False
        if case.path.sell_at == i and pos.is_valid_to_sell(epoch + 1):
            sold = pos.sell(epoch + 1)
            got = (i, sold.status, sold.end, sold.sell_price)
            break
    expected, expected_accepted = mult_reference(case)
    assert accepted == expected_accepted
    event(expected[2] or "open")
    event(f"update {'none' if accepted is None else accepted}")
    if got is None:
        assert expected[0] is None and pos.status == "open"
        assert pos.bid_price(P) == expected[3]
    else:
        assert got == expected


# -- Accumulators -----------------------------------------------------------------------------


@dataclass
class AccuCase:
    growth_rate: float
    stake: float
    take_profit: float | None
    path: Path
    update_at: int | None  # index of the tick after which the owner sets a new take-profit
    new_take_profit: float | None  # None removes it


@st.composite
def accu_cases(draw: st.DrawFn) -> AccuCase:
    g = draw(st.sampled_from([0.01, 0.02, 0.03, 0.04, 0.05]))
    stake = draw(st.sampled_from([1.0, 10.0, 999.0, 1000.0]))
    take_profit = draw(st.none() | st.integers(1, 2000).map(lambda c: c / 100))
    width = round(tick_size_barrier(get_symbol(SYMBOL), g) * BASIS)
    path = draw(paths(step=2 * width, longest=250))
    update_at = draw(st.none() | st.integers(2, min(len(path.pips) - 1, 12)))
    new_tp = draw(st.none() | st.integers(0, 3000).map(lambda c: c / 100))
    return AccuCase(g, stake, take_profit, path, update_at, new_tp)


def accu_reference(case: AccuCase) -> tuple[tuple[int | None, str, str, float], bool | None]:
    """((index of the closing tick, status, end, amount credited), update accepted); the
    index is None while open, the update flag None when no update was tried."""
    g, stake, tp = case.growth_rate, case.stake, case.take_profit
    tsb = tick_size_barrier(get_symbol(SYMBOL), g)

    def value(n: int) -> float:
        return round_money(stake * (1 + g) ** (n - 1))

    def first_reaching(target: float) -> int:
        n = 1
        while value(n) < target:
            n += 1
        return n

    def closing_tick(tp: float | None) -> int:
        close = min(accumulator_max_ticks(g), first_reaching(ACCU_MAX_PAYOUT))
        return min(close, first_reaching(stake + tp)) if tp else close

    close = closing_tick(tp)
    accepted: bool | None = None
    pips = case.path.pips
    n = 0
    for i in range(2, len(pips)):  # index 2 is the entry tick
        if i > 2:
            n += 1
            prev, q = pips[i - 1] / SCALE, pips[i] / SCALE
            if q >= prev * (1 + tsb) or q <= prev * (1 - tsb):
                return (i, "lost", "knocked_out", 0.0), accepted
            if n == close:
                end = "take_profit" if tp and value(n) >= stake + tp else "expired"
                return (i, "won", end, value(n)), accepted
        if case.update_at == i:
            new = case.new_take_profit
            profit = max(value(n) - stake, 0.0)
            accepted = new is None or profit < new <= ACCU_MAX_PAYOUT - stake
            if accepted:
                tp, close = new, closing_tick(new)
        if case.path.sell_at == i and n >= 1:
            return (i, "sold", "sold", value(n)), accepted
    return (None, "open", "", value(n)), accepted


@settings(max_examples=400, deadline=None)
@given(accu_cases())
def test_accumulator_matches_reference(case: AccuCase) -> None:
    spec = ContractSpec(
        "ACCU", SYMBOL, case.stake, duration=None, duration_unit=None,
        growth_rate=case.growth_rate, take_profit=case.take_profit,
    )  # fmt: skip
    pos = open_position(spec, price(spec, BASIS / SCALE), P, contract_id=2)
    assert isinstance(pos, AccumulatorPosition)
    got: tuple[int | None, str, str, float] | None = None
    accepted: bool | None = None
    for i, (epoch, q) in enumerate(zip(case.path.epochs, case.path.pips, strict=True)):
        settlement = pos.on_tick(epoch, q / SCALE)
        if settlement is not None:
            got = (i, settlement.status, settlement.end, settlement.sell_price)
            assert settlement.tick_stream[-1] == (epoch, q / SCALE)
            break
        if case.update_at == i:
            try:
                pos.update(epoch, take_profit=case.new_take_profit)
                accepted = True
            except MarketError:
                accepted = False
        if case.path.sell_at == i and pos.is_valid_to_sell(epoch):
            sold = pos.sell(epoch)
            got = (i, sold.status, sold.end, sold.sell_price)
            break
    expected, expected_accepted = accu_reference(case)
    assert accepted == expected_accepted
    event(expected[2] or "open")
    event(f"update {'none' if accepted is None else accepted}")
    if got is None:
        assert expected[0] is None and pos.status == "open"
        assert pos.bid_price(P) == expected[3]
    else:
        assert got == expected
