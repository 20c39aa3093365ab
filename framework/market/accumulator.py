"""An open Accumulator (ACCU), fed one tick at a time.

Theory of operation (Deriv's ``BOM::Product::Role::Accumulator``; prices in
:mod:`framework.market.openended`), with ``n`` = ticks after the entry tick
(``tick_passed``):

1. Entry tick = the first tick strictly after the purchase second. It only sets the
   barriers; ``n = 0``; it cannot be sold on it (``SellAtEntryTick``).
2. Tick ``n >= 1``: the barriers are ``prev * (1 +- tick_size_barrier)`` with ``prev`` the
   previous tick's quote (exact, unrounded). A quote ``>= high`` or ``<= low`` knocks the
   contract out: ``lost``, nothing paid, end ``knocked_out``.
3. Otherwise its value is ``stake * (1 + g) ** (n - 1)``; at ``n == ticks`` (the fewest of
   the maximum ticks, the ticks to the maximum payout, the ticks to ``stake +
   take_profit``) it closes itself, ``won``, paid that value, end ``take_profit`` when the
   take-profit was reached, else ``expired``.
4. ``sell`` from ``n = 1``, at the value, which must reach the minimum price.
5. ``update``: the take-profit only (``None`` removes); the closing tick is recomputed.
   Accumulators have no stop-loss and no deal cancellation.

The open-contract view: ``high_barrier`` / ``low_barrier`` are the barriers the current
tick was checked against (``None`` until ``n = 1``), ``current_spot_high_barrier`` /
``current_spot_low_barrier`` the ones the next tick will be (both as shown, rounded
outwards); ``tick_stream`` keeps the last 10 ticks, as Deriv's.
"""

from __future__ import annotations

from collections import deque
from typing import Final

from .contracts import ContractSpec
from .errors import MarketError
from .openended import (
    AccumulatorTerms,
    accumulator_close_ticks,
    accumulator_value,
    round_barrier,
)
from .outcome import EndReason, Settlement
from .selling import (
    KEEP,
    WAITING_FOR_ENTRY,
    LimitChange,
    LimitOrderChange,
    PositionRules,
    sell_refusal,
)
from .symbols import SymbolSpec
from .terms import check_take_profit

__all__ = ["AccumulatorPosition"]

STREAM_LENGTH: Final = 10
"""Ticks kept in ``tick_stream`` (Deriv's POC shows the last 10)."""


