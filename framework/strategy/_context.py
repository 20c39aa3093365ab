"""The one implementation of :class:`StrategyContext` (a host internal, not plugin API).

The live runtime, the backtest engine and the tests differ only in their :class:`Venue`:
the few facts about the account (tick clock, balance, currency) and where accepted intents
go. Everything else (filling in contract terms, stake sizing, the risk gate, intent ids)
lives here once, so a strategy trades exactly the same way in all three. The host
(:mod:`framework.strategy._host`) assembles one context per strategy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from types import EllipsisType, MappingProxyType
from typing import Any, Protocol

from framework.deriv.models import Candle, Tick
from framework.errors import TriobotError
from framework.market.contracts import CONTRACT_TYPES, OPEN_ENDED, validate
from framework.market.errors import MarketError
from framework.market.money import round_money
from framework.market.symbols import SYMBOLS
from framework.risk import RiskGate, RiskSnapshot
from framework.sizing import Sizer

from ._history import HistoryError, StrategyHistory
from .base import AccountFacts
from .events import (
    ClosedContract,
    ContractOrder,
    ContractRef,
    ContractTemplate,
    ContractUpdate,
    OrderFailed,
    OrderKind,
    TradeIntent,
)
from .state import StateStore

__all__ = [
    "PAUSED",
    "Context",
    "IntentError",
    "Venue",
    "check_intent",
    "contract_label",
    "expires",
]

#: The refusal a paused strategy's ``buy`` counts (in ``refusals``, beside the risk limits).
PAUSED = "paused"


# Also a ValueError: a strategy handed in a bad contract, and plugin code written against the
# public surface may catch it as one.
class IntentError(TriobotError, ValueError):
    """A strategy asked for a contract that cannot exist (bad type, duration, barrier...)."""


class Venue(AccountFacts, Protocol):
    """What a context needs from whoever executes trades (runtime, backtest, tests): the
    account's ``now``, ``balance`` and ``currency``, and the two below."""

    @property
    def open_contracts(self) -> int:
        """Contracts open on the account, all strategies and recovered ones included."""
        ...

    def submit(self, intent: TradeIntent) -> None:
        """Take an intent the risk gate allowed; it must not block."""
        ...

    def order(self, order: ContractOrder) -> None:
        """Take a sell, update or cancel order for an open contract; it must not block."""
        ...


