"""An open contract's life after the purchase: ``contract_update``, ``contract_update_history``
and ``cancel`` (``sell`` is in :mod:`.trading`).

Whether a contract may be updated or cancelled now, the limits of an amount and the refusals'
messages are the market model's (the position interface); the handlers find the caller's
contract and lay the answer out.
"""

from __future__ import annotations

from framework.market.positions import KEEP

from ..dispatch import Call, Handler
from ..views import limit_order_entry, receipt, update_history
from .registry import registrar

__all__ = ["HANDLERS"]

HANDLERS: dict[str, Handler] = {}
handles = registrar(HANDLERS)

_ORDERS = ("take_profit", "stop_loss")


@handles("contract_update")
def contract_update(call: Call) -> None:
    """Change or remove (``null``) the take-profit / stop-loss of an open contract."""
    limit_order = call.args["limit_order"]
    changes = {name: limit_order.get(name, KEEP) for name in _ORDERS}
    contract = call.core.desk.update(call.account, call.args["contract_id"], **changes)
    call.reply({name: limit_order_entry(contract, name) for name in _ORDERS if name in limit_order})


@handles("contract_update_history")
def contract_update_history(call: Call) -> None:
    """Every take-profit / stop-loss a contract has had, newest first."""
    contract = call.core.desk.contract_of(call.account, call.args["contract_id"])
    limit = int(call.args.get("limit", 500))
    call.reply(update_history(contract)[:limit])


@handles("cancel")
def cancel(call: Call) -> None:
    """Cancel a Multiplier within its deal cancellation window: the stake comes back."""
    contract = call.core.desk.cancel(call.account, call.args["cancel"])
    call.reply(receipt(contract))
