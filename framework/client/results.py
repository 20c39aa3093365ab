"""Typed results the client returns where ``framework.deriv.models`` has no model.

Includes the buy and order outcomes: exactly one per buy (or sell, ``contract_update``,
``cancel``) that reached the wire, whether its answer arrived or had to be decided after a
reconnect.

A result parsed from the server keeps the server's object as ``raw`` (not compared, not
shown in a repr), as ``framework.deriv.models`` does: a caller that must pass the answer on
unchanged (``triobot ... --json``) reads it there, everything else reads the typed fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

import attrs

from ..deriv.errors import APIError, PayloadError
from ..deriv.models import (
    BuyReceipt,
    Candle,
    ContractUpdateReceipt,
    OpenContract,
    OrderKind,
    SellReceipt,
)

__all__ = [
    "ApiToken",
    "App",
    "BoughtRecord",
    "BuyOutcome",
    "CandleUpdate",
    "ContractMatch",
    "NewAccount",
    "OrderOutcome",
    "PaymentAgentMove",
    "PortfolioContract",
    "ProfitTableEntry",
    "StatementEntry",
    "TickHistory",
    "TopUp",
    "candles_from_payload",
    "candles_of_message",
    "epoch_from_payload",
]

#: Envelope keys of a message that are not part of its answer.
_ENVELOPE = frozenset({"echo_req", "req_id", "msg_type", "passthrough"})


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


def _strings(model: str, data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    value = data.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise PayloadError(f"{model}.{name}: expected a list of strings, got {value!r}")
    return tuple(value)


def _raw() -> Any:
    # Where a result comes from the server, from_payload sets the server's object.
    return attrs.field(factory=dict, repr=False, eq=False)


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
    raw: Mapping[str, Any] = _raw()

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
            raw=data,
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
    raw: Mapping[str, Any] = _raw()

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
            raw=data,
        )


@attrs.frozen
class StatementEntry:
    """One line of ``statement``."""

    action_type: str
    amount: float
    transaction_id: int
    transaction_time: int
    contract_id: int | None
    payout: float | None
    shortcode: str | None
    longcode: str | None
    balance_after: float | None = None
    raw: Mapping[str, Any] = _raw()

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
            payout=_num(m, data, "payout", optional=True),
            shortcode=_str(data, "shortcode"),
            longcode=_str(data, "longcode"),
            balance_after=_num(m, data, "balance_after", optional=True),
            raw=data,
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


@attrs.frozen
class TopUp:
    """A ``topup_virtual`` answer: what was credited."""

    amount: float
    currency: str
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_payload(cls, data: Any) -> TopUp:
        m = "TopUp"
        data = _mapping(m, data)
        return cls(amount=_num(m, data, "amount"), currency=_str(data, "currency") or "", raw=data)


@attrs.frozen
class NewAccount:
    """A ``new_account_virtual`` or ``new_account_real`` answer.

    Attributes:
        client_id: the new account's login id.
        oauth_token: its token, shown once (never in a repr).
    """

    client_id: str
    currency: str | None
    balance: float | None
    email: str | None
    landing_company: str | None
    oauth_token: str | None = attrs.field(repr=False)
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_payload(cls, data: Any) -> NewAccount:
        m = "NewAccount"
        data = _mapping(m, data)
        client_id = _str(data, "client_id")
        if client_id is None:
            raise PayloadError(f"{m}.client_id: expected string, got {data.get('client_id')!r}")
        return cls(
            client_id=client_id,
            currency=_str(data, "currency"),
            balance=_num(m, data, "balance", optional=True),
            email=_str(data, "email"),
            landing_company=_str(data, "landing_company"),
            oauth_token=_str(data, "oauth_token"),
            raw=data,
        )


@attrs.frozen
class ApiToken:
    """One API token of ``api_token``'s list (the secret itself never in a repr)."""

    display_name: str
    scopes: tuple[str, ...]
    last_used: str | None
    valid_for_ip: str | None
    token: str = attrs.field(repr=False)
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_payload(cls, data: Any) -> ApiToken:
        m = "ApiToken"
        data = _mapping(m, data)
        return cls(
            display_name=_str(data, "display_name") or "",
            scopes=_strings(m, data, "scopes"),
            last_used=_str(data, "last_used"),
            valid_for_ip=_str(data, "valid_for_ip"),
            token=_str(data, "token") or "",
            raw=data,
        )


@attrs.frozen
class App:
    """A registered application (``app_list``, ``app_register``)."""

    app_id: int
    name: str
    scopes: tuple[str, ...]
    redirect_uri: str | None
    app_markup_percentage: float
    raw: Mapping[str, Any] = _raw()

    @classmethod
    def from_payload(cls, data: Any) -> App:
        m = "App"
        data = _mapping(m, data)
        markup = _num(m, data, "app_markup_percentage", optional=True)
        return cls(
            app_id=_int(m, data, "app_id"),
            name=_str(data, "name") or "",
            scopes=_strings(m, data, "scopes"),
            redirect_uri=_str(data, "redirect_uri"),
            app_markup_percentage=0.0 if markup is None else markup,
            raw=data,
        )


