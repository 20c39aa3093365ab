"""What ``contracts_for`` lists for a symbol, derived from the contract-type table.

One :class:`Offering` per (contract type, barrier mode, expiry type), like Deriv's
``contracts_for.available[]``: Rise/Fall (``euro_atm``) and Higher/Lower
(``euro_non_atm``) appear separately, and each of them once per expiry type (``tick``,
``intraday``, ``daily``) with that expiry type's own min/max duration. Two-barrier types
list ``barriers: 2``; High/Low Ticks and Only Ups/Downs list none (their barrier is a tick
of the contract, not a parameter). Types the table marks as not advertised are left out.

Multipliers and Accumulators have no expiry: one entry each with ``expiry_type``
``"no_expiry"`` and durations ``"0"``, carrying the symbol's ``multiplier_range`` and
``cancellation_range`` (MULTUP/MULTDOWN) or ``growth_rate_range`` (ACCU) from
:mod:`framework.market.terms`.
"""

from __future__ import annotations

import attrs

from .contracts import CONTRACT_TYPES, OPEN_ENDED, ContractType, DurationRange
from .limits import MAX_PAYOUT, MIN_STAKE
from .symbols import (
    CATEGORY_DIGITS,
    CATEGORY_ENDSINOUT,
    CATEGORY_HIGHLOWTICKS,
    CATEGORY_RUNS,
    CATEGORY_STAYSINOUT,
    CATEGORY_TOUCH,
    SymbolSpec,
    get_symbol,
)
from .terms import (
    ACCU_MAX_PAYOUT,
    ACCU_MIN_STAKE,
    MULT_MIN_STAKE,
    cancellation_options,
    growth_rates,
    multiplier_range,
)

__all__ = ["Offering", "contracts_for"]


@attrs.frozen
class Offering:
    """One ``contracts_for.available[]`` entry.

    Attributes:
        contract_type: Deriv contract type.
        contract_category: e.g. ``"callput"``.
        contract_category_display: e.g. ``"Up/Down"``.
        contract_display: e.g. ``"Higher"``.
        sentiment: e.g. ``"up"``.
        barrier_category: ``"euro_atm"`` (Rise/Fall, Only Ups/Downs), ``"euro_non_atm"``
            (Higher/Lower, Ends Between/Outside), ``"non_financial"`` (digits) or
            ``"american"`` (touch, Stays Between/Goes Outside, High/Low Ticks).
        barriers: number of barriers (0, 1 or 2).
        expiry_type: ``"tick"``, ``"intraday"``, ``"daily"`` or ``"no_expiry"``.
        min_contract_duration: e.g. ``"1t"``, ``"15s"``, ``"1d"``.
        max_contract_duration: e.g. ``"10t"``, ``"86400s"``, ``"365d"``.
        last_digit_range: allowed digits of digit contracts (empty otherwise).
        min_stake: minimum stake.
        payout_limit: maximum payout.
        underlying_symbol: the symbol.
        market: its market code.
        submarket: its submarket code.
        exchange_name: its exchange name.
        start_type: always ``"spot"`` (no forward-starting contracts).
        multiplier_range: Multipliers: the multipliers offered (empty otherwise).
        growth_rate_range: Accumulators: the growth rates offered (empty otherwise).
        cancellation_range: Multipliers: the deal cancellation windows (empty otherwise).
    """

    contract_type: str
    contract_category: str
    contract_category_display: str
    contract_display: str
    sentiment: str
    barrier_category: str
    barriers: int
    expiry_type: str
    min_contract_duration: str
    max_contract_duration: str
    last_digit_range: tuple[int, ...]
    min_stake: float
    payout_limit: float
    underlying_symbol: str
    market: str
    submarket: str
    exchange_name: str
    start_type: str = "spot"
    multiplier_range: tuple[int, ...] = ()
    growth_rate_range: tuple[float, ...] = ()
    cancellation_range: tuple[str, ...] = ()


