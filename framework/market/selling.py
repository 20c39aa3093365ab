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

The codes name the rule, as ``proposal_open_contract.validation_error_code`` does. Deriv's
``sell`` call itself answers every refusal to sell but ``PriceMoved`` with the code
:data:`SELL_ERROR` and the same message; a transport that mimics it maps the code, never
the message.
"""

from __future__ import annotations

import enum
from typing import Final, Literal

import attrs

from .errors import MarketError

__all__ = [
    "ALREADY_SOLD",
    "KEEP",
    "LIMIT_NAMES",
    "SELL_ERROR",
    "Keep",
    "LimitChange",
    "LimitOrderChange",
    "check_min_price",
    "closed_error",
    "not_cancellable",
    "not_updatable",
    "sell_refusal",
]

SELL_ERROR: Final = "InvalidSellContractProposal"
ALREADY_SOLD: Final = "This contract has been sold."


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
