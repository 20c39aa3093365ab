"""An open Multiplier (MULTUP / MULTDOWN), fed one tick at a time.

Theory of operation (reference notes section 5; prices in :mod:`framework.market.openended`):

1. Bought at ``P`` at the spot ``basis`` (the spot at purchase): that is its entry, dated
   ``P``. The value is ``stake + stake * multiplier * (sign * (S - basis) / basis -
   commission)``, the bid that value floored at 0 and rounded to cents.
2. Each tick after ``P`` is its current spot. On a tick at or beyond a level (levels are
   pip-sized spots, ``up`` compares ``<=`` for losses and ``>=`` for the profit, ``down``
   the reverse) it closes, first match wins:

   * the stop-out level (value 0): while deal cancellation runs the contract is cancelled
     (stake returned, status ``cancelled``), after it stopped out (``lost``, paid the value
     floored at 0);
   * the stop-loss level: ``stop_loss``, paid the value (``lost``);
   * the take-profit level: ``take_profit``, paid the value (``won``).
3. No expiry: it stays open until one of those, a sale or a cancellation.
4. ``sell``: not in the purchase second, not while cancellation runs and the value is below
   the stake (``CancelIsBetter``), at the bid, which must reach the minimum price.
5. ``update``: take-profit / stop-loss, ``None`` removes, not while cancellation runs;
   each change (and the orders given at purchase) is kept for ``contract_update_history``.
6. ``cancel``: while the window runs (``epoch < purchase + window``): the stake is
   returned, the fee is not.
"""

from __future__ import annotations

from typing import Final

from .contracts import ContractSpec
from .errors import MarketError
from .money import round_money
from .openended import MultiplierTerms
from .outcome import Settlement
from .selling import (
    KEEP,
    LimitChange,
    LimitOrderChange,
    PositionRules,
    closed_error,
    sell_refusal,
)
from .symbols import SymbolSpec
from .terms import check_stop_loss, check_take_profit

__all__ = ["MultiplierPosition"]

_INF: Final = float("inf")


