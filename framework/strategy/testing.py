"""An in-memory venue for testing strategies without a runtime or a backtest engine.

:class:`MemoryVenue` records the intents it is given and lets a test settle them by hand;
:func:`make_host` wires a strategy class with it, a risk gate and a sizing scheme, through
the same host assembly the live runtime and the replay engine use (both are importable from
:mod:`framework.strategy`)::

    venue = MemoryVenue(balance=1000)
    host = make_host(TickMomentum, TickMomentum.Params(ticks=3), venue, symbols=("R_100",))
    host.start()
    for tick in ticks:
        venue.now = tick.epoch
        host.tick(tick)
    assert [i.contract_type for i in venue.intents] == ["CALL"]
"""

from __future__ import annotations

from typing import Any

from framework.risk import RiskGate, RiskLimits
from framework.sizing import Fixed, StakeConfig

from ._host import Slot, StrategyHost, StrategySetup
from .base import Strategy
from .events import ClosedContract, ContractOrder, ContractTemplate, TradeIntent
from .state import MemoryStateStore, StateStore

__all__ = ["MemoryVenue", "make_host"]


class MemoryVenue:
    """A venue (what a strategy's context trades through) that keeps everything in lists.

    Attributes:
        now: tick time (set it before delivering each tick).
        balance: the balance (debited on submit, credited on :meth:`settle`).
        currency: the account currency.
        intents: every intent submitted, in order.
        open: intents submitted and not settled, by id.
        orders: every sell, update and cancel order given, in order.
    """

    def __init__(self, *, balance: float = 1000.0, currency: str = "USD", now: int = 0) -> None:
        self.now = now
        self.balance = balance
        self.currency = currency
        self.intents: list[TradeIntent] = []
        self.open: dict[str, TradeIntent] = {}
        self.orders: list[ContractOrder] = []
        self._next_contract = 1

    @property
    def open_contracts(self) -> int:
        return len(self.open)

    def submit(self, intent: TradeIntent) -> None:
        self.intents.append(intent)
        self.open[intent.intent_id] = intent
        self.balance = round(self.balance - intent.amount, 2)

    def order(self, order: ContractOrder) -> None:
        self.orders.append(order)

    def settle(
        self, intent: TradeIntent, *, won: bool, payout_ratio: float = 1.95
    ) -> ClosedContract:
        """Settle an open intent as a win or a loss (stake basis).

        Args:
            intent: a submitted intent.
            won: the outcome.
            payout_ratio: payout per unit staked.

        Returns:
            The result to hand to the host's ``contract_closed``.
        """
        del self.open[intent.intent_id]
        payout = round(intent.amount * payout_ratio, 2)
        sell = payout if won else 0.0
        self.balance = round(self.balance + sell, 2)
        contract_id = self._next_contract
        self._next_contract += 1
        return ClosedContract(
            intent_id=intent.intent_id,
            strategy=intent.strategy,
            contract_id=contract_id,
            symbol=intent.symbol,
            contract_type=intent.contract_type,
            currency=intent.currency,
            buy_price=intent.amount,
            payout=payout,
            sell_price=sell,
            profit=round(sell - intent.amount, 2),
            won=won,
            status="won" if won else "lost",
            entry_epoch=intent.created_epoch + 1,
            entry_quote=None,
            exit_epoch=self.now,
            exit_quote=None,
            purchase_time=intent.created_epoch,
            sell_time=self.now,
        )


def make_host(
    cls: type[Strategy[Any]],
    params: Any,
    venue: MemoryVenue,
    *,
    name: str = "test",
    symbols: tuple[str, ...] = ("R_100",),
    contract: ContractTemplate | None = None,
    stake: StakeConfig | None = None,
    gate: RiskGate | None = None,
    state: StateStore | None = None,
) -> Slot:
    """Wire a strategy with an in-memory venue.

    The returned slot calls the hooks directly and lets their exceptions through (no
    ``on_error`` policy), so a test sees a strategy's error as itself.

    Args:
        cls: the strategy class.
        params: its parameters.
        venue: the venue.
        name: the strategy's name.
        symbols: its symbols.
        contract: default contract terms (5 ticks, stake basis).
        stake: sizing scheme (fixed 1.00).
        gate: risk gate (no limits).
        state: state store (in memory).

    Returns:
        The strategy's slot: ``start()``, ``tick(tick)``, ``contract_closed(result)``,
        ``stop()``..., with ``ctx`` and ``strategy`` (call ``start()`` first).
    """
    gate = gate if gate is not None else RiskGate(RiskLimits())
    setup = StrategySetup(
        name=name,
        cls=cls,
        params=params,
        symbols=symbols,
        contract=contract if contract is not None else ContractTemplate(),
        stake=stake if stake is not None else Fixed(1.0),
    )
    host = StrategyHost(gate)
    return host.add(setup, venue=venue, state=state if state is not None else MemoryStateStore())