class AccumulatorPosition(PositionRules):
    """One bought Accumulator (see the module docstring for its rules).

    Attributes:
        spec: the contract.
        symbol: its symbol.
        terms: its priced terms (growth rate, tick_size_barrier, maximum ticks/payout).
        contract_id: caller-chosen id.
        buy_price: the stake.
        payout: 0: an Accumulator has no fixed payout.
        purchase_epoch: purchase time ``P``.
        date_expiry: ``None``: no expiry by time.
        entry_epoch: epoch of the entry tick, ``None`` until it arrives.
        entry_quote: its quote.
        barrier: ``None`` (two barriers: see ``high_barrier``).
        current_epoch: epoch of the last tick seen.
        current_quote: its quote.
        tick_count: ticks seen after the purchase (entry tick = 1).
        tick_passed: ticks after the entry tick (``n``).
        ticks: ``n`` at which it closes itself.
        take_profit: the take-profit amount in force, if any.
        history: every take-profit change, oldest first (for ``contract_update_history``).
        tick_stream: the last :data:`STREAM_LENGTH` ticks from the entry tick on.
        settlement: the :class:`Settlement` once closed, else ``None``.
    """

    __slots__ = (
        "_down",
        "_prev",
        "_stake",
        "_up",
        "barrier",
        "buy_price",
        "contract_id",
        "current_epoch",
        "current_quote",
        "date_expiry",
        "entry_epoch",
        "entry_quote",
        "history",
        "payout",
        "purchase_epoch",
        "settlement",
        "spec",
        "symbol",
        "take_profit",
        "terms",
        "tick_count",
        "tick_passed",
        "tick_stream",
        "ticks",
    )

    def __init__(
        self,
        spec: ContractSpec,
        symbol: SymbolSpec,
        terms: AccumulatorTerms,
        *,
        contract_id: int,
        purchase_epoch: int,
    ) -> None:
        """Open an Accumulator; prefer :func:`~framework.market.positions.open_position`.

        Args:
            spec: a validated contract.
            symbol: its symbol.
            terms: its price at purchase.
            contract_id: caller-chosen id.
            purchase_epoch: purchase time.
        """
        self.spec = spec
        self.symbol = symbol
        self.terms = terms
        self.contract_id = contract_id
        self.buy_price = terms.stake
        self.payout = 0.0
        self.purchase_epoch = purchase_epoch
        self.date_expiry: int | None = None
        self.entry_epoch: int | None = None
        self.entry_quote = 0.0
        self.barrier: float | None = None
        self.current_epoch = purchase_epoch
        self.current_quote = terms.spot
        self.tick_count = 0
        self.tick_passed = 0
        self.ticks = terms.ticks
        self.take_profit = terms.take_profit
        self.tick_stream: deque[tuple[int, float]] = deque(maxlen=STREAM_LENGTH)
        self.settlement: Settlement | None = None
        self.history: list[LimitOrderChange] = []
        self._stake = terms.stake
        self._up = 1.0 + terms.tick_size_barrier
        self._down = 1.0 - terms.tick_size_barrier
        self._prev = terms.spot
        if terms.take_profit is not None:
            self.history.append(
                LimitOrderChange(purchase_epoch, "take_profit", terms.take_profit, None)
            )

    # -- per-tick path ------------------------------------------------------------------

    def on_tick(self, epoch: int, quote: float) -> Settlement | None:
        """Feed the next tick of the symbol.

        Args:
            epoch: tick epoch (ticks at or before the purchase, and after the close, are
                ignored).
            quote: tick quote.

        Returns:
            The :class:`Settlement` if this tick closes the contract, else ``None``.
        """
        if self.settlement is not None or epoch <= self.purchase_epoch:
            return None
        self.tick_count += 1
        self.current_epoch = epoch
        self.current_quote = quote
        self.tick_stream.append((epoch, quote))
        prev = self._prev
        self._prev = quote
        if self.entry_epoch is None:
            self.entry_epoch = epoch
            self.entry_quote = quote
            return None
        n = self.tick_passed + 1
        self.tick_passed = n
        if quote >= prev * self._up or quote <= prev * self._down:
            return self._close("lost", "knocked_out", 0.0, epoch, quote, epoch)
        if n >= self.ticks:
            value = self._value()
            tp = self.take_profit
            end: EndReason = "take_profit" if tp and value >= self._stake + tp else "expired"
            return self._close("won", end, value, epoch, quote, epoch)
        return None

    def _value(self) -> float:
        return accumulator_value(self._stake, self.terms.growth_rate, self.tick_passed)

    # -- state ------------------------------------------------------------------------

    def _barriers(self, spot: float) -> tuple[float, float]:
        pip = self.symbol.pip_size
        tsb = self.terms.tick_size_barrier
        return (
            round_barrier(spot * (1.0 + tsb), pip, up=True),
            round_barrier(spot * (1.0 - tsb), pip, up=False),
        )

    def _basis(self) -> float | None:
        """The spot the current tick was checked against (``None`` before ``n = 1``)."""
        if self.tick_passed == 0:
            return None
        # From n = 1 on the stream holds at least the entry tick and the current one.
        return self.tick_stream[-2][1]

    @property
    def high_barrier(self) -> float | None:
        """The high barrier the current tick was checked against, as shown."""
        basis = self._basis()
        return None if basis is None else self._barriers(basis)[0]

    @property
    def low_barrier(self) -> float | None:
        """The low barrier the current tick was checked against, as shown."""
        basis = self._basis()
        return None if basis is None else self._barriers(basis)[1]

    @property
    def current_spot_high_barrier(self) -> float:
        """The high barrier the next tick will be checked against, as shown."""
        return self._barriers(self.current_quote)[0]

    @property
    def current_spot_low_barrier(self) -> float:
        """The low barrier the next tick will be checked against, as shown."""
        return self._barriers(self.current_quote)[1]

    def _open_bid(self, epoch: int) -> float:
        """The value after ``tick_passed`` ticks (the stake before the entry tick)."""
        if self.entry_epoch is None:
            return self._stake
        return self._value()

    def _open_sell_error(self, epoch: int) -> MarketError | None:
        """``InvalidSellContractProposal`` before the entry tick, ``SellAtEntryTick`` on it."""
        if self.entry_epoch is None:
            return sell_refusal(WAITING_FOR_ENTRY)
        if self.tick_passed == 0:
            return sell_refusal(
                "Contract cannot be sold at entry tick. Please wait for the next tick.",
                "SellAtEntryTick",
            )
        return None

    # -- take-profit --------------------------------------------------------------------

    def _open_update_error(self, epoch: int) -> MarketError | None:
        """None: an open Accumulator's take-profit may always change."""
        return None

    def _change_limits(self, epoch: int, take_profit: LimitChange, stop_loss: LimitChange) -> None:
        """Change, set or remove the take-profit; the closing tick is recomputed.

        Args:
            epoch: time of the update.
            take_profit: new amount, ``None`` to remove, :data:`KEEP` to leave.
            stop_loss: must stay :data:`KEEP` (Accumulators have no stop-loss).

        Raises:
            MarketError: ``OrderUpdateNotAllowed`` for a stop-loss, or the take-profit
                checks.
        """
        if stop_loss is not KEEP:
            raise MarketError(
                "OrderUpdateNotAllowed", "Only updates to these parameters are allowed take_profit."
            )
        if take_profit is KEEP:
            return
        if take_profit is not None:
            profit = self.bid_price(epoch) - self._stake
            high = self.terms.max_payout - self._stake
            check_take_profit(take_profit, 0.0, high, max(profit, 0.0))
        self.take_profit = take_profit
        self.ticks = accumulator_close_ticks(self._stake, self.terms.growth_rate, take_profit)
        self.history.append(LimitOrderChange(epoch, "take_profit", take_profit, None))
