"""Typed payloads for the answers the framework acts on.

Each model has a ``from_payload`` classmethod that takes the object under the message's
``msg_type`` key and either returns the model or raises :class:`PayloadError` naming the model
and the field ("Proposal.ask_price: expected number, got 'abc'"), never a bare KeyError.
Fields the framework does not act on stay available in the ``raw`` mapping of each model.

:class:`Tick` is a ``NamedTuple`` rather than an attrs class on purpose: a backtest builds one
per tick, and a frozen attrs instance costs about 430 ns to build against 245 ns for a named
tuple (measured on this machine). It is just as immutable.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, NamedTuple, TypeVar

import attrs

from .errors import PayloadError

if TYPE_CHECKING:  # the vocabulary only: the protocol core imports nothing but the root
    from ..market.settlement import EndReason

__all__ = [
    "Account",
    "Authorize",
    "Balance",
    "BuyReceipt",
    "Candle",
    "ContractUpdateReceipt",
    "LimitOrder",
    "LimitOrderLevel",
    "OpenContract",
    "OrderKind",
    "Proposal",
    "SellReceipt",
    "Tick",
    "TickSpot",
    "Transaction",
    "UpdateHistoryEntry",
]

_T = TypeVar("_T")
_MISSING = object()
#: Amounts closer than this are equal (account currency, cents).
_CENT = 0.005

OrderKind = Literal["sell", "update", "cancel"]
"""What an order does to an open contract: ``sell``, ``update`` (``contract_update``: its
take-profit / stop-loss) or ``cancel`` (a Multiplier's deal cancellation)."""


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _field(
    model: str, data: Mapping[str, Any], name: str, kind: type[_T] | tuple[type, ...]
) -> Any:
    value = data.get(name, _MISSING)
    if value is _MISSING:
        raise PayloadError(f"{model}.{name}: missing")
    return _convert(model, name, value, kind)


def _optional(
    model: str, data: Mapping[str, Any], name: str, kind: type[Any] | tuple[type, ...]
) -> Any:
    value = data.get(name)
    if value is None:
        return None
    return _convert(model, name, value, kind)


def _convert(model: str, name: str, value: Any, kind: type[Any] | tuple[type, ...]) -> Any:
    # Deriv sends numbers as strings in places (ohlc, some barriers); accept numeric text for
    # numeric fields, refuse anything else. bool is an int subclass: refuse it for numbers.
    if kind is float or kind == (int, float):
        if type(value) in (int, float):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise PayloadError(f"{model}.{name}: expected number, got {_type_name(value)} {value!r}")
    if kind is int:
        if type(value) is int:
            return value
        if type(value) is float and value.is_integer():
            return int(value)
        if isinstance(value, str) and value.lstrip("-").isdigit():
            return int(value)
        raise PayloadError(f"{model}.{name}: expected integer, got {_type_name(value)} {value!r}")
    if kind is bool:
        if value in (0, 1) and type(value) in (int, bool):
            return bool(value)
        raise PayloadError(f"{model}.{name}: expected 0 or 1, got {value!r}")
    if isinstance(value, kind) and type(value) is not bool:
        return value
    expected = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
    raise PayloadError(f"{model}.{name}: expected {expected}, got {_type_name(value)} {value!r}")


def _mapping(model: str, data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise PayloadError(f"{model}: expected an object, got {_type_name(data)}")
    return data


class Tick(NamedTuple):
    """One price tick of a symbol.

    Attributes:
        symbol: e.g. ``"R_100"``.
        epoch: server time of the tick, in seconds.
        quote: the spot price.
        pip_size: number of decimals the quote is shown with.
    """

    symbol: str
    epoch: int
    quote: float
    pip_size: int

    @classmethod
    def from_payload(cls, data: Any) -> Tick:
        """Build from a ``tick`` payload. Hot path: checks stay minimal but complete."""
        try:
            symbol = data["symbol"]
            epoch = data["epoch"]
            quote = data["quote"]
            pip_size = data["pip_size"]
        except (KeyError, TypeError):
            _mapping("Tick", data)
            for name in ("symbol", "epoch", "quote", "pip_size"):
                _field("Tick", data, name, object)
            raise  # pragma: no cover - one of the above raised
        if (
            type(symbol) is not str
            or type(epoch) is not int
            or type(quote) not in (int, float)
            or type(pip_size) is not int
        ):
            return cls(
                _field("Tick", data, "symbol", str),
                _field("Tick", data, "epoch", int),
                _field("Tick", data, "quote", float),
                _field("Tick", data, "pip_size", int),
            )
        return cls(symbol, epoch, float(quote), pip_size)


@attrs.frozen
class TickSpot:
    """A tick as contracts report it (entry, exit, current spot)."""

    epoch: int
    quote: float


@attrs.frozen
class Candle:
    """One OHLC bar of a symbol (``candles`` answers, ``ohlc`` stream messages, and the
    candles strategies receive).

    Attributes:
        epoch: the bar's open time, aligned to the granularity (``epoch - epoch % g``).
        open: the first quote in the bar.
        high: the highest quote.
        low: the lowest quote.
        close: the latest (for a closed bar, the last) quote.
        symbol: the symbol (``""`` when the answer did not say: a ``candles`` list names it
            only in the request).
        granularity: the bar's length in seconds (``0`` when the answer did not say).
    """

    epoch: int
    open: float
    high: float
    low: float
    close: float
    symbol: str = ""
    granularity: int = 0

    @property
    def close_time(self) -> int:
        """The epoch the bar ends at (exclusive): ``epoch + granularity``."""
        return self.epoch + self.granularity

    @classmethod
    def from_payload(cls, data: Any, *, symbol: str = "", granularity: int = 0) -> Candle:
        """Build from a ``candles`` entry or an ``ohlc`` payload.

        Args:
            data: the payload.
            symbol: the symbol, when the payload does not name it (``candles`` lists).
            granularity: likewise, the granularity.
        """
        data = _mapping("Candle", data)
        # ``ohlc`` stream messages call the bar's start ``open_time``; ``candles`` say ``epoch``.
        epoch_key = "open_time" if "open_time" in data else "epoch"
        named = data.get("symbol")
        return cls(
            epoch=_field("Candle", data, epoch_key, int),
            open=_field("Candle", data, "open", float),
            high=_field("Candle", data, "high", float),
            low=_field("Candle", data, "low", float),
            close=_field("Candle", data, "close", float),
            symbol=named if isinstance(named, str) else symbol,
            granularity=(
                _field("Candle", data, "granularity", int) if "granularity" in data else granularity
            ),
        )


@attrs.frozen
class Account:
    """One entry of ``authorize.account_list``."""

    loginid: str
    currency: str
    is_virtual: bool
    landing_company_name: str | None
    is_disabled: bool

    @classmethod
    def from_payload(cls, data: Any) -> Account:
        data = _mapping("Account", data)
        return cls(
            loginid=_field("Account", data, "loginid", str),
            currency=_optional("Account", data, "currency", str) or "",
            is_virtual=bool(_optional("Account", data, "is_virtual", bool)),
            landing_company_name=_optional("Account", data, "landing_company_name", str),
            is_disabled=bool(_optional("Account", data, "is_disabled", bool)),
        )


@attrs.frozen
class Authorize:
    """The ``authorize`` answer: who the connection now acts for, and with which scopes."""

    loginid: str
    currency: str
    balance: float
    is_virtual: bool
    scopes: frozenset[str]
    account_list: tuple[Account, ...]
    landing_company_name: str | None
    landing_company_fullname: str | None
    email: str | None
    country: str | None
    raw: Mapping[str, Any] = attrs.field(repr=False, eq=False)

    @classmethod
    def from_payload(cls, data: Any) -> Authorize:
        data = _mapping("Authorize", data)
        scopes = _field("Authorize", data, "scopes", list)
        if not all(isinstance(scope, str) for scope in scopes):
            raise PayloadError(f"Authorize.scopes: expected a list of strings, got {scopes!r}")
        accounts = _optional("Authorize", data, "account_list", list) or []
        return cls(
            loginid=_field("Authorize", data, "loginid", str),
            currency=_optional("Authorize", data, "currency", str) or "",
            balance=_field("Authorize", data, "balance", float),
            is_virtual=_field("Authorize", data, "is_virtual", bool),
            scopes=frozenset(scopes),
            account_list=tuple(Account.from_payload(item) for item in accounts),
            landing_company_name=_optional("Authorize", data, "landing_company_name", str),
            landing_company_fullname=_optional("Authorize", data, "landing_company_fullname", str),
            email=_optional("Authorize", data, "email", str),
            country=_optional("Authorize", data, "country", str),
            raw=data,
        )


@attrs.frozen
class Balance:
    """A ``balance`` answer or stream update."""

    balance: float
    currency: str
    loginid: str
    subscription_id: str | None

    @classmethod
    def from_payload(cls, data: Any) -> Balance:
        data = _mapping("Balance", data)
        return cls(
            balance=_field("Balance", data, "balance", float),
            currency=_field("Balance", data, "currency", str),
            loginid=_field("Balance", data, "loginid", str),
            subscription_id=_optional("Balance", data, "id", str),
        )


@attrs.frozen
class Proposal:
    """A price quote for a contract; ``id`` is what ``buy`` takes."""

    id: str
    ask_price: float
    payout: float
    spot: float
    spot_time: int
    date_start: int
    date_expiry: int | None
    longcode: str
    display_value: str
    raw: Mapping[str, Any] = attrs.field(repr=False, eq=False)

    @classmethod
    def from_payload(cls, data: Any) -> Proposal:
        data = _mapping("Proposal", data)
        return cls(
            id=_field("Proposal", data, "id", str),
            ask_price=_field("Proposal", data, "ask_price", float),
            payout=_field("Proposal", data, "payout", float),
            spot=_field("Proposal", data, "spot", float),
            spot_time=_field("Proposal", data, "spot_time", int),
            date_start=_field("Proposal", data, "date_start", int),
            date_expiry=_optional("Proposal", data, "date_expiry", int),
            longcode=_field("Proposal", data, "longcode", str),
            display_value=str(_field("Proposal", data, "display_value", (str, int, float))),
            raw=data,
        )


@attrs.frozen
class BuyReceipt:
    """The ``buy`` answer: the contract now exists on the account."""

    contract_id: int
    transaction_id: int
    buy_price: float
    payout: float
    balance_after: float
    purchase_time: int
    start_time: int
    shortcode: str
    longcode: str

    @classmethod
    def from_payload(cls, data: Any) -> BuyReceipt:
        data = _mapping("BuyReceipt", data)
        return cls(
            contract_id=_field("BuyReceipt", data, "contract_id", int),
            transaction_id=_field("BuyReceipt", data, "transaction_id", int),
            buy_price=_field("BuyReceipt", data, "buy_price", float),
            payout=_field("BuyReceipt", data, "payout", float),
            balance_after=_field("BuyReceipt", data, "balance_after", float),
            purchase_time=_field("BuyReceipt", data, "purchase_time", int),
            start_time=_field("BuyReceipt", data, "start_time", int),
            shortcode=_field("BuyReceipt", data, "shortcode", str),
            longcode=_field("BuyReceipt", data, "longcode", str),
        )


@attrs.frozen
class SellReceipt:
    """The ``sell`` answer."""

    contract_id: int
    transaction_id: int
    reference_id: int
    sold_for: float
    balance_after: float

    @classmethod
    def from_payload(cls, data: Any) -> SellReceipt:
        data = _mapping("SellReceipt", data)
        return cls(
            contract_id=_field("SellReceipt", data, "contract_id", int),
            transaction_id=_field("SellReceipt", data, "transaction_id", int),
            reference_id=_field("SellReceipt", data, "reference_id", int),
            sold_for=_field("SellReceipt", data, "sold_for", float),
            balance_after=_field("SellReceipt", data, "balance_after", float),
        )


def _spot(model: str, data: Mapping[str, Any], prefix: str) -> TickSpot | None:
    quote = _optional(model, data, prefix, float)
    epoch = _optional(model, data, f"{prefix}_time", int)
    if quote is None or epoch is None:
        return None
    return TickSpot(epoch=epoch, quote=quote)


@attrs.frozen
class LimitOrderLevel:
    """One level of a contract's ``limit_order`` (take-profit, stop-loss or stop-out).

    Attributes:
        amount: the profit (or, for stop-loss and stop-out, the loss, as Deriv signs it)
            at which the contract closes; ``None`` when the level is not set.
        order_date: when the level was set (server epoch).
        value: the spot at which it would close, pip-sized, when Deriv gives one.
    """

    amount: float | None
    order_date: int | None
    value: str | None

    @classmethod
    def from_payload(cls, data: Any, model: str = "LimitOrderLevel") -> LimitOrderLevel:
        data = _mapping(model, data)
        return cls(
            amount=_optional(model, data, "order_amount", float),
            order_date=_optional(model, data, "order_date", int),
            value=None if data.get("value") is None else str(data["value"]),
        )


@attrs.frozen
class LimitOrder:
    """A contract's ``limit_order`` (Multipliers, Accumulators): the levels that close it."""

    take_profit: LimitOrderLevel | None = None
    stop_loss: LimitOrderLevel | None = None
    stop_out: LimitOrderLevel | None = None

    @classmethod
    def from_payload(cls, data: Any, model: str = "LimitOrder") -> LimitOrder:
        data = _mapping(model, data)
        levels = {
            name: LimitOrderLevel.from_payload(data[name], f"{model}.{name}")
            for name in ("take_profit", "stop_loss", "stop_out")
            if data.get(name) is not None
        }
        return cls(**levels)

    @staticmethod
    def amount(level: LimitOrderLevel | None) -> float | None:
        """A level's amount, ``None`` when the level (or its amount) is not set."""
        return None if level is None else level.amount


@attrs.frozen
class ContractUpdateReceipt:
    """The ``contract_update`` answer: the take-profit and stop-loss now in force."""

    take_profit: LimitOrderLevel | None
    stop_loss: LimitOrderLevel | None

    @classmethod
    def from_payload(cls, data: Any) -> ContractUpdateReceipt:
        order = LimitOrder.from_payload(data, "ContractUpdateReceipt")
        return cls(take_profit=order.take_profit, stop_loss=order.stop_loss)


@attrs.frozen
class UpdateHistoryEntry:
    """One line of ``contract_update_history``: a change of a contract's limit order.

    Attributes:
        order_type: what changed (``"take_profit"``, ``"stop_loss"``).
        order_amount: the new amount (``None``: removed).
        order_date: when (server epoch).
        value: the pip-sized barrier of the level, when Deriv gives one.
    """

    order_type: str
    order_amount: float | None
    order_date: int | None
    value: str | None

    @classmethod
    def from_payload(cls, data: Any) -> UpdateHistoryEntry:
        m = "UpdateHistoryEntry"
        data = _mapping(m, data)
        return cls(
            order_type=_field(m, data, "order_type", str),
            order_amount=_optional(m, data, "order_amount", float),
            order_date=_optional(m, data, "order_date", int),
            value=None if data.get("value") is None else str(data["value"]),
        )


def _updatable(model: str, data: Mapping[str, Any]) -> bool:
    """``is_valid_to_update``: an object of per-level flags; True if any level may change."""
    value = data.get("is_valid_to_update")
    if value is None:
        return False
    if isinstance(value, Mapping):
        return any(
            _optional(model, value, name, bool) for name in ("take_profit", "stop_loss", "stop_out")
        )
    return bool(_convert(model, "is_valid_to_update", value, bool))


def _text(data: Mapping[str, Any], name: str) -> str | None:
    """A barrier-like field Deriv sends as a string or a number, as text."""
    value = data.get(name)
    return None if value is None else str(value)


@attrs.frozen
class OpenContract:
    """A ``proposal_open_contract`` message: the state of one bought contract.

    The fields of Multipliers and Accumulators are ``None`` (or false) on the other types:
    ``limit_order`` (take-profit, stop-loss and a Multiplier's stop-out), the deal
    ``cancellation`` (its price and expiry), ``multiplier``, ``growth_rate``,
    ``tick_passed``, the ``high_barrier``/``low_barrier`` of two-barrier types and an
    Accumulator's ``current_spot_high_barrier``/``current_spot_low_barrier`` (the range
    the next tick must stay in), ``is_valid_to_cancel``, ``is_valid_to_update`` (any level
    of the limit order may change) and ``commission``. ``validation_error`` (and its code)
    says why the contract cannot be sold now.
    """

    contract_id: int
    contract_type: str
    underlying: str
    currency: str
    status: str | None
    buy_price: float
    payout: float
    bid_price: float | None
    profit: float | None
    sell_price: float | None
    purchase_time: int | None
    date_start: int | None
    date_expiry: int | None
    sell_time: int | None
    entry_tick: TickSpot | None
    exit_tick: TickSpot | None
    current_spot: TickSpot | None
    barrier: str | None
    tick_count: int | None
    is_sold: bool
    is_expired: bool
    is_valid_to_sell: bool
    is_settleable: bool
    shortcode: str | None
    longcode: str | None
    transaction_ids: Mapping[str, int]
    raw: Mapping[str, Any] = attrs.field(repr=False, eq=False)
    limit_order: LimitOrder | None = None
    cancellation_price: float | None = None
    cancellation_expiry: int | None = None
    multiplier: float | None = None
    growth_rate: float | None = None
    commission: float | None = None
    tick_passed: int | None = None
    high_barrier: str | None = None
    low_barrier: str | None = None
    current_spot_high_barrier: str | None = None
    current_spot_low_barrier: str | None = None
    is_valid_to_cancel: bool = False
    is_valid_to_update: bool = False
    validation_error: str | None = None
    validation_error_code: str | None = None

    @property
    def is_won(self) -> bool:
        """Settled as a win."""
        return self.status == "won"

    @property
    def final_profit(self) -> float:
        """The profit as Deriv reports it, else ``sell_price - buy_price`` (0 if not sold)."""
        if self.profit is not None:
            return self.profit
        return round((self.sell_price or 0.0) - self.buy_price, 2)

    def end_reason(self, closed_by: str | None = None) -> EndReason:
        """How the contract ended, from this final state and the bot's own closing order.

        The one place the live runtime decides it: Deriv's final
        ``proposal_open_contract`` has no field for it. In this order:

        1. the bot's own cancellation (``closed_by="cancel"``) or a ``cancelled`` status:
           ``cancelled``;
        2. the bot's own sale (``closed_by="sell"``: a sell order journaled done):
           ``sold``;
        3. an Accumulator lost: ``knocked_out``;
        4. a Multiplier or Accumulator closed at a level of its limit order, checked as the
           server does, stop-out first, then stop-loss, then take-profit: a level is reached
           when the exit tick is at or beyond the level's spot (``value``; a Multiplier's
           up or down), or, for a level shown without a spot (an Accumulator's
           take-profit), when the profit is at least its amount (a loss for the stop-loss
           and stop-out, as Deriv signs them): ``stopped_out``, ``stop_loss`` or
           ``take_profit``. A Multiplier lost at no level shown was stopped out;
        5. any other ``sold`` status: ``sold`` (sold outside the bot, e.g. on Deriv's
           site);
        6. otherwise (``won``/``lost`` by its own rule, an Accumulator's maximum ticks or
           payout): ``expired``.

        Args:
            closed_by: the kind of the bot's order that closed it (``"sell"``,
                ``"cancel"``), if one did.

        Returns:
            The end reason.
        """
        if closed_by == "cancel" or self.status == "cancelled":
            return "cancelled"
        if closed_by == "sell":
            return "sold"
        kind = self.contract_type
        multiplier = kind.startswith("MULT")
        if kind == "ACCU" and self.status == "lost":
            return "knocked_out"
        if kind == "ACCU" or multiplier:
            limits = self.limit_order or LimitOrder()
            if self._reached(limits.stop_out, loss=True):
                return "stopped_out"
            if self._reached(limits.stop_loss, loss=True):
                return "stop_loss"
            if self._reached(limits.take_profit, loss=False):
                return "take_profit"
            if multiplier and self.status == "lost":
                return "stopped_out"
        return "sold" if self.status == "sold" else "expired"

    def _reached(self, level: LimitOrderLevel | None, *, loss: bool) -> bool:
        """Whether the contract closed at ``level`` (see :meth:`end_reason`, rule 4)."""
        if level is None:
            return False
        exit_ = self.exit_tick
        if level.value is not None and exit_ is not None:
            # In the contract's direction: the spot falls as a MULTUP (or an ACCU) loses.
            sign = -1.0 if self.contract_type == "MULTDOWN" else 1.0
            spot, at = sign * exit_.quote, sign * float(level.value)
            return spot <= at if loss else spot >= at
        if level.amount is None:
            return False
        profit = self.final_profit
        return profit <= -abs(level.amount) + _CENT if loss else profit >= level.amount - _CENT

    @classmethod
    def from_payload(cls, data: Any) -> OpenContract:
        m = "OpenContract"
        data = _mapping(m, data)
        barrier = data.get("barrier")
        limit_order = data.get("limit_order")
        cancellation = _optional(m, data, "cancellation", dict) or {}
        return cls(
            contract_id=_field(m, data, "contract_id", int),
            contract_type=_field(m, data, "contract_type", str),
            underlying=_field(m, data, "underlying", str),
            currency=_optional(m, data, "currency", str) or "",
            status=_optional(m, data, "status", str),
            buy_price=_field(m, data, "buy_price", float),
            payout=_optional(m, data, "payout", float) or 0.0,
            bid_price=_optional(m, data, "bid_price", float),
            profit=_optional(m, data, "profit", float),
            sell_price=_optional(m, data, "sell_price", float),
            purchase_time=_optional(m, data, "purchase_time", int),
            date_start=_optional(m, data, "date_start", int),
            date_expiry=_optional(m, data, "date_expiry", int),
            sell_time=_optional(m, data, "sell_time", int),
            entry_tick=_spot(m, data, "entry_tick"),
            exit_tick=_spot(m, data, "exit_tick"),
            current_spot=_spot(m, data, "current_spot"),
            barrier=None if barrier is None else str(barrier),
            tick_count=_optional(m, data, "tick_count", int),
            is_sold=bool(_optional(m, data, "is_sold", bool)),
            is_expired=bool(_optional(m, data, "is_expired", bool)),
            is_valid_to_sell=bool(_optional(m, data, "is_valid_to_sell", bool)),
            is_settleable=bool(_optional(m, data, "is_settleable", bool)),
            shortcode=_optional(m, data, "shortcode", str),
            longcode=_optional(m, data, "longcode", str),
            transaction_ids=_optional(m, data, "transaction_ids", dict) or {},
            raw=data,
            limit_order=(
                None
                if limit_order is None
                else LimitOrder.from_payload(limit_order, f"{m}.limit_order")
            ),
            cancellation_price=_optional(m, cancellation, "ask_price", float),
            cancellation_expiry=_optional(m, cancellation, "date_expiry", int),
            multiplier=_optional(m, data, "multiplier", float),
            growth_rate=_optional(m, data, "growth_rate", float),
            commission=_optional(m, data, "commission", float),
            tick_passed=_optional(m, data, "tick_passed", int),
            high_barrier=_text(data, "high_barrier"),
            low_barrier=_text(data, "low_barrier"),
            current_spot_high_barrier=_text(data, "current_spot_high_barrier"),
            current_spot_low_barrier=_text(data, "current_spot_low_barrier"),
            is_valid_to_cancel=bool(_optional(m, data, "is_valid_to_cancel", bool)),
            is_valid_to_update=_updatable(m, data),
            validation_error=_optional(m, data, "validation_error", str),
            validation_error_code=_optional(m, data, "validation_error_code", str),
        )


@attrs.frozen
class Transaction:
    """One event of the ``transaction`` stream (buy, sell, deposit...)."""

    action: str
    amount: float
    balance: float
    contract_id: int | None
    currency: str
    transaction_id: int
    transaction_time: int
    symbol: str | None
    longcode: str | None
    purchase_time: int | None
    raw: Mapping[str, Any] = attrs.field(repr=False, eq=False)

    @classmethod
    def from_payload(cls, data: Any) -> Transaction:
        m = "Transaction"
        data = _mapping(m, data)
        return cls(
            action=_field(m, data, "action", str),
            amount=_field(m, data, "amount", float),
            balance=_field(m, data, "balance", float),
            contract_id=_optional(m, data, "contract_id", int),
            currency=_optional(m, data, "currency", str) or "",
            transaction_id=_field(m, data, "transaction_id", int),
            transaction_time=_field(m, data, "transaction_time", int),
            symbol=_optional(m, data, "symbol", str),
            longcode=_optional(m, data, "longcode", str),
            purchase_time=_optional(m, data, "purchase_time", int),
            raw=data,
        )