class Context:
    """A strategy's context over a :class:`Venue`.

    Attributes:
        refusals: how many intents the risk gate refused, by limit.
        submitted: how many intents went to the venue.
    """

    def __init__(
        self,
        *,
        name: str,
        params: Any,
        symbols: tuple[str, ...],
        contract: ContractTemplate,
        sizer: Sizer,
        gate: RiskGate,
        venue: Venue,
        state: StateStore,
        log: Any,
        first_seq: int = 0,
        history: StrategyHistory | None = None,
    ) -> None:
        """Create a context.

        Args:
            name: the strategy's configured name (prefix of its intent ids).
            params: its validated parameters.
            symbols: its symbols (the first is the default of ``buy``).
            contract: its default contract terms.
            sizer: its stake sizing state machine.
            gate: the bot-wide risk gate.
            venue: where allowed intents go.
            state: its persistent store.
            log: a structlog logger (bound to ``strategy=name`` here).
            first_seq: the last intent sequence number already used (the runtime passes
                the journal's, so ids stay unique across restarts).
            history: its view of the run's market history (none: it declared nothing).
        """
        if not symbols:
            raise ValueError("a strategy needs at least one symbol")
        self._name = name
        self._params = params
        self._symbols = symbols
        self._contract = contract
        # The open-ended and two-barrier terms, as the template gives them: most buys take
        # them all from it, and then the terms and the validation key are this one tuple.
        self._template_terms = (
            contract.multiplier, contract.growth_rate, contract.take_profit,
            contract.stop_loss, contract.cancellation, contract.selected_tick,
        )  # fmt: skip
        self._sizer = sizer
        self._gate = gate
        self._venue = venue
        self._state = state
        self._log = log.bind(strategy=name) if hasattr(log, "bind") else log
        self._seq = first_seq
        self._open: dict[str, TradeIntent] = {}
        self._open_view = MappingProxyType(self._open)
        self._valid: set[tuple[Any, ...]] = set()
        # The contracts of this strategy the host told it about (updates, closes): an order
        # names one by its update, its intent or its id.
        self._intent_of: dict[int, str] = {}
        self._contract_of: dict[str, int] = {}
        self._orders: dict[int, int] = {}
        self._closing: dict[int, str] = {}
        self._order_counts: dict[str, int] = {}
        self._order_refusals: dict[str, int] = {}
        self._order_failures: dict[str, int] = {}
        self._history = history
        self.refusals: dict[str, int] = {}
        self.submitted = 0
        #: Paused by a person (the control API): ``buy`` refuses (:data:`PAUSED`), orders on
        #: open contracts still go, and the strategy still sees every event.
        self.paused = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def params(self) -> Any:
        return self._params

    @property
    def symbols(self) -> tuple[str, ...]:
        return self._symbols

    @property
    def contract(self) -> ContractTemplate:
        return self._contract

    @property
    def now(self) -> int:
        return self._venue.now

    @property
    def balance(self) -> float:
        return self._venue.balance

    @property
    def currency(self) -> str:
        return self._venue.currency

    @property
    def open_contracts(self) -> Mapping[str, TradeIntent]:
        return self._open_view

    @property
    def log(self) -> Any:
        return self._log

    @property
    def state(self) -> StateStore:
        return self._state

    # -- market history (StrategyContext's accessors) ----------------------------------------

    def _view(self) -> StrategyHistory:
        if self._history is None:
            raise IntentError(f"strategy {self._name!r} has no market history to read")
        return self._history

    def candles(self, granularity: int, symbol: str | None = None) -> Sequence[Candle]:
        try:
            return self._view().candles(granularity, symbol)
        except HistoryError as exc:
            raise IntentError(str(exc)) from None

    def forming(self, granularity: int, symbol: str | None = None) -> Candle | None:
        try:
            return self._view().forming(granularity, symbol)
        except HistoryError as exc:
            raise IntentError(str(exc)) from None

    def ticks(self, symbol: str | None = None) -> Sequence[Tick]:
        try:
            return self._view().ticks(symbol)
        except HistoryError as exc:
            raise IntentError(str(exc)) from None

    def indicator(
        self,
        indicator: Any,
        *,
        granularity: int | None = None,
        symbol: str | None = None,
        input: str = "close",
    ) -> Any:
        try:
            return self._view().indicator(
                indicator, granularity=granularity, symbol=symbol, input=input
            )
        except (HistoryError, ValueError) as exc:
            raise IntentError(str(exc)) from None

    @property
    def history(self) -> StrategyHistory | None:
        """The strategy's view of the market history (the host's)."""
        return self._history

    @property
    def sizer(self) -> Sizer:
        """The strategy's stake sizing state machine."""
        return self._sizer

    @property
    def seq(self) -> int:
        """The last intent sequence number used."""
        return self._seq

    @property
    def order_counts(self) -> dict[str, int]:
        """Orders given to the venue, by kind (``sell``, ``update``, ``cancel``)."""
        return self._order_counts

    @property
    def order_refusals(self) -> dict[str, int]:
        """Orders the context refused before they reached the venue, by reason."""
        return self._order_refusals

    @property
    def order_failures(self) -> dict[str, int]:
        """Orders the venue could not carry out, by error code."""
        return self._order_failures

    def buy(
        self,
        contract_type: str | None = None,
        *,
        duration: int | None = None,
        duration_unit: str | None = None,
        barrier: str | int | float | None = None,
        symbol: str | None = None,
        stake: float | None = None,
        basis: str | None = None,
        barrier2: str | int | float | None = None,
        multiplier: float | None = None,
        growth_rate: float | None = None,
        take_profit: float | None = None,
        stop_loss: float | None = None,
        cancellation: str | None = None,
        selected_tick: int | None = None,
    ) -> TradeIntent | None:
        """See :meth:`StrategyContext.buy`."""
        if self.paused:
            self.refusals[PAUSED] = self.refusals.get(PAUSED, 0) + 1
            return None
        t = self._contract
        ctype = contract_type if contract_type is not None else t.type
        if ctype is None:
            raise IntentError(
                f"strategy {self._name!r}: buy() needs a contract type (none is configured)"
            )
        sym = symbol if symbol is not None else self._symbols[0]
        if sym not in self._symbols:
            raise IntentError(
                f"strategy {self._name!r}: symbol {sym!r} is not one of its configured "
                f"symbols {list(self._symbols)}"
            )
        barrier_text = t.barrier if barrier is None else _barrier_text(barrier)
        barrier2_text = t.barrier2 if barrier2 is None else _barrier_text(barrier2)
        basis_ = basis if basis is not None else t.basis
        if stake is None:
            amount = self._gate.cap_stake(self._sizer.next_stake())
        else:
            amount = round_money(stake)
        if duration is None and duration_unit is None and not expires(ctype):
            # The template's duration is for the types that expire; the others send none.
            length, unit = None, None
        else:
            length = duration if duration is not None else t.duration
            unit = duration_unit if duration_unit is not None else t.duration_unit
        if (
            multiplier is None and growth_rate is None and take_profit is None
            and stop_loss is None and cancellation is None and selected_tick is None
        ):  # fmt: skip
            terms = self._template_terms
        else:
            terms = (
                multiplier if multiplier is not None else t.multiplier,
                growth_rate if growth_rate is not None else t.growth_rate,
                take_profit if take_profit is not None else t.take_profit,
                stop_loss if stop_loss is not None else t.stop_loss,
                cancellation if cancellation is not None else t.cancellation,
                selected_tick if selected_tick is not None else t.selected_tick,
            )
        venue = self._venue
        # Positional: TradeIntent's field order (a ctx.buy per tick is a hot path).
        intent = TradeIntent(
            f"{self._name}-{self._seq + 1}", self._name, sym, ctype, length, unit,
            barrier_text, amount, basis_, venue.currency, venue.now, barrier2_text,  # type: ignore[arg-type]
            *terms,
        )  # fmt: skip
        # Validating a contract costs microseconds; a strategy repeats a handful of distinct
        # contracts, so each distinct one (amount included) is validated once.
        key = intent.contract_key()
        if key not in self._valid:
            check_intent(intent)
            if len(self._valid) >= 4096:
                self._valid.clear()
            self._valid.add(key)
        decision = self._gate.check(
            intent, RiskSnapshot(venue.now, venue.balance, venue.open_contracts)
        )
        if not decision.allowed:
            limit = decision.limit or "risk"
            count = self.refusals.get(limit, 0)
            self.refusals[limit] = count + 1
            if count == 0:  # once per limit; the status line carries the counts
                self._log.warning("trade refused", limit=limit, reason=decision.reason)
            return None
        self._seq += 1
        self._open[intent.intent_id] = intent
        self.submitted += 1
        venue.submit(intent)
        return intent

    # -- orders on open contracts ----------------------------------------------------------

    def sell(self, contract: ContractRef, min_price: float | None = None) -> ContractOrder | None:
        """See :meth:`StrategyContext.sell`."""
        if min_price is not None and not (min_price >= 0 and math.isfinite(min_price)):
            raise IntentError(
                f"strategy {self._name!r}: sell() min_price must be a number >= 0, "
                f"got {min_price!r}"
            )
        return self._order("sell", contract, min_price=min_price)

    def update(
        self,
        contract: ContractRef,
        *,
        take_profit: float | EllipsisType | None = ...,
        stop_loss: float | EllipsisType | None = ...,
    ) -> ContractOrder | None:
        """See :meth:`StrategyContext.update`."""
        changes: dict[str, Any] = {}
        for key, value in (("take_profit", take_profit), ("stop_loss", stop_loss)):
            if value is ...:
                continue
            if value is not None and not (
                isinstance(value, int | float) and value > 0 and math.isfinite(value)
            ):
                raise IntentError(
                    f"strategy {self._name!r}: update() {key} must be an amount > 0 or None "
                    f"(to remove it), got {value!r}"
                )
            changes[key] = None if value is None else round_money(float(value))
            changes[f"set_{key}"] = True
        if not changes:
            raise IntentError(
                f"strategy {self._name!r}: update() needs take_profit or stop_loss (None "
                "removes one)"
            )
        return self._order("update", contract, **changes)

    def cancel(self, contract: ContractRef) -> ContractOrder | None:
        """See :meth:`StrategyContext.cancel`."""
        return self._order("cancel", contract)

    def _order(self, kind: OrderKind, contract: ContractRef, **terms: Any) -> ContractOrder | None:
        if isinstance(contract, ContractUpdate):
            contract_id: int | None = contract.contract_id
            intent_id = self._intent_of.get(contract.contract_id)
        elif isinstance(contract, TradeIntent):
            intent_id = contract.intent_id
            contract_id = self._contract_of.get(intent_id)
        else:
            contract_id = contract
            intent_id = self._intent_of.get(contract)
        if contract_id is None or intent_id is None:
            if intent_id is not None and intent_id in self._open:
                self._refuse(kind, "not_bought", f"{intent_id} is not bought yet")
            else:
                self._refuse(kind, "not_open", f"{contract!r} is not an open contract of ours")
            return None
        if contract_id in self._closing:
            self._refuse(
                kind, "closing", f"contract {contract_id} is being {self._closing[contract_id]}"
            )
            return None
        n = self._orders.get(contract_id, 0) + 1
        self._orders[contract_id] = n
        order = ContractOrder(
            order_id=f"{intent_id}/{kind}-{n}",
            kind=kind,
            strategy=self._name,
            intent_id=intent_id,
            contract_id=contract_id,
            created_epoch=self._venue.now,
            **terms,
        )
        if kind != "update":
            # A second sale or cancellation of the same contract could only fail; the
            # venue's answer (the close, or on_order_failed) ends the wait.
            self._closing[contract_id] = "sold" if kind == "sell" else "cancelled"
        self._order_counts[kind] = self._order_counts.get(kind, 0) + 1
        self._venue.order(order)
        return order

    def _refuse(self, kind: str, reason: str, detail: str) -> None:
        count = self._order_refusals.get(reason, 0)
        self._order_refusals[reason] = count + 1
        if count == 0:  # once per reason, like the risk gate's refusals
            self._log.warning("order refused", kind=kind, reason=reason, detail=detail)

    # -- bookkeeping (the host calls these) ------------------------------------------------

    def _opened(self, intent_id: str, contract_id: int) -> bool:
        """Learn that ``contract_id`` is this strategy's (bought for ``intent_id``).

        Returns:
            True the first time the contract is seen.
        """
        if contract_id in self._intent_of:
            return False
        self._intent_of[contract_id] = intent_id
        self._contract_of[intent_id] = contract_id
        return True

    def _order_failed(self, failure: OrderFailed) -> None:
        order = failure.order
        self._closing.pop(order.contract_id, None)
        count = self._order_failures.get(failure.code, 0)
        self._order_failures[failure.code] = count + 1
        if count == 0:  # once per code; the summary carries the counts
            self._log.warning(
                "order failed",
                kind=order.kind,
                contract_id=order.contract_id,
                code=failure.code,
                reason=failure.message,
            )

    def _closed(self, result: ClosedContract) -> None:
        self._open.pop(result.intent_id, None)
        contract_id = self._contract_of.pop(result.intent_id, None)
        if contract_id is not None:
            del self._intent_of[contract_id]
            self._orders.pop(contract_id, None)
            self._closing.pop(contract_id, None)

    def _rejected(self, intent: TradeIntent) -> None:
        self._open.pop(intent.intent_id, None)