class MultiplierPosition(PositionRules):
    """One bought Multiplier (see the module docstring for its rules).

    Attributes:
        spec: the contract.
        symbol: its symbol.
        terms: its priced terms (basis spot, commission, cancellation).
        contract_id: caller-chosen id.
        buy_price: the price paid (stake plus the cancellation fee).
        payout: 0: a Multiplier has no fixed payout.
        purchase_epoch: purchase time ``P``.
        date_expiry: ``None``: no expiry.
        cancellation_expiry: end of the deal cancellation window, ``None`` without one.
        entry_epoch: ``P`` (the entry is the spot at purchase).
        entry_quote: the basis spot.
        barrier: ``None``: a Multiplier has no barrier (see the levels).
        high_barrier: ``None`` likewise.
        low_barrier: ``None`` likewise.
        current_epoch: epoch of the last tick seen (``P`` before any).
        current_quote: its quote.
        tick_count: ticks seen after the purchase.
        tick_stream: always empty: Multipliers are not tick contracts.
        take_profit: the take-profit amount in force, if any.
        stop_loss: the stop-loss amount in force, if any.
        take_profit_level: its pip-sized spot, if any.
        stop_loss_level: its pip-sized spot, if any.
        stop_out_level: the pip-sized spot at which the value reaches 0.
        history: every limit-order change, oldest first (for ``contract_update_history``).
        settlement: the :class:`Settlement` once closed, else ``None``.
    """

    __slots__ = (
        "_sign",
        "_sl",
        "_so",
        "_tp",
        "barrier",
        "buy_price",
        "cancellation_expiry",
        "contract_id",
        "current_epoch",
        "current_quote",
        "date_expiry",
        "entry_epoch",
        "entry_quote",
        "high_barrier",
        "history",
        "low_barrier",
        "payout",
        "purchase_epoch",
        "settlement",
        "spec",
        "stop_loss",
        "stop_loss_level",
        "stop_out_level",
        "symbol",
        "take_profit",
        "take_profit_level",
        "terms",
        "tick_count",
        "tick_stream",
    )

    def __init__(
        self,
        spec: ContractSpec,
        symbol: SymbolSpec,
        terms: MultiplierTerms,
        *,
        contract_id: int,
        buy_price: float,
        purchase_epoch: int,
    ) -> None:
        """Open a Multiplier; prefer :func:`~framework.market.positions.open_position`.

        Args:
            spec: a validated contract.
            symbol: its symbol.
            terms: its price at purchase.
            contract_id: caller-chosen id.
            buy_price: the price paid.
            purchase_epoch: purchase time.
        """
        self.spec = spec
        self.symbol = symbol
        self.terms = terms
        self.contract_id = contract_id
        self.buy_price = buy_price
        self.payout = 0.0
        self.purchase_epoch = purchase_epoch
        self.date_expiry: int | None = None
        self.cancellation_expiry: int | None = None
        if terms.cancellation is not None:
            self.cancellation_expiry = purchase_epoch + terms.cancellation_seconds
        self.entry_epoch: int | None = purchase_epoch
        self.entry_quote = terms.basis_spot
        self.barrier: float | None = None
        self.high_barrier: float | None = None
        self.low_barrier: float | None = None
        self.current_epoch = purchase_epoch
        self.current_quote = terms.basis_spot
        self.tick_count = 0
        self.tick_stream: list[tuple[int, float]] = []
        self.settlement: Settlement | None = None
        self._sign = terms.sign
        self.stop_out_level = terms.stop_out_level
        self._so = self._sign * self.stop_out_level
        self.history: list[LimitOrderChange] = []
        self.take_profit: float | None = None
        self.stop_loss: float | None = None
        self.take_profit_level: float | None = None
        self.stop_loss_level: float | None = None
        self._tp = _INF
        self._sl = -_INF
        if terms.take_profit is not None:
            self._set_take_profit(terms.take_profit, purchase_epoch)
        if terms.stop_loss is not None:
            self._set_stop_loss(terms.stop_loss, purchase_epoch)

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
        # Compare in the contract's direction: x falls as the position loses.
        x = self._sign * quote
        if x <= self._so:
            expiry = self.cancellation_expiry
            if expiry is not None and epoch < expiry:
                return self._close("cancelled", "cancelled", self.terms.stake, epoch, quote, epoch)
            return self._close("lost", "stopped_out", self._value(), epoch, quote, epoch)
        if x <= self._sl:
            return self._close("lost", "stop_loss", self._value(), epoch, quote, epoch)
        if x >= self._tp:
            return self._close("won", "take_profit", self._value(), epoch, quote, epoch)
        return None

    def _value(self) -> float:
        return max(round_money(self.terms.value_at(self.current_quote)), 0.0)

    # -- state ------------------------------------------------------------------------

    def _open_bid(self, epoch: int) -> float:
        """The value at the current spot, floored at 0 (it does not depend on time)."""
        return self._value()

    @property
    def profit(self) -> float:
        """The value at the current spot minus the stake (what limit orders compare to)."""
        return round_money(self.terms.value_at(self.current_quote) - self.terms.stake)

    def cancellation_active(self, epoch: int) -> bool:
        """Tell whether the deal cancellation window runs at ``epoch``.

        Args:
            epoch: current time.

        Returns:
            True while ``epoch < cancellation_expiry`` and the contract is open.
        """
        expiry = self.cancellation_expiry
        return self.settlement is None and expiry is not None and epoch < expiry

    def _open_sell_error(self, epoch: int) -> MarketError | None:
        """Not in the purchase second; ``CancelIsBetter`` while cancellation runs at a loss."""
        if epoch <= self.purchase_epoch:
            return sell_refusal("Contract cannot be sold at this time. Please try again.")
        if self.cancellation_active(epoch) and self._value() < self.terms.stake:
            return sell_refusal(
                "The spot price has moved. We have not closed this contract because your "
                "profit is negative and deal cancellation is active. Cancel your contract "
                "to get your full stake back.",
                "CancelIsBetter",
            )
        return None

    # -- limit orders -------------------------------------------------------------------

    def _open_update_error(self, epoch: int) -> MarketError | None:
        """``UpdateTakeProfitNotAllowed`` while deal cancellation runs."""
        if self.cancellation_active(epoch):
            return MarketError(
                "UpdateTakeProfitNotAllowed",
                "You may update your take profit amount after deal cancellation has expired.",
            )
        return None

    def _change_limits(self, epoch: int, take_profit: LimitChange, stop_loss: LimitChange) -> None:
        """Change, set or remove the take-profit and stop-loss; both are checked first.

        Args:
            epoch: time of the update.
            take_profit: new amount, ``None`` to remove, :data:`KEEP` to leave.
            stop_loss: new amount (positive), ``None`` to remove, :data:`KEEP` to leave.

        Raises:
            MarketError: ``TakeProfitTooLow`` / ``TakeProfitTooHigh`` / ``StopLossTooLow``
                / ``StopLossTooHigh`` / ``LimitOrderIncorrectDecimal``.
        """
        terms = self.terms
        profit = self.profit
        if take_profit is not KEEP and take_profit is not None:
            tp_lo, tp_hi = terms.take_profit_range
            check_take_profit(take_profit, tp_lo, tp_hi, max(profit, 0.0))
        if stop_loss is not KEEP and stop_loss is not None:
            check_stop_loss(stop_loss, terms.stake, max(-profit, 0.0))
        if take_profit is not KEEP:
            self._set_take_profit(take_profit, epoch)
        if stop_loss is not KEEP:
            self._set_stop_loss(stop_loss, epoch)

    def _set_take_profit(self, amount: float | None, epoch: int) -> None:
        level = None if amount is None else self.terms.level(amount)
        self.take_profit = amount
        self.take_profit_level = level
        self._tp = _INF if level is None else self._sign * level
        self.history.append(LimitOrderChange(epoch, "take_profit", amount, level))

    def _set_stop_loss(self, amount: float | None, epoch: int) -> None:
        level = None if amount is None else self.terms.level(-amount)
        self.stop_loss = amount
        self.stop_loss_level = level
        self._sl = -_INF if level is None else self._sign * level
        self.history.append(LimitOrderChange(epoch, "stop_loss", amount, level))

    # -- deal cancellation --------------------------------------------------------------

    def cancel_error(self, epoch: int) -> MarketError | None:
        """Why the contract cannot be cancelled at ``epoch``, or ``None``.

        Args:
            epoch: current time.

        Returns:
            ``ContractUpdateFailure`` once closed, ``DealCancellationNotBought``,
            ``DealCancellationExpired``.
        """
        if self.settlement is not None:
            return closed_error()
        if self.cancellation_expiry is None:
            return MarketError(
                "DealCancellationNotBought",
                "This contract does not include deal cancellation. Your contract can only "
                "be cancelled when you select deal cancellation in your purchase.",
            )
        if epoch >= self.cancellation_expiry:
            return MarketError(
                "DealCancellationExpired",
                "Deal cancellation period has expired. Your contract can only be cancelled "
                "while deal cancellation is active.",
            )
        return None

    def is_valid_to_cancel(self, epoch: int) -> bool:
        """POC ``is_valid_to_cancel``.

        Args:
            epoch: current time.

        Returns:
            True while the deal cancellation window runs.
        """
        return self.cancel_error(epoch) is None

    def cancel(self, epoch: int) -> Settlement:
        """Use the deal cancellation: the stake is returned (the fee is not).

        Args:
            epoch: time of the cancellation.

        Returns:
            The ``"cancelled"`` settlement.

        Raises:
            MarketError: :meth:`cancel_error`'s refusal.
        """
        error = self.cancel_error(epoch)
        if error is not None:
            raise error
        stake = self.terms.stake
        return self._close(
            "cancelled", "cancelled", stake, self.current_epoch, self.current_quote, epoch
        )
