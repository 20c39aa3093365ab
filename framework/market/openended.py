"""Pricing of the open-ended families: what a proposal for a Multiplier or Accumulator says.

Multipliers (MULTUP/MULTDOWN, reference notes section 5): the ask is the stake plus the
deal cancellation fee when bought; the basis spot is the spot at purchase; with
``sign = +1`` (up) or ``-1`` (down) the profit at spot ``S`` is
``stake * multiplier * (sign * (S - basis) / basis - commission)`` and the value
``stake + profit``. The stop-out, take-profit and stop-loss each close the contract when
the spot reaches their level, the spot at which the profit equals ``-stake``,
``take_profit`` and ``-stop_loss``; the levels are pip-sized, as Deriv's
``limit_order.*.value``, and the contract closes on the first tick at or beyond one.

Accumulators (ACCU): the ask is the stake; barriers are ``spot * (1 +- tick_size_barrier)``
(shown rounded outwards to one decimal more than the symbol's pip size, as Deriv does);
the value after ``n`` ticks past the entry tick is
``stake * (1 + g) ** (n - GROWTH_START_STEP)`` and the contract closes itself after
``ticks`` ticks, the fewest of the maximum ticks, the ticks to reach the maximum payout and
the ticks to reach ``stake + take_profit`` (Deriv's ``tickcount_for``).

The per-symbol figures and their rules are in :mod:`framework.market.terms`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Final

import attrs

from .digits import format_quote
from .money import format_money, round_money
from .symbols import SymbolSpec
from .terms import (
    ACCU_MAX_PAYOUT,
    ACCU_MAX_STAKE,
    ACCU_MIN_STAKE,
    GROWTH_START_STEP,
    MIN_ORDER_AMOUNT,
    MULT_MAX_STAKE,
    MULT_MIN_STAKE,
    accumulator_max_ticks,
    cancellation_fee,
    cancellation_seconds,
    multiplier_commission,
    multiplier_take_profit_max,
    tick_size_barrier,
)

if TYPE_CHECKING:
    from .contracts import ContractSpec

__all__ = [
    "AccumulatorTerms",
    "MultiplierTerms",
    "accumulator_close_ticks",
    "accumulator_terms",
    "accumulator_ticks_for",
    "accumulator_value",
    "multiplier_terms",
    "open_ended_longcode",
    "round_barrier",
]

_UP: Final = {"MULTUP": 1, "MULTDOWN": -1}


def round_barrier(level: float, pip_size: int, up: bool) -> float:
    """Round an Accumulator barrier outwards to ``pip_size + 1`` decimals (Deriv's display).

    Args:
        level: the exact barrier.
        pip_size: decimals of the symbol.
        up: True to round up (high barrier), False to round down (low barrier).

    Returns:
        The shown barrier.
    """
    scale = 10.0 ** (pip_size + 1)
    # The inner round absorbs float noise such as 1000.0000000001 * 1000.
    scaled = round(level * scale, 6)
    return (math.ceil(scaled) if up else math.floor(scaled)) / scale


@attrs.frozen
class MultiplierTerms:
    """A priced Multiplier.

    Attributes:
        contract_type: ``"MULTUP"`` or ``"MULTDOWN"``.
        sign: +1 for MULTUP, -1 for MULTDOWN.
        stake: the stake (the ask without the cancellation fee).
        multiplier: the multiplier.
        commission_rate: the commission as a fraction of the notional.
        commission: the commission amount, ``stake * multiplier * commission_rate``.
        basis_spot: the spot at purchase.
        pip_size: decimals of the symbol.
        take_profit: the take-profit amount, if any.
        stop_loss: the stop-loss amount (positive), if any.
        cancellation: the deal cancellation window (``"5m"``...), if bought.
        cancellation_fee: its price (0 without cancellation).
        cancellation_seconds: its length (0 without cancellation).
        take_profit_range: ``(min, max)`` take-profit amounts.
        stop_loss_range: ``(min, max)`` stop-loss amounts.
    """

    contract_type: str
    sign: int
    stake: float
    multiplier: float
    commission_rate: float
    commission: float
    basis_spot: float
    pip_size: int
    take_profit: float | None
    stop_loss: float | None
    cancellation: str | None
    cancellation_fee: float
    cancellation_seconds: int
    take_profit_range: tuple[float, float]
    stop_loss_range: tuple[float, float]

    def level(self, pnl: float) -> float:
        """Return the pip-sized spot at which the profit equals ``pnl``.

        Args:
            pnl: a profit (negative for a loss).

        Returns:
            ``basis * (1 + sign * (pnl / (stake * multiplier) + commission_rate))``.
        """
        move = pnl / (self.stake * self.multiplier) + self.commission_rate
        return round(self.basis_spot * (1.0 + self.sign * move), self.pip_size)

    @property
    def stop_out_level(self) -> float:
        """The spot at which the value reaches 0 (``limit_order.stop_out.value``)."""
        return self.level(-self.stake)

    def value_at(self, spot: float) -> float:
        """Return the contract's value at ``spot``, unrounded and not floored.

        Args:
            spot: a spot.

        Returns:
            ``stake + stake * multiplier * (sign * (spot - basis) / basis - commission)``.
        """
        move = self.sign * (spot - self.basis_spot) / self.basis_spot - self.commission_rate
        return self.stake + self.stake * self.multiplier * move

    def validation_params(self) -> dict[str, Any]:
        """Return the Multiplier's part of ``proposal.validation_params``."""
        tp_lo, tp_hi = self.take_profit_range
        sl_lo, sl_hi = self.stop_loss_range
        return {
            "stake": {"min": format_money(MULT_MIN_STAKE), "max": format_money(MULT_MAX_STAKE)},
            "take_profit": {"min": format_money(tp_lo), "max": format_money(tp_hi)},
            "stop_loss": {"min": format_money(sl_lo), "max": format_money(sl_hi)},
        }


def multiplier_terms(
    contract_type: str,
    symbol: SymbolSpec,
    *,
    stake: float,
    multiplier: float,
    spot: float,
    take_profit: float | None = None,
    stop_loss: float | None = None,
    cancellation: str | None = None,
) -> MultiplierTerms:
    """Price a validated Multiplier at ``spot``.

    Args:
        contract_type: ``"MULTUP"`` or ``"MULTDOWN"``.
        symbol: its symbol.
        stake: the stake.
        multiplier: the multiplier.
        spot: the spot at purchase (the basis spot).
        take_profit: the take-profit amount.
        stop_loss: the stop-loss amount.
        cancellation: the deal cancellation window.

    Returns:
        The terms.
    """
    rate = multiplier_commission(symbol)
    commission = round_money(stake * multiplier * rate)
    fee = 0.0
    seconds = 0
    if cancellation is not None:
        fee = max(round_money(cancellation_fee(symbol, stake, multiplier, cancellation)), 0.01)
        seconds = cancellation_seconds(cancellation)
    tp_max = round_money(multiplier_take_profit_max(stake, multiplier))
    sl_min = max(MIN_ORDER_AMOUNT, round_money(commission + 0.01))
    return MultiplierTerms(
        contract_type=contract_type,
        sign=_UP[contract_type],
        stake=stake,
        multiplier=multiplier,
        commission_rate=rate,
        commission=commission,
        basis_spot=spot,
        pip_size=symbol.pip_size,
        take_profit=take_profit,
        stop_loss=stop_loss,
        cancellation=cancellation,
        cancellation_fee=fee,
        cancellation_seconds=seconds,
        take_profit_range=(MIN_ORDER_AMOUNT, tp_max),
        stop_loss_range=(sl_min, stake),
    )


def accumulator_value(stake: float, growth_rate: float, ticks: int) -> float:
    """Return an Accumulator's value ``ticks`` ticks after its entry tick, in cents.

    Args:
        stake: the stake.
        growth_rate: the growth rate.
        ticks: ticks after the entry tick.

    Returns:
        ``stake * (1 + g) ** (ticks - GROWTH_START_STEP)``, rounded to cents.
    """
    return round_money(stake * (1.0 + growth_rate) ** (ticks - GROWTH_START_STEP))


def accumulator_ticks_for(stake: float, growth_rate: float, target: float) -> int:
    """Return the ticks after entry at which an Accumulator's value first reaches ``target``.

    Args:
        stake: the stake.
        growth_rate: the growth rate.
        target: a value above the stake.

    Returns:
        The tick count (Deriv's ``tickcount_for``).
    """
    effective = math.ceil(math.log(target / stake) / math.log1p(growth_rate))
    ticks = effective + GROWTH_START_STEP
    # Float logs can overshoot by one tick: step back when the tick before already reaches.
    if accumulator_value(stake, growth_rate, ticks - 1) >= target:
        return ticks - 1
    return ticks


@attrs.frozen
class AccumulatorTerms:
    """A priced Accumulator.

    Attributes:
        stake: the stake (the ask).
        growth_rate: growth per tick.
        tick_size_barrier: relative barrier distance.
        max_ticks: the most ticks it lasts.
        max_payout: the value at which it closes itself.
        take_profit: the take-profit amount, if any.
        ticks: ticks after entry at which it closes itself (the fewest of ``max_ticks``,
            the ticks to ``max_payout`` and the ticks to ``stake + take_profit``).
        spot: the spot priced at.
        pip_size: decimals of the symbol.
        high_barrier: the high barrier around ``spot``, as shown.
        low_barrier: the low barrier around ``spot``, as shown.
    """

    stake: float
    growth_rate: float
    tick_size_barrier: float
    max_ticks: int
    max_payout: float
    take_profit: float | None
    ticks: int
    spot: float
    pip_size: int
    high_barrier: float
    low_barrier: float

    @property
    def tick_size_barrier_percentage(self) -> str:
        """``contract_details.tick_size_barrier_percentage`` (``"0.04936%"``)."""
        return f"{self.tick_size_barrier * 100:.5f}%"

    def contract_details(self) -> dict[str, Any]:
        """Return ``proposal.contract_details``."""
        decimals = self.pip_size + 1
        return {
            "barrier_spot_distance": format_quote(self.high_barrier - self.spot, decimals),
            "high_barrier": format_quote(self.high_barrier, decimals),
            "low_barrier": format_quote(self.low_barrier, decimals),
            "maximum_payout": self.max_payout,
            "maximum_stake": format_money(ACCU_MAX_STAKE),
            "maximum_ticks": self.max_ticks,
            "minimum_stake": format_money(ACCU_MIN_STAKE),
            "tick_size_barrier": self.tick_size_barrier,
            "tick_size_barrier_percentage": self.tick_size_barrier_percentage,
        }

    def validation_params(self) -> dict[str, Any]:
        """Return the Accumulator's ``proposal.validation_params``."""
        return {
            "max_payout": format_money(self.max_payout),
            "max_ticks": self.max_ticks,
            "stake": {"min": format_money(ACCU_MIN_STAKE), "max": format_money(ACCU_MAX_STAKE)},
            "take_profit": {
                "min": format_money(0.01),
                "max": format_money(self.max_payout - self.stake),
            },
        }


def accumulator_close_ticks(
    stake: float, growth_rate: float, take_profit: float | None, max_payout: float = ACCU_MAX_PAYOUT
) -> int:
    """Return the ticks after entry at which an Accumulator closes itself.

    Args:
        stake: the stake.
        growth_rate: the growth rate.
        take_profit: the take-profit amount, if any.
        max_payout: the maximum payout.

    Returns:
        The fewest of the maximum ticks, the ticks to the maximum payout and the ticks to
        ``stake + take_profit``.
    """
    ticks = min(
        accumulator_max_ticks(growth_rate), accumulator_ticks_for(stake, growth_rate, max_payout)
    )
    if take_profit:
        ticks = min(ticks, accumulator_ticks_for(stake, growth_rate, stake + take_profit))
    return ticks


def accumulator_terms(
    symbol: SymbolSpec,
    *,
    stake: float,
    growth_rate: float,
    spot: float,
    take_profit: float | None = None,
) -> AccumulatorTerms:
    """Price a validated Accumulator at ``spot``.

    Args:
        symbol: its symbol.
        stake: the stake.
        growth_rate: the growth rate.
        spot: the current spot.
        take_profit: the take-profit amount.

    Returns:
        The terms.
    """
    tsb = tick_size_barrier(symbol, growth_rate)
    pip = symbol.pip_size
    return AccumulatorTerms(
        stake=stake,
        growth_rate=growth_rate,
        tick_size_barrier=tsb,
        max_ticks=accumulator_max_ticks(growth_rate),
        max_payout=ACCU_MAX_PAYOUT,
        take_profit=take_profit,
        ticks=accumulator_close_ticks(stake, growth_rate, take_profit),
        spot=spot,
        pip_size=pip,
        high_barrier=round_barrier(spot * (1.0 + tsb), pip, up=True),
        low_barrier=round_barrier(spot * (1.0 - tsb), pip, up=False),
    )


def open_ended_longcode(spec: ContractSpec, symbol: SymbolSpec) -> str:
    """Describe a validated Multiplier or Accumulator the way Deriv's ``longcode`` does.

    Args:
        spec: the contract.
        symbol: its symbol.

    Returns:
        E.g. 'If you select "Up", your total profit/loss will be the percentage increase in
        Volatility 100 Index, multiplied by 40, minus commissions.'
    """
    if spec.contract_type == "ACCU":
        assert spec.growth_rate is not None
        percent = tick_size_barrier(symbol, spec.growth_rate) * 100
        return (
            f"After the entry spot tick, your stake will grow continuously by "
            f"{spec.growth_rate * 100:g}% for every tick that the spot price remains within "
            f"the \u00b1 {percent:.5f}% from the previous spot price."
        )
    assert spec.multiplier is not None
    side, move = ("Up", "increase") if spec.contract_type == "MULTUP" else ("Down", "decrease")
    return (
        f'If you select "{side}", your total profit/loss will be the percentage {move} in '
        f"{symbol.display_name}, multiplied by {spec.multiplier:g}, minus commissions."
    )
