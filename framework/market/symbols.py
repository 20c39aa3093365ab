"""Synthetic-index symbols: the static facts about each tradable underlying.

One :class:`SymbolSpec` per symbol carries everything ``active_symbols``, ``contracts_for``,
``ticks`` and pricing need: pip size, tick interval, annual volatility, market names and the
contract categories offered. Figures follow the reference notes section 6 (Deriv's
``underlyings.yml``): Volatility indices are driftless GBMs with sigma = N %, ticking every
2 s (``R_*``) or 1 s (``1HZ*V``); Jump indices add rare large jumps; the Step indices move by
exactly one fixed step per tick. The families added later (Boom/Crash, Range Break, Daily
Reset, Step 200-500, Jump 150/200, the newer 1-second Volatility indices) carry their real
codes, names and pip sizes; every figure Deriv does not publish (spike and step sizes, range
widths, drifts, start quotes, offered categories) is an assumption, marked as such at its
helper below and listed in ``docs/market.md``.

``volatility`` is what pricing reads: the annual sigma of the model's log returns over a
short horizon. For the models that are not a plain GBM it is an *effective* sigma, derived
where each family is defined, with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

import attrs

from .errors import MarketError
from .hours import FOREX_HOURS, MarketHours

__all__ = [
    "CATEGORY_ACCUMULATOR",
    "CATEGORY_CALLPUT",
    "CATEGORY_CALLPUTEQUAL",
    "CATEGORY_DIGITS",
    "CATEGORY_ENDSINOUT",
    "CATEGORY_HIGHLOWTICKS",
    "CATEGORY_MULTIPLIER",
    "CATEGORY_RUNS",
    "CATEGORY_STAYSINOUT",
    "CATEGORY_TOUCH",
    "SYMBOLS",
    "YEAR_SECONDS",
    "SymbolSpec",
    "get_symbol",
    "symbols",
    "tick_intervals",
]

# Deriv's contract_category codes (contracts_for.available[].contract_category).
CATEGORY_CALLPUT: Final = "callput"
CATEGORY_CALLPUTEQUAL: Final = "callputequal"
CATEGORY_DIGITS: Final = "digits"
CATEGORY_TOUCH: Final = "touchnotouch"
CATEGORY_ENDSINOUT: Final = "endsinout"
CATEGORY_STAYSINOUT: Final = "staysinout"
CATEGORY_HIGHLOWTICKS: Final = "highlowticks"
CATEGORY_RUNS: Final = "runs"

_ALL_BINARY = (
    CATEGORY_CALLPUT,
    CATEGORY_CALLPUTEQUAL,
    CATEGORY_DIGITS,
    CATEGORY_TOUCH,
    CATEGORY_ENDSINOUT,
    CATEGORY_STAYSINOUT,
    CATEGORY_HIGHLOWTICKS,
    CATEGORY_RUNS,
)
CATEGORY_MULTIPLIER: Final = "multiplier"
CATEGORY_ACCUMULATOR: Final = "accumulator"

_OPEN_ENDED = (CATEGORY_MULTIPLIER, CATEGORY_ACCUMULATOR)

Model = Literal["gbm", "jump", "step", "spike", "range", "daily"]


@attrs.frozen
class SymbolSpec:
    """Static description of one synthetic index.

    Attributes:
        symbol: Deriv symbol code (``"R_100"``).
        display_name: human name used in longcodes (``"Volatility 100 Index"``).
        pip_size: number of decimals of a quote (``ticks.pip_size``; R_100 -> 2).
        pip: the smallest quote increment (``active_symbols.pip``; R_100 -> 0.01).
        tick_interval: seconds between two ticks (2 for ``R_*``, 1 for the others).
        volatility: annualised sigma of the generating GBM (R_100 -> 1.0).
        start_quote: a plausible first quote for a fresh simulated history (Daily
            Reset: the quote each UTC day starts from).
        display_order: position in ``active_symbols``.
        submarket: Deriv submarket code (``"random_index"``).
        submarket_display_name: its display name.
        contract_categories: ``contract_category`` codes offered on this symbol.
        model: tick model (:mod:`framework.market.ticks`): ``"gbm"``, ``"jump"`` (GBM plus
            jumps either way), ``"step"`` (fixed steps), ``"spike"`` (Boom/Crash: rare jumps
            one way, drift the other), ``"range"`` (Range Break) or ``"daily"`` (Daily
            Reset: a drifting GBM restarted from ``start_quote`` each UTC day).
        jump_probability: per-tick probability of a jump (``"jump"`` and ``"spike"``).
        jump_scale: jump size in units of one tick's standard deviation of the diffusion
            (``"jump"`` and ``"spike"``).
        jump_direction: ``"spike"`` only: +1 spikes up (Boom), -1 spikes down (Crash).
        diffusion: annual sigma of the model's continuous part when it is not
            ``volatility`` (Boom/Crash: ``volatility`` also counts the spikes); ``None``
            means ``volatility``.
        drift: annual drift of the log price before the Ito term (``"daily"`` only).
        step_size: ``"step"``: the fixed step (0 means one pip); ``"range"``: the standard
            deviation of one tick's move inside a range, in price units.
        range_width: ``"range"`` only: the width of a range, in price units.
        breakout_probability: ``"range"`` only: the chance that a touch of a boundary
            breaks out of the range instead of bouncing back.
        market: Deriv market code, always ``"synthetic_index"``.
        market_display_name: its display name.
        subgroup: ``active_symbols.subgroup``.
        subgroup_display_name: its display name.
        symbol_type: ``active_symbols.symbol_type``.
        exchange_name: ``active_symbols.exchange_name``.
        hours: the market's weekly trading hours, ``None`` for a market that never closes
            (every synthetic index).
    """

    symbol: str
    display_name: str
    pip_size: int
    pip: float
    tick_interval: int
    volatility: float
    start_quote: float
    display_order: int
    submarket: str = "random_index"
    submarket_display_name: str = "Continuous Indices"
    contract_categories: tuple[str, ...] = _ALL_BINARY + _OPEN_ENDED
    model: Model = "gbm"
    jump_probability: float = 0.0
    jump_scale: float = 0.0
    jump_direction: int = 0
    diffusion: float | None = None
    drift: float = 0.0
    step_size: float = 0.0
    range_width: float = 0.0
    breakout_probability: float = 0.0
    market: str = "synthetic_index"
    market_display_name: str = "Derived"
    subgroup: str = "synthetics"
    subgroup_display_name: str = "Synthetics"
    symbol_type: str = "stockindex"
    exchange_name: str = "RANDOM"
    hours: MarketHours | None = None

    def offers(self, category: str) -> bool:
        """Tell whether contracts of ``category`` are offered on this symbol.

        Args:
            category: a ``contract_category`` code such as ``"digits"``.

        Returns:
            True when the category is offered.
        """
        return category in self.contract_categories


def _vol(symbol: str, n: int, pip_size: int, interval: int, start: float, order: int) -> SymbolSpec:
    fast = interval == 1
    return SymbolSpec(
        symbol=symbol,
        display_name=f"Volatility {n} (1s) Index" if fast else f"Volatility {n} Index",
        pip_size=pip_size,
        pip=10.0**-pip_size,
        tick_interval=interval,
        volatility=n / 100.0,
        start_quote=start,
        display_order=order,
    )


def _jump(n: int, start: float, order: int) -> SymbolSpec:
    # "equal probability of an up or down jump every 20 minutes, on average ... jump size is
    # around 30 times the normal price movement": one jump per 1200 one-second ticks.
    return SymbolSpec(
        symbol=f"JD{n}",
        display_name=f"Jump {n} Index",
        pip_size=2,
        pip=0.01,
        tick_interval=1,
        volatility=n / 100.0,
        start_quote=start,
        display_order=order,
        submarket="jump_index",
        submarket_display_name="Jump Indices",
        model="jump",
        jump_probability=1.0 / 1200.0,
        jump_scale=30.0,
    )


YEAR_SECONDS: Final = 365 * 24 * 3600
"""Seconds in the 365-day year Deriv's GBM uses for ``dt``, and in which every
``volatility`` is annualised (:mod:`framework.market.ticks` re-exports it)."""


def _additive_sigma(step: float, start: float, interval: int) -> float:
    """Annual sigma of a walk moving ``step`` (one standard deviation) per tick at ``start``.

    Step and Range Break quotes move by amounts in price units, not in percent: near the
    start quote one tick is a relative move of ``step / start``, which is what pricing needs.
    """
    return step / start * math.sqrt(YEAR_SECONDS / interval)


def _step(n: int, step: float, order: int) -> SymbolSpec:
    # Assumption: "Step Index N00" moves by N/10 (0.2 .. 0.5) each second, the way the Step
    # Index (stpRNG, "Step Index 100" on newer listings) moves by 0.1; Deriv publishes the
    # codes and names, not the step sizes. The start quote is the Step Index's.
    return SymbolSpec(
        symbol=f"stpRNG{n}",
        display_name=f"Step Index {n}00",
        pip_size=1,
        pip=0.1,
        tick_interval=1,
        volatility=_additive_sigma(step, 8000.0, 1),
        start_quote=8000.0,
        display_order=order,
        submarket="step_index",
        submarket_display_name="Step Indices",
        contract_categories=_STEP_CATEGORIES,
        model="step",
        step_size=step,
    )


#: Spike size of Boom/Crash in diffusion ticks, and the diffusion's sigma (assumptions:
#: Deriv publishes only "one spike in N ticks on average"; a spike of 60 ticks of noise,
#: about 0.27 %, is the size of the one-candle spikes seen on its charts).
_SPIKE_SCALE = 60.0
_SPIKE_DIFFUSION = 0.25


def _crash_boom(boom: bool, n: int, code: str, start: float, order: int) -> SymbolSpec:
    p = 1.0 / n
    # Effective sigma for pricing: a tick's log return is diffusion plus a spike of
    # ``scale`` diffusion ticks with probability p, so its variance is
    # ``(1 + p * scale^2)`` diffusion ticks' (the drift that offsets the spikes is
    # deterministic and adds none).
    sigma = _SPIKE_DIFFUSION * math.sqrt(1.0 + p * _SPIKE_SCALE**2)
    return SymbolSpec(
        symbol=code,
        display_name=f"{'Boom' if boom else 'Crash'} {n} Index",
        pip_size=3,
        pip=0.001,
        tick_interval=1,
        volatility=sigma,
        start_quote=start,
        display_order=order,
        submarket="crash_index",
        submarket_display_name="Crash/Boom Indices",
        # Assumption: Rise/Fall and Multipliers (without deal cancellation, which Deriv
        # does not offer here: terms.py); no digits, no Accumulators.
        contract_categories=(CATEGORY_CALLPUT, CATEGORY_MULTIPLIER),
        model="spike",
        jump_probability=p,
        jump_scale=_SPIKE_SCALE,
        jump_direction=1 if boom else -1,
        diffusion=_SPIKE_DIFFUSION,
    )


def _range_break(n: int, order: int) -> SymbolSpec:
    # Assumptions (Deriv publishes "breaks out once per N touches of its boundaries on
    # average" and the 0.1 pip): a range 20.0 wide, a tick's move of 1.0 (one standard
    # deviation) inside it, one tick a second, a start at 10000.
    start, step = 10000.0, 1.0
    return SymbolSpec(
        symbol=f"RB{n}",
        display_name=f"Range Break {n} Index",
        pip_size=1,
        pip=0.1,
        tick_interval=1,
        # Pricing sees the moves inside a range (the horizon of a contract); over days the
        # ranges cap the variance and the breaks add some back.
        volatility=_additive_sigma(step, start, 1),
        start_quote=start,
        display_order=order,
        submarket="range_index",
        submarket_display_name="Range Break Indices",
        # Assumption: the Step indices' set (Rise/Fall, Higher/Lower, Multipliers).
        contract_categories=_STEP_CATEGORIES,
        model="range",
        step_size=step,
        range_width=20.0,
        breakout_probability=1.0 / n,
    )


def _daily_reset(bull: bool, order: int) -> SymbolSpec:
    # Assumptions: sigma 30 % and a drift of +/-500 % a year (1.4 % a day, the same order
    # as a day's noise, so each day's trend shows); Deriv publishes the reset to 1000 at
    # each daily open and a drift up or down, not their sizes.
    return SymbolSpec(
        symbol="RDBULL" if bull else "RDBEAR",
        display_name="Bull Market Index" if bull else "Bear Market Index",
        pip_size=4,
        pip=0.0001,
        tick_interval=2,
        # Pricing is driftless: it sees the noise only, so over a contract's minutes the
        # drift (a few hundredths of a percent) is a known, small mispricing.
        volatility=0.30,
        start_quote=1000.0,
        display_order=order,
        submarket="random_daily",
        submarket_display_name="Daily Reset Indices",
        # Assumption: the binary options (digits included) and Multipliers, no Accumulators.
        contract_categories=(*_ALL_BINARY, CATEGORY_MULTIPLIER),
        model="daily",
        drift=5.0 if bull else -5.0,
    )


_STEP_CATEGORIES = (CATEGORY_CALLPUT, CATEGORY_CALLPUTEQUAL, CATEGORY_MULTIPLIER)


def _forex(pair: str, pip_size: int, volatility: float, start: float, order: int) -> SymbolSpec:
    # Deriv's forex: market "forex", submarket "major_pairs", symbol_type "forex",
    # exchange "FOREX" and the "none" subgroup of every non-synthetic market; pips as its
    # active_symbols give them (0.00001, 0.001 for the yen). Ticks once a second while the
    # market is open and the annual sigma are assumptions (a realistic realised volatility
    # of the pair), as are the display orders. Offered: Up/Down, Touch, In/Out and
    # Multipliers; no digits, no Accumulators, no "allow equals" (docs/market.md).
    return SymbolSpec(
        symbol=f"frx{pair[:3]}{pair[4:]}",
        display_name=pair,
        pip_size=pip_size,
        pip=10.0**-pip_size,
        tick_interval=1,
        volatility=volatility,
        start_quote=start,
        display_order=order,
        submarket="major_pairs",
        submarket_display_name="Major Pairs",
        contract_categories=(
            CATEGORY_CALLPUT,
            CATEGORY_TOUCH,
            CATEGORY_ENDSINOUT,
            CATEGORY_STAYSINOUT,
            CATEGORY_MULTIPLIER,
        ),
        market="forex",
        market_display_name="Forex",
        subgroup="none",
        subgroup_display_name="None",
        symbol_type="forex",
        exchange_name="FOREX",
        hours=FOREX_HOURS,
    )


_SPECS: tuple[SymbolSpec, ...] = (
    _vol("R_10", 10, 3, 2, 6000.000, 1),
    _vol("R_25", 25, 3, 2, 3000.000, 2),
    _vol("R_50", 50, 4, 2, 200.0000, 3),
    _vol("R_75", 75, 4, 2, 50000.0000, 4),
    _vol("R_100", 100, 2, 2, 1000.00, 5),
    _vol("1HZ10V", 10, 2, 1, 9000.00, 6),
    _vol("1HZ25V", 25, 2, 1, 600.00, 7),
    _vol("1HZ50V", 50, 2, 1, 180.00, 8),
    _vol("1HZ75V", 75, 2, 1, 5000.00, 9),
    _vol("1HZ100V", 100, 2, 1, 1500.00, 10),
    _jump(10, 10000.00, 11),
    _jump(25, 10000.00, 12),
    _jump(50, 10000.00, 13),
    _jump(75, 10000.00, 14),
    _jump(100, 10000.00, 15),
    SymbolSpec(
        symbol="stpRNG",
        display_name="Step Index",
        pip_size=1,
        pip=0.1,
        tick_interval=1,
        # One 0.1 step per second around 8000 is a realised sigma of about
        # 0.1 / 8000 * sqrt(365 * 24 * 3600) ~= 0.07; only pricing uses it.
        volatility=0.07,
        start_quote=8000.0,
        display_order=16,
        submarket="step_index",
        submarket_display_name="Step Indices",
        # No Accumulators: a one-pip step either always or never leaves their barriers.
        contract_categories=_STEP_CATEGORIES,
        model="step",
    ),
    # The newer 1-second Volatility indices (Deriv's 2026 additions and 150/250): pip
    # 0.001 for 15/30/90 as listed by clients; 0.01 for 150/250 like the other 1s indices
    # (assumption). Start quotes are plausible levels, not Deriv's.
    _vol("1HZ15V", 15, 3, 1, 7000.000, 17),
    _vol("1HZ30V", 30, 3, 1, 3000.000, 18),
    _vol("1HZ90V", 90, 3, 1, 2000.000, 19),
    _vol("1HZ150V", 150, 2, 1, 1200.00, 20),
    _vol("1HZ250V", 250, 2, 1, 800.00, 21),
    _jump(150, 10000.00, 22),
    _jump(200, 10000.00, 23),
    _step(2, 0.2, 24),
    _step(3, 0.3, 25),
    _step(4, 0.4, 26),
    _step(5, 0.5, 27),
    _crash_boom(True, 300, "BOOM300N", 5000.000, 28),
    _crash_boom(False, 300, "CRASH300N", 5000.000, 29),
    _crash_boom(True, 500, "BOOM500", 5000.000, 30),
    _crash_boom(False, 500, "CRASH500", 5000.000, 31),
    _crash_boom(True, 600, "BOOM600", 5000.000, 32),
    _crash_boom(False, 600, "CRASH600", 5000.000, 33),
    _crash_boom(True, 900, "BOOM900", 5000.000, 34),
    _crash_boom(False, 900, "CRASH900", 5000.000, 35),
    _crash_boom(True, 1000, "BOOM1000", 10000.000, 36),
    _crash_boom(False, 1000, "CRASH1000", 10000.000, 37),
    _range_break(100, 38),
    _range_break(200, 39),
    _daily_reset(True, 40),
    _daily_reset(False, 41),
    _forex("AUD/USD", 5, 0.10, 0.66000, 101),
    _forex("EUR/USD", 5, 0.07, 1.08000, 102),
    _forex("GBP/USD", 5, 0.08, 1.27000, 103),
    _forex("USD/JPY", 3, 0.10, 150.000, 104),
)

SYMBOLS: Mapping[str, SymbolSpec] = MappingProxyType({s.symbol: s for s in _SPECS})
"""Every known symbol, by code, in ``display_order``."""


def symbols() -> tuple[SymbolSpec, ...]:
    """Return every known symbol in ``display_order`` (for ``active_symbols``).

    Returns:
        The registry's specs, ordered.
    """
    return _SPECS


def tick_intervals() -> dict[str, float]:
    """Seconds between two ticks, by symbol (what the connection's stale-stream watchdog needs).

    A market that closes (forex) is left out: its stream legitimately goes quiet for the
    weekend, and the watchdog leaves a symbol it has no interval for unwatched.

    Returns:
        The tick interval of every known symbol that never closes.
    """
    return {spec.symbol: float(spec.tick_interval) for spec in _SPECS if spec.hours is None}


def get_symbol(name: str) -> SymbolSpec:
    """Look a symbol up by its Deriv code.

    Args:
        name: symbol code such as ``"R_100"``.

    Returns:
        Its :class:`SymbolSpec`.

    Raises:
        MarketError: ``InvalidSymbol`` when the symbol is unknown.
    """
    try:
        return SYMBOLS[name]
    except KeyError:
        raise MarketError("InvalidSymbol", f"Symbol {name} invalid.") from None
