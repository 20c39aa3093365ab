"""Synthetic-index symbols: the static facts about each tradable underlying.

One :class:`SymbolSpec` per symbol carries everything ``active_symbols``, ``contracts_for``,
``ticks`` and pricing need: pip size, tick interval, annual volatility, market names and the
contract categories offered. Figures follow the reference notes section 6 (Deriv's
``underlyings.yml``): Volatility indices are driftless GBMs with sigma = N %, ticking every
2 s (``R_*``) or 1 s (``1HZ*V``); Jump indices add rare large jumps; the Step index moves by
exactly one pip per tick.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

import attrs

from .errors import MarketError

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

Model = Literal["gbm", "jump", "step"]


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
        start_quote: a plausible first quote for a fresh simulated history.
        display_order: position in ``active_symbols``.
        submarket: Deriv submarket code (``"random_index"``).
        submarket_display_name: its display name.
        contract_categories: ``contract_category`` codes offered on this symbol.
        model: tick model: ``"gbm"``, ``"jump"`` (GBM plus jumps) or ``"step"``.
        jump_probability: per-tick probability of a jump (``"jump"`` model only).
        jump_scale: jump size in units of one tick's standard deviation (``"jump"`` only).
        market: Deriv market code, always ``"synthetic_index"``.
        market_display_name: its display name.
        subgroup: ``active_symbols.subgroup``.
        subgroup_display_name: its display name.
        symbol_type: ``active_symbols.symbol_type``.
        exchange_name: ``active_symbols.exchange_name``.
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
    market: str = "synthetic_index"
    market_display_name: str = "Derived"
    subgroup: str = "synthetics"
    subgroup_display_name: str = "Synthetics"
    symbol_type: str = "stockindex"
    exchange_name: str = "RANDOM"

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
        contract_categories=(CATEGORY_CALLPUT, CATEGORY_CALLPUTEQUAL, CATEGORY_MULTIPLIER),
        model="step",
    ),
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

    Returns:
        Every known symbol's tick interval.
    """
    return {spec.symbol: float(spec.tick_interval) for spec in _SPECS}


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
