"""Typed results the client returns where ``framework.deriv.models`` has no model.

Includes the buy and sell outcomes: exactly one per buy (or sell) that reached the wire,
whether its answer arrived or had to be reconciled after a reconnect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ..deriv.errors import APIError, PayloadError
from ..deriv.models import BuyReceipt, Candle, OpenContract, SellReceipt

__all__ = [
    "BuyOutcome",
    "ContractMatch",
    "PortfolioContract",
    "ProfitTableEntry",
    "SellOutcome",
    "StatementEntry",
    "TickHistory",
    "candles_from_payload",
]


def _mapping(model: str, data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise PayloadError(f"{model}: expected an object, got {type(data).__name__}")
    return data


def _num(model: str, data: Mapping[str, Any], name: str, *, optional: bool = False) -> Any:
    value = data.get(name)
    if value is None and optional:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise PayloadError(f"{model}.{name}: expected number, got {value!r}")


def _int(model: str, data: Mapping[str, Any], name: str, *, optional: bool = False) -> Any:
    value = data.get(name)
    if value is None and optional:
        return None
    if type(value) is int:
        return value
    if type(value) is float and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise PayloadError(f"{model}.{name}: expected integer, got {value!r}")


def _str(data: Mapping[str, Any], name: str) -> str | None:
    value = data.get(name)
    return value if isinstance(value, str) else None


@attrs.frozen
class PortfolioContract:
    """An open contract from ``portfolio``."""

    contract_id: int
    transaction_id: int
    contract_type: str | None
    symbol: str | None
    buy_price: float
    payout: float | None
    purchase_time: int
    expiry_time: int | None
    shortcode: str | None
    longcode: str | None

    @classmethod
    def from_payload(cls, data: Any) -> PortfolioContract:
        m = "PortfolioContract"
        data = _mapping(m, data)
        return cls(
            contract_id=_int(m, data, "contract_id"),
            transaction_id=_int(m, data, "transaction_id"),
            contract_type=_str(data, "contract_type"),
            symbol=_str(data, "symbol"),
            buy_price=_num(m, data, "buy_price"),
            payout=_num(m, data, "payout", optional=True),
            purchase_time=_int(m, data, "purchase_time"),
            expiry_time=_int(m, data, "expiry_time", optional=True),
            shortcode=_str(data, "shortcode"),
            longcode=_str(data, "longcode"),
        )


@attrs.frozen
class ProfitTableEntry:
    """A closed contract from ``profit_table``."""

    contract_id: int
    transaction_id: int
    contract_type: str | None
    symbol: str | None
    buy_price: float
    sell_price: float | None
    payout: float | None
    purchase_time: int
    sell_time: int | None
    shortcode: str | None

    @classmethod
    def from_payload(cls, data: Any) -> ProfitTableEntry:
        m = "ProfitTableEntry"
        data = _mapping(m, data)
        return cls(
            contract_id=_int(m, data, "contract_id"),
            transaction_id=_int(m, data, "transaction_id"),
            contract_type=_str(data, "contract_type"),
            symbol=_str(data, "underlying_symbol"),
            buy_price=_num(m, data, "buy_price"),
            sell_price=_num(m, data, "sell_price", optional=True),
            payout=_num(m, data, "payout", optional=True),
            purchase_time=_int(m, data, "purchase_time"),
            sell_time=_int(m, data, "sell_time", optional=True),
            shortcode=_str(data, "shortcode"),
        )


@attrs.frozen
class StatementEntry:
    """One line of ``statement``."""

    action_type: str
    amount: float
    transaction_id: int
    transaction_time: int
    contract_id: int | None
    shortcode: str | None
    longcode: str | None

    @classmethod
    def from_payload(cls, data: Any) -> StatementEntry:
        m = "StatementEntry"
        data = _mapping(m, data)
        return cls(
            action_type=_str(data, "action_type") or "",
            amount=_num(m, data, "amount"),
            transaction_id=_int(m, data, "transaction_id"),
            transaction_time=_int(m, data, "transaction_time"),
            contract_id=_int(m, data, "contract_id", optional=True),
            shortcode=_str(data, "shortcode"),
            longcode=_str(data, "longcode"),
        )


@attrs.frozen
class TickHistory:
    """A ``ticks_history`` answer in ``ticks`` style: parallel times and prices."""

    times: tuple[int, ...]
    prices: tuple[float, ...]
    pip_size: int | None

    @classmethod
    def from_message(cls, message: Mapping[str, Any]) -> TickHistory:
        m = "TickHistory"
        history = _mapping(m, message.get("history"))
        times = history.get("times", [])
        prices = history.get("prices", [])
        if not isinstance(times, list) or not isinstance(prices, list) or len(times) != len(prices):
            raise PayloadError(f"{m}: times and prices must be lists of the same length")
        pip = message.get("pip_size")
        return cls(
            times=tuple(int(t) for t in times),
            prices=tuple(float(p) for p in prices),
            pip_size=int(pip) if isinstance(pip, int | float) else None,
        )


def candles_from_payload(data: Any) -> tuple[Candle, ...]:
    """Parse a ``candles`` list."""
    if not isinstance(data, list):
        raise PayloadError(f"candles: expected a list, got {type(data).__name__}")
    return tuple(Candle.from_payload(item) for item in data)


@attrs.frozen
class ContractMatch:
    """What identifies the contract a buy would create, for reconciliation.

    Attributes:
        contract_type: e.g. ``"CALL"`` (``None``: unknown, not checked).
        symbol: e.g. ``"R_100"`` (``None``: unknown, not checked).
        stake: the exact buy price expected (stake basis), or ``None``.
        max_price: the buy's ``price``: a contract bought dearer cannot be ours.
    """

    contract_type: str | None
    symbol: str | None
    stake: float | None
    max_price: float


@attrs.frozen
class BuyOutcome:
    """The one outcome of one buy that was attempted.

    Attributes:
        intent_id: the client-side id (also sent in ``passthrough``).
        bought: whether the contract exists on the account.
        contract_id: set when bought.
        transaction_id: the buy transaction, when bought.
        buy_price: what was paid, when bought.
        purchase_time: server epoch of the purchase, when bought.
        receipt: the server's answer, when it arrived.
        reconciled: the answer was lost and this outcome comes from the account's records.
        error: the server's refusal, when it refused.
        detail: a sentence for the journal and the logs.
    """

    intent_id: str
    bought: bool
    contract_id: int | None = None
    transaction_id: int | None = None
    buy_price: float | None = None
    purchase_time: int | None = None
    receipt: BuyReceipt | None = None
    reconciled: bool = False
    error: APIError | None = None
    detail: str = ""


@attrs.frozen
class SellOutcome:
    """The one outcome of one sell that was attempted.

    Attributes:
        contract_id: the contract.
        sold: whether our sell closed it.
        sold_for: the price, when sold.
        receipt: the server's answer, when it arrived.
        contract: the contract's state as reconciliation found it.
        reconciled: the answer was lost and this outcome comes from the contract's state.
        error: the server's refusal, when it refused.
        detail: a sentence for the journal and the logs.
    """

    contract_id: int
    sold: bool
    sold_for: float | None = None
    receipt: SellReceipt | None = None
    contract: OpenContract | None = None
    reconciled: bool = False
    error: APIError | None = None
    detail: str = ""
