"""The strategy plugin API: :class:`Strategy` and what it sees, :class:`StrategyContext`.

A strategy is a class with synchronous hooks. It never awaits anything: the runtime (live)
and the backtest engine (replay) call its hooks in tick order and carry out what it asks for
through its context. That is what makes a backtest fast and identical to the live bot.

Writing one::

    @attrs.frozen
    class Params:
        window: int = attrs.field(default=10, validator=attrs.validators.ge(2))

    class MyStrategy(Strategy[Params]):
        Params = Params
        contract_types = ("CALL", "PUT")

        def on_tick(self, tick: Tick) -> None:
            if self.should_buy(tick):
                self.ctx.buy("CALL")  # duration, basis and stake come from the config

``Params`` is a frozen attrs class; its validators run when the config is loaded, and the
config loader reports their messages with the file and line of the bad value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import EllipsisType
from typing import Any, ClassVar, Generic, Protocol, TypeVar, runtime_checkable

import attrs

from framework.deriv.models import Candle, Tick, Transaction

from .events import (
    ClosedContract,
    ContractOrder,
    ContractRef,
    ContractTemplate,
    ContractUpdate,
    OrderFailed,
    TradeIntent,
)
from .series import CandleSeries
from .state import StateStore

__all__ = ["NoParams", "Strategy", "StrategyContext"]

P = TypeVar("P")


@attrs.frozen
class NoParams:
    """Parameters of a strategy that takes none."""


class AccountFacts(Protocol):
    """The account as a strategy sees it, and as a venue tells its context."""

    @property
    def now(self) -> int:
        """Epoch seconds of the latest tick (the tick clock, never the wall clock)."""
        ...

    @property
    def balance(self) -> float:
        """The account balance as last reported."""
        ...

    @property
    def currency(self) -> str:
        """The account currency."""
        ...


@runtime_checkable
class StrategyContext(AccountFacts, Protocol):
    """Everything a strategy may see and do (with ``now``, ``balance`` and ``currency``).

    The host implements it once, for the live runtime, the replay engine and the in-memory
    test venue alike.
    """

    @property
    def name(self) -> str:
        """The strategy's configured name."""
        ...

    @property
    def params(self) -> Any:
        """The strategy's validated parameters (an instance of its ``Params``)."""
        ...

    @property
    def symbols(self) -> tuple[str, ...]:
        """The symbols the strategy is configured for (ticks arrive for these only)."""
        ...

    @property
    def contract(self) -> ContractTemplate:
        """The configured default contract terms."""
        ...

    @property
    def open_contracts(self) -> Mapping[str, TradeIntent]:
        """This strategy's intents not closed yet (being bought or open), by intent id."""
        ...

    @property
    def log(self) -> Any:
        """A structlog logger bound to the strategy's name."""
        ...

    @property
    def state(self) -> StateStore:
        """The strategy's persistent key-value store."""
        ...

    def candles(self, granularity: int, symbol: str | None = None) -> Sequence[Candle]:
        """The last closed bars of a declared candle series, oldest first.

        Filled before the first hook (the declared ``history``), then one more per
        ``on_candle``; at most ``history`` (at least one) are kept.

        Args:
            granularity: the series' seconds per bar.
            symbol: the symbol; ``None`` when the strategy trades one symbol only.

        Raises:
            IntentError: the strategy declared no such series (or ``symbol`` is needed).
        """
        ...

    def forming(self, granularity: int, symbol: str | None = None) -> Candle | None:
        """The bar being formed in a declared series (``None`` before its first tick).

        Raises:
            IntentError: as :meth:`candles`.
        """
        ...

    def ticks(self, symbol: str | None = None) -> Sequence[Tick]:
        """The last ticks of a symbol, oldest first: as many as the declared
        ``tick_history`` (filled before the first hook), the latest one included.

        Raises:
            IntentError: the strategy declared no tick history (or ``symbol`` is needed).
        """
        ...

    def indicator(
        self,
        indicator: Any,
        *,
        granularity: int | None = None,
        symbol: str | None = None,
        input: str = "close",
    ) -> Any:
        """Attach a talipp indicator to a series; it is fed the history now, and every new
        value before the hook that reports it (see :mod:`framework.strategy.indicators`).

        Args:
            indicator: a talipp indicator, created without input values.
            granularity: the candle series (its closed bars); ``None``: the tick series
                (every quote of the symbol, whether or not ``tick_history`` is declared).
            symbol: the symbol; ``None`` when the strategy trades one symbol only.
            input: which number of a bar feeds an indicator on numbers (``close``,
                ``open``, ``high``, ``low``, ``hl2``, ``hlc3``, ``ohlc4``); indicators
                on bars (ATR, Stoch...) get the whole bar.

        Returns:
            ``indicator`` itself, for ``self.rsi = ctx.indicator(RSI(14), granularity=60)``.

        Raises:
            IntentError: no such series, or a bad ``input``.
        """
        ...

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
        """Ask for a trade.

        Every term left out comes from the strategy's ``contract:`` config; ``stake=None``
        uses its stake sizing scheme. Multipliers and Accumulators do not expire: unless
        ``duration`` is given, they are bought without one whatever the config says.

        Returns:
            The intent, or ``None`` when the risk gate refused it (logged with the limit).

        Raises:
            IntentError: the contract itself is invalid (a bug or a config mistake).
        """
        ...

    def sell(self, contract: ContractRef, min_price: float | None = None) -> ContractOrder | None:
        """Sell an open contract of this strategy before it ends.

        Args:
            contract: the contract, named by one of its updates, the intent it was bought
                for, or its contract id.
            min_price: the least the sale may return (Deriv's ``price``); ``None`` sells
                at market (at whatever the contract is worth now).

        Returns:
            The order, or ``None`` when it was refused here (logged once per reason and
            counted): the contract is not an open contract of this strategy, is not bought
            yet, or a sale or cancellation of it is already under way. The sale's result
            comes as ``on_contract_closed`` (``end == "sold"``) or ``on_order_failed``.

        Raises:
            IntentError: ``min_price`` is not a number >= 0.
        """
        ...

    def update(
        self,
        contract: ContractRef,
        *,
        take_profit: float | EllipsisType | None = ...,
        stop_loss: float | EllipsisType | None = ...,
    ) -> ContractOrder | None:
        """Change the take-profit and/or stop-loss of an open Multiplier (or Accumulator).

        Args:
            contract: the contract (see :meth:`sell`).
            take_profit: the new take-profit amount; ``None`` removes it; left out, it is
                kept.
            stop_loss: likewise for the stop-loss.

        Returns:
            The order, or ``None`` when refused here (see :meth:`sell`). The new terms show
            in the next ``on_contract_update``; a refusal by the market
            (``TakeProfitTooLow``...) comes as ``on_order_failed``.

        Raises:
            IntentError: neither is given, or an amount is not > 0.
        """
        ...

    def cancel(self, contract: ContractRef) -> ContractOrder | None:
        """Use a Multiplier's deal cancellation (within its window): the stake comes back.

        Args:
            contract: the contract (see :meth:`sell`).

        Returns:
            The order, or ``None`` when refused here (see :meth:`sell`). The result comes as
            ``on_contract_closed`` (``end == "cancelled"``) or ``on_order_failed``.
        """
        ...


