"""Testing strategies without a runtime or a backtest engine: an in-memory venue and a host.

:class:`MemoryVenue` records the intents it is given and lets a test settle them by hand;
:func:`make_host` wires a strategy class with it, a risk gate and a sizing scheme, in the
same :class:`~framework.strategy._host.StrategyHost` the live runtime and the replay engine
run strategies in (both are importable from :mod:`framework.strategy`)::

    venue = MemoryVenue(balance=1000)
    host = make_host(TickMomentum, TickMomentum.Params(ticks=3), venue, symbols=("R_100",))
    host.start()
    for tick in ticks:
        venue.now = tick.epoch
        host.tick(tick)
    assert [i.contract_type for i in venue.intents] == ["CALL"]

Ticks go through the host as they do live and in a replay, so a candle strategy gets its
bars too: the bars a tick closes (``on_candle``, indicators attached with ``ctx.indicator``
fed first), then the tick, then the forming bars it asked for. Its declared history is
filled by :meth:`HostedStrategy.warm_up` (ticks, before ``start``: nothing is delivered) or
:meth:`HostedStrategy.bars` (closed bars, as the server's ``ticks_history`` gives them live:
the warm-up before ``start``, delivered as ``on_candle`` after it)::

    host = make_host(RsiBands, RsiBands.Params(), venue)
    host.warm_up(history)            # ticks before the start: bars and indicators only
    host.start()                     # on_start sees ctx.candles(60), warm indicators
    host.bars([bar1, bar2])          # closed 60-second bars: on_candle for each

A hook that raises reaches the test as itself (the host's ``on_error`` policy is not
applied), and the strategy keeps receiving events afterwards.

Orders (``ctx.sell``, ``update``, ``cancel``) are recorded in :attr:`MemoryVenue.orders`; a
contract is the strategy's once an update of it reached the host
(``host.contract_update(venue.update(intent, bid_price=...))``), as live; the test then
answers an order with :meth:`MemoryVenue.sold` or :meth:`MemoryVenue.cancelled` (a result
for ``host.contract_closed``) or :meth:`MemoryVenue.failed` (for ``host.order_failed``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from itertools import groupby
from typing import Any

from framework.deriv.models import Candle, Tick, Transaction
from framework.market.settlement import EndReason
from framework.risk import RiskGate, RiskLimits
from framework.sizing import Fixed, StakeConfig

from ._context import Context
from ._host import Slot, SlotState, StrategyFailed, StrategyHost, StrategySetup
from .base import Strategy
from .events import (
    ClosedContract,
    ContractOrder,
    ContractTemplate,
    ContractUpdate,
    OrderFailed,
    TradeIntent,
)
from .series import CandleSeries
from .state import MemoryStateStore, StateStore

__all__ = ["HostedStrategy", "MemoryVenue", "make_host"]


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


class HostedStrategy:
    """One strategy in a :class:`~framework.strategy._host.StrategyHost` of its own, for a
    test (what :func:`make_host` returns).

    Market data goes through the host, as live and in a replay; the contract events go to
    the strategy's slot directly. Either way an exception of a hook reaches the caller as
    itself.

    Attributes:
        host: the host (its ``book`` holds the candle series and ticks kept).
        slot: the strategy's slot.
    """

    __slots__ = ("host", "slot")

    def __init__(self, host: StrategyHost, slot: Slot) -> None:
        self.host = host
        self.slot = slot

    @property
    def ctx(self) -> Context:
        """The strategy's context (kept across restarts)."""
        return self.slot.ctx

    @property
    def strategy(self) -> Strategy[Any]:
        """The current strategy instance."""
        return self.slot.strategy

    @property
    def state(self) -> SlotState:
        """The slot's state (``created``, ``running``...)."""
        return self.slot.state

    @property
    def restarts(self) -> int:
        """Restarts so far."""
        return self.slot.restarts

    def _through_host(self, deliver: Callable[..., Any], *args: Any) -> Any:
        try:
            return deliver(*args)
        except StrategyFailed as failure:
            cause = failure.__cause__
            assert cause is not None, "the host chains the hook's exception"
            # The host stopped the strategy (its on_error is raise); a test goes on with it,
            # as it would after calling the hook itself.
            self.slot.state = "running"
            self.host._rebuild()
            raise cause from None

    def start(self) -> None:
        """Run ``on_start`` (the declared history is what :meth:`warm_up` or :meth:`bars`
        gave so far)."""
        self._through_host(self.host.start_all)

    def warm_up(self, ticks: Iterable[Tick]) -> None:
        """Take ticks of history before :meth:`start`: they fill the declared tick
        look-back and candle series (a series never keeps its partial first bar); no hook
        runs."""
        for tick in ticks:
            self.host.warm_up(tick)

    def tick(self, tick: Tick) -> None:
        """Deliver one tick through the host: the bars it closed (``on_candle``), the tick
        (``on_tick``), then the forming bars asked for (``on_candle_update``).

        The first tick starts the strategy if the test did not (a strategy always sees
        ``on_start`` before its first tick).
        """
        if self.slot.state == "created":
            self.start()
        self._through_host(self.host.tick, tick)

    def bars(self, candles: Iterable[Candle]) -> int:
        """Give closed bars, oldest first, as the server's ``ticks_history`` does live (each
        names its ``symbol`` and ``granularity``): before :meth:`start` they are history,
        after it each new one is delivered as ``on_candle``. Bars not newer than the last
        one of their series are skipped, as live.

        Returns:
            How many bars were new.
        """
        new = 0
        for (symbol, granularity), group in groupby(
            candles, key=lambda c: (c.symbol, c.granularity)
        ):
            new += self._through_host(self.host.server_history, symbol, granularity, list(group))
        return new

    def transaction(self, tx: Transaction) -> None:
        """Deliver an account transaction (if the strategy wants them)."""
        self.slot.transaction(tx)

    def contract_update(self, update: ContractUpdate) -> None:
        """Deliver an update of an open contract (the contract becomes the strategy's)."""
        self.slot.contract_update(update)

    def contract_closed(self, result: ClosedContract) -> None:
        """Book a settled contract (gate, sizing, open set), then call the hook."""
        self.slot.contract_closed(result)

    def order_failed(self, failure: OrderFailed) -> None:
        """Book an order that failed, then call the hook."""
        self.slot.order_failed(failure)

    def intent_rejected(self, intent: TradeIntent) -> None:
        """Forget an intent no contract exists for."""
        self.slot.intent_rejected(intent)

    def stop(self) -> None:
        """Run ``on_stop`` and flush the state store."""
        self.slot.stop()

    def restart(self) -> None:
        """Replace the instance with a fresh one (the context is kept) and run its
        ``on_start``, as the host does after a failure."""
        self.slot.restart()
        self.host._rebuild()  # the new instance's hooks replace the old one's


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
    candles: tuple[CandleSeries, ...] = (),
    tick_history: int = 0,
) -> HostedStrategy:
    """Wire a strategy with an in-memory venue, in a host of its own.

    Exceptions of its hooks reach the test as themselves (no ``on_error`` policy), so a test
    sees a strategy's error as itself.

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
        candles: candle series added to those the class declares (as a config's
            ``candles:``).
        tick_history: ticks of look-back, if more than the class declares (as a config's
            ``tick_history:``).

    Returns:
        The hosted strategy: ``warm_up(ticks)``, ``start()``, ``tick(tick)``,
        ``bars(candles)``, ``contract_closed(result)``, ``stop()``..., with ``ctx`` and
        ``strategy`` (call ``start()`` first).

    Raises:
        StrategyFailed: the strategy's constructor or its history declaration raised.
    """
    gate = gate if gate is not None else RiskGate(RiskLimits())
    setup = StrategySetup(
        name=name,
        cls=cls,
        params=params,
        symbols=symbols,
        contract=contract if contract is not None else ContractTemplate(),
        stake=stake if stake is not None else Fixed(1.0),
        candles=candles,
        tick_history=tick_history,
    )
    host = StrategyHost(gate)
    slot = host.add(setup, venue=venue, state=state if state is not None else MemoryStateStore())
    return HostedStrategy(host, slot)
