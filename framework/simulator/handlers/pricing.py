"""Pricing: ``proposal`` (one answer or a stream) and the contract terms it and ``buy`` take.

The terms become the market model's :class:`~framework.market.contracts.ContractSpec`; the
market model validates and prices it (``framework.market``), so every refusal, limit and
message is its own. What the server itself checks before that is here: a missing amount, a
currency other than the account's, an expiry in the past, a forward start.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from framework.deriv.models import Tick
from framework.market.contracts import ContractSpec
from framework.market.errors import MarketError
from framework.market.pricing import Quote

from ..dispatch import Call, Handler
from ..envelope import SimError, new_id
from ..session import ProposalRecord, Subscription
from ..views import quote_payload
from .registry import registrar

__all__ = ["HANDLERS", "contract_spec"]

HANDLERS: dict[str, Handler] = {}
handles = registrar(HANDLERS)

_NOT_CONTRACT_FIELDS = frozenset({"req_id", "passthrough", "subscribe", "loginid", "proposal"})

# Deriv does not stream prices that cannot change: at-the-money tick contracts and digits on
# the 2-second volatility indices (proposal send.json, ``subscribe`` description).
_CONSTANT_PRICE_SYMBOLS = frozenset({"R_10", "R_25", "R_50", "R_75", "R_100"})


def _buy_error(message: str, field: str) -> SimError:
    return SimError("ContractBuyValidationError", message, {"field": field})


def _duration(call: Call, params: Mapping[str, Any]) -> tuple[int | None, str | None]:
    """``(duration, unit)`` from ``duration``/``duration_unit`` or ``date_expiry``.

    Neither given is ``(None, None)``: right for the contracts without expiry (Multipliers,
    Accumulators); the market model refuses it, in Deriv's words, for every other type.
    """
    if "duration" in params:
        return int(params["duration"]), params.get("duration_unit", "s")
    if "date_expiry" in params:
        seconds = int(params["date_expiry"]) - call.now()
        if seconds <= 0:
            raise _buy_error("Expiry time cannot be in the past.", "date_expiry")
        return seconds, "s"
    return None, None


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def contract_spec(call: Call, params: Mapping[str, Any]) -> ContractSpec:
    """Build the market model's contract from ``proposal`` (or ``buy.parameters``) fields.

    Raises:
        SimError: ``ContractBuyValidationError`` for a missing amount, a wrong currency, an
            expiry in the past; ``OfferingsValidationError`` for a forward start.
    """
    if "amount" not in params:
        raise _buy_error("Missing required contract parameters (amount).", "amount")
    currency = params.get("currency", call.core.config.currency)
    account = call.session.account
    expected = account.currency if account is not None else call.core.config.currency
    if currency != expected:
        raise _buy_error(f"Invalid currency {currency}; payouts are in {expected}.", "currency")
    duration, unit = _duration(call, params)
    if "date_start" in params and int(params["date_start"]) > call.now():
        raise MarketError("OfferingsValidationError", "Forward starting contracts are not offered.")
    limit_order = params.get("limit_order") or {}
    selected_tick = params.get("selected_tick")
    return ContractSpec(
        contract_type=params["contract_type"],
        symbol=params["symbol"],
        amount=float(params["amount"]),
        basis=params.get("basis", "payout"),
        duration=duration,
        duration_unit=unit,
        currency=currency,
        barrier=params.get("barrier"),
        barrier2=params.get("barrier2"),
        multiplier=_number(params.get("multiplier")),
        growth_rate=_number(params.get("growth_rate")),
        take_profit=_number(limit_order.get("take_profit")),
        stop_loss=_number(limit_order.get("stop_loss")),
        cancellation=params.get("cancellation"),
        selected_tick=None if selected_tick is None else int(selected_tick),
    )


def _streams_price(spec: ContractSpec) -> bool:
    constant = spec.duration_unit == "t" and (
        spec.barrier is None or spec.contract_type.startswith("DIGIT")
    )
    return not (constant and spec.symbol in _CONSTANT_PRICE_SYMBOLS)


def _remember(record: ProposalRecord, quote: Quote) -> None:
    record.ask_price = quote.ask_price
    record.payout = quote.payout


def _payload(record_id: str, quote: Quote, spot: Tick) -> dict[str, Any]:
    return quote_payload(record_id, quote, spot.quote, spot.epoch)


class ProposalStream:
    """Re-prices a subscribed proposal on every tick of its symbol."""

    __slots__ = ("_call", "_record", "_sub")

    def __init__(self, call: Call, record: ProposalRecord, sub: Subscription) -> None:
        self._call = call
        self._record = record
        self._sub = sub

    def __call__(self, tick: Tick) -> None:
        record = self._record
        try:
            quote, spot = self._call.core.desk.quote(record.contract)
        except MarketError as err:
            self._sub.emit_error(SimError(err.code, err.message, err.details))
            return
        _remember(record, quote)
        self._sub.emit(_payload(record.id, quote, spot))


@handles("proposal")
def proposal(call: Call) -> None:
    """Price a contract; the id stays valid for ``buy`` on this connection."""
    spec = contract_spec(call, call.args)
    quote, spot = call.core.desk.quote(spec)
    session = call.session
    key = json.dumps(
        {k: v for k, v in call.args.items() if k not in _NOT_CONTRACT_FIELDS}, sort_keys=True
    )
    if call.args.get("subscribe") == 1:
        record_id = new_id()
        sub = session.subscribe(
            "proposal",
            ("proposal", key),
            call.envelope,
            "proposal",
            what="proposal",
            sub_id=record_id,
        )
        record = ProposalRecord(record_id, spec, call.args, quote.ask_price, quote.payout, sub)
        session.proposals[record_id] = record
        if _streams_price(spec):
            feed = call.core.feeds.get(spec.symbol)
            listener = ProposalStream(call, record, sub)
            feed.add_listener(listener)
            sub.cleanups.append(lambda: feed.remove_listener(listener))
        call.reply(_payload(record_id, quote, spot), subscription=record_id)
        return
    for existing in session.proposals.values():
        if existing.subscription is None and existing.request.get("_key") == key:
            record = existing
            break
    else:
        record = ProposalRecord(new_id(), spec, {"_key": key}, quote.ask_price, quote.payout)
        session.proposals[record.id] = record
    _remember(record, quote)
    call.reply(_payload(record.id, quote, spot))
