"""Per-symbol terms of the open-ended families (Multipliers, Accumulators) and their checks.

Deriv reads these figures from its quants configuration, which is not public; where the
reference notes give no figure, each one below is derived from the symbol's own model by a
stated rule, so that every symbol (and every symbol added later) gets consistent terms:

* **Multiplier range** (``contracts_for.multiplier_range``): a Multiplier's stop-out comes
  at a price move of about ``1 / multiplier``; Deriv scales the range so that the largest
  multiplier is stopped out by a move of the same size in volatility units on every index.
  Rule: ``top = min(2000, 50 * round(200 / sigma / 50))`` (sigma = the symbol's annual
  volatility) and the range is ``top * k / 5`` for ``k = 1..5``. This gives Deriv's
  published ranges for the Volatility indices (R_10 400-2000, R_100 40-200); 2000 is the
  largest multiplier Deriv offers.
* **Commission** of a Multiplier, a fraction of the notional ``stake * multiplier``
  charged once (``pnl = stake * multiplier * (sign * (S - basis) / basis - commission)``):
  one tick's standard deviation, ``sigma * sqrt(tick_interval / year)``: the spread a
  market maker needs so that one tick of noise does not pay for the position.
* **Deal cancellation** (``cancellation_range``): ``5m 10m 15m 30m 60m`` on every symbol
  except Crash/Boom (Deriv does not offer it there). Its fee is the value of the
  protection, an at-the-money put on the notional over the window, capped at the stake:
  ``fee = min(stake, stake * multiplier * sigma * sqrt(T / year) / sqrt(2 pi))``.
* **Growth rates** (``growth_rate_range``): ``0.01 .. 0.05`` on every symbol that offers
  Accumulators (not the Step indices: they move exactly one step per tick, so a barrier
  inside one step always knocks out and one outside never does).
* **tick_size_barrier** of an Accumulator: the relative barrier distance at which a tick
  stays inside with probability ``1 - growth_rate``, so that one tick's expected growth is
  ``(1 + g)(1 - g) = 1 - g^2`` (Deriv's own sell commission,
  ``stake * (1 - ((1 + g)(1 - g))^n)``, prices exactly that): with the tick's log return
  ``N(0, sigma^2 dt)``, ``tick_size_barrier = sigma * sqrt(dt) * Phi^-1(1 - g / 2)``. For R_10
  at 5 % this gives 4.9358e-05 (and 5.465e-05, "0.00546%", at 3 %), the figures in Deriv's
  proposal schema. On the Jump indices the rule sees only the diffusion: their rare jumps
  knock an Accumulator out a little more often than ``g`` per tick.
* **Maximum ticks** per growth rate: the ticks for the stake to grow tenfold, rounded down
  to a multiple of 5: ``5 * floor(ln 10 / ln(1 + g) / 5)`` = 230, 115, 75, 55, 45 ticks
  (Deriv's published 230 / 75 / 55 / 45 for 1 / 3 / 4 / 5 %).
* **Maximum payout** of an Accumulator: 10000 (Deriv's published cap); maximum stake: a
  tenth of it, the stake that the maximum ticks can grow to the cap.

Validation follows Deriv's product code (``BOM::Product::Role::Accumulator``,
``BOM::Product::LimitOrder``) with the messages of its error mapping; every refusal is a
:class:`~framework.market.errors.MarketError` whose code names the rule
(``MultiplierOutOfRange``, ``GrowthRateOutOfRange``, ``TakeProfitTooLow``...) and whose
``details.field`` names the offending parameter.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from statistics import NormalDist
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from .errors import BUY_ERROR, MarketError
from .money import format_money
from .symbols import CATEGORY_ACCUMULATOR, CATEGORY_MULTIPLIER, SymbolSpec
from .ticks import YEAR_SECONDS

if TYPE_CHECKING:
    from .contracts import ContractSpec

__all__ = [
    "ACCU_MAX_PAYOUT",
    "ACCU_MAX_STAKE",
    "ACCU_MIN_STAKE",
    "CANCELLATION_OPTIONS",
    "GROWTH_RATES",
    "GROWTH_START_STEP",
    "MIN_ORDER_AMOUNT",
    "MULT_MAX_STAKE",
    "MULT_MIN_STAKE",
    "accumulator_max_ticks",
    "cancellation_fee",
    "cancellation_options",
    "cancellation_seconds",
    "check_stop_loss",
    "check_take_profit",
    "growth_rates",
    "limit_error",
    "multiplier_commission",
    "multiplier_range",
    "multiplier_take_profit_max",
    "tick_size_barrier",
    "validate_open_ended",
]

MULT_MIN_STAKE: Final = 1.0
"""Smallest Multiplier stake (reference notes section 5: "minimum stake 1")."""

MULT_MAX_STAKE: Final = 2000.0
"""Largest Multiplier stake, as commonly seen on USD accounts (not verified per symbol)."""

ACCU_MIN_STAKE: Final = 1.0
"""Smallest Accumulator stake (Deriv's ``contract_details.minimum_stake`` example)."""

ACCU_MAX_PAYOUT: Final = 10000.0
"""An Accumulator closes itself once its value reaches this (Deriv's published cap)."""

ACCU_MAX_STAKE: Final = ACCU_MAX_PAYOUT / 10
"""Largest Accumulator stake: a tenth of the cap (Deriv refuses 1001 with "1000.00")."""

MIN_ORDER_AMOUNT: Final = 0.10
"""Smallest take-profit or stop-loss amount of a Multiplier (Deriv's ``min_order_amount``)."""

GROWTH_RATES: Final = (0.01, 0.02, 0.03, 0.04, 0.05)
"""Accumulator growth rates per tick."""

GROWTH_START_STEP: Final = 1
"""Ticks after the entry tick from which an Accumulator grows (Deriv's per-symbol 1):
the value after ``n`` ticks is ``stake * (1 + g) ** (n - GROWTH_START_STEP)``."""

CANCELLATION_OPTIONS: Final = ("5m", "10m", "15m", "30m", "60m")
"""Deal cancellation windows, where offered."""

_CANCELLATION_SECONDS: Final[Mapping[str, int]] = MappingProxyType(
    {"5m": 300, "10m": 600, "15m": 900, "30m": 1800, "60m": 3600}
)
_NO_CANCELLATION_SUBMARKETS: Final = frozenset({"crash_index"})
_MAX_MULTIPLIER: Final = 2000
_INV_SQRT_2PI: Final = 1.0 / math.sqrt(2.0 * math.pi)
_NORMAL: Final = NormalDist()


def _tick_sigma(symbol: SymbolSpec) -> float:
    """Standard deviation of one tick's log return."""
    return symbol.volatility * math.sqrt(symbol.tick_interval / YEAR_SECONDS)


def _refuse(code: str, message: str, field: str) -> MarketError:
    return MarketError(code, message, {"field": field})


def _check_offered(
    value: float, offered: tuple[float, ...], code: str, name: str, field: str
) -> None:
    """Refuse a term outside the values ``offered`` (Deriv lists the ones it accepts)."""
    if value not in offered:
        accepts = ", ".join(f"{v:g}" for v in offered)
        raise _refuse(code, f"{name} is not in acceptable range. Accepts {accepts}.", field)


# -- per-symbol figures -------------------------------------------------------------------


def multiplier_range(symbol: SymbolSpec) -> tuple[int, ...]:
    """Return the multipliers offered on ``symbol`` (``contracts_for.multiplier_range``).

    Args:
        symbol: the symbol.

    Returns:
        Five increasing multipliers (see the module docstring for the rule).
    """
    top = min(_MAX_MULTIPLIER, 50 * round(200 / symbol.volatility / 50))
    return tuple(top * k // 5 for k in range(1, 6))


def multiplier_commission(symbol: SymbolSpec) -> float:
    """Return a Multiplier's commission on ``symbol`` as a fraction of the notional.

    Args:
        symbol: the symbol.

    Returns:
        One tick's standard deviation of the log return.
    """
    return _tick_sigma(symbol)


def cancellation_options(symbol: SymbolSpec) -> tuple[str, ...]:
    """Return the deal cancellation windows offered on ``symbol`` (``cancellation_range``).

    Args:
        symbol: the symbol.

    Returns:
        The windows, empty on Crash/Boom.
    """
    if symbol.submarket in _NO_CANCELLATION_SUBMARKETS:
        return ()
    return CANCELLATION_OPTIONS


def cancellation_seconds(option: str) -> int:
    """Return the length of a deal cancellation window.

    Args:
        option: one of :data:`CANCELLATION_OPTIONS`.

    Returns:
        Its length in seconds.
    """
    return _CANCELLATION_SECONDS[option]


def cancellation_fee(symbol: SymbolSpec, stake: float, multiplier: float, option: str) -> float:
    """Return the price of deal cancellation (``proposal.cancellation.ask_price``), unrounded.

    Args:
        symbol: the symbol.
        stake: the Multiplier's stake.
        multiplier: its multiplier.
        option: the cancellation window.

    Returns:
        The at-the-money put on the notional over the window, capped at the stake.
    """
    years = cancellation_seconds(option) / YEAR_SECONDS
    value = stake * multiplier * symbol.volatility * math.sqrt(years) * _INV_SQRT_2PI
    return min(stake, value)


def growth_rates(symbol: SymbolSpec) -> tuple[float, ...]:
    """Return the Accumulator growth rates offered on ``symbol`` (``growth_rate_range``).

    Args:
        symbol: the symbol.

    Returns:
        The rates, empty when the symbol offers no Accumulators.
    """
    return GROWTH_RATES if symbol.offers(CATEGORY_ACCUMULATOR) else ()


def tick_size_barrier(symbol: SymbolSpec, growth_rate: float) -> float:
    """Return an Accumulator's relative barrier distance (``tick_size_barrier``).

    Args:
        symbol: the symbol.
        growth_rate: the growth rate.

    Returns:
        ``sigma * sqrt(dt) * Phi^-1(1 - g / 2)``: a tick stays inside with probability
        ``1 - growth_rate``.
    """
    return _tick_sigma(symbol) * _NORMAL.inv_cdf(1.0 - growth_rate / 2.0)


def accumulator_max_ticks(growth_rate: float) -> int:
    """Return the most ticks an Accumulator lasts (``contract_details.maximum_ticks``).

    Args:
        growth_rate: the growth rate.

    Returns:
        The ticks to grow tenfold, rounded down to a multiple of 5.
    """
    return 5 * math.floor(math.log(10.0) / math.log1p(growth_rate) / 5)


def multiplier_take_profit_max(stake: float, multiplier: float) -> float:
    """Return the largest take-profit of a Multiplier (Deriv: 90 % of the multiplier, at
    most 50, times the stake).

    Args:
        stake: the stake.
        multiplier: the multiplier.

    Returns:
        The amount, unrounded.
    """
    return min(0.9 * multiplier, 50.0) * stake


# -- limit orders -------------------------------------------------------------------------


def limit_error(code: str, field: str, amount: float | None = None) -> MarketError:
    """Build Deriv's refusal of a take-profit or stop-loss amount.

    Args:
        code: ``TakeProfitTooLow``, ``TakeProfitTooHigh``, ``StopLossTooLow``,
            ``StopLossTooHigh`` or ``LimitOrderIncorrectDecimal``.
        field: ``"take_profit"`` or ``"stop_loss"``.
        amount: the bound named in the message (unused for the decimals error).

    Returns:
        The error, e.g. "Please enter a take profit amount that's higher than 0.10.".
    """
    if code == "LimitOrderIncorrectDecimal":
        return _refuse(code, "Only 2 decimal places allowed.", field)
    what = "take profit" if field == "take_profit" else "stop loss"
    side = "higher" if code.endswith("TooLow") else "lower"
    assert amount is not None
    message = f"Please enter a {what} amount that's {side} than {format_money(amount)}."
    return _refuse(code, message, field)


def _check_decimals(amount: float, field: str) -> None:
    if amount != amount or round(amount, 2) != amount:
        raise limit_error("LimitOrderIncorrectDecimal", field)


def check_take_profit(amount: float, low: float, high: float, pnl: float = 0.0) -> None:
    """Check a take-profit amount (``limit_order.take_profit``).

    Args:
        amount: the amount.
        low: the smallest amount (:data:`MIN_ORDER_AMOUNT` for Multipliers, 0 for
            Accumulators); 0 itself is always refused.
        high: the largest amount.
        pnl: the contract's current profit; a take-profit must be above it.

    Raises:
        MarketError: ``LimitOrderIncorrectDecimal``, ``TakeProfitTooLow`` (naming ``low``
            or the current profit) or ``TakeProfitTooHigh``.
    """
    _check_decimals(amount, "take_profit")
    if amount < low or amount <= 0:
        raise limit_error("TakeProfitTooLow", "take_profit", low)
    if amount > high + 1e-9:
        raise limit_error("TakeProfitTooHigh", "take_profit", high)
    if amount <= pnl:
        raise limit_error("TakeProfitTooLow", "take_profit", pnl)


def check_stop_loss(amount: float, stake: float, loss: float) -> None:
    """Check a Multiplier's stop-loss amount (``limit_order.stop_loss``, a positive loss).

    Args:
        amount: the amount.
        stake: the stake (a larger stop-loss would come after the stop-out).
        loss: the contract's current loss (positive; the commission at purchase); a
            stop-loss must be beyond it or it would close the contract at once.

    Raises:
        MarketError: ``LimitOrderIncorrectDecimal``, ``StopLossTooLow`` or
            ``StopLossTooHigh``.
    """
    _check_decimals(amount, "stop_loss")
    if amount < MIN_ORDER_AMOUNT:
        raise limit_error("StopLossTooLow", "stop_loss", MIN_ORDER_AMOUNT)
    if amount > stake:
        raise limit_error("StopLossTooHigh", "stop_loss", stake)
    if amount <= loss:
        raise limit_error("StopLossTooLow", "stop_loss", loss)


# -- validation ---------------------------------------------------------------------------


def _invalid_input(name: str, contract_type: str) -> MarketError:
    return _refuse(
        BUY_ERROR, f"{name} is not a valid input for contract type {contract_type}.", name
    )


def _check_common(spec: ContractSpec, allowed: frozenset[str], min_stake: float) -> None:
    kind = spec.contract_type
    if spec.duration is not None or spec.duration_unit is not None:
        raise _refuse(
            BUY_ERROR,
            f"Invalid input (duration or date_expiry) for this contract type ({kind}).",
            "duration",
        )
    if spec.barrier is not None:
        raise _refuse(BUY_ERROR, "Barrier is not allowed for this contract type.", "barrier")
    extras = {
        "barrier2": spec.barrier2,
        "multiplier": spec.multiplier,
        "growth_rate": spec.growth_rate,
        "stop_loss": spec.stop_loss,
        "cancellation": spec.cancellation,
        "selected_tick": spec.selected_tick,
    }
    for name, value in extras.items():
        if value is not None and name not in allowed:
            raise _invalid_input(name, kind)
    if spec.basis != "stake":
        raise _refuse(BUY_ERROR, "Basis must be stake for this contract.", "basis")
    amount = spec.amount
    if amount != amount or round(amount, 2) != amount:
        raise _refuse(BUY_ERROR, "Stake can not have more than 2 decimal places.", "amount")
    if amount < min_stake:
        raise _refuse(
            BUY_ERROR,
            f"Please enter a stake amount that's at least {format_money(min_stake)}.",
            "amount",
        )


def _stake_limit(max_stake: float) -> MarketError:
    return _refuse(
        "StakeLimitExceeded", f"Maximum stake allowed is {format_money(max_stake)}.", "amount"
    )


_MULT_TERMS: Final = frozenset({"multiplier", "stop_loss", "cancellation"})
_ACCU_TERMS: Final = frozenset({"growth_rate"})


def _validate_multiplier(spec: ContractSpec, symbol: SymbolSpec) -> None:
    _check_common(spec, _MULT_TERMS, MULT_MIN_STAKE)
    if spec.multiplier is None:
        raise _refuse(BUY_ERROR, "Missing required contract parameters (multiplier).", "multiplier")
    _check_offered(
        spec.multiplier, multiplier_range(symbol), "MultiplierOutOfRange", "Multiplier",
        "multiplier",
    )  # fmt: skip
    if spec.amount > MULT_MAX_STAKE:
        raise _stake_limit(MULT_MAX_STAKE)
    if spec.cancellation is not None:
        windows = cancellation_options(symbol)
        if not windows:
            raise _refuse(
                "DealCancellationNotAvailable",
                "Deal cancellation is not available for this asset.",
                "cancellation",
            )
        if spec.cancellation not in windows:
            raise _refuse(
                "InvalidDealCancellation",
                "Deal cancellation is not offered at this duration.",
                "cancellation",
            )
        if spec.stop_loss is not None:
            raise _refuse(
                "EitherStopLossOrCancel",
                "You may use either stop loss or deal cancellation, but not both. "
                "Please select either one.",
                "cancellation",
            )
        if spec.take_profit is not None:
            raise _refuse(
                "EitherTakeProfitOrCancel",
                "You may use either take profit or deal cancellation, but not both. "
                "Please select either one.",
                "cancellation",
            )
    stake = spec.amount
    if spec.take_profit is not None:
        high = multiplier_take_profit_max(stake, spec.multiplier)
        check_take_profit(spec.take_profit, MIN_ORDER_AMOUNT, high)
    if spec.stop_loss is not None:
        commission = stake * spec.multiplier * multiplier_commission(symbol)
        check_stop_loss(spec.stop_loss, stake, commission)


def _validate_accumulator(spec: ContractSpec, symbol: SymbolSpec) -> None:
    _check_common(spec, _ACCU_TERMS, ACCU_MIN_STAKE)
    if spec.growth_rate is None:
        raise _refuse(
            BUY_ERROR, "Missing required contract parameters (growth_rate).", "growth_rate"
        )
    if spec.take_profit is not None and spec.take_profit < 0:
        raise _refuse(
            "NegativeTakeProfit", "Negative take profit value is not accepted", "take_profit"
        )
    _check_offered(
        spec.growth_rate, growth_rates(symbol), "GrowthRateOutOfRange", "Growth rate",
        "growth_rate",
    )  # fmt: skip
    if spec.amount > ACCU_MAX_STAKE:
        raise _stake_limit(ACCU_MAX_STAKE)
    if spec.take_profit is not None:
        check_take_profit(spec.take_profit, 0.0, ACCU_MAX_PAYOUT - spec.amount)


def validate_open_ended(spec: ContractSpec, symbol: SymbolSpec) -> None:
    """Check a Multiplier (MULTUP/MULTDOWN) or Accumulator (ACCU) contract.

    Args:
        spec: the contract (its symbol offers the family: the caller checked).
        symbol: its symbol.

    Raises:
        MarketError: with Deriv's code and message for the first rule broken.
    """
    if spec.contract_type == "ACCU":
        _validate_accumulator(spec, symbol)
    else:
        assert symbol.offers(CATEGORY_MULTIPLIER)
        _validate_multiplier(spec, symbol)
