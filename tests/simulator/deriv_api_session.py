"""A trading session written with Deriv's official client (``python_deriv_api``, asyncio).

Not a test module: ``test_official_client.py`` runs it in a separate virtualenv (the client
pins ``websockets==10.3``) against a simulator, as ``python deriv_api_session.py URL TOKEN``.
It prints one JSON object summarising what the official client saw; the test checks it.
"""

import asyncio
import json
import sys
from collections.abc import Callable
from typing import Any

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


async def main(endpoint: str, token: str) -> None:
    api = DerivAPI(endpoint=endpoint, app_id=1089)
    summary: dict[str, Any] = {}
    auth = await api.authorize(token)
    summary["loginid"] = auth["authorize"]["loginid"]
    summary["balance_before"] = auth["authorize"]["balance"]

    ticks = await api.subscribe({"ticks": "R_100"})
    summary["ticks"] = [m["tick"]["quote"] for m in await first(ticks, 3, keep=True)]

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
    forgotten = await api.forget_all("ticks", "transaction")
    summary["forgotten"] = len(forgotten["forget_all"])
    balance = await api.balance()
    summary["balance_after"] = balance["balance"]["balance"]
    error = None
    try:
        await api.buy({"buy": proposal["proposal"]["id"], "price": 10})
    except Exception as exc:  # the official client's ResponseError
        error = getattr(exc, "code", repr(exc))
    summary["rebuy_error"] = error
    await api.clear()
    print(json.dumps(summary))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
