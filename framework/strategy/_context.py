"""The one implementation of :class:`StrategyContext` (a host internal, not plugin API).

The live runtime, the backtest engine and the tests differ only in their :class:`Venue`:
the few facts about the account (tick clock, balance, currency) and where accepted intents
go. Everything else (filling in contract terms, stake sizing, the risk gate, intent ids)
lives here once, so a strategy trades exactly the same way in all three. The host
(:mod:`framework.strategy._host`) assembles one context per strategy.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol

from framework.errors import TriobotError
from framework.market.contracts import CONTRACT_TYPES, validate
from framework.market.errors import MarketError
from framework.market.money import round_money
from framework.market.symbols import SYMBOLS
from framework.risk import RiskGate, RiskSnapshot
from framework.sizing import Sizer

from .base import AccountFacts
from .events import ClosedContract, ContractOrder, ContractTemplate, TradeIntent
from .state import StateStore

__all__ = ["Context", "IntentError", "Venue", "check_intent"]


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
        """
        if not symbols:
            raise ValueError("a strategy needs at least one symbol")
        self._name = name
        self._params = params
        self._symbols = symbols
        self._contract = contract
        self._sizer = sizer
        self._gate = gate
        self._venue = venue
        self._state = state
        self._log = log.bind(strategy=name) if hasattr(log, "bind") else log
        self._seq = first_seq
        self._open: dict[str, TradeIntent] = {}
        self._open_view = MappingProxyType(self._open)
        self._valid: set[tuple[Any, ...]] = set()
        self.refusals: dict[str, int] = {}
        self.submitted = 0

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

    @property
    def sizer(self) -> Sizer:
        """The strategy's stake sizing state machine."""
        return self._sizer

    @property
    def seq(self) -> int:
        """The last intent sequence number used."""
        return self._seq

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
    ) -> TradeIntent | None:
        """See :meth:`StrategyContext.buy`."""
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
        if barrier is None:
            barrier_text = t.barrier
        elif isinstance(barrier, str):
            barrier_text = barrier
        else:
            barrier_text = f"{barrier:+g}" if isinstance(barrier, float) else str(barrier)
        basis_ = basis if basis is not None else t.basis
        if stake is None:
            amount = self._gate.cap_stake(self._sizer.next_stake())
        else:
            amount = round_money(stake)
        intent = TradeIntent(
            intent_id=f"{self._name}-{self._seq + 1}",
            strategy=self._name,
            symbol=sym,
            contract_type=ctype,
            duration=duration if duration is not None else t.duration,
            duration_unit=duration_unit if duration_unit is not None else t.duration_unit,
            barrier=barrier_text,
            amount=amount,
            basis=basis_,  # type: ignore[arg-type]
            currency=self._venue.currency,
            created_epoch=self._venue.now,
        )
        # Validating a contract costs microseconds; a strategy repeats a handful of distinct
        # contracts, so each distinct one (amount included) is validated once.
        key = (ctype, sym, intent.duration, intent.duration_unit, barrier_text, basis_, amount)
        if key not in self._valid:
            check_intent(intent)
            if len(self._valid) >= 4096:
                self._valid.clear()
            self._valid.add(key)
        venue = self._venue
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

    def _closed(self, result: ClosedContract) -> None:
        self._open.pop(result.intent_id, None)

    def _rejected(self, intent: TradeIntent) -> None:
        self._open.pop(intent.intent_id, None)


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
        raise IntentError(
            f"{intent.intent_id}: {intent.contract_type} {intent.duration}"
            f"{intent.duration_unit} on {intent.symbol}: {exc.message}"
        ) from None