@attrs.frozen
class PaymentAgentMove:
    """The answer to ``paymentagent_withdraw`` or ``paymentagent_transfer``.

    The status sits under the call's name; the other party and the transaction beside it,
    so this is read from the whole message.

    Attributes:
        status: 1 done, 2 a dry run passed.
        counterparty: the agent's name (withdraw) or the client's (transfer), when given.
        transaction_id: the transaction, when money moved.
        raw: the message without its envelope.
    """

    status: int
    counterparty: str | None
    transaction_id: int | None
    raw: Mapping[str, Any] = _raw()

    @property
    def dry_run(self) -> bool:
        """The server checked the move and moved nothing."""
        return self.status == 2

    @classmethod
    def from_message(cls, call: str, message: Mapping[str, Any]) -> PaymentAgentMove:
        answer = {key: value for key, value in message.items() if key not in _ENVELOPE}
        return cls(
            status=_int("PaymentAgentMove", answer, call),
            counterparty=_str(answer, "paymentagent_name") or _str(answer, "client_to_full_name"),
            transaction_id=_int("PaymentAgentMove", answer, "transaction_id", optional=True),
            raw=answer,
        )


def epoch_from_payload(data: Any) -> int:
    """Parse a ``time`` answer: the server's epoch, in seconds."""
    if type(data) is not int:
        raise PayloadError(f"time: expected integer, got {data!r}")
    return data


def candles_from_payload(
    data: Any, *, symbol: str = "", granularity: int = 0
) -> tuple[Candle, ...]:
    """Parse a ``candles`` list (whose entries name neither the symbol nor the granularity:
    pass them from the request)."""
    if not isinstance(data, list):
        raise PayloadError(f"candles: expected a list, got {type(data).__name__}")
    return tuple(Candle.from_payload(item, symbol=symbol, granularity=granularity) for item in data)


def candles_of_message(message: Mapping[str, Any]) -> tuple[Candle, ...]:
    """Parse the ``candles`` of a whole ``ticks_history`` answer, naming the symbol and the
    granularity its request asked for (Deriv's default granularity is 60)."""
    echo = message.get("echo_req")
    echo = echo if isinstance(echo, Mapping) else {}
    symbol = echo.get("ticks_history")
    granularity = echo.get("granularity", 60)
    return candles_from_payload(
        message.get("candles"),
        symbol=symbol if isinstance(symbol, str) else "",
        granularity=granularity if type(granularity) is int else 60,
    )


@attrs.frozen
class CandleUpdate:
    """One message of the ``ohlc`` stream: the server's forming bar, and when it last moved.

    Attributes:
        candle: the bar (named symbol and granularity, as the message says).
        epoch: epoch of the latest tick in the bar (the message's ``epoch``; the bar's own
            start is ``candle.epoch``, the message's ``open_time``).
    """

    candle: Candle
    epoch: int

    @classmethod
    def from_payload(cls, data: Any) -> CandleUpdate:
        """Build from an ``ohlc`` payload (its prices are strings, as the server sends them)."""
        data = _mapping("CandleUpdate", data)
        return cls(candle=Candle.from_payload(data), epoch=_int("CandleUpdate", data, "epoch"))


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


class BoughtRecord(Protocol):
    """What the server says of a bought contract: a buy's answer, or a line of its records."""

    @property
    def contract_id(self) -> int: ...
    @property
    def transaction_id(self) -> int: ...
    @property
    def buy_price(self) -> float: ...
    @property
    def payout(self) -> float | None: ...
    @property
    def purchase_time(self) -> int: ...


@attrs.frozen
class BuyOutcome:
    """The one outcome of one buy that was attempted.

    Attributes:
        intent_id: the client-side id (also sent in ``passthrough``).
        bought: whether the contract exists on the account.
        contract_id: set when bought.
        transaction_id: the buy transaction, when bought.
        buy_price: what was paid, when bought.
        payout: what the contract pays if won, when bought (from the answer or the
            account's records).
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
    payout: float | None = None
    purchase_time: int | None = None
    receipt: BuyReceipt | None = None
    reconciled: bool = False
    error: APIError | None = None
    detail: str = ""

    @classmethod
    def bought_as(
        cls,
        intent_id: str,
        record: BoughtRecord,
        *,
        detail: str,
        receipt: BuyReceipt | None = None,
        reconciled: bool = False,
    ) -> BuyOutcome:
        """A ``bought`` outcome whose contract fields all come from the server's ``record``."""
        return cls(
            intent_id,
            bought=True,
            contract_id=record.contract_id,
            transaction_id=record.transaction_id,
            buy_price=record.buy_price,
            payout=record.payout,
            purchase_time=record.purchase_time,
            receipt=receipt,
            reconciled=reconciled,
            detail=detail,
        )


@attrs.frozen
class OrderOutcome:
    """The one outcome of one order on an open contract: ``sell``, ``contract_update`` or
    ``cancel``.

    Attributes:
        kind: ``"sell"``, ``"update"`` (``contract_update``) or ``"cancel"``.
        contract_id: the contract.
        done: whether the server carried the order out (sold, updated, cancelled).
        sold_for: what a sale or cancellation credited, when done.
        receipt: the ``sell``/``cancel`` answer, when it arrived (both have one shape).
        limits: the ``contract_update`` answer, when it arrived.
        contract: the contract's state as the decision after a lost answer found it.
        reconciled: the answer was lost and this outcome comes from the contract's state.
        error: the server's refusal, when it refused.
        detail: a sentence for the journal and the logs.
    """

    kind: OrderKind
    contract_id: int
    done: bool
    sold_for: float | None = None
    receipt: SellReceipt | None = None
    limits: ContractUpdateReceipt | None = None
    contract: OpenContract | None = None
    reconciled: bool = False
    error: APIError | None = None
    detail: str = ""

    @property
    def sold(self) -> bool:
        """A sell that closed the contract."""
        return self.done and self.kind == "sell"