_BARRIER_CATEGORY = {
    CATEGORY_DIGITS: "non_financial",
    CATEGORY_TOUCH: "american",
    CATEGORY_STAYSINOUT: "american",
    CATEGORY_HIGHLOWTICKS: "american",
    CATEGORY_ENDSINOUT: "euro_non_atm",
    CATEGORY_RUNS: "euro_atm",
}


def _barrier_category(ctype: ContractType, has_barrier: bool) -> str:
    fixed = _BARRIER_CATEGORY.get(ctype.category)
    if fixed is not None:
        return fixed
    return "euro_non_atm" if has_barrier else "euro_atm"


def _barrier_count(ctype: ContractType, has_barrier: bool) -> int:
    if ctype.barrier_mode == "double":
        return 2
    return 1 if has_barrier or ctype.barrier_mode == "digit" else 0


def _expiries(limits: DurationRange) -> list[tuple[str, str, str]]:
    out = []
    if limits.ticks is not None:
        out.append(("tick", f"{limits.ticks[0]}t", f"{limits.ticks[1]}t"))
    if limits.seconds is not None:
        out.append(("intraday", f"{limits.seconds[0]}s", f"{limits.seconds[1]}s"))
    if limits.days is not None:
        out.append(("daily", f"{limits.days[0]}d", f"{limits.days[1]}d"))
    return out


def _open_ended(ctype: ContractType, spec: SymbolSpec) -> Offering:
    accu = ctype.name == "ACCU"
    return Offering(
        contract_type=ctype.name,
        contract_category=ctype.category,
        contract_category_display=ctype.category_display,
        contract_display=ctype.display,
        sentiment=ctype.sentiment,
        barrier_category="american",
        barriers=2 if accu else 0,
        expiry_type="no_expiry",
        min_contract_duration="0",
        max_contract_duration="0",
        last_digit_range=(),
        min_stake=ACCU_MIN_STAKE if accu else MULT_MIN_STAKE,
        payout_limit=ACCU_MAX_PAYOUT if accu else MAX_PAYOUT,
        underlying_symbol=spec.symbol,
        market=spec.market,
        submarket=spec.submarket,
        exchange_name=spec.exchange_name,
        multiplier_range=() if accu else multiplier_range(spec),
        growth_rate_range=growth_rates(spec) if accu else (),
        cancellation_range=() if accu else cancellation_options(spec),
    )


def contracts_for(symbol: str | SymbolSpec) -> tuple[Offering, ...]:
    """List the contracts offered on a symbol.

    Args:
        symbol: symbol code or spec.

    Returns:
        The offerings, in the contract-type table's order.

    Raises:
        MarketError: ``InvalidSymbol`` for an unknown symbol code.
    """
    spec = get_symbol(symbol) if isinstance(symbol, str) else symbol
    out: list[Offering] = []
    for ctype in CONTRACT_TYPES.values():
        if not ctype.advertised or not spec.offers(ctype.category):
            continue
        if ctype.name in OPEN_ENDED:
            out.append(_open_ended(ctype, spec))
            continue
        digits: tuple[int, ...] = ()
        if ctype.digit_range is not None:
            digits = tuple(range(ctype.digit_range[0], ctype.digit_range[1] + 1))
        for has_barrier in (False, True):
            limits = ctype.durations(has_barrier, spec)
            if limits is None:
                continue
            barriers = _barrier_count(ctype, has_barrier)
            for expiry, lo, hi in _expiries(limits):
                out.append(
                    Offering(
                        contract_type=ctype.name,
                        contract_category=ctype.category,
                        contract_category_display=ctype.category_display,
                        contract_display=ctype.display,
                        sentiment=ctype.sentiment,
                        barrier_category=_barrier_category(ctype, has_barrier),
                        barriers=barriers,
                        expiry_type=expiry,
                        min_contract_duration=lo,
                        max_contract_duration=hi,
                        last_digit_range=digits,
                        min_stake=MIN_STAKE,
                        payout_limit=MAX_PAYOUT,
                        underlying_symbol=spec.symbol,
                        market=spec.market,
                        submarket=spec.submarket,
                        exchange_name=spec.exchange_name,
                    )
                )
    return tuple(out)