class Strategy(Generic[P]):
    """Base class of strategy plugins; every hook defaults to doing nothing.

    Class attributes:
        Params: the frozen attrs class of the strategy's parameters.
        contract_types: contract types the strategy may buy; checked against each
            configured symbol before the bot starts (empty: only the configured type).
        extra_calls: API calls the strategy makes itself besides the runtime's own (for the
            token scope check).
        wants_transactions: deliver the account's ``transaction`` stream to
            :meth:`on_transaction`.
        candles: the candle series it works on (:class:`~framework.strategy.CandleSeries`);
            the config may add more (see :meth:`candle_series` for per-parameter ones).
        tick_history: ticks of look-back to have before the first hook
            (:meth:`StrategyContext.ticks`).

    Attributes:
        params: the validated parameters.
        ctx: the strategy's context.
    """

    Params: type[P]
    contract_types: ClassVar[tuple[str, ...]] = ()
    extra_calls: ClassVar[tuple[str, ...]] = ()
    wants_transactions: ClassVar[bool] = False
    candles: ClassVar[tuple[CandleSeries, ...]] = ()
    tick_history: ClassVar[int] = 0

    def __init__(self, params: P, ctx: StrategyContext) -> None:
        """Create the strategy; do set-up that needs the context in :meth:`on_start`.

        Args:
            params: an instance of :attr:`Params`.
            ctx: the context it trades through.
        """
        self.params = params
        self.ctx = ctx

    @property
    def name(self) -> str:
        """The strategy's configured name."""
        return self.ctx.name

    @classmethod
    def planned_contracts(
        cls, params: P, template: ContractTemplate
    ) -> tuple[ContractTemplate, ...]:
        """The contracts this strategy may buy with ``params``; checked before start.

        The default is the configured template with each of :attr:`contract_types` (or the
        template alone when the class declares none). Override it when the parameters pick
        the barrier or the duration.

        Args:
            params: the validated parameters.
            template: the configured contract terms.

        Returns:
            One template per distinct contract; ``type`` set in each.
        """
        if not cls.contract_types:
            return (template,)
        return tuple(attrs.evolve(template, type=kind) for kind in cls.contract_types)

    @classmethod
    def candle_series(cls, params: P) -> tuple[CandleSeries, ...]:
        """The candle series this strategy works on with ``params``.

        The default is :attr:`candles`; override it when a parameter picks the granularity
        or the look-back. The config's ``candles:`` entries are added to these.
        """
        return cls.candles

    @classmethod
    def tick_look_back(cls, params: P) -> int:
        """Ticks of history wanted with ``params`` (default :attr:`tick_history`)."""
        return cls.tick_history

    def on_start(self) -> None:
        """Called once before the first tick (and again after a restart).

        The declared history is there already: :meth:`StrategyContext.candles`,
        :meth:`StrategyContext.ticks`, and indicators attached here start warm.
        """

    def on_tick(self, tick: Tick) -> None:
        """Called for every tick of each configured symbol, in tick order.

        Args:
            tick: the tick.
        """

    def on_candle(self, candle: Candle) -> None:
        """Called when a bar of one of the strategy's candle series closes.

        A bar closes with the first tick of a later bar: ``on_candle`` comes right before
        that tick's ``on_tick``, bars of several granularities in ascending granularity,
        each strategy in config order. Indicators attached to the series have the bar.

        Args:
            candle: the closed bar (``symbol`` and ``granularity`` set).
        """

    def on_candle_update(self, candle: Candle) -> None:
        """Called after every tick's ``on_tick`` with the forming bar of each series
        declared with ``forming=True``.

        Args:
            candle: the forming bar, that tick included.
        """

    def on_transaction(self, tx: Transaction) -> None:
        """Called for each account transaction when :attr:`wants_transactions` is set.

        Args:
            tx: the transaction.
        """

    def on_contract_update(self, update: ContractUpdate) -> None:
        """Called when one of the strategy's open contracts changes.

        Args:
            update: the contract's latest state.
        """

    def on_contract_closed(self, result: ClosedContract) -> None:
        """Called once per contract of this strategy when it settles or is sold.

        Args:
            result: how it ended.
        """

    def on_order_failed(self, failure: OrderFailed) -> None:
        """Called when a sell, update or cancel order could not be carried out.

        The contract is unchanged (or it ended another way, which ``on_contract_closed``
        reports); the strategy may order again. Every failure is also counted and logged
        (once per code) whether or not this hook is overridden.

        Args:
            failure: the order, the market's or the server's code and message.
        """

    def on_stop(self) -> None:
        """Called once when the strategy stops (bot shutdown or disable)."""
