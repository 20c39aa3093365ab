"""Binary-option pricing: theoretical probabilities, ask/payout, longcodes.

``ask_price = payout * (probability + commission)`` (reference notes section 5):

* Rise/Fall at the money: probability 0.5 whatever the duration.
* Digits: exact (match 0.1, differ 0.9, over d ``(9 - d) / 10``, under d ``d / 10``,
  even/odd 0.5).
* Higher/Lower and Touch/No Touch: from the symbol's GBM (sigma = its volatility, drift
  ``-sigma^2/2`` in log space, as the tick generator) over the contract's nominal length
  (``ticks * tick_interval`` for tick contracts): ``N(d2)`` for "ends above", the
  reflection principle for "touches". Ticks are discrete, so the continuous touch
  probability slightly overstates the real chance of touching; that only makes touch
  contracts a little dearer.
* Ends Between/Outside: the difference of two "ends above" probabilities (the ``E``
  variants price the same: a tick exactly on a barrier has probability zero in the model).
* Stays Between/Goes Outside: the GBM's survival between two barriers, as the
  eigenfunction series of the killed Brownian motion with drift (about 40 terms at most);
  when the barriers are more than 12 standard deviations apart, touching both within the
  contract is impossible to double precision and the two single-barrier touch
  probabilities are simply added. Continuous monitoring, as for touch.
* High/Low Ticks and Only Ups/Downs: exact combinatorics of a walk with symmetric,
  continuous steps (every ordering of the moves equally likely, ties impossible). Only Ups
  over N ticks wins with ``2**-N`` (Deriv's engine prices 3 ticks at 0.125); tick k of five
  is the highest with ``u(k-1) * u(5-k)``, ``u(m) = C(2m, m) / 4**m`` being the chance a
  walk stays below its start for m steps (Sparre Andersen; Deriv prices tick 1 at 0.273).

The same probability functions give the bid of an open contract
(:meth:`framework.market.settlement.Position.bid_price`).
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any, Final

import attrs

from .contracts import (
    CONTRACT_TYPES,
    OPEN_ENDED,
    Barrier,
    ContractSpec,
    ContractType,
    digit_barrier,
    duration_seconds,
    fixed_expiry,
    limits_error,
    price_barrier,
    price_barrier2,
    validate,
)
from .digits import format_quote
from .errors import MarketError
from .hours import check_trading_times
from .limits import DEFAULT_COMMISSION, HIGH_LOW_TICKS, MAX_PAYOUT, MIN_STAKE
from .money import format_money, round_money
from .openended import (
    AccumulatorTerms,
    MultiplierTerms,
    accumulator_terms,
    multiplier_terms,
    open_ended_longcode,
)
from .symbols import CATEGORY_STAYSINOUT, SymbolSpec, get_symbol
from .terms import ACCU_MAX_STAKE, ACCU_MIN_STAKE, MULT_MAX_STAKE, MULT_MIN_STAKE
from .ticks import YEAR_SECONDS

__all__ = [
    "DEFAULT_PRICING",
    "PricingConfig",
    "Quote",
    "longcode",
    "price",
    "probability",
    "probability_above",
    "probability_between",
    "probability_high_low_tick",
    "probability_run",
    "probability_stay",
    "probability_touch",
    "spot_free",
]

_SQRT2: Final = math.sqrt(2.0)


@attrs.frozen
class PricingConfig:
    """Pricing knobs.

    Attributes:
        commission: added to the probability (see
            :data:`~framework.market.limits.DEFAULT_COMMISSION`: Rise/Fall pays 1.95x).
        min_stake: smallest accepted ask price.
        max_payout: largest accepted payout.
    """

    commission: float = DEFAULT_COMMISSION
    min_stake: float = MIN_STAKE
    max_payout: float = MAX_PAYOUT


DEFAULT_PRICING: Final = PricingConfig()


@attrs.frozen
class Quote:
    """A priced contract: what ``proposal`` answers.

    Attributes:
        spec: the contract priced.
        ask_price: price to buy (the stake), 2 decimals.
        payout: amount paid if won, 2 decimals.
        probability: theoretical probability of winning (without commission).
        commission: binary options: the commission rate added to the probability; a
            Multiplier: the commission amount (``proposal.commission``); an Accumulator: 0.
        spot: the spot the price is based on.
        date_start: epoch the quote was made for (``None`` if not given).
        date_expiry: expiry epoch for time-based contracts when ``date_start`` is known;
            ``None`` for tick contracts (they end on a tick, not at a time).
        longcode: Deriv-style description of the contract.
        barrier: the absolute barrier at the current spot (relative barriers resolved
            against ``spot``; the contract itself resolves them against its entry spot),
            the digit for digit contracts, ``None`` at the money and for even/odd.
        stake_min: minimum stake (``validation_params.stake.min``).
        stake_max: stake that reaches the maximum payout (``validation_params.stake.max``).
        payout_max: maximum payout (``validation_params.payout.max``).
        high_barrier: two-barrier types: the high barrier at the current spot
            (``contract_details.high_barrier``); ``None`` otherwise.
        low_barrier: two-barrier types: the low barrier (``contract_details.low_barrier``).
        terms: a Multiplier's or Accumulator's priced terms (commission, cancellation,
            limit orders, barriers, maximum ticks); ``None`` for the binary types. Those
            families have no fixed payout: ``payout`` is 0 (Deriv's too) and
            ``probability`` 0.
    """

    spec: ContractSpec
    ask_price: float
    payout: float
    probability: float
    commission: float
    spot: float
    date_start: int | None
    date_expiry: int | None
    longcode: str
    barrier: float | None
    stake_min: float
    stake_max: float
    payout_max: float
    high_barrier: float | None = None
    low_barrier: float | None = None
    terms: MultiplierTerms | AccumulatorTerms | None = None

    @property
    def display_value(self) -> str:
        """The ask price as Deriv displays it (``"10.00"``)."""
        return format_money(self.ask_price)

    def validation_params(self) -> dict[str, Any]:
        """Return ``proposal.validation_params`` (amounts as 2-decimal strings).

        Returns:
            ``{"stake": {"min", "max"}, "payout": {"max"}}`` for binaries; the family's
            (``take_profit``, ``stop_loss``, ``max_payout``, ``max_ticks``...) for the
            open-ended ones.
        """
        if self.terms is not None:
            return self.terms.validation_params()
        return {
            "stake": {"min": format_money(self.stake_min), "max": format_money(self.stake_max)},
            "payout": {"max": format_money(self.payout_max)},
        }

    def contract_details(self) -> dict[str, Any] | None:
        """Return ``proposal.contract_details`` (Accumulators only, else ``None``)."""
        if isinstance(self.terms, AccumulatorTerms):
            return self.terms.contract_details()
        return None


def _norm_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / _SQRT2)


def probability_above(spot: float, barrier: float, sigma: float, seconds: float) -> float:
    """Probability that the spot ends strictly above ``barrier`` after ``seconds``.

    Args:
        spot: current spot.
        barrier: absolute barrier.
        sigma: annual volatility.
        seconds: time left.

    Returns:
        ``N(d2)`` for the driftless GBM; 1 or 0 when no time (or no volatility) is left.
    """
    if seconds <= 0 or sigma <= 0:
        return 1.0 if spot > barrier else 0.0
    s = sigma * math.sqrt(seconds / YEAR_SECONDS)
    return _norm_cdf((math.log(spot / barrier) - 0.5 * s * s) / s)


def probability_touch(spot: float, barrier: float, sigma: float, seconds: float) -> float:
    """Probability that the spot reaches ``barrier`` within ``seconds``.

    Reflection principle for ``X = log(S_t/S_0) = mu t + sigma W_t`` with
    ``mu = -sigma^2/2``; ``exp(2 mu b / sigma^2) = S/B`` for ``b = log(B/S)``.

    Args:
        spot: current spot.
        barrier: absolute barrier.
        sigma: annual volatility.
        seconds: time left.

    Returns:
        The probability; 1 if the spot is at the barrier, 0 if no time is left.
    """
    if spot == barrier:
        return 1.0
    if seconds <= 0 or sigma <= 0:
        return 0.0
    t = seconds / YEAR_SECONDS
    s = sigma * math.sqrt(t)
    mu_t = -0.5 * sigma * sigma * t
    b = math.log(barrier / spot)
    ratio = spot / barrier
    if b > 0:
        p = _norm_cdf((-b + mu_t) / s) + ratio * _norm_cdf((-b - mu_t) / s)
    else:
        p = _norm_cdf((b - mu_t) / s) + ratio * _norm_cdf((b + mu_t) / s)
    return min(max(p, 0.0), 1.0)


def probability_between(
    spot: float, low: float, high: float, sigma: float, seconds: float
) -> float:
    """Probability that the spot ends strictly between ``low`` and ``high``.

    Args:
        spot: current spot.
        low: absolute low barrier.
        high: absolute high barrier (above ``low``).
        sigma: annual volatility.
        seconds: time left.

    Returns:
        ``P(above low) - P(above high)``.
    """
    p = probability_above(spot, low, sigma, seconds) - probability_above(spot, high, sigma, seconds)
    return min(max(p, 0.0), 1.0)


_FAR_APART: Final = 12.0
"""Barrier distance, in standard deviations, beyond which touching both cannot happen."""


def probability_stay(spot: float, low: float, high: float, sigma: float, seconds: float) -> float:
    """Probability that the spot stays strictly between ``low`` and ``high`` for ``seconds``.

    Survival of ``X = log(S_t/S_0) = mu t + sigma W_t`` (``mu = -sigma^2/2``) in
    ``(a, b) = (log(L/S), log(H/S))``: with ``w = b - a``, ``y = -a``, ``k = mu/sigma^2``,
    ``sum_n (2/w) sin(n pi y/w) exp(-(n pi sigma)^2 t / (2 w^2)) * I_n`` times
    ``exp(-k y - mu^2 t / (2 sigma^2))`` (Girsanov), where
    ``I_n = c (1 - (-1)^n e^{k w}) / (k^2 + c^2)``, ``c = n pi / w``, integrates the
    eigenfunction against the drift's density ratio.

    Args:
        spot: current spot.
        low: absolute low barrier.
        high: absolute high barrier (above ``low``).
        sigma: annual volatility.
        seconds: time left.

    Returns:
        The probability; 0 when the spot is on or outside a barrier, 1 inside with no time
        (or no volatility) left.
    """
    if not low < spot < high:
        return 0.0
    if seconds <= 0 or sigma <= 0:
        return 1.0
    t = seconds / YEAR_SECONDS
    s = sigma * math.sqrt(t)
    a = math.log(low / spot)
    w = math.log(high / spot) - a
    if w / s > _FAR_APART:
        touch = probability_touch(spot, high, sigma, seconds)
        touch += probability_touch(spot, low, sigma, seconds)
        return min(max(1.0 - touch, 0.0), 1.0)
    mu = -0.5 * sigma * sigma
    k = mu / (sigma * sigma)
    y = -a
    ekw = math.exp(k * w)
    # Terms decay like exp(-(n pi s)^2 / (2 w^2)); stop once that is below e^-50.
    terms = int(10.0 * w / (math.pi * s)) + 2
    total = 0.0
    for n in range(1, terms + 1):
        c = n * math.pi / w
        sign = -1.0 if n % 2 else 1.0
        integral = c * (1.0 - sign * ekw) / (k * k + c * c)
        decay = math.exp(-0.5 * (c * sigma) ** 2 * t)
        total += (2.0 / w) * math.sin(c * y) * decay * integral
    p = total * math.exp(-k * y - mu * mu * t / (2.0 * sigma * sigma))
    return min(max(p, 0.0), 1.0)


def _stays_below(steps: int) -> float:
    # Sparre Andersen: a symmetric continuous walk stays below its start for m steps with
    # probability C(2m, m) / 4^m, whatever the step distribution.
    return math.comb(2 * steps, steps) / 4.0**steps


def probability_high_low_tick(selected_tick: int, ticks: int = HIGH_LOW_TICKS) -> float:
    """Probability that tick ``selected_tick`` of ``ticks`` is the highest (or the lowest).

    Args:
        selected_tick: 1-based position of the predicted tick (the entry tick is tick 1).
        ticks: number of ticks in the contract.

    Returns:
        ``u(k-1) * u(ticks-k)``: the walk before tick k stays below it looking back, the walk
        after it stays below it looking forward, and the two halves are independent.
    """
    return _stays_below(selected_tick - 1) * _stays_below(ticks - selected_tick)


def probability_run(ticks: int) -> float:
    """Probability that each of the next ``ticks`` ticks is above (or below) the one before.

    Args:
        ticks: moves still to come.

    Returns:
        ``2 ** -ticks`` (every move goes either way with probability 1/2, independently).
    """
    return 0.5 ** max(ticks, 0)


_DOUBLE: Final = frozenset(
    ("EXPIRYRANGE", "EXPIRYMISS", "EXPIRYRANGEE", "EXPIRYMISSE", "RANGE", "UPORDOWN")
)


def probability(
    contract_type: str, spot: float, barrier: float | None, digit: int, sigma: float,
    seconds: float, *, barrier2: float | None = None, ticks: int = 0, selected_tick: int = 0,
) -> float:  # fmt: skip
    """Theoretical probability that a contract wins, given the state now.

    Args:
        contract_type: Deriv contract type.
        spot: current spot (ignored by digits).
        barrier: absolute barrier (the high one of two-barrier types); ``None`` for
            at-the-money Rise/Fall and digits.
        digit: predicted digit for digit contracts.
        sigma: annual volatility of the symbol.
        seconds: time left.
        barrier2: absolute low barrier of two-barrier types.
        ticks: Only Ups/Downs: moves still to come.
        selected_tick: High/Low Ticks: the predicted tick (1-5).

    Returns:
        The probability, in [0, 1].
    """
    if contract_type in _DOUBLE:
        assert barrier is not None and barrier2 is not None
        if contract_type in ("RANGE", "UPORDOWN"):
            stay = probability_stay(spot, barrier2, barrier, sigma, seconds)
            return stay if contract_type == "RANGE" else 1.0 - stay
        between = probability_between(spot, barrier2, barrier, sigma, seconds)
        return between if contract_type.startswith("EXPIRYRANGE") else 1.0 - between
    if contract_type in ("TICKHIGH", "TICKLOW"):
        return probability_high_low_tick(selected_tick)
    if contract_type in ("RUNHIGH", "RUNLOW"):
        return probability_run(ticks)
    if contract_type == "DIGITMATCH":
        return 0.1
    if contract_type == "DIGITDIFF":
        return 0.9
    if contract_type == "DIGITOVER":
        return (9 - digit) / 10
    if contract_type == "DIGITUNDER":
        return digit / 10
    if contract_type in ("DIGITEVEN", "DIGITODD"):
        return 0.5
    if contract_type in ("ONETOUCH", "NOTOUCH"):
        assert barrier is not None
        touch = probability_touch(spot, barrier, sigma, seconds)
        return touch if contract_type == "ONETOUCH" else 1.0 - touch
    if barrier is None:
        return 0.5
    above = probability_above(spot, barrier, sigma, seconds)
    return above if contract_type in ("CALL", "CALLE") else 1.0 - above


_COMPARE: Final = {
    "CALL": "strictly higher than",
    "PUT": "strictly lower than",
    "CALLE": "higher than or equal to",
    "PUTE": "lower than or equal to",
}
_DIGIT_TEXT: Final = {
    "DIGITMATCH": "{}",
    "DIGITDIFF": "not {}",
    "DIGITOVER": "strictly higher than {}",
    "DIGITUNDER": "strictly lower than {}",
    "DIGITEVEN": "even",
    "DIGITODD": "odd",
}
_UNIT_NAMES: Final = {"s": "second", "m": "minute", "h": "hour", "d": "day"}
_TWO_BARRIER_TEXT: Final = {
    "EXPIRYRANGE": "ends strictly between {low} to {high} at {when}",
    "EXPIRYMISS": "ends outside {low} to {high} at {when}",
    "EXPIRYRANGEE": "ends on or between {low} to {high} at {when}",
    "EXPIRYMISSE": "ends on or outside {low} to {high} at {when}",
    "RANGE": "stays between {low} to {high} through {when}",
    "UPORDOWN": "goes outside {low} and {high} through {when}",
}
_EXTREME: Final = {"TICKHIGH": "highest", "TICKLOW": "lowest"}
_RUN: Final = {"RUNHIGH": "rises", "RUNLOW": "falls"}


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _barrier_text(barrier: Barrier | None, pip_size: int) -> str:
    if barrier is None or (barrier.relative and barrier.value == 0.0):
        return "entry spot"
    if barrier.relative:
        word = "plus" if barrier.value > 0 else "minus"
        return f"entry spot {word} {format_quote(abs(barrier.value), pip_size)}"
    return format_quote(barrier.value, pip_size)


def longcode(spec: ContractSpec, symbol: SymbolSpec, date_start: int | None = None) -> str:
    """Describe a contract the way Deriv's ``longcode`` does.

    Args:
        spec: a validated contract.
        symbol: its symbol.
        date_start: start epoch; needed to name the expiry date of ``d`` contracts.

    Returns:
        E.g. "Win payout if Volatility 100 Index after 5 ticks is strictly higher than
        entry spot."
    """
    if spec.contract_type in OPEN_ENDED:
        return open_ended_longcode(spec, symbol)
    name = symbol.display_name
    kind = spec.contract_type
    duration, unit = fixed_expiry(spec)
    if kind in _EXTREME:
        ticks = _plural(HIGH_LOW_TICKS, "tick")
        return (
            f"Win payout if tick {spec.selected_tick} of {name} is the {_EXTREME[kind]} "
            f"among all {ticks}."
        )
    if kind in _RUN:
        ticks = _plural(duration, "tick")
        return f"Win payout if {name} {_RUN[kind]} successively for {ticks} after the entry spot."
    if kind in _DIGIT_TEXT:
        pred = _DIGIT_TEXT[kind].format(spec.barrier)
        ticks = _plural(duration, "tick")
        return f"Win payout if the last digit of {name} is {pred} after {ticks}."
    barrier = None
    if spec.barrier is not None:
        barrier = price_barrier(spec, CONTRACT_TYPES[kind], symbol.pip_size)
    target = _barrier_text(barrier, symbol.pip_size)
    if unit == "t":
        ticks = _plural(duration, "tick")
        if kind in _COMPARE:
            return f"Win payout if {name} after {ticks} is {_COMPARE[kind]} {target}."
        verb = "touches" if kind == "ONETOUCH" else "does not touch"
        return f"Win payout if {name} {verb} {target} through {ticks} after first tick."
    if unit == "d":
        if date_start is None:
            when = f"{_plural(duration, 'day')} after contract start time"
        else:
            expiry = date_start + duration * 86400
            day = _dt.datetime.fromtimestamp(expiry, _dt.UTC).date().isoformat()
            when = f"close on {day}"
    else:
        when = f"{_plural(duration, _UNIT_NAMES[unit])} after contract start time"
    if kind in _TWO_BARRIER_TEXT:
        ctype = CONTRACT_TYPES[kind]
        low = _barrier_text(price_barrier2(spec, ctype, symbol.pip_size), symbol.pip_size)
        text = _TWO_BARRIER_TEXT[kind].format(low=low, high=target, when=when)
        return f"Win payout if {name} {text}."
    if kind in _COMPARE:
        return f"Win payout if {name} is {_COMPARE[kind]} {target} at {when}."
    verb = "touches" if kind == "ONETOUCH" else "does not touch"
    return f"Win payout if {name} {verb} {target} through {when}."


def _no_return() -> MarketError:
    return MarketError("ContractBuyValidationError", "This contract offers no return.")


def _price_open_ended(
    spec: ContractSpec, symbol: SymbolSpec, spot: float, date_start: int | None
) -> Quote:
    stake = round_money(spec.amount)
    terms: MultiplierTerms | AccumulatorTerms
    if spec.contract_type == "ACCU":
        assert spec.growth_rate is not None
        terms = accumulator_terms(
            symbol, stake=stake, growth_rate=spec.growth_rate, spot=spot,
            take_profit=spec.take_profit,
        )  # fmt: skip
        ask = stake
        stake_max, payout_max = ACCU_MAX_STAKE, terms.max_payout
    else:
        assert spec.multiplier is not None
        terms = multiplier_terms(
            spec.contract_type, symbol, stake=stake, multiplier=spec.multiplier, spot=spot,
            take_profit=spec.take_profit, stop_loss=spec.stop_loss,
            cancellation=spec.cancellation,
        )  # fmt: skip
        ask = round_money(stake + terms.cancellation_fee)
        stake_max, payout_max = MULT_MAX_STAKE, MAX_PAYOUT
    return Quote(
        spec=spec,
        ask_price=ask,
        payout=0.0,
        probability=0.0,
        commission=terms.commission if isinstance(terms, MultiplierTerms) else 0.0,
        spot=spot,
        date_start=date_start,
        date_expiry=None,
        longcode=open_ended_longcode(spec, symbol),
        barrier=None,
        stake_min=MULT_MIN_STAKE if isinstance(terms, MultiplierTerms) else ACCU_MIN_STAKE,
        stake_max=stake_max,
        payout_max=payout_max,
        terms=terms,
    )


def price(
    spec: ContractSpec,
    spot: float,
    *,
    date_start: int | None = None,
    config: PricingConfig = DEFAULT_PRICING,
) -> Quote:
    """Validate and price a contract at the current spot.

    Args:
        spec: the contract.
        spot: current spot of its symbol.
        date_start: current epoch (the contract would start now); sets ``date_expiry``.
        config: commission and limits of the binary options (Multipliers and
            Accumulators have their own, in :mod:`framework.market.terms`).

    Returns:
        The quote.

    Raises:
        MarketError: everything :func:`~framework.market.contracts.validate` raises, then
            a market that closes refusing the start or the expiry
            (:func:`~framework.market.hours.check_trading_times`), plus
            ``ContractBuyValidationError`` for stake/payout limits ("Minimum stake of 0.35
            and maximum payout of 50000.00. Current payout is 51282.05."), a touch barrier
            at the spot, a non-positive barrier, or a contract that offers no return.
    """
    ctype: ContractType = validate(spec, min_stake=config.min_stake, max_payout=config.max_payout)
    symbol = get_symbol(spec.symbol)
    if ctype.name in OPEN_ENDED:
        if date_start is not None:
            check_trading_times(symbol.hours, date_start, None)
        return _price_open_ended(spec, symbol, spot, date_start)
    pip_size = symbol.pip_size
    seconds = duration_seconds(spec, symbol)
    duration, unit = fixed_expiry(spec)
    if date_start is not None:
        timed = None if unit == "t" else seconds
        check_trading_times(symbol.hours, date_start, timed, daily=unit == "d")
    barrier = price_barrier(spec, ctype, pip_size)
    level = None if barrier is None else barrier.resolve(spot, pip_size)
    if level is not None:
        if level <= 0:
            raise MarketError("ContractBuyValidationError", "Contract barrier must be positive.")
        if ctype.barrier_mode == "required" and level == round(spot, pip_size):
            raise MarketError(
                "ContractBuyValidationError", "Barrier must be at least 1 pip away from the spot."
            )
    level2 = None
    low = price_barrier2(spec, ctype, pip_size)
    if low is not None:
        level2 = low.resolve(spot, pip_size)
        if level2 <= 0:
            raise MarketError("ContractBuyValidationError", "Contract barrier must be positive.")
        assert level is not None  # two-barrier types always have the high one
        if ctype.category == CATEGORY_STAYSINOUT and not level2 < round(spot, pip_size) < level:
            raise MarketError(
                "ContractBuyValidationError", "Barriers must be on either side of the spot."
            )
    digit = digit_barrier(spec, ctype)
    n_ticks = duration if unit == "t" else 0
    p = probability(
        spec.contract_type, spot, level, digit, symbol.volatility, seconds, barrier2=level2,
        ticks=n_ticks, selected_tick=spec.selected_tick or 0,
    )  # fmt: skip
    c = config.commission
    rate = p + c
    if rate >= 1.0:
        raise _no_return()
    if spec.basis == "stake":
        ask = round_money(spec.amount)
        payout = round_money(ask / rate)
        if payout > config.max_payout:
            raise limits_error("payout", payout, config.min_stake, config.max_payout)
    else:
        payout = round_money(spec.amount)
        ask = round_money(payout * rate)
        if ask < config.min_stake:
            raise limits_error("stake", ask, config.min_stake, config.max_payout)
    if payout <= ask:
        raise _no_return()
    date_expiry = None
    if spec.duration_unit != "t" and date_start is not None:
        date_expiry = date_start + seconds
    if ctype.barrier_mode == "digit":
        shown: float | None = float(digit)
    elif ctype.barrier_mode == "double":
        shown = None
    else:
        shown = level
    return Quote(
        spec=spec,
        ask_price=ask,
        payout=payout,
        probability=p,
        commission=c,
        spot=spot,
        date_start=date_start,
        date_expiry=date_expiry,
        longcode=longcode(spec, symbol, date_start),
        barrier=shown,
        stake_min=config.min_stake,
        stake_max=round_money(config.max_payout * rate),
        payout_max=config.max_payout,
        high_barrier=level if ctype.barrier_mode == "double" else None,
        low_barrier=level2,
    )


def spot_free(spec: ContractSpec) -> bool:
    """Tell whether :func:`price` gives ``spec`` the same quote at every spot and start time.

    A contract that counts ticks, has no price barrier (Rise/Fall at the money, the digit
    types, High/Low Ticks, Only Ups/Downs) and trades on a market that never closes is
    priced from its symbol's volatility and its number of ticks alone: every field of its
    quote but ``spot`` and ``date_start`` is the same whenever it is priced. A replay prices
    such a contract once and reuses the quote.

    Args:
        spec: a contract :func:`price` accepted.

    Returns:
        Whether its quote is independent of the spot and the start time.
    """
    if spec.duration_unit != "t" or spec.contract_type in OPEN_ENDED:
        return False
    ctype = CONTRACT_TYPES[spec.contract_type]
    symbol = get_symbol(spec.symbol)
    if symbol.hours is not None:
        return False
    pip_size = symbol.pip_size
    return price_barrier(spec, ctype, pip_size) is None and (
        price_barrier2(spec, ctype, pip_size) is None
    )
