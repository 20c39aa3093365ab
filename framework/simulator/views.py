"""What the server shows of prices and contracts.

``proposal`` and ``proposal_open_contract`` objects, the ``sell``/``cancel`` receipt, the
``contract_update`` and ``contract_update_history`` answers, and each family's fields in
``transaction`` events and ``profit_table`` rows. Pure functions of the market model's quote
and position (every figure is the market model's); this module only lays them out in the
server's fields and formats: quotes with the symbol's pip size, money as numbers (or
``"10.00"`` strings where the schema has strings), limit orders as ``{display_name,
order_amount, order_date, value}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from framework.market.accumulator import AccumulatorPosition
from framework.market.contracts import CONTRACT_TYPES
from framework.market.digits import format_quote
from framework.market.money import format_money
from framework.market.multiplier import MultiplierPosition
from framework.market.openended import AccumulatorTerms, MultiplierTerms
from framework.market.positions import OpenPosition
from framework.market.pricing import Quote
from framework.market.selling import LIMIT_NAMES, SELL_ERROR, LimitOrderChange
from framework.market.settlement import Position

if TYPE_CHECKING:
    from .trading import Contract

__all__ = [
    "contract_payload",
    "limit_order_entry",
    "profit_table_extras",
    "quote_payload",
    "receipt",
    "shown_expiry",
    "transaction_extras",
    "update_history",
]


# A Multiplier's expiry is notional: the server dates it at the end of the day 36500 days
# after the purchase (its shortcodes and ``expiry_time`` show it); the market model has none.
_NO_EXPIRY_DAYS = 36500
_DAY = 86400
_LOSSES = frozenset({"stop_loss", "stop_out"})

LimitOrders = MultiplierPosition | AccumulatorPosition


def _order(
    order_type: str, amount: float | None, date: int, level: float | None, pip: int
) -> dict[str, Any]:
    """One limit order as the server shows it: a loss's amount is negative, ``value`` the
    pip-sized spot it closes at; amount and value ``None`` once removed."""
    if amount is not None and order_type in _LOSSES:
        amount = -amount
    return {
        "display_name": LIMIT_NAMES[order_type],
        "order_amount": amount,
        "order_date": date,
        "value": None if level is None else format_quote(level, pip),
    }


def _growth_target(amount: float, date: int) -> dict[str, Any]:
    """An Accumulator's take-profit: an amount, with no spot it closes at (no ``value``)."""
    return {"display_name": LIMIT_NAMES["take_profit"], "order_amount": amount, "order_date": date}


def quote_payload(record_id: str, quote: Quote, spot: float, spot_time: int) -> dict[str, Any]:
    """Build a ``proposal`` object.

    Args:
        record_id: the proposal id.
        quote: the market model's price.
        spot: the spot it was priced at.
        spot_time: that spot's epoch.

    Returns:
        The payload; a Multiplier's adds its commission, multiplier, limit orders (the
        stop-out and those asked for) and deal cancellation, an Accumulator's its
        ``contract_details`` and its take-profit.
    """
    payload: dict[str, Any] = {
        "ask_price": quote.ask_price,
        "date_start": quote.date_start,
        "display_value": quote.display_value,
        "id": record_id,
        "longcode": quote.longcode,
        "payout": quote.payout,
        "spot": spot,
        "spot_time": spot_time,
        "validation_params": quote.validation_params(),
    }
    if quote.date_expiry is not None:
        payload["date_expiry"] = quote.date_expiry
    details = quote.contract_details()
    if details is not None:
        payload["contract_details"] = details
    terms = quote.terms
    now = spot_time if quote.date_start is None else quote.date_start
    if isinstance(terms, AccumulatorTerms) and terms.take_profit is not None:
        payload["limit_order"] = {"take_profit": _growth_target(terms.take_profit, now)}
    if isinstance(terms, MultiplierTerms):
        pip = terms.pip_size
        orders = {"stop_out": _order("stop_out", terms.stake, now, terms.stop_out_level, pip)}
        if terms.take_profit is not None:
            level = terms.level(terms.take_profit)
            orders["take_profit"] = _order("take_profit", terms.take_profit, now, level, pip)
        if terms.stop_loss is not None:
            level = terms.level(-terms.stop_loss)
            orders["stop_loss"] = _order("stop_loss", terms.stop_loss, now, level, pip)
        payload.update(commission=terms.commission, limit_order=orders, multiplier=terms.multiplier)
        if terms.cancellation is not None:
            payload["cancellation"] = {
                "ask_price": terms.cancellation_fee,
                "date_expiry": now + terms.cancellation_seconds,
            }
    return payload


