"""Selling, updating and cancelling rules shared by every contract family.

One copy of the refusals an open contract can answer with (Deriv's codes and messages from
its error mapping), so that the binary :class:`~framework.market.settlement.Position`, the
:class:`~framework.market.multiplier.MultiplierPosition` and the
:class:`~framework.market.accumulator.AccumulatorPosition` refuse alike:

* ``sell``: ``InvalidSellContractProposal`` (already sold, waiting for the entry tick,
  expired, same second as the purchase), ``ResaleNotOffered`` (tick-expiry binaries),
  ``SellAtEntryTick`` (Accumulators), ``CancelIsBetter`` (a losing Multiplier while its deal
  cancellation runs) and ``PriceMoved`` when the bid is below the seller's minimum price.
* ``contract_update``: ``ContractUpdateNotAllowed`` for types without limit orders,
  ``ContractUpdateFailure`` once closed, ``UpdateTakeProfitNotAllowed`` while deal
  cancellation runs, ``OrderUpdateNotAllowed`` for an Accumulator's stop-loss, and the
  amount checks of
  :mod:`framework.market.terms`.
* ``cancel``: ``CannotCancelContract`` (not a Multiplier), ``DealCancellationNotBought``,
  ``DealCancellationExpired``, ``ContractUpdateFailure`` once closed.

:class:`PositionRules` holds the plumbing every family shares (status, expiry, the sale at
the bid, the refusals of families without limit orders or deal cancellation, building the
:class:`~framework.market.outcome.Settlement`); each family adds only its own refusals and
prices through a few hooks.

The codes name the rule, as ``proposal_open_contract.validation_error_code`` does. Deriv's
``sell`` call itself answers every refusal to sell but ``PriceMoved`` with the code
:data:`SELL_ERROR` and the same message; a transport that mimics it maps the code, never
the message.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Sequence
from typing import TYPE_CHECKING, Final, Literal, cast

import attrs

from .errors import MarketError
from .outcome import EndReason, Settlement, Status, Tick

if TYPE_CHECKING:
    from .contracts import ContractSpec
    from .positions import OpenPosition

__all__ = [
    "ALREADY_SOLD",
    "KEEP",
    "LIMIT_NAMES",
    "SELL_ERROR",
    "WAITING_FOR_ENTRY",
    "Keep",
    "LimitChange",
    "LimitOrderChange",
    "PositionRules",
    "check_min_price",
    "closed_error",
    "not_cancellable",
    "not_updatable",
    "sell_refusal",
]

SELL_ERROR: Final = "InvalidSellContractProposal"
ALREADY_SOLD: Final = "This contract has been sold."
WAITING_FOR_ENTRY: Final = "Waiting for entry tick."


class Keep(enum.Enum):
    """The type of :data:`KEEP`."""

    KEEP = "keep"


KEEP: Final = Keep.KEEP
"""``update(take_profit=KEEP)``: leave that limit order as it is (``None`` removes it)."""

LimitChange = float | None | Literal[Keep.KEEP]
"""What ``update`` takes for one limit order: an amount, ``None`` (remove) or ``KEEP``."""

LIMIT_NAMES: Final = {
    "take_profit": "Take profit",
    "stop_loss": "Stop loss",
    "stop_out": "Stop out",
}
"""``display_name`` of each limit order."""


@attrs.frozen
class LimitOrderChange:
    """One limit order as placed, changed or removed (``contract_update_history`` entries,
    ``limit_order`` objects).

    Attributes:
        epoch: when the order was placed, changed or removed (``order_date``).
        order_type: ``"take_profit"``, ``"stop_loss"`` or ``"stop_out"``.
        amount: the amount as the client gave it (a stop-loss is a positive loss);
            ``None`` when removed.
        level: the pip-sized spot it closes at (``value``); ``None`` when removed and for
            an Accumulator's take-profit (it closes on a tick count, not a spot).
    """

    epoch: int
    order_type: str
    amount: float | None
    level: float | None

    @property
    def display_name(self) -> str:
        """``"Take profit"``, ``"Stop loss"`` or ``"Stop out"``."""
        return LIMIT_NAMES[self.order_type]


def sell_refusal(message: str, code: str = SELL_ERROR) -> MarketError:
    """Build a refusal to sell.

    Args:
        message: Deriv's message (also the POC ``validation_error``).
        code: Deriv's code (also the POC ``validation_error_code``).

    Returns:
        The error.
    """
    return MarketError(code, message)


def check_min_price(bid: float, min_price: float, currency: str) -> None:
    """Refuse a sale whose bid is below the seller's minimum price (``sell.price``).

    Args:
        bid: what the contract would be sold for now.
        min_price: the least the seller accepts (0: at market).
        currency: the account currency, named in the message.

    Raises:
        MarketError: ``PriceMoved`` "The underlying market has moved too much since you
            priced the contract. The contract sell price has changed from 9.40 USD to 9.10
            USD."
    """
    if min_price > bid + 1e-9:
        raise MarketError(
            "PriceMoved",
            "The underlying market has moved too much since you priced the contract. "
            f"The contract sell price has changed from {min_price:.2f} {currency} "
            f"to {bid:.2f} {currency}.",
        )


def closed_error() -> MarketError:
    """Refusal to update or cancel a contract that is closed."""
    return MarketError("ContractUpdateFailure", ALREADY_SOLD)


def not_updatable() -> MarketError:
    """Refusal to ``contract_update`` a contract type without limit orders."""
    return MarketError(
        "ContractUpdateNotAllowed",
        "This contract cannot be updated once you've made your purchase. "
        "This feature is not available for this contract type.",
    )


def not_cancellable() -> MarketError:
    """Refusal to ``cancel`` a contract type without deal cancellation."""
    return MarketError(
        "CannotCancelContract", "Deal cancellation is not available for this contract."
    )


class PositionRules(abc.ABC):
    """What every open position does alike (the families subclass it).

    Slotted with no slots of its own, so a family's ``__slots__`` stay the only storage and
    its ``on_tick`` reads attributes as fast as before. A family supplies
    :meth:`_open_sell_error` and :meth:`_open_bid`, and overrides :meth:`_open_update_error`
    / :meth:`_change_limits` (limit orders) or :meth:`is_valid_to_cancel` / :meth:`cancel`
    (deal cancellation) when it offers them.
    """

    __slots__ = ()

    spec: ContractSpec
    contract_id: int
    buy_price: float
    payout: float
    purchase_epoch: int
    date_expiry: int | None
    entry_epoch: int | None
    entry_quote: float
    current_epoch: int
    current_quote: float
    barrier: float | None
    tick_stream: Sequence[Tick]
    settlement: Settlement | None

    # -- hooks ------------------------------------------------------------------------

    @abc.abstractmethod
    def _open_sell_error(self, epoch: int) -> MarketError | None:
        """The family's refusal to sell an open contract at ``epoch``, or ``None``."""

    @abc.abstractmethod
    def _open_bid(self, epoch: int) -> float:
        """What selling the open contract at ``epoch`` would pay."""

    def _open_update_error(self, epoch: int) -> MarketError | None:
        """The family's refusal to update an open contract (default: no limit orders)."""
        return not_updatable()

    def _change_limits(self, epoch: int, take_profit: LimitChange, stop_loss: LimitChange) -> None:
        """Apply an update :meth:`update_error` allowed (default: no limit orders)."""
        raise not_updatable()

    def _close(
        self,
        status: Status,
        end: EndReason,
        amount: float,
        exit_epoch: int,
        exit_quote: float,
        when: int,
    ) -> Settlement:
        """Close the position: build, keep and return its :class:`Settlement`.

        Args:
            status: how it settled.
            end: how it ended.
            amount: what is credited.
            exit_epoch: epoch of the exit tick.
            exit_quote: its quote.
            when: when it was settled or sold.

        Returns:
            The settlement.
        """
        assert self.entry_epoch is not None
        # Every family shows its barriers, as attributes or (Accumulators) properties.
        shown = cast("OpenPosition", self)
        # Positional, in Settlement's field order: a replay closes a contract per trade.
        settlement = Settlement(
            self.contract_id, self.spec.contract_type, status, self.entry_epoch,
            self.entry_quote, exit_epoch, exit_quote, self.barrier, self.buy_price,
            self.payout, amount,
            # Both operands are whole cents, so the exact difference is a whole cent and the
            # builtin round cannot hit a half-way case; it is 10x cheaper than round_money.
            round(amount - self.buy_price, 2),
            when, tuple(self.tick_stream), end, shown.high_barrier, shown.low_barrier,
        )  # fmt: skip
        shown.settlement = settlement
        return settlement

    # -- state ------------------------------------------------------------------------

    @property
    def status(self) -> Status:
        """``"open"`` until closed, then the settlement's status."""
        return "open" if self.settlement is None else self.settlement.status

    def is_expired(self, epoch: int) -> bool:
        """POC ``is_expired``.

        Args:
            epoch: current time.

        Returns:
            True once closed by its own rule (expiry, a touch, a limit order, a stop-out),
            or for a time contract when ``epoch >= date_expiry`` (Multipliers and
            Accumulators never expire by time). A contract its owner sold before the end
            stays unexpired: the real server prices a sold contract as of its sale time,
            which is before its expiry.
        """
        if self.settlement is not None:
            return self.settlement.end != "sold"
        return self.date_expiry is not None and epoch >= self.date_expiry

    def bid_price(self, epoch: int) -> float:
        """What selling now would pay (POC ``bid_price``).

        Args:
            epoch: current time.

        Returns:
            The family's bid while open; after the close, the amount credited.
        """
        if self.settlement is not None:
            return self.settlement.sell_price
        return self._open_bid(epoch)

    # -- selling ----------------------------------------------------------------------

    def sell_error(self, epoch: int) -> MarketError | None:
        """Why the contract cannot be sold at market at ``epoch``, or ``None``.

        Args:
            epoch: current time.

        Returns:
            ``InvalidSellContractProposal`` once closed, else the family's refusal (see
            the module docstring); the minimum price is checked by :meth:`sell`.
        """
        if self.settlement is not None:
            return sell_refusal(ALREADY_SOLD)
        return self._open_sell_error(epoch)

    def validation_error(self, epoch: int) -> str | None:
        """POC ``validation_error``: why it cannot be sold now, or ``None``.

        Args:
            epoch: current time.

        Returns:
            :meth:`sell_error`'s message, or ``None`` when :meth:`sell` would succeed.
        """
        error = self.sell_error(epoch)
        return None if error is None else error.message

    def is_valid_to_sell(self, epoch: int) -> bool:
        """POC ``is_valid_to_sell``.

        Args:
            epoch: current time.

        Returns:
            True when :meth:`sell` would succeed at market.
        """
        return self.sell_error(epoch) is None

    def sell(self, epoch: int, min_price: float = 0.0, currency: str = "USD") -> Settlement:
        """Sell at the bid; the exit tick is the last tick seen.

        Args:
            epoch: time of the sale.
            min_price: the least accepted (0: at market).
            currency: the account currency (named in ``PriceMoved``).

        Returns:
            The ``"sold"`` settlement.

        Raises:
            MarketError: :meth:`sell_error`'s refusal, or ``PriceMoved`` when the bid is
                below ``min_price``.
        """
        error = self.sell_error(epoch)
        if error is not None:
            raise error
        bid = self._open_bid(epoch)
        check_min_price(bid, min_price, currency)
        return self._close("sold", "sold", bid, self.current_epoch, self.current_quote, epoch)

    # -- limit orders -------------------------------------------------------------------

    def update_error(self, epoch: int) -> MarketError | None:
        """Why limit orders cannot be changed at ``epoch``, or ``None``.

        Args:
            epoch: current time.

        Returns:
            ``ContractUpdateFailure`` once closed, else the family's refusal
            (``ContractUpdateNotAllowed`` for types without limit orders).
        """
        if self.settlement is not None:
            return closed_error()
        return self._open_update_error(epoch)

    def is_valid_to_update(self, epoch: int) -> bool:
        """POC ``is_valid_to_update``.

        Args:
            epoch: current time.

        Returns:
            True when :meth:`update` may change the limit orders.
        """
        return self.update_error(epoch) is None

    def update(
        self, epoch: int, take_profit: LimitChange = KEEP, stop_loss: LimitChange = KEEP
    ) -> None:
        """``contract_update``: change, set or remove the limit orders.

        Args:
            epoch: time of the update.
            take_profit: new amount, ``None`` to remove, :data:`KEEP` to leave.
            stop_loss: new amount (positive), ``None`` to remove, :data:`KEEP` to leave.

        Raises:
            MarketError: :meth:`update_error`'s refusal, or the family's amount checks.
        """
        error = self.update_error(epoch)
        if error is not None:
            raise error
        self._change_limits(epoch, take_profit, stop_loss)

    # -- deal cancellation: only Multipliers offer it ------------------------------------

    def is_valid_to_cancel(self, epoch: int) -> bool:
        """POC ``is_valid_to_cancel``: False for families without deal cancellation.

        Args:
            epoch: current time.

        Returns:
            False.
        """
        return False

    def cancel(self, epoch: int) -> Settlement:
        """``cancel``: refused for families without deal cancellation.

        Args:
            epoch: current time.

        Raises:
            MarketError: ``CannotCancelContract``.
        """
        raise not_cancellable()
