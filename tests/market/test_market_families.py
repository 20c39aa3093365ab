"""The synthetic families beyond the Volatility indices: each model's statistics over many
ticks, its determinism, and its past (``walk_back``) read forwards as the model itself."""

from __future__ import annotations

import itertools
import math
import statistics

import pytest

from framework.market.symbols import SymbolSpec, get_symbol, symbols
from framework.market.ticks import DAY_SECONDS, YEAR_SECONDS, TickGenerator, walk_back

BOOM_CRASH = [s.symbol for s in symbols() if s.model == "spike"]
STEPS = [s.symbol for s in symbols() if s.model == "step"]
RANGES = [s.symbol for s in symbols() if s.model == "range"]
DAILY = [s.symbol for s in symbols() if s.model == "daily"]
#: A midnight, so tests can start before or at a daily reset.
MIDNIGHT = 19_700 * DAY_SECONDS


def _log_returns(start: float, quotes: list[float]) -> list[float]:
    return [math.log(b / a) for a, b in itertools.pairwise([start, *quotes])]


def _spike(spec: SymbolSpec) -> float:
    """A Boom/Crash spike's log size."""
    assert spec.diffusion is not None
    return spec.jump_scale * spec.diffusion * math.sqrt(spec.tick_interval / YEAR_SECONDS)


def _annual_sigma(spec: SymbolSpec, returns: list[float]) -> float:
    return statistics.pstdev(returns) * math.sqrt(YEAR_SECONDS / spec.tick_interval)


def test_every_family_is_listed() -> None:
    listed = {s.symbol for s in symbols()}
    wanted = {
        "BOOM300N", "CRASH300N", "BOOM500", "CRASH500", "BOOM600", "CRASH600", "BOOM900",
        "CRASH900", "BOOM1000", "CRASH1000", "JD150", "JD200", "stpRNG2", "stpRNG3",
        "stpRNG4", "stpRNG5", "RB100", "RB200", "RDBULL", "RDBEAR", "1HZ15V", "1HZ30V",
        "1HZ90V", "1HZ150V", "1HZ250V",
    }  # fmt: skip
    assert wanted <= listed
    orders = [s.display_order for s in symbols()]
    assert orders == sorted(orders) and len(set(orders)) == len(orders)


@pytest.mark.parametrize("symbol", BOOM_CRASH)
def test_boom_and_crash_spike_one_way_about_once_in_n_ticks(symbol: str) -> None:
    spec = get_symbol(symbol)
    n_ticks = 300_000
    gen = TickGenerator(spec, 21, 0)
    returns = _log_returns(gen.quote, gen.quotes(n_ticks))
    spike = _spike(spec)
    # A spike is tens of noise sigmas: half a spike separates them from the noise for sure.
    ups = sum(r > spike / 2 for r in returns)
    downs = sum(r < -spike / 2 for r in returns)
    spikes, wrong_way = (ups, downs) if spec.jump_direction > 0 else (downs, ups)
    expected = n_ticks * spec.jump_probability
    assert wrong_way == 0
    assert abs(spikes - expected) < 4 * math.sqrt(expected)
    # Between spikes the index drifts the other way ...
    calm = [r for r in returns if abs(r) < spike / 2]
    assert statistics.fmean(calm) * spec.jump_direction < 0
    # ... by what the spikes add: no long-run trend. Without the drift the sum would be
    # ``spikes * spike``; with it, only the noise of the spike count is left.
    tolerance = 4 * math.sqrt(expected) * spike
    assert abs(math.fsum(returns)) < tolerance
    assert spikes * spike > 3 * tolerance  # the check has teeth: undrifted, it would fail


@pytest.mark.parametrize("symbol", ["BOOM300N", "CRASH1000"])
def test_boom_and_crash_pricing_sigma_counts_the_spikes(symbol: str) -> None:
    spec = get_symbol(symbol)
    gen = TickGenerator(spec, 4, 0)
    realised = _annual_sigma(spec, _log_returns(gen.quote, gen.quotes(400_000)))
    assert spec.diffusion is not None and realised > 1.5 * spec.diffusion
    assert realised == pytest.approx(spec.volatility, rel=0.1)


@pytest.mark.parametrize("symbol", STEPS)
def test_step_indices_move_by_their_step_either_way(symbol: str) -> None:
    spec = get_symbol(symbol)
    gen = TickGenerator(spec, 5, 0)
    quotes = [gen.quote, *gen.quotes(20_000)]
    moves = [round(b - a, spec.pip_size) for a, b in itertools.pairwise(quotes)]
    step = spec.step_size or spec.pip
    assert {abs(m) for m in moves} == {round(step, spec.pip_size)}
    ups = sum(m > 0 for m in moves)
    assert abs(ups - len(moves) / 2) < 4 * math.sqrt(len(moves) / 4)
    realised = _annual_sigma(spec, _log_returns(quotes[0], quotes[1:]))
    assert realised == pytest.approx(spec.volatility, rel=0.05)


@pytest.mark.parametrize("symbol", RANGES)
def test_range_break_stays_in_its_range_and_breaks_once_per_n_touches(symbol: str) -> None:
    spec = get_symbol(symbol)
    gen = TickGenerator(spec, 8, 0)
    lo, hi = gen.range_bounds
    assert hi - lo == pytest.approx(spec.range_width)
    moves = 0
    for _ in range(400_000):
        quote = gen.quotes(1)[0]
        bounds = gen.range_bounds
        if bounds != (lo, hi):
            # A break moves the range by one width, towards the boundary touched.
            shift = bounds[0] - lo
            assert abs(shift) == pytest.approx(spec.range_width)
            assert (quote >= hi) if shift > 0 else (quote <= lo)
            moves += 1
            lo, hi = bounds
        assert lo <= quote <= hi
    assert moves == gen.breakouts
    touches = gen.touches
    expected = touches * spec.breakout_probability
    assert touches > 10_000
    assert abs(gen.breakouts - expected) < 4 * math.sqrt(expected)


