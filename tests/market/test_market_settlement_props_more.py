"""Property tests for the two-barrier, High/Low Ticks and Only Ups/Downs settlement rules.

As in ``test_market_settlement_props.py``, the reference re-reads the rules (the settlement
module's docstring, from Deriv's ``BOM::Product::Contract::*``) on a whole tick list with
integer pips and no state machine: two-barrier outcomes from the exit tick or a scan of
prefixes, High/Low Ticks from the five ticks at once, Only Ups/Downs from consecutive pairs.
Steps of zero pips are generated on purpose: ties decide High/Low Ticks and Only Ups/Downs.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import event, given, settings
from hypothesis import strategies as st

from framework.market import ContractSpec, Position, get_symbol, validate

ENDS = ("EXPIRYRANGE", "EXPIRYMISS", "EXPIRYRANGEE", "EXPIRYMISSE")
STAYS = ("RANGE", "UPORDOWN")
HIGH_LOW = ("TICKHIGH", "TICKLOW")
RUNS = ("RUNHIGH", "RUNLOW")
EXPIRY = 120  # the time contracts below last 2 minutes
PAYOUT = 19.5

Row = tuple[int, int, int]  # (index in Case.ticks, epoch, quote in pips)


@dataclass
class Case:
    symbol: str
    contract_type: str
    duration: int
    unit: str
    barrier: str | None
    barrier2: str | None
    selected_tick: int | None
    purchase: int
    ticks: list[tuple[int, int]]  # (epoch, quote in integer pips)


@dataclass
class Expected:
    index: int  # index in Case.ticks of the tick that settles the contract
    won: bool
    entry: tuple[int, int]
    exit: tuple[int, int]
    barrier_pips: int | None = None
    high_pips: int | None = None
    low_pips: int | None = None


def _level(text: str, entry_q: int, pip_size: int) -> int:
    pips = round(float(text.lstrip("+-")) * 10.0**pip_size)
    if text[0] == "+":
        return entry_q + pips
    if text[0] == "-":
        return entry_q - pips
    return pips


def _ends_wins(ctype: str, q: int, low: int, high: int) -> bool:
    return {
        "EXPIRYRANGE": low < q < high,
        "EXPIRYMISS": q < low or q > high,
        "EXPIRYRANGEE": low <= q <= high,
        "EXPIRYMISSE": q <= low or q >= high,
        "RANGE": True,  # reached the exit without a hit
        "UPORDOWN": False,
    }[ctype]


def _time_reference(case: Case, after: list[Row], pip_size: int) -> Expected | None:
    ctype = case.contract_type
    assert case.barrier is not None and case.barrier2 is not None
    expiry = case.purchase + EXPIRY
    inside = [t for t in after if t[1] <= expiry]
    later = [t for t in after if t[1] > expiry]
    if not inside:
        if not later:
            return None
        t = later[0]
        high = _level(case.barrier, t[2], pip_size)
        low = _level(case.barrier2, t[2], pip_size)
        return Expected(t[0], _ends_wins(ctype, t[2], low, high), t[1:], t[1:], None, high, low)
    entry = inside[0]
    high = _level(case.barrier, entry[2], pip_size)
    low = _level(case.barrier2, entry[2], pip_size)
    if ctype in STAYS:
        for k in range(len(inside)):
            seen = [q for _, _, q in inside[: k + 1]]
            if max(seen) >= high or min(seen) <= low:
                hit = inside[k]
                return Expected(hit[0], ctype == "UPORDOWN", entry[1:], hit[1:], None, high, low)
    last = inside[-1]
    won = _ends_wins(ctype, last[2], low, high)
    if last[1] == expiry:
        return Expected(last[0], won, entry[1:], last[1:], None, high, low)
    if not later:
        return None
    return Expected(later[0][0], won, entry[1:], last[1:], None, high, low)


def _high_low_reference(case: Case, after: list[Row]) -> Expected | None:
    window = after[:5]
    k = case.selected_tick
    assert k is not None
    if len(window) < k:
        return None
    entry = window[0]
    chosen = window[k - 1]
    sel = chosen[2]
    if case.contract_type == "TICKHIGH":
        beaters = [t for t in window if t[2] > sel]
    else:
        beaters = [t for t in window if t[2] < sel]
    if beaters:
        first = beaters[0]
        # An earlier tick beating the chosen one is only known once the chosen one arrives.
        return Expected(max(first[0], chosen[0]), False, entry[1:], first[1:], sel)
    if len(window) < 5:
        return None
    return Expected(window[4][0], True, entry[1:], window[4][1:], sel)


def _run_reference(case: Case, after: list[Row]) -> Expected | None:
    window = after[: case.duration + 1]
    if not window:
        return None
    entry = window[0]
    up = case.contract_type == "RUNHIGH"
    for j in range(1, len(window)):
        prev, cur = window[j - 1][2], window[j][2]
        if not (cur > prev if up else cur < prev):
            return Expected(window[j][0], False, entry[1:], window[j][1:], entry[2])
    if len(window) < case.duration + 1:
        return None
    return Expected(window[-1][0], True, entry[1:], window[-1][1:], entry[2])


def reference(case: Case, pip_size: int) -> Expected | None:
    """Settle ``case`` by the book; None if the ticks end before settlement."""
    after = [(i, e, q) for i, (e, q) in enumerate(case.ticks) if e > case.purchase]
    if case.contract_type in HIGH_LOW:
        return _high_low_reference(case, after)
    if case.contract_type in RUNS:
        return _run_reference(case, after)
    return _time_reference(case, after, pip_size)


def _signed(pips: int, pip_size: int) -> str:
    sign = "+" if pips >= 0 else "-"
    return f"{sign}{abs(pips) / 10**pip_size:.{pip_size}f}"


@st.composite
def cases(draw: st.DrawFn) -> Case:
    symbol = draw(st.sampled_from(["R_100", "R_50", "R_10", "1HZ100V"]))
    pip_size = get_symbol(symbol).pip_size
    ctype = draw(st.sampled_from(ENDS + STAYS + HIGH_LOW + RUNS))
    barrier = barrier2 = None
    selected = None
    if ctype in HIGH_LOW:
        unit, duration = "t", 5
        selected = draw(st.integers(1, 5))
    elif ctype in RUNS:
        unit, duration = "t", draw(st.integers(2, 5))
    else:
        unit, duration = "m", EXPIRY // 60
        # Offsets up to 30 pips against a walk of about +-15 pips over the contract: some
        # ranges are hit, some are not.
        if draw(st.booleans()):
            if ctype in STAYS:
                high, low = draw(st.integers(1, 30)), -draw(st.integers(1, 30))
            else:
                low = draw(st.integers(-30, 29))
                high = draw(st.integers(low + 1, 30))
            barrier, barrier2 = _signed(high, pip_size), _signed(low, pip_size)
        else:
            low = draw(st.integers(-30, 29))
            high = draw(st.integers(low + 1, 30))
            barrier = f"{(10**6 + high) / 10**pip_size:.{pip_size}f}"
            barrier2 = f"{(10**6 + low) / 10**pip_size:.{pip_size}f}"
    first = 10_000
    purchase = first + draw(st.integers(-4, 6))
    low_n, high_n = (4, 12) if unit == "t" else (40, 90)
    size = draw(st.integers(low_n, high_n))
    gaps = draw(st.lists(st.integers(1, 3), min_size=size, max_size=size))
    steps = draw(st.lists(st.integers(-3, 3), min_size=size, max_size=size))
    epoch, quote = first, 10**6
    ticks = []
    for gap, step in zip(gaps, steps, strict=True):
        ticks.append((epoch, quote))
        epoch += gap
        quote += step
    return Case(symbol, ctype, duration, unit, barrier, barrier2, selected, purchase, ticks)


@settings(max_examples=1500, deadline=None)
@given(cases())
def test_settlement_matches_reference(case: Case) -> None:
    symbol = get_symbol(case.symbol)
    scale = 10**symbol.pip_size
    spec = ContractSpec(
        case.contract_type,
        case.symbol,
        amount=10.0,
        duration=case.duration,
        duration_unit=case.unit,
        barrier=case.barrier,
        barrier2=case.barrier2,
        selected_tick=case.selected_tick,
    )
    validate(spec)
    # Built directly rather than priced: absolute ranges may not straddle the spot, and
    # only settlement is under test here.
    pos = Position(
        spec,
        symbol,
        contract_id=1,
        buy_price=10.0,
        payout=PAYOUT,
        purchase_epoch=case.purchase,
        commission=0.0128,
    )
    expected = reference(case, symbol.pip_size)

    got = None
    for i, (epoch, q) in enumerate(case.ticks):
        result = pos.on_tick(epoch, q / scale)
        if got is None and result is not None:
            got = (i, result)
        elif got is not None:
            assert result is None, "ticks after settlement must be ignored"
        # The bid must be defined (and a price) at every state the contract passes through.
        bid = pos.bid_price(epoch)
        assert 0.0 <= bid <= PAYOUT

    event(f"{case.contract_type} {'open' if expected is None else expected.won}")
    if expected is None:
        assert got is None
        assert pos.status == "open"
        return
    assert got is not None
    index, s = got
    assert index == expected.index
    assert s.status == ("won" if expected.won else "lost")
    assert (s.entry_epoch, round(s.entry_quote * scale)) == expected.entry
    assert (s.exit_epoch, round(s.exit_quote * scale)) == expected.exit
    assert s.sell_epoch == case.ticks[expected.index][0]
    assert s.sell_price == (PAYOUT if expected.won else 0.0)
    if expected.barrier_pips is None:
        assert s.barrier is None
    else:
        assert s.barrier is not None
        assert round(s.barrier * scale) == expected.barrier_pips
    if expected.high_pips is None:
        assert s.high_barrier is None and s.low_barrier is None
    else:
        assert s.high_barrier is not None and s.low_barrier is not None
        assert round(s.high_barrier * scale) == expected.high_pips
        assert round(s.low_barrier * scale) == expected.low_pips
        assert s.high_barrier == round(s.high_barrier, symbol.pip_size)
    if case.unit == "t":
        start = next(i for i, (e, _) in enumerate(case.ticks) if e > case.purchase)
        stream = [(e, q / scale) for e, q in case.ticks[start : expected.index + 1]]
        assert list(s.tick_stream) == stream
