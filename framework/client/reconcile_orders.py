"""Deciding a lost order on a contract from the contract's state. Pure functions, no I/O.

A sell, ``contract_update`` or ``cancel`` whose answer never came may or may not have been
carried out. Unlike a buy there is no contract to find: the order names its contract, and
the contract's state (``proposal_open_contract``) says what became of it:

* a **sell** happened if the contract is sold and nothing but a sale closed it
  (:meth:`~framework.deriv.models.OpenContract.end_reason` without the bot's order says
  ``sold``). Closed by its own rule first (expiry, a take-profit, a stop-out, a
  knock-out), the sale did not happen: the contract ended otherwise. Still open, it did not
  happen either;
* a **cancel** happened if the contract's status is ``cancelled``;
* a **contract_update** happened if the contract's limit order now holds every level the
  update asked for (an amount equal to the one asked, within a cent; a removed level is
  absent or has no amount). Asking for what was already in force counts as done: the
  contract is as the strategy wanted.

The reconciler (:meth:`~framework.client.reconciler.Reconciler.decide_order`) reads the
state, patiently, and looks twice before deciding "not done".
"""

from __future__ import annotations

from collections.abc import Mapping

from ..deriv.models import LimitOrder, OpenContract, OrderKind

__all__ = ["order_done"]

# Prices are in account currency with 2 decimals; anything closer is the same amount.
AMOUNT_TOLERANCE = 0.005


def _same_level(asked: float | None, held: float | None) -> bool:
    if asked is None or held is None:
        return asked is None and held is None
    # Deriv signs a stop-loss as the loss; the order asks for an amount.
    return abs(abs(asked) - abs(held)) <= AMOUNT_TOLERANCE


def order_done(
    kind: OrderKind, state: OpenContract, limit_order: Mapping[str, float | None] | None = None
) -> tuple[bool, str]:
    """Whether the order was carried out, from the contract's state; and why, in words.

    Args:
        kind: ``"sell"``, ``"update"`` or ``"cancel"``.
        state: the contract's state, read after the answer was lost.
        limit_order: an update's changes (``take_profit``/``stop_loss``; ``None``
            removes).

    Returns:
        ``(done, detail)``.
    """
    if kind == "update":
        held = state.limit_order or LimitOrder()
        for name, asked in (limit_order or {}).items():
            level = held.take_profit if name == "take_profit" else held.stop_loss
            if not _same_level(asked, LimitOrder.amount(level)):
                return False, f"answer lost; the contract's {name} is not the one asked for"
        return True, "answer lost; the contract's limit order is the one asked for"
    if not state.is_sold:
        return False, "answer lost; the contract is still open"
    end = state.end_reason()
    if kind == "cancel":
        if end == "cancelled":
            return True, "answer lost; the contract is cancelled"
    elif end == "sold":
        return True, "answer lost; the contract is sold"
    return False, f"answer lost; the contract ended otherwise ({end})"