@pytest.mark.parametrize("symbol", DAILY)
def test_daily_reset_starts_each_utc_day_at_its_reset_quote(symbol: str) -> None:
    spec = get_symbol(symbol)
    interval = spec.tick_interval
    gen = TickGenerator(spec, 2, MIDNIGHT - 3600)
    days = 3
    ticks = gen.take((days * DAY_SECONDS + 3600) // interval - 1)  # up to the 3rd midnight
    resets = [q for (e, q) in ticks if e % DAY_SECONDS == 0]
    assert resets == [spec.start_quote] * days
    # And nowhere else: the tick after a reset moves on.
    others = [q for (e, q) in ticks if e % DAY_SECONDS == interval]
    assert spec.start_quote not in others and len(others) == days


@pytest.mark.parametrize("symbol", DAILY)
def test_daily_reset_drifts_its_way_each_day(symbol: str) -> None:
    spec = get_symbol(symbol)
    gen = TickGenerator(spec, 6, MIDNIGHT)
    per_day = DAY_SECONDS // spec.tick_interval
    closes = []
    for _ in range(20):
        quotes = gen.quotes(per_day)  # the day's ticks after its reset, and the next reset
        assert quotes[-1] == spec.start_quote
        closes.append(math.log(quotes[-2] / spec.start_quote))
    sigma = spec.volatility
    expected = (spec.drift - sigma * sigma / 2) / 365
    spread = sigma / math.sqrt(365) / math.sqrt(len(closes))
    assert abs(statistics.fmean(closes) - expected) < 4 * spread
    assert statistics.fmean(closes) * spec.drift > 0


@pytest.mark.parametrize("symbol", DAILY)
def test_daily_reset_market_depends_on_the_day_not_the_start(symbol: str) -> None:
    spec = get_symbol(symbol)
    interval = spec.tick_interval
    from_midnight = TickGenerator(spec, 3, MIDNIGHT).take(20_000)
    later = TickGenerator(spec, 3, MIDNIGHT + 5_000 * interval)
    assert later.quote == from_midnight[5_000 - 1][1]
    assert later.take(15_000) == from_midnight[5_000:]
    # The start quote a caller passes cannot move the day's walk.
    assert TickGenerator(spec, 3, MIDNIGHT, start_quote=5.0).take(10) == from_midnight[:10]


@pytest.mark.parametrize("symbol", DAILY)
def test_daily_reset_past_is_its_own_earlier_days(symbol: str) -> None:
    spec = get_symbol(symbol)
    interval = spec.tick_interval
    end = MIDNIGHT + 7_000 * interval
    count = DAY_SECONDS // interval + 9_000  # across a whole earlier day and two resets
    past = walk_back(spec, 3, end).quotes(count)
    past.reverse()
    earlier = TickGenerator(spec, 3, end - count * interval)
    assert past == [earlier.quote, *earlier.quotes(count - 1)]


@pytest.mark.parametrize("symbol", ["BOOM500", "CRASH500"])
def test_boom_and_crash_past_reads_forwards_as_the_same_index(symbol: str) -> None:
    spec = get_symbol(symbol)
    past = walk_back(spec, 1, 0).quotes(100_000)
    past.reverse()
    returns = _log_returns(past[0], past[1:])
    big = [r for r in returns if abs(r) > _spike(spec) / 2]
    assert len(big) > 100
    assert all(r * spec.jump_direction > 0 for r in big)


@pytest.mark.parametrize("symbol", ["JD150", "JD200"])
def test_new_jump_indices_jump_both_ways_every_twenty_minutes(symbol: str) -> None:
    spec = get_symbol(symbol)
    gen = TickGenerator(spec, 9, 0)
    n_ticks = 600_000
    returns = _log_returns(gen.quote, gen.quotes(n_ticks))
    tick_sigma = spec.volatility * math.sqrt(spec.tick_interval / YEAR_SECONDS)
    jumps = [r for r in returns if abs(r) > spec.jump_scale * tick_sigma / 2]
    expected = n_ticks * spec.jump_probability
    assert abs(len(jumps) - expected) < 4 * math.sqrt(expected)
    ups = sum(r > 0 for r in jumps)
    assert abs(ups - len(jumps) / 2) < 4 * math.sqrt(len(jumps) / 4)


@pytest.mark.parametrize("symbol", ["1HZ15V", "1HZ30V", "1HZ90V", "1HZ150V", "1HZ250V"])
def test_new_volatility_indices_have_their_sigma(symbol: str) -> None:
    spec = get_symbol(symbol)
    gen = TickGenerator(spec, 11, 0)
    realised = _annual_sigma(spec, _log_returns(gen.quote, gen.quotes(40_000)))
    assert realised == pytest.approx(spec.volatility, rel=0.05)
    assert spec.volatility == int(symbol[3:-1]) / 100


def test_symmetric_models_walk_back_with_the_same_model() -> None:
    # The Volatility indices' past is unchanged by the families: their own generator on the
    # before-genesis seed, as the minute bars have always drawn it.
    spec = get_symbol("R_100")
    assert walk_back(spec, 4, 600).quotes(50) == TickGenerator(
        spec, "4|before-genesis", 600
    ).quotes(50)