def shown_expiry(pos: OpenPosition) -> int:
    """The ``date_expiry`` / ``expiry_time`` shown for a position.

    A time contract's own expiry; a Multiplier's notional one (see above); for a contract
    that ends on a tick (tick contracts, Accumulators) the time its last possible tick is
    due, ``purchase + (ticks + 1) * tick_interval``.
    """
    if pos.date_expiry is not None:
        return pos.date_expiry
    if isinstance(pos, MultiplierPosition):
        return (pos.purchase_epoch // _DAY + _NO_EXPIRY_DAYS + 1) * _DAY - 1
    return pos.purchase_epoch + (_max_ticks(pos) + 1) * pos.symbol.tick_interval


def _max_ticks(pos: OpenPosition) -> int:
    """The most ticks a contract that ends on a tick lasts (``tick_count``)."""
    if isinstance(pos, AccumulatorPosition):
        return pos.ticks
    duration = pos.spec.duration
    assert duration is not None
    return duration


def _ticks(stream: Iterable[tuple[int, float]], pip: int) -> list[dict[str, Any]]:
    return [{"epoch": e, "tick": q, "tick_display_value": format_quote(q, pip)} for e, q in stream]


def _history(pos: OpenPosition) -> list[LimitOrderChange]:
    return pos.history if isinstance(pos, LimitOrders) else []


def _placed(pos: LimitOrders, order_type: str) -> int:
    """When the order of that type in force was placed (its last change)."""
    for change in reversed(pos.history):
        if change.order_type == order_type:
            return change.epoch
    return pos.purchase_epoch


def limit_order_entry(contract: Contract, order_type: str) -> dict[str, Any]:
    """The ``contract_update`` answer for one order just changed (or removed).

    Args:
        contract: a Multiplier or Accumulator.
        order_type: ``"take_profit"`` or ``"stop_loss"``.

    Returns:
        ``{display_name, order_amount, order_date, value}`` as in force now.
    """
    pos = contract.position
    assert isinstance(pos, LimitOrders)
    amount: float | None = pos.take_profit
    level = None
    if isinstance(pos, MultiplierPosition):
        if order_type == "take_profit":
            level = pos.take_profit_level
        else:
            amount, level = pos.stop_loss, pos.stop_loss_level
    return _order(order_type, amount, _placed(pos, order_type), level, pos.symbol.pip_size)


def update_history(contract: Contract) -> list[dict[str, Any]]:
    """``contract_update_history``: every limit order change, newest first."""
    pip = contract.position.symbol.pip_size
    return [
        {
            "display_name": change.display_name,
            "order_amount": "" if change.amount is None else format_money(change.amount),
            "order_date": change.epoch,
            "order_type": change.order_type,
            "value": None if change.level is None else format_quote(change.level, pip),
        }
        for change in reversed(_history(contract.position))
    ]


def _multiplier(data: dict[str, Any], pos: MultiplierPosition, now: int) -> None:
    terms = pos.terms
    pip = pos.symbol.pip_size
    orders = {
        "stop_out": _order("stop_out", terms.stake, pos.purchase_epoch, pos.stop_out_level, pip)
    }
    if pos.take_profit is not None:
        orders["take_profit"] = _order(
            "take_profit", pos.take_profit, _placed(pos, "take_profit"), pos.take_profit_level,
            pip,
        )  # fmt: skip
    if pos.stop_loss is not None:
        orders["stop_loss"] = _order(
            "stop_loss", pos.stop_loss, _placed(pos, "stop_loss"), pos.stop_loss_level, pip
        )
    updatable = int(pos.is_valid_to_update(now))
    data.update(
        commission=terms.commission,
        is_valid_to_cancel=int(pos.is_valid_to_cancel(now)),
        is_valid_to_update={"stop_loss": updatable, "stop_out": 0, "take_profit": updatable},
        limit_order=orders,
        multiplier=terms.multiplier,
    )
    if pos.cancellation_expiry is not None:
        data["cancellation"] = {
            "ask_price": terms.cancellation_fee,
            "date_expiry": pos.cancellation_expiry,
        }


def _accumulator(data: dict[str, Any], pos: AccumulatorPosition, now: int) -> None:
    pip = pos.symbol.pip_size
    shown = pip + 1  # the server shows an Accumulator's barriers with one more decimal
    data.update(
        barrier_count=2,
        growth_rate=pos.terms.growth_rate,
        is_valid_to_update={"take_profit": int(pos.is_valid_to_update(now))},
        tick_count=pos.ticks,
        tick_passed=pos.tick_passed,
        tick_stream=_ticks(pos.tick_stream, pip),
    )
    if pos.take_profit is not None:
        target = _growth_target(pos.take_profit, _placed(pos, "take_profit"))
        data["limit_order"] = {"take_profit": target}
    high, low = pos.high_barrier, pos.low_barrier
    if high is not None and low is not None:
        data["high_barrier"] = format_quote(high, shown)
        data["low_barrier"] = format_quote(low, shown)
    if pos.settlement is None and pos.entry_epoch is not None:
        next_high = pos.current_spot_high_barrier
        data["current_spot_high_barrier"] = format_quote(next_high, shown)
        data["current_spot_low_barrier"] = format_quote(pos.current_spot_low_barrier, shown)
        data["barrier_spot_distance"] = format_quote(next_high - pos.current_quote, shown)


def _sell_error_code(pos: OpenPosition, now: int) -> str:
    error = pos.sell_error(now)
    return SELL_ERROR if error is None else error.code


def _option(data: dict[str, Any], pos: Position) -> None:
    spec = pos.spec
    pip = pos.symbol.pip_size
    if spec.duration_unit == "t":
        data["tick_count"] = _max_ticks(pos)
        data["tick_stream"] = _ticks(pos.tick_stream, pip)
    data["barrier_count"] = CONTRACT_TYPES[spec.contract_type].barrier_count
    if pos.high_barrier is not None and pos.low_barrier is not None:
        data["high_barrier"] = format_quote(pos.high_barrier, pip)
        data["low_barrier"] = format_quote(pos.low_barrier, pip)
    if spec.selected_tick is not None:
        data["selected_tick"] = spec.selected_tick
        if pos.barrier is not None:
            data["selected_spot"] = pos.barrier
    if pos.barrier is not None:
        data["barrier"] = (
            str(int(pos.barrier))
            if spec.contract_type.startswith("DIGIT")
            else format_quote(pos.barrier, pip)
        )


def contract_payload(contract: Contract, now: int, sub_id: str | None = None) -> dict[str, Any]:
    """Build a ``proposal_open_contract`` object for ``contract`` as of ``now``.

    A settled contract restored from the state file shows the last view it had.
    """
    if contract.final_view is not None:
        # Ended: no stream follows it (a sold contract gets no subscription), so no ``id``.
        return dict(contract.final_view)
    pos = contract.position
    spec = pos.spec
    pip = pos.symbol.pip_size
    settlement = pos.settlement
    bid = pos.bid_price(now)
    buy_price = pos.buy_price
    profit = round(bid - buy_price, 2)
    expired = pos.is_expired(now)
    reason = pos.validation_error(now)
    open_ended = isinstance(pos, LimitOrders)
    data: dict[str, Any] = {
        "account_id": contract.buy_txn.transaction_id % 100000,
        "barrier_count": 1,
        "bid_price": bid,
        "buy_price": buy_price,
        "contract_id": contract.contract_id,
        "contract_type": spec.contract_type,
        "currency": contract.currency,
        "date_start": pos.purchase_epoch,
        "display_name": pos.symbol.display_name,
        "display_value": format_money(bid),
        "is_expired": int(expired),
        "is_forward_starting": 0,
        "is_intraday": int(not open_ended),
        "is_path_dependent": int(open_ended or CONTRACT_TYPES[spec.contract_type].path_dependent),
        "is_settleable": int(expired and settlement is None),
        "is_sold": int(settlement is not None),
        "is_valid_to_cancel": 0,
        "is_valid_to_sell": int(reason is None),
        "longcode": contract.longcode,
        "payout": pos.payout,
        "profit": profit,
        "profit_percentage": round(profit / buy_price * 100, 2) if buy_price else 0.0,
        "purchase_time": pos.purchase_epoch,
        "shortcode": contract.shortcode,
        "status": pos.status,
        "transaction_ids": {"buy": contract.buy_txn.transaction_id},
        "underlying": spec.symbol,
    }
    if sub_id is not None:
        data["id"] = sub_id
    if open_ended or pos.date_expiry is not None:
        # Tick contracts have none (the schema: "not applicable for tick trade contracts").
        data["date_expiry"] = data["expiry_time"] = shown_expiry(pos)
    if reason is not None:
        data["validation_error"] = reason
        data["validation_error_code"] = _sell_error_code(pos, now)
    if isinstance(pos, MultiplierPosition):
        _multiplier(data, pos, now)
    elif isinstance(pos, AccumulatorPosition):
        _accumulator(data, pos, now)
    else:
        assert isinstance(pos, Position)
        _option(data, pos)
    if pos.entry_epoch is not None:
        entry = format_quote(pos.entry_quote, pip)
        data.update(
            entry_tick=pos.entry_quote,
            entry_tick_display_value=entry,
            entry_tick_time=pos.entry_epoch,
            entry_spot=pos.entry_quote,
            entry_spot_display_value=entry,
            current_spot=pos.current_quote,
            current_spot_display_value=format_quote(pos.current_quote, pip),
            current_spot_time=pos.current_epoch,
        )
    if settlement is not None:
        exit_text = format_quote(settlement.exit_quote, pip)
        data.update(
            exit_tick=settlement.exit_quote,
            exit_tick_display_value=exit_text,
            exit_tick_time=settlement.exit_epoch,
            sell_price=settlement.sell_price,
            sell_spot=settlement.exit_quote,
            sell_spot_display_value=exit_text,
            sell_spot_time=settlement.exit_epoch,
            sell_time=settlement.sell_epoch,
            date_settlement=settlement.sell_epoch,
        )
        if contract.sell_txn is not None:
            data["transaction_ids"]["sell"] = contract.sell_txn.transaction_id
    return data


def receipt(contract: Contract) -> dict[str, Any]:
    """Build the ``sell`` / ``cancel`` receipt of a contract that has just ended."""
    assert contract.sell_txn is not None
    return {
        "balance_after": contract.sell_txn.balance_after,
        "contract_id": contract.contract_id,
        "reference_id": contract.buy_txn.transaction_id,
        "sold_for": contract.sell_txn.amount,
        "transaction_id": contract.sell_txn.transaction_id,
    }


def transaction_extras(contract: Contract) -> dict[str, Any]:
    """A ``transaction`` event's fields particular to the contract's family.

    A Multiplier's limit orders are shown as the pip-sized spots they close at (``stop_out``,
    ``take_profit``, ``stop_loss``); an Accumulator's barriers, once it has them.
    """
    pos = contract.position
    pip = pos.symbol.pip_size
    if isinstance(pos, MultiplierPosition):
        extras: dict[str, Any] = {"stop_out": format_quote(pos.stop_out_level, pip)}
        for name, level in (
            ("take_profit", pos.take_profit_level),
            ("stop_loss", pos.stop_loss_level),
        ):
            if level is not None:
                extras[name] = format_quote(level, pip)
        return extras
    if isinstance(pos, Position):
        high, low = pos.high_barrier, pos.low_barrier
        if high is None or low is None:
            return {}
        return {"high_barrier": format_quote(high, pip), "low_barrier": format_quote(low, pip)}
    if isinstance(pos, AccumulatorPosition) and pos.high_barrier is not None:
        assert pos.low_barrier is not None
        return {
            "high_barrier": format_quote(pos.high_barrier, pip + 1),
            "low_barrier": format_quote(pos.low_barrier, pip + 1),
        }
    return {}


def profit_table_extras(contract: Contract) -> dict[str, Any]:
    """A ``profit_table`` row's described fields (``description: 1``) for the contract."""
    pos = contract.position
    spec = pos.spec
    if isinstance(pos, MultiplierPosition):
        row: dict[str, Any] = {"duration_type": None, "multiplier": f"{spec.multiplier:g}"}
        if spec.cancellation is not None:
            row["deal_cancellation_duration"] = spec.cancellation
        return row
    if isinstance(pos, AccumulatorPosition):
        return {"duration_type": None, "growth_rate": f"{spec.growth_rate:g}"}
    return {"duration_type": "ticks" if spec.duration_unit == "t" else "intraday"}
