"""Contract parameters, the contract types we offer, and their validation.

:class:`ContractSpec` is what a ``proposal`` (or ``buy`` with ``parameters``) asks for;
:func:`validate` checks it against the offerings table below and raises
:class:`~framework.market.errors.MarketError` with Deriv's own codes and messages (from
``BOM::Product::ErrorMapping`` and the offerings tests, reference notes sections 1.3 and 5).

Offered (per symbol, if the symbol offers the category):

=====================  ==========================  ============================================
contract types         barrier                     durations
=====================  ==========================  ============================================
CALL PUT CALLE PUTE    none (Rise/Fall)            1-10 t, 15 s-1 d (``s m h``), 1-365 d
CALL PUT CALLE PUTE    relative/absolute (Higher/  5-10 t, 15 s-1 d, 1-365 d
                       Lower)
DIGITMATCH DIGITDIFF   digit 0-9                   1-10 t
DIGITOVER              digit 0-8                   1-10 t
DIGITUNDER             digit 1-9                   1-10 t
DIGITEVEN DIGITODD     none (a barrier is ignored) 1-10 t
ONETOUCH NOTOUCH       relative/absolute, required 5-10 t, 2 min-1 d, 1-365 d
EXPIRYRANGE EXPIRYMISS high ``barrier`` and low     2 min-1 d, 1-365 d
(EXPIRYRANGEE           ``barrier2``, both relative
EXPIRYMISSE)           or both absolute
RANGE UPORDOWN         the same, on either side    2 min-1 d, 1-365 d
                       of the spot
TICKHIGH TICKLOW       none; ``selected_tick`` 1-5 5 t
RUNHIGH RUNLOW         none                        2-5 t
=====================  ==========================  ============================================

EXPIRYRANGEE and EXPIRYMISSE (ends between/outside, the barriers included) are accepted by
``proposal`` but not listed by ``contracts_for``: Deriv keeps them for its own platforms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, Literal

import attrs

from .errors import BUY_ERROR, MarketError
from .limits import (
    HIGH_LOW_TICKS,
    MAX_PAYOUT,
    MAX_RUN_TICKS,
    MAX_TICKS,
    MIN_RUN_TICKS,
    MIN_STAKE,
    MIN_TICKS,
    MIN_TOUCH_TICKS,
)
from .money import format_money
from .symbols import (
    CATEGORY_ACCUMULATOR,
    CATEGORY_CALLPUT,
    CATEGORY_CALLPUTEQUAL,
    CATEGORY_DIGITS,
    CATEGORY_ENDSINOUT,
    CATEGORY_HIGHLOWTICKS,
    CATEGORY_MULTIPLIER,
    CATEGORY_RUNS,
    CATEGORY_STAYSINOUT,
    CATEGORY_TOUCH,
    SymbolSpec,
    get_symbol,
)
from .terms import validate_open_ended

__all__ = [
    "CONTRACT_TYPES",
    "OPEN_ENDED",
    "UNIT_SECONDS",
    "Barrier",
    "ContractSpec",
    "ContractType",
    "DurationRange",
    "digit_barrier",
    "duration_seconds",
    "fixed_expiry",
    "limits_error",
    "parse_barrier",
    "price_barrier",
    "price_barrier2",
    "validate",
]

OFFERINGS_ERROR: Final = "OfferingsValidationError"

UNIT_SECONDS: Final[Mapping[str, int]] = MappingProxyType({"s": 1, "m": 60, "h": 3600, "d": 86400})
"""Seconds per non-tick duration unit."""

Basis = Literal["stake", "payout"]


@attrs.frozen
class ContractSpec:
    """The parameters of one contract, as sent in ``proposal``.

    Attributes:
        contract_type: Deriv contract type (``"CALL"``, ``"DIGITMATCH"``...).
        symbol: underlying symbol code.
        currency: account currency (carried through; limits are the same for all).
        amount: stake or payout depending on ``basis``.
        basis: ``"stake"`` (amount is the ask price) or ``"payout"``.
        duration: duration in ``duration_unit``.
        duration_unit: ``"t"`` ticks, ``"s"``, ``"m"``, ``"h"`` or ``"d"``.
        barrier: relative (``"+0.1"``, ``"-0.1"``), absolute (``"1234.5"``) or a digit
            (``"5"``) barrier as Deriv sends it, or ``None``.
        barrier2: second (low) barrier of two-barrier types (Ends/Stays Between...).
        multiplier: Multipliers (MULTUP/MULTDOWN): the multiplier, from the symbol's
            ``multiplier_range``.
        growth_rate: Accumulators (ACCU): growth per tick, from the symbol's list.
        take_profit: ``limit_order.take_profit`` (MULT, ACCU): profit, in currency, at
            which the contract closes itself.
        stop_loss: ``limit_order.stop_loss`` (MULT): loss, in currency (positive), at which
            the contract closes itself.
        cancellation: deal cancellation window of a Multiplier (``"5m"``, ``"60m"``...).
        selected_tick: High/Low Ticks (TICKHIGH/TICKLOW): the tick, 1-5, predicted to be
            the highest or lowest.

    Multipliers and Accumulators have no expiry: ``duration`` and ``duration_unit`` are
    ``None`` for them (a proposal for one sends neither).
    """

    contract_type: str
    symbol: str
    amount: float
    basis: Basis = "stake"
    duration: int | None = 5
    duration_unit: str | None = "t"
    currency: str = "USD"
    barrier: str | None = None
    barrier2: str | None = None
    multiplier: float | None = None
    growth_rate: float | None = None
    take_profit: float | None = None
    stop_loss: float | None = None
    cancellation: str | None = None
    selected_tick: int | None = None


@attrs.frozen
class DurationRange:
    """Allowed durations of one contract type for one barrier mode.

    Attributes:
        ticks: inclusive ``(min, max)`` tick count, or ``None`` if ticks are not offered.
        seconds: inclusive ``(min, max)`` for ``s``/``m``/``h`` units in seconds, or ``None``.
        days: inclusive ``(min, max)`` for the ``d`` unit in days, or ``None``.
    """

    ticks: tuple[int, int] | None
    seconds: tuple[int, int] | None
    days: tuple[int, int] | None


BarrierMode = Literal["optional", "required", "digit", "ignored", "double", "none"]


@attrs.frozen
class ContractType:
    """What the market model knows about one contract type.

    Attributes:
        name: Deriv code (``"CALL"``).
        category: ``contract_category`` (``"callput"``).
        category_display: ``contract_category_display`` (``"Up/Down"``).
        display: ``contract_display`` (``"Higher"``).
        sentiment: ``contracts_for`` sentiment (``"up"``, ``"match"``...).
        barrier_mode: ``"optional"`` (Rise/Fall without, Higher/Lower with), ``"required"``
            (touch), ``"digit"`` (a 0-9 prediction), ``"ignored"`` (even/odd), ``"double"``
            (a high ``barrier`` and a low ``barrier2``, both required) or ``"none"`` (High/Low
            Ticks, Only Ups/Downs: a barrier is refused).
        digit_range: inclusive allowed digit range when ``barrier_mode == "digit"``.
        extra_tick: 1 when the exit tick is N ticks *after* the entry tick (Deriv's
            ``ticks_to_expiry = tick_count + 1``), 0 when the entry tick counts as tick 1
            (digits).
        atm: durations without a barrier (``None`` when a barrier is required).
        with_barrier: durations with a barrier (``None`` when no barrier is allowed).
        advertised: whether ``contracts_for`` lists the type (False for the ``E`` variants
            of Ends Between/Outside, which only ``proposal`` accepts).
    """

    name: str
    category: str
    category_display: str
    display: str
    sentiment: str
    barrier_mode: BarrierMode
    digit_range: tuple[int, int] | None
    extra_tick: int
    atm: DurationRange | None
    with_barrier: DurationRange | None
    advertised: bool = True

    @property
    def barrier_count(self) -> int:
        """POC ``barrier_count``: 2 for two-barrier types, else 1 (Deriv counts the digit,
        the entry spot of Only Ups/Downs and the selected tick of High/Low Ticks as one)."""
        return 2 if self.barrier_mode == "double" else 1

    @property
    def path_dependent(self) -> bool:
        """POC ``is_path_dependent``: a tick before the exit tick may settle the contract."""
        return self.category in _PATH_DEPENDENT

    def durations(
        self, has_barrier: bool, symbol: SymbolSpec | None = None
    ) -> DurationRange | None:
        """Return the duration limits for the given barrier mode (on ``symbol``).

        Args:
            has_barrier: whether the contract carries a (non-digit) barrier.
            symbol: the underlying; a market that closes (forex) offers no tick durations
                and no intraday contract shorter than :data:`CLOSING_MARKET_MIN_SECONDS`.

        Returns:
            The limits, or ``None`` when that mode is not offered.
        """
        limits = self.with_barrier if has_barrier else self.atm
        if limits is None or symbol is None or symbol.hours is None:
            return limits
        seconds = limits.seconds
        if seconds is not None:
            seconds = (max(seconds[0], CLOSING_MARKET_MIN_SECONDS), seconds[1])
        if seconds is None and limits.days is None:
            return None
        return DurationRange(ticks=None, seconds=seconds, days=limits.days)


CLOSING_MARKET_MIN_SECONDS: Final = 900
"""Shortest intraday contract on a market that closes (forex): 15 minutes, and no tick
durations. An assumption (Deriv's forex offerings are not public as figures); the longest
durations stay those of the synthetic indices."""

_PATH_DEPENDENT: Final = frozenset(
    (CATEGORY_TOUCH, CATEGORY_STAYSINOUT, CATEGORY_HIGHLOWTICKS, CATEGORY_RUNS)
)
_DAY = 86400
_RISE_FALL = DurationRange(ticks=(MIN_TICKS, MAX_TICKS), seconds=(15, _DAY), days=(1, 365))
_HIGHER_LOWER = DurationRange(ticks=(MIN_TOUCH_TICKS, MAX_TICKS), seconds=(15, _DAY), days=(1, 365))
_TOUCH = DurationRange(ticks=(MIN_TOUCH_TICKS, MAX_TICKS), seconds=(120, _DAY), days=(1, 365))
_DIGITS = DurationRange(ticks=(MIN_TICKS, MAX_TICKS), seconds=None, days=None)
_IN_OUT = DurationRange(ticks=None, seconds=(120, _DAY), days=(1, 365))
_HIGH_LOW = DurationRange(ticks=(HIGH_LOW_TICKS, HIGH_LOW_TICKS), seconds=None, days=None)
_RUNS = DurationRange(ticks=(MIN_RUN_TICKS, MAX_RUN_TICKS), seconds=None, days=None)


def _callput(name: str, category: str, display: str, sentiment: str) -> ContractType:
    return ContractType(
        name, category, "Up/Down", display, sentiment, "optional", None, 1, _RISE_FALL,
        _HIGHER_LOWER,
    )  # fmt: skip


def _digit(name: str, display: str, sentiment: str, rng: tuple[int, int] | None) -> ContractType:
    mode: BarrierMode = "digit" if rng is not None else "ignored"
    return ContractType(
        name, CATEGORY_DIGITS, "Digits", display, sentiment, mode, rng, 0, _DIGITS, None
    )


def _open_ended(
    name: str, category: str, category_display: str, display: str, sentiment: str
) -> ContractType:
    # No expiry, no barrier to give: the family's own module carries its rules.
    return ContractType(
        name, category, category_display, display, sentiment, "none", None, 0, None, None
    )


def _touch(name: str, display: str, sentiment: str) -> ContractType:
    return ContractType(
        name, CATEGORY_TOUCH, "Touch/No Touch", display, sentiment, "required", None, 1, None,
        _TOUCH,
    )  # fmt: skip


def _ends(name: str, display: str, sentiment: str, advertised: bool = True) -> ContractType:
    return ContractType(
        name, CATEGORY_ENDSINOUT, "Ends Between/Ends Outside", display, sentiment, "double",
        None, 1, None, _IN_OUT, advertised,
    )  # fmt: skip


def _stays(name: str, display: str, sentiment: str) -> ContractType:
    return ContractType(
        name, CATEGORY_STAYSINOUT, "Stays Between/Goes Outside", display, sentiment, "double",
        None, 1, None, _IN_OUT,
    )  # fmt: skip


def _high_low(name: str, display: str, sentiment: str) -> ContractType:
    # The entry tick is tick 1 of the five (Deriv's ticks_to_expiry = 5).
    return ContractType(
        name, CATEGORY_HIGHLOWTICKS, "High/Low Ticks", display, sentiment, "none", None, 0,
        _HIGH_LOW, None,
    )  # fmt: skip


def _run(name: str, display: str, sentiment: str) -> ContractType:
    return ContractType(
        name, CATEGORY_RUNS, "Only Ups/Only Downs", display, sentiment, "none", None, 1, _RUNS,
        None,
    )  # fmt: skip


CONTRACT_TYPES: Final[Mapping[str, ContractType]] = MappingProxyType(
    {
        t.name: t
        for t in (
            _callput("CALL", CATEGORY_CALLPUT, "Higher", "up"),
            _callput("PUT", CATEGORY_CALLPUT, "Lower", "down"),
            _callput("CALLE", CATEGORY_CALLPUTEQUAL, "Higher", "up"),
            _callput("PUTE", CATEGORY_CALLPUTEQUAL, "Lower", "down"),
            _digit("DIGITMATCH", "Matches", "match", (0, 9)),
            _digit("DIGITDIFF", "Differs", "differ", (0, 9)),
            _digit("DIGITOVER", "Over", "over", (0, 8)),
            _digit("DIGITUNDER", "Under", "under", (1, 9)),
            _digit("DIGITEVEN", "Even", "even", None),
            _digit("DIGITODD", "Odd", "odd", None),
            _touch("ONETOUCH", "Touch", "high_vol"),
            _touch("NOTOUCH", "Does Not Touch", "low_vol"),
            _ends("EXPIRYRANGE", "Ends Between", "low_vol"),
            _ends("EXPIRYMISS", "Ends Outside", "high_vol"),
            _ends("EXPIRYRANGEE", "Ends Between", "low_vol", advertised=False),
            _ends("EXPIRYMISSE", "Ends Outside", "high_vol", advertised=False),
            _stays("RANGE", "Stays Between", "low_vol"),
            _stays("UPORDOWN", "Goes Outside", "high_vol"),
            _high_low("TICKHIGH", "High Tick", "high"),
            _high_low("TICKLOW", "Low Tick", "low"),
            _run("RUNHIGH", "Only Ups", "up"),
            _run("RUNLOW", "Only Downs", "down"),
            _open_ended(
                "MULTUP", CATEGORY_MULTIPLIER, "Multiply Up/Multiply Down", "Multiply Up", "up"
            ),
            _open_ended(
                "MULTDOWN",
                CATEGORY_MULTIPLIER,
                "Multiply Up/Multiply Down",
                "Multiply Down",
                "down",
            ),
            _open_ended("ACCU", CATEGORY_ACCUMULATOR, "Accumulator", "Accumulator Up", "low_vol"),
        )
    }
)
"""Every offered contract type by Deriv code."""

OPEN_ENDED: Final = frozenset({"MULTUP", "MULTDOWN", "ACCU"})
"""The types without an expiry (``duration`` ``None``): Multipliers and Accumulators."""


@attrs.frozen
class Barrier:
    """A parsed price barrier.

    Attributes:
        relative: True for an offset from the entry spot (``"+0.1"``), False for a level.
        value: the signed offset or the absolute level, rounded to the symbol's pip size.
    """

    relative: bool
    value: float

    def resolve(self, entry_spot: float, pip_size: int) -> float:
        """Return the absolute barrier level for a given entry spot.

        Args:
            entry_spot: the contract's entry (or, for pricing, current) spot.
            pip_size: decimals of the symbol.

        Returns:
            The level, rounded to ``pip_size``.
        """
        if self.relative:
            return round(entry_spot + self.value, pip_size)
        return self.value


_BARRIER_RE: Final = re.compile(r"^([+-]?)(\d+(?:\.\d+)?|\.\d+)$")
_DIGIT_RE: Final = re.compile(r"^[+-]?\d+$")


def _buy_error(message: str, field: str) -> MarketError:
    return MarketError(BUY_ERROR, message, {"field": field})


def parse_barrier(text: str, pip_size: int) -> Barrier:
    """Parse a price barrier the way Deriv reads ``barrier``.

    A leading sign means an offset from the entry spot; no sign means an absolute level.

    Args:
        text: the barrier string.
        pip_size: decimals of the symbol (the value is rounded to them).

    Returns:
        The parsed barrier.

    Raises:
        MarketError: ``ContractBuyValidationError`` for a malformed or zero absolute barrier.
    """
    m = _BARRIER_RE.match(text.strip())
    if m is None:
        raise _buy_error("Invalid barrier.", "barrier")
    sign, digits = m.groups()
    value = round(float(digits), pip_size)
    if sign:
        return Barrier(True, -value if sign == "-" else value)
    if value == 0.0:
        raise _buy_error("Absolute barrier cannot be zero.", "barrier")
    return Barrier(False, value)


def fixed_expiry(spec: ContractSpec) -> tuple[int, str]:
    """Return the duration and unit of a contract that expires (every type but MULT/ACCU).

    Args:
        spec: the contract.

    Returns:
        ``(duration, duration_unit)``.

    Raises:
        MarketError: ``ContractBuyValidationError`` "Please specify either duration or
            date_expiry." when either is missing (Deriv's answer to such a proposal).
    """
    if spec.duration is None or spec.duration_unit is None:
        raise _buy_error("Please specify either duration or date_expiry.", "duration")
    return spec.duration, spec.duration_unit


def duration_seconds(spec: ContractSpec, symbol: SymbolSpec | None = None) -> int:
    """Return a contract's nominal length in seconds.

    For tick contracts this is ``duration * tick_interval`` (used for pricing only: tick
    contracts settle on ticks, not on time).

    Args:
        spec: the contract.
        symbol: its symbol (looked up when omitted; needed for tick contracts).

    Returns:
        The length in seconds.
    """
    n, unit = fixed_expiry(spec)
    if unit == "t":
        sym = symbol if symbol is not None else get_symbol(spec.symbol)
        return n * sym.tick_interval
    return n * UNIT_SECONDS[unit]


def _check_duration(spec: ContractSpec, limits: DurationRange) -> None:
    n, unit = fixed_expiry(spec)
    if unit == "t":
        if limits.ticks is None:
            raise _buy_error("Trading is not offered for this duration.", "duration")
        lo, hi = limits.ticks
        if not lo <= n <= hi:
            raise _buy_error(f"Number of ticks must be between {lo} and {hi}.", "duration")
        return
    if unit == "d":
        ok = limits.days is not None and limits.days[0] <= n <= limits.days[1]
    elif unit in UNIT_SECONDS:
        secs = n * UNIT_SECONDS[unit]
        ok = limits.seconds is not None and limits.seconds[0] <= secs <= limits.seconds[1]
    else:
        ok = False
    if not ok:
        raise _buy_error("Trading is not offered for this duration.", "duration")


def _check_digit(spec: ContractSpec, ctype: ContractType) -> None:
    assert ctype.digit_range is not None
    lo, hi = ctype.digit_range
    text = spec.barrier
    if text is None:
        raise _buy_error("Invalid barrier.", "barrier")
    if _DIGIT_RE.match(text.strip()) is None:
        raise _buy_error("Barrier must be an integer.", "barrier")
    if not lo <= int(text) <= hi:
        raise _buy_error(f"Digit must be in the range of {lo} to {hi}.", "barrier")


def limits_error(
    current: Literal["stake", "payout"], amount: float, min_stake: float, max_payout: float
) -> MarketError:
    """Build Deriv's stake/payout limits error.

    Args:
        current: which amount is out of limits (named in the message's last sentence).
        amount: that amount.
        min_stake: the minimum stake in force.
        max_payout: the maximum payout in force.

    Returns:
        ``ContractBuyValidationError`` "Minimum stake of 0.35 and maximum payout of
        50000.00. Current stake is 0.10." (or "Current payout is ...").
    """
    return _buy_error(
        f"Minimum stake of {format_money(min_stake)} and maximum payout of "
        f"{format_money(max_payout)}. Current {current} is {format_money(amount)}.",
        "amount",
    )


def _check_amount(spec: ContractSpec, min_stake: float, max_payout: float) -> None:
    amount = spec.amount
    if spec.basis not in ("stake", "payout"):
        raise _buy_error("Invalid basis.", "basis")
    if amount != amount or amount in (float("inf"), float("-inf")):
        raise _buy_error("Invalid stake.", "amount")
    if round(amount, 2) != amount:
        if spec.basis == "payout":
            raise _buy_error("Payout may not have more than two decimal places.", "amount")
        raise _buy_error("Stake may not have more than two decimal places.", "amount")
    if spec.basis == "stake":
        if amount < min_stake:
            raise limits_error("stake", amount, min_stake, max_payout)
    elif amount <= 0 or amount > max_payout:
        raise limits_error("payout", amount, min_stake, max_payout)


def validate(
    spec: ContractSpec, *, min_stake: float = MIN_STAKE, max_payout: float = MAX_PAYOUT
) -> ContractType:
    """Check a contract against the offerings and static limits.

    Checks, in Deriv's order: symbol, contract type (and whether the symbol offers its
    category), duration, barriers, amount. Limits that depend on the price (minimum ask on
    a payout basis, maximum payout on a stake basis) are checked by
    :func:`framework.market.pricing.price`.

    Args:
        spec: the contract.
        min_stake: minimum stake (defaults to :data:`~framework.market.limits.MIN_STAKE`).
        max_payout: maximum payout (defaults to
            :data:`~framework.market.limits.MAX_PAYOUT`).

    Returns:
        The contract's :class:`ContractType` (callers usually ignore it).

    Raises:
        MarketError: ``InvalidSymbol``, ``OfferingsValidationError`` or
            ``ContractBuyValidationError`` with Deriv's message.
    """
    symbol = get_symbol(spec.symbol)
    ctype = CONTRACT_TYPES.get(spec.contract_type)
    if ctype is None or not symbol.offers(ctype.category):
        raise MarketError(OFFERINGS_ERROR, "Trading is not offered for this contract type.")
    if ctype.name in OPEN_ENDED:
        validate_open_ended(spec, symbol)
        return ctype
    mode = ctype.barrier_mode
    if mode == "double":
        _check_double_barrier(spec, ctype, symbol.pip_size)
        _check_duration(spec, ctype.durations(True, symbol) or _NO_DURATION)
        _check_amount(spec, min_stake, max_payout)
        return ctype
    if spec.barrier2 is not None:
        raise _buy_error("Invalid barrier (Single barrier input is expected).", "barrier2")
    if mode == "none":
        if spec.barrier is not None:
            raise _buy_error("Invalid barrier.", "barrier")
        _check_duration(spec, ctype.durations(False, symbol) or _NO_DURATION)
        if ctype.category == CATEGORY_HIGHLOWTICKS:
            _check_selected_tick(spec)
        _check_amount(spec, min_stake, max_payout)
        return ctype
    if mode == "required" and spec.barrier is None:
        raise _buy_error("Invalid barrier.", "barrier")
    barrier = None
    if mode in ("optional", "required") and spec.barrier is not None:
        barrier = parse_barrier(spec.barrier, symbol.pip_size)
        if barrier.relative and barrier.value == 0.0:
            if mode == "required":
                # A touch barrier at the entry spot is touched by the entry tick itself.
                raise _buy_error("Barrier must be at least 1 pip away from the spot.", "barrier")
            # "+0" on Rise/Fall is the entry spot: the at-the-money contract.
            barrier = None
    limits = ctype.durations(barrier is not None, symbol)
    if limits is None:
        raise _buy_error("Trading is not offered for this duration.", "duration")
    _check_duration(spec, limits)
    if mode == "digit":
        _check_digit(spec, ctype)
    _check_amount(spec, min_stake, max_payout)
    return ctype


_NO_DURATION: Final = DurationRange(ticks=None, seconds=None, days=None)


def _check_double_barrier(spec: ContractSpec, ctype: ContractType, pip_size: int) -> None:
    """Deriv's double-barrier rules (``BOM::Product::Role::DoubleBarrier``)."""
    if spec.barrier is None or spec.barrier2 is None:
        field = "barrier" if spec.barrier is None else "barrier2"
        raise _buy_error("Invalid barrier (Double barrier input is expected).", field)
    high = parse_barrier(spec.barrier, pip_size)
    low = parse_barrier(spec.barrier2, pip_size)
    if high.relative != low.relative:
        raise _buy_error(
            "Invalid barrier (Barrier type must be the same for double-barrier contracts).",
            "barrier2",
        )
    if high.value == low.value:
        raise _buy_error("High and low barriers must be different.", "barrier2")
    if high.value < low.value:
        raise _buy_error("High barrier must be higher than low barrier.", "barrier")
    if ctype.category == CATEGORY_STAYSINOUT and high.relative and not low.value < 0 < high.value:
        # A path-dependent range that starts outside itself is settled by its entry tick;
        # absolute barriers are checked against the spot when priced.
        raise _buy_error("Barriers must be on either side of the spot.", "barrier")


def _check_selected_tick(spec: ContractSpec) -> None:
    tick = spec.selected_tick
    if tick is None:
        raise _buy_error("Missing required contract parameters (selected tick).", "selected_tick")
    if isinstance(tick, bool) or not isinstance(tick, int):
        raise _buy_error("Selected tick must be an integer.", "selected_tick")
    if not 1 <= tick <= HIGH_LOW_TICKS:
        # Deriv names the duration field here: the selected tick is a tick count.
        raise _buy_error(f"Number of ticks must be between 1 and {HIGH_LOW_TICKS}.", "duration")


def price_barrier(spec: ContractSpec, ctype: ContractType, pip_size: int) -> Barrier | None:
    """Return the (high) price barrier of a validated contract.

    Args:
        spec: a contract that passed :func:`validate`.
        ctype: its contract type.
        pip_size: decimals of its symbol.

    Returns:
        The parsed barrier (the high one of a two-barrier type), or ``None`` for
        at-the-money Rise/Fall (no barrier or ``"+0"``; the entry spot is the barrier),
        for digit contracts and for types without a barrier.
    """
    if spec.barrier is None or ctype.barrier_mode not in ("optional", "required", "double"):
        return None
    if ctype.barrier_mode == "double":
        return parse_barrier(spec.barrier, pip_size)
    barrier = parse_barrier(spec.barrier, pip_size)
    if barrier.relative and barrier.value == 0.0:
        return None
    return barrier


def price_barrier2(spec: ContractSpec, ctype: ContractType, pip_size: int) -> Barrier | None:
    """Return the low barrier of a validated two-barrier contract.

    Args:
        spec: a contract that passed :func:`validate`.
        ctype: its contract type.
        pip_size: decimals of its symbol.

    Returns:
        The parsed ``barrier2``, or ``None`` for every single-barrier type.
    """
    if spec.barrier2 is None or ctype.barrier_mode != "double":
        return None
    return parse_barrier(spec.barrier2, pip_size)


def digit_barrier(spec: ContractSpec, ctype: ContractType) -> int:
    """Return the predicted digit of a validated digit contract (0 for even/odd).

    Args:
        spec: a contract that passed :func:`validate`.
        ctype: its contract type.

    Returns:
        The digit, as Deriv stores it.
    """
    if ctype.barrier_mode != "digit" or spec.barrier is None:
        return 0
    return int(spec.barrier)
