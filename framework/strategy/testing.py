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

Orders (``ctx.sell``, ``update``, ``cancel``) are recorded in :attr:`MemoryVenue.orders`; a
contract is the strategy's once an update of it reached the host
(``host.contract_update(venue.update(intent, bid_price=...))``), as live; the test then
answers an order with :meth:`MemoryVenue.sold` or :meth:`MemoryVenue.cancelled` (a result
for ``host.contract_closed``) or :meth:`MemoryVenue.failed` (for ``host.order_failed``).
"""

from __future__ import annotations

from typing import Any

from framework.market.settlement import EndReason
from framework.risk import RiskGate, RiskLimits
from framework.sizing import Fixed, StakeConfig

from ._host import Slot, StrategyHost, StrategySetup
from .base import Strategy
from .events import (
    ClosedContract,
    ContractOrder,
    ContractTemplate,
    ContractUpdate,
    OrderFailed,
    TradeIntent,
)
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
        contract_ids: the contract id of each submitted intent (numbered from 1).
    """

    def __init__(self, *, balance: float = 1000.0, currency: str = "USD", now: int = 0) -> None:
        self.now = now
        self.balance = balance
        self.currency = currency
        self.intents: list[TradeIntent] = []
        self.open: dict[str, TradeIntent] = {}
        self.orders: list[ContractOrder] = []
        self.contract_ids: dict[str, int] = {}

    @property
    def open_contracts(self) -> int:
        return len(self.open)

    def submit(self, intent: TradeIntent) -> None:
        self.intents.append(intent)
        self.open[intent.intent_id] = intent
        self.contract_ids[intent.intent_id] = len(self.contract_ids) + 1
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
        payout = round(intent.amount * payout_ratio, 2)
        sell = payout if won else 0.0
        return self._close(intent, payout, sell, "won" if won else "lost", "expired")

    def update(self, intent: TradeIntent, **state: Any) -> ContractUpdate:
        """Describe an open contract as the runtime would (stake basis, payout 1.95x).

        Args:
            intent: a submitted intent.
            **state: :class:`ContractUpdate` fields to set (``bid_price``, ``profit``,
                ``is_valid_to_sell``, ``take_profit``...); ``profit`` defaults to
                ``bid_price`` minus the stake.

        Returns:
            The update to hand to the host's ``contract_update``.
        """
        bid = state.pop("bid_price", None)
        fields: dict[str, Any] = {
            "intent_id": intent.intent_id,
            "strategy": intent.strategy,
            "contract_id": self.contract_ids[intent.intent_id],
            "symbol": intent.symbol,
            "contract_type": intent.contract_type,
            "buy_price": intent.amount,
            "payout": round(intent.amount * 1.95, 2),
            "bid_price": bid,
            "profit": None if bid is None else round(bid - intent.amount, 2),
            "spot_epoch": self.now,
            "spot": None,
            "entry_epoch": intent.created_epoch + 1,
            "entry_quote": None,
            "is_valid_to_sell": bid is not None,
        }
        fields.update(state)
        return ContractUpdate(**fields)

    def sold(self, order: ContractOrder, price: float) -> ClosedContract:
        """Carry out a sale order at ``price``.

        Returns:
            The result to hand to the host's ``contract_closed`` (``end == "sold"``).
        """
        intent = self.open[order.intent_id]
        return self._close(intent, round(intent.amount * 1.95, 2), price, "sold", "sold")

    def cancelled(self, order: ContractOrder) -> ClosedContract:
        """Carry out a cancel order: the stake comes back.

        Returns:
            The result to hand to the host's ``contract_closed`` (``end == "cancelled"``).
        """
        intent = self.open[order.intent_id]
        payout = round(intent.amount * 1.95, 2)
        return self._close(intent, payout, intent.amount, "cancelled", "cancelled")

    def failed(self, order: ContractOrder, code: str, message: str) -> OrderFailed:
        """Refuse an order as the market would.

        Returns:
            The failure to hand to the host's ``order_failed``.
        """
        return OrderFailed(order, code, message, self.now)

    def _close(
        self, intent: TradeIntent, payout: float, sell: float, status: Any, end: EndReason
    ) -> ClosedContract:
        del self.open[intent.intent_id]
        self.balance = round(self.balance + sell, 2)
        profit = round(sell - intent.amount, 2)
        return ClosedContract(
            intent_id=intent.intent_id,
            strategy=intent.strategy,
            contract_id=self.contract_ids[intent.intent_id],
            symbol=intent.symbol,
            contract_type=intent.contract_type,
            currency=intent.currency,
            buy_price=intent.amount,
            payout=payout,
            sell_price=sell,
            profit=profit,
            won=profit > 0,
            status=status,
            entry_epoch=intent.created_epoch + 1,
            entry_quote=None,
            exit_epoch=self.now,
            exit_quote=None,
            purchase_time=intent.created_epoch,
            sell_time=self.now,
            end=end,
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