def expires(contract_type: str) -> bool:
    """Whether a contract type expires (every type but Multipliers and Accumulators)."""
    return contract_type not in OPEN_ENDED


def _barrier_text(barrier: str | int | float) -> str:
    if isinstance(barrier, str):
        return barrier
    return f"{barrier:+g}" if isinstance(barrier, float) else str(barrier)


def check_intent(intent: TradeIntent) -> None:
    """Validate an intent's contract with the market model.

    Symbols the local market model does not know (a real Deriv account trades many more)
    are checked for the contract type and basis only; the server has the last word.

    Args:
        intent: the intent.

    Raises:
        IntentError: with the market model's message.
    """
    if intent.basis not in ("stake", "payout"):
        raise IntentError(f"{intent.intent_id}: basis must be 'stake' or 'payout'")
    if intent.symbol not in SYMBOLS:
        if intent.contract_type not in CONTRACT_TYPES:
            raise IntentError(f"{intent.intent_id}: unknown contract type {intent.contract_type!r}")
        return
    try:
        validate(intent.to_contract_spec())
    except MarketError as exc:
        raise IntentError(f"{intent.intent_id}: {contract_label(intent)}: {exc.message}") from None


def contract_label(contract: TradeIntent | ContractTemplate, symbol: str | None = None) -> str:
    """Name a contract in a message: ``"CALL 5t on R_100"``, ``"MULTUP x100 on R_100"``.

    Args:
        contract: an intent, or a template (with ``symbol``).
        symbol: the symbol of a template.

    Returns:
        The type, the duration (when it has one) or its multiplier / growth rate, the symbol.
    """
    if isinstance(contract, TradeIntent):
        ctype, symbol = contract.contract_type, contract.symbol
    else:
        ctype = contract.type or "?"
    parts = [ctype]
    if contract.duration is not None and expires(ctype):
        parts.append(f"{contract.duration}{contract.duration_unit}")
    if contract.multiplier is not None:
        parts.append(f"x{contract.multiplier:g}")
    if contract.growth_rate is not None:
        parts.append(f"growth {contract.growth_rate:g}")
    return " ".join(parts) + (f" on {symbol}" if symbol else "")
