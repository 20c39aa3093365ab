"""Deriv's shortcodes: the compact name of a bought contract (``buy``, statement, portfolio).

The formats are the real server's, as its answers show them:

* options: ``CALL_R_100_19.50_1700000000_5T_S0P_0`` - type, symbol, payout, purchase time,
  ``<n>T`` for tick contracts or the expiry epoch, then the barrier and the second barrier
  (``0`` when there is none). A relative barrier is ``S<pips>P`` (``S-50P`` for -0.50 on a
  2-decimal symbol), an absolute one its level in pips, a digit (or High/Low Ticks' selected
  tick) itself;
* Multipliers: ``MULTUP_R_100_10.00_100_1700000000_4853615999_60m_0.00_N1`` - stake,
  multiplier, start, expiry, the deal cancellation window (``0`` without one), then ``0.00``
  and ``N1`` as the server writes them;
* Accumulators: ``ACCU_R_100_10.00_0_0.03_1_0.000612552024_1700000000`` - stake, growth
  start step (0), growth rate, growth frequency (1 tick), the tick size barrier, start.

The symbol is upper-cased (``STPRNG``), as in the server's shortcodes.
"""

from __future__ import annotations

from framework.market.accumulator import AccumulatorPosition
from framework.market.contracts import ContractSpec, duration_seconds
from framework.market.multiplier import MultiplierPosition
from framework.market.positions import OpenPosition
from framework.market.terms import GROWTH_START_STEP

from .views import shown_expiry

__all__ = [
    "accumulator_shortcode",
    "multiplier_shortcode",
    "option_shortcode",
    "shortcode_of",
]

# An Accumulator's growth compounds on every tick (the server's "growth frequency").
_GROWTH_FREQUENCY = 1


def _barrier(text: str | None, spec: ContractSpec, pip_size: int) -> str:
    if text is None:
        return "S0P"
    text = text.strip()
    if spec.contract_type.startswith("DIGIT"):
        return str(int(text)) if text.lstrip("+-").isdigit() else "0"
    if text[:1] in "+-":
        return f"S{round(float(text) * 10**pip_size)}P"
    return str(round(float(text) * 10**pip_size))


def option_shortcode(spec: ContractSpec, payout: float, purchase: int, pip_size: int) -> str:
    """Shortcode of an option with an expiry (``CALL_R_100_19.50_1700000000_5T_S0P_0``).

    Args:
        spec: the contract.
        payout: its payout.
        purchase: purchase epoch.
        pip_size: decimals of the symbol.

    Returns:
        The shortcode.
    """
    if spec.duration_unit == "t":
        duration = f"{spec.duration}T"
    else:
        duration = str(purchase + duration_seconds(spec))
    if spec.selected_tick is not None:
        first = str(spec.selected_tick)
    else:
        first = _barrier(spec.barrier, spec, pip_size)
    second = "0" if spec.barrier2 is None else _barrier(spec.barrier2, spec, pip_size)
    return (
        f"{spec.contract_type}_{spec.symbol.upper()}_{payout:.2f}_{purchase}_{duration}_"
        f"{first}_{second}"
    )


def multiplier_shortcode(spec: ContractSpec, purchase: int, date_expiry: int) -> str:
    """Shortcode of a Multiplier (``MULTUP_R_100_10.00_100_1700000000_4853615999_0_0.00_N1``).

    Args:
        spec: the contract (``amount`` is the stake, ``multiplier`` set).
        purchase: purchase epoch.
        date_expiry: the contract's (distant) expiry epoch.

    Returns:
        The shortcode.
    """
    assert spec.multiplier is not None
    return (
        f"{spec.contract_type}_{spec.symbol.upper()}_{spec.amount:.2f}_{spec.multiplier:g}_"
        f"{purchase}_{date_expiry}_{spec.cancellation or 0}_0.00_N1"
    )


def accumulator_shortcode(spec: ContractSpec, purchase: int, tick_size_barrier: float) -> str:
    """Shortcode of an Accumulator (``ACCU_R_100_10.00_0_0.03_1_0.000612552024_1700000000``).

    Args:
        spec: the contract (``amount`` is the stake, ``growth_rate`` set).
        purchase: purchase epoch.
        tick_size_barrier: the barrier's relative distance from the previous spot.

    Returns:
        The shortcode.
    """
    assert spec.growth_rate is not None
    return (
        f"ACCU_{spec.symbol.upper()}_{spec.amount:.2f}_{GROWTH_START_STEP}_"
        f"{spec.growth_rate:g}_{_GROWTH_FREQUENCY}_{tick_size_barrier:.12f}_{purchase}"
    )


def shortcode_of(position: OpenPosition) -> str:
    """Shortcode of a just-opened position, in the format of its family."""
    spec = position.spec
    if isinstance(position, MultiplierPosition):
        return multiplier_shortcode(spec, position.purchase_epoch, shown_expiry(position))
    if isinstance(position, AccumulatorPosition):
        return accumulator_shortcode(
            spec, position.purchase_epoch, position.terms.tick_size_barrier
        )
    return option_shortcode(
        spec, position.payout, position.purchase_epoch, position.symbol.pip_size
    )
