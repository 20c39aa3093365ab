"""A trading session written with Deriv's official client (``python_deriv_api``, asyncio).

Not a test module: ``test_official_client.py`` runs it in a separate virtualenv (the client
pins ``websockets==10.3``) against a simulator, as ``python deriv_api_session.py URL TOKEN``.
It prints one JSON object summarising what the official client saw, and writes every frame it
sent and received to ``FRAMES`` (``python deriv_api_session.py URL TOKEN FRAMES``, one JSON
object a line: ``{"dir": "send" | "recv", "frame": ...}``) for the test to check against the
schemas.
"""

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any, TextIO

from deriv_api import DerivAPI

Message = dict[str, Any]


def _any(message: Message) -> bool:
    return True


async def first(
    observable: Any,
    count: int,
    predicate: Callable[[Message], bool] = _any,
    keep: bool = False,
) -> list[Message]:
    """Collect the first ``count`` messages of an rx observable that match ``predicate``.

    ``keep`` leaves the rx subscription alive: python_deriv_api 0.1.6 raises KeyError in
    ``forget_all`` for a stream whose last rx subscriber was disposed (its own bug:
    ``complete_subs_by_key`` indexes ``sources`` without checking), so streams that the
    session later ends with ``forget_all`` must stay subscribed until then.
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[list[Message]] = loop.create_future()
    got: list[Message] = []

    def on_next(message: Message) -> None:
        if predicate(message) and not done.done():
            got.append(message)
            if len(got) >= count:
                done.set_result(got)

    def on_error(error: BaseException) -> None:
        if not done.done():
            done.set_exception(error)

    subscription = observable.subscribe(on_next=on_next, on_error=on_error)
    try:
        return await asyncio.wait_for(done, 60)
    finally:
        if not keep:
            subscription.dispose()


OPEN_ENDED = {"symbol": "R_100", "currency": "USD", "amount": 10, "basis": "stake"}

# python_deriv_api 0.1.6's typed calls truncate every "numeric" argument to an integer
# (parse_args: int(float(value))): a growth rate of 0.01 would go out as 0 and a price of
# 10.49 as 10. Requests with fractional numbers go through api.send, its generic call.


async def trade_multipliers(api: Any, summary: dict[str, Any]) -> None:
    """A Multiplier with deal cancellation, cancelled; one with limit orders, updated, sold."""
    mult = {**OPEN_ENDED, "contract_type": "MULTUP", "multiplier": 40}
    covered = await api.proposal({"proposal": 1, **mult, "cancellation": "5m"})
    price = covered["proposal"]["ask_price"]
    summary["cancellation_fee"] = covered["proposal"]["cancellation"]["ask_price"]
    bought = await api.send({"buy": covered["proposal"]["id"], "price": price})
    contract_id = bought["buy"]["contract_id"]
    poc = await api.subscribe({"proposal_open_contract": 1, "contract_id": contract_id})
    ended = asyncio.ensure_future(
        first(poc, 1, lambda m: m["proposal_open_contract"].get("is_sold") == 1)
    )
    first_view = (await first(poc, 1, keep=True))[0]["proposal_open_contract"]
    summary["is_valid_to_cancel"] = first_view["is_valid_to_cancel"]
    cancelled = await api.cancel({"cancel": contract_id})
    summary["cancel_sold_for"] = cancelled["cancel"]["sold_for"]
    summary["cancelled_status"] = (await ended)[0]["proposal_open_contract"]["status"]

    limits = {"take_profit": 5, "stop_loss": 3}
    bought = await api.buy({"buy": 1, "price": 10, "parameters": {**mult, "limit_order": limits}})
    contract_id = bought["buy"]["contract_id"]
    summary["multiplier_shortcode"] = bought["buy"]["shortcode"]
    await asyncio.sleep(0.2)  # a few simulated seconds: past the purchase second
    updated = await api.contract_update(
        {
            "contract_update": 1,
            "contract_id": contract_id,
            "limit_order": {"take_profit": 8, "stop_loss": None},
        }
    )
    summary["updated"] = sorted(updated["contract_update"])
    history = await api.contract_update_history(
        {"contract_update_history": 1, "contract_id": contract_id}
    )
    summary["history"] = [e["order_type"] for e in history["contract_update_history"]]
    sold = await api.sell({"sell": contract_id, "price": 0})
    summary["multiplier_sold"] = sold["sell"]["contract_id"] == contract_id


async def trade_accumulators(api: Any, summary: dict[str, Any]) -> None:
    """An Accumulator bought, followed tick by tick, and sold."""
    accu = {**OPEN_ENDED, "contract_type": "ACCU", "growth_rate": 0.01}
    proposal = await api.send({"proposal": 1, **accu})
    summary["maximum_ticks"] = proposal["proposal"]["contract_details"]["maximum_ticks"]
    bought = await api.buy({"buy": proposal["proposal"]["id"], "price": 10})
    contract_id = bought["buy"]["contract_id"]
    poc = await api.subscribe({"proposal_open_contract": 1, "contract_id": contract_id})
    ended = asyncio.ensure_future(
        first(poc, 1, lambda m: m["proposal_open_contract"].get("is_sold") == 1)
    )

    def grown_or_ended(message: Message) -> bool:
        view = message["proposal_open_contract"]
        return bool(view.get("tick_passed", 0) >= 2 or view.get("is_sold"))

    view = (await first(poc, 1, grown_or_ended, keep=True))[0]["proposal_open_contract"]
    summary["accumulator_barriers"] = "high_barrier" in view and "low_barrier" in view
    summary["accumulator_sold_for"] = None  # knocked out before it grew: nothing to sell
    if not view["is_sold"]:
        try:
            sold = await api.sell({"sell": contract_id, "price": 0})
            summary["accumulator_sold_for"] = sold["sell"]["sold_for"]
        except Exception as exc:  # knocked out between the view and the sale
            summary["accumulator_sold_for"] = getattr(exc, "code", repr(exc))
    summary["accumulator_status"] = (await ended)[0]["proposal_open_contract"]["status"]


async def main(endpoint: str, token: str, frames: TextIO) -> None:
    api = DerivAPI(endpoint=endpoint, app_id=1089)

    def record(event: Message) -> None:
        if event["name"] == "message":
            frames.write(json.dumps({"dir": "recv", "frame": event["data"]}) + "\n")

    api.events.subscribe(on_next=record)
    # The client's own "send" event misses the requests of its subscription manager, so
    # sent frames are recorded on the socket, which the client opens before its first call.
    await api.connected
    socket_send = api.wsconnection.send

    async def send(text: str) -> None:
        frames.write(json.dumps({"dir": "send", "frame": json.loads(text)}) + "\n")
        await socket_send(text)

    api.wsconnection.send = send
    summary: dict[str, Any] = {}
    auth = await api.authorize(token)
    summary["loginid"] = auth["authorize"]["loginid"]
    summary["balance_before"] = auth["authorize"]["balance"]

    ticks = await api.subscribe({"ticks": "R_100"})
    summary["ticks"] = [m["tick"]["quote"] for m in await first(ticks, 3, keep=True)]

    candles = await api.subscribe(
        {"ticks_history": "R_100", "end": "latest", "style": "candles", "granularity": 60}
    )
    answer, *updates = await first(candles, 3, keep=True)
    summary["candles"] = len(answer["candles"])
    summary["ohlc"] = [
        (m["ohlc"]["open_time"] % 60, type(m["ohlc"]["close"]).__name__) for m in updates
    ]

    transactions = await api.subscribe({"transaction": 1, "subscribe": 1})
    actions = asyncio.ensure_future(
        first(transactions, 2, lambda m: "action" in m.get("transaction", {}), keep=True)
    )
    await asyncio.sleep(0.1)

    proposal = await api.proposal(
        {
            "proposal": 1,
            "amount": 10,
            "basis": "stake",
            "contract_type": "CALL",
            "currency": "USD",
            "duration": 5,
            "duration_unit": "t",
            "symbol": "R_100",
        }
    )
    summary["ask_price"] = proposal["proposal"]["ask_price"]
    bought = await api.buy({"buy": proposal["proposal"]["id"], "price": 10})
    contract_id = bought["buy"]["contract_id"]
    summary["contract_id"] = contract_id

    poc = await api.subscribe({"proposal_open_contract": 1, "contract_id": contract_id})
    final = await first(poc, 1, lambda m: m["proposal_open_contract"].get("is_sold") == 1)
    summary["status"] = final[0]["proposal_open_contract"]["status"]
    summary["profit"] = final[0]["proposal_open_contract"]["profit"]

    summary["transactions"] = [
        (m["transaction"]["action"], m["transaction"]["contract_id"]) for m in await actions
    ]
    statement = await api.statement({"statement": 1, "description": 1, "limit": 10})
    summary["statement"] = [t["action_type"] for t in statement["statement"]["transactions"]]
    table = await api.profit_table({"profit_table": 1, "description": 1})
    summary["profit_table"] = [t["contract_id"] for t in table["profit_table"]["transactions"]]
    forgotten = await api.forget_all("ticks", "transaction", "candles")
    summary["forgotten"] = len(forgotten["forget_all"])
    balance = await api.balance()
    summary["balance_after"] = balance["balance"]["balance"]
    error = None
    try:
        await api.buy({"buy": proposal["proposal"]["id"], "price": 10})
    except Exception as exc:  # the official client's ResponseError
        error = getattr(exc, "code", repr(exc))
    summary["rebuy_error"] = error
    await trade_multipliers(api, summary)
    await trade_accumulators(api, summary)
    await api.clear()
    print(json.dumps(summary))


if __name__ == "__main__":
    with open(sys.argv[3], "w") as out:
        asyncio.run(main(sys.argv[1], sys.argv[2], out))
