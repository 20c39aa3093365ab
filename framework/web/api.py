"""The read API: status, trades, open contracts, strategies and the equity series.

Every figure is read from the component that holds it: the status board's fields, the
execution actor (balance, currency, open contracts with their latest update), the risk
gate (trips), the strategy runner (its summary and each strategy's context) and the
journal (closed trades). Only what no component holds is derived here, from those:
``uptime`` (from the server's start), ``win_rate`` (won over settled) and the equity curve
(the running sum of the journal's closed-trade profits).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import attrs
import trio
from starlette.requests import Request
from starlette.responses import Response

from framework.journal import JournaledContract

from .context import WebContext, error, json_response, web_context

if TYPE_CHECKING:
    from framework.execution.actor import Followed

__all__ = [
    "MAX_LIMIT",
    "equity",
    "open_contracts",
    "open_row",
    "status",
    "status_body",
    "strategies",
    "trades",
]

#: The most trades one page gives.
MAX_LIMIT = 1000
_TRADE_PARAMS = ("strategy", "since", "until", "limit", "offset")


def status_body(web: WebContext) -> dict[str, Any]:
    """The ``/api/status`` figures (also the live stream's ``status`` event)."""
    fields = web.board.fields()
    auth = web.connection.authorization
    assert auth is not None  # the bot started: it was authorized
    settled, won = fields["settled"], fields["won"]
    return {
        "account": auth.loginid,
        "virtual": bool(auth.is_virtual),
        "currency": web.actor.currency,
        "balance": fields["balance"],
        "opening_balance": round(web.board.opening_balance, 2),
        "connected": fields["connected"],
        "reconnects": fields["reconnects"],
        "uptime": round(trio.current_time() - web.started, 1),
        "ticks": fields["ticks"],
        "candles": fields["candles"],
        "intents": web.actor.stats.intents,
        "bought": fields["trades"],
        "settled": settled,
        "won": won,
        "win_rate": round(won / settled, 4) if settled else None,
        "pnl": fields["pnl"],
        "open": fields["open"],
        "refused": fields["refused"],
        "busy": fields["busy"],
        "tripped": fields["tripped"],
        "trips": [trip.as_dict() for trip in web.gate.history],
        "stopping": web.bot.stop.requested,
    }


async def status(request: Request) -> Response:
    """``GET /api/status``."""
    return json_response(status_body(web_context(request)))


def _int(params: Mapping[str, str], name: str, default: int | None, low: int, high: int) -> Any:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = None
    if value is None or not low <= value <= high:
        raise ValueError(f"{name}: expected an integer {low} to {high}, got {raw!r}")
    return value


def _trade(c: JournaledContract) -> dict[str, Any]:
    return {
        "contract_id": c.contract_id,
        "strategy": c.strategy,
        "symbol": c.symbol,
        "contract_type": c.contract_type,
        "buy_price": c.buy_price,
        "payout": c.payout,
        "sell_price": c.sell_price,
        "profit": c.profit,
        "status": c.status,
        "end": c.end,
        "purchase_time": c.purchase_time,
        "settled_at": c.settled_at,
    }


async def trades(request: Request) -> Response:
    """``GET /api/trades?strategy=&since=&until=&limit=50&offset=0``: closed trades, newest
    first, with the total the filters match."""
    params = request.query_params
    unknown = sorted(set(params) - set(_TRADE_PARAMS))
    if unknown:
        return error(f"{unknown[0]}: unknown parameter (one of {', '.join(_TRADE_PARAMS)})", 400)
    try:
        epoch = 2**63 - 1
        since = _int(params, "since", None, 0, epoch)
        until = _int(params, "until", None, 0, epoch)
        limit = _int(params, "limit", 50, 1, MAX_LIMIT)
        offset = _int(params, "offset", 0, 0, epoch)
    except ValueError as exc:
        return error(str(exc), 400)
    strategy = params.get("strategy") or None
    journal = web_context(request).journal
    where = {"strategy": strategy, "since": since, "until": until}
    rows = journal.settled(**where, limit=limit, offset=offset, newest_first=True)
    total = journal.count_settled(**where)
    return json_response({"total": total, "trades": [_trade(c) for c in rows]})


def open_row(f: Followed, payouts: Mapping[int, float]) -> dict[str, Any]:
    """One ``/api/open`` row: a followed contract, with its latest update once it has one.

    Args:
        f: the contract as the execution actor follows it.
        payouts: the journal's payout of each open contract.
    """
    latest = f.latest
    return {
        "contract_id": f.contract_id,
        "strategy": f.intent.strategy,
        "symbol": f.intent.symbol,
        "contract_type": f.intent.contract_type,
        "buy_price": f.buy_price,
        # The server's latest word, else what the journal booked at the buy.
        "payout": latest.payout if latest is not None else payouts.get(f.contract_id),
        "purchase_time": f.purchase_time,
        "bid_price": latest.bid_price if latest is not None else None,
        "profit": latest.profit if latest is not None else None,
        "is_valid_to_sell": latest.is_valid_to_sell if latest is not None else False,
    }


async def open_contracts(request: Request) -> Response:
    """``GET /api/open``: the contracts followed now, oldest first, with their live bid."""
    web = web_context(request)
    payouts = {c.contract_id: c.payout for c in web.journal.open_contracts()}
    rows = sorted(web.actor.followed.values(), key=lambda f: (f.purchase_time, f.contract_id))
    return json_response({"open": [open_row(f, payouts) for f in rows]})


def _params(params: Any) -> Any:
    return attrs.asdict(params) if attrs.has(type(params)) else params


async def strategies(request: Request) -> Response:
    """``GET /api/strategies``: the runner's row of each strategy, with its symbols and
    parameters."""
    runner = web_context(request).runner
    rows = []
    for row in runner.summary():
        ctx = runner.slots[row["strategy"]].ctx
        rows.append({**row, "symbols": list(ctx.symbols), "params": _params(ctx.params)})
    return json_response({"strategies": rows})


async def equity(request: Request) -> Response:
    """``GET /api/equity``: the cumulative profit after each closed trade, oldest first."""
    web = web_context(request)
    total = 0.0
    points = []
    for c in web.journal.settled():
        total += c.profit or 0.0
        points.append({"t": c.settled_at, "equity": round(total, 2), "contract_id": c.contract_id})
    return json_response({"opening_balance": round(web.board.opening_balance, 2), "points": points})
