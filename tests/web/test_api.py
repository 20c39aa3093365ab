"""The read API against a bot trading on the embedded simulator: every figure is live."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from trio.testing import MockClock

from framework.execution.actor import Followed
from framework.runtime import Bot
from framework.strategy.events import TradeIntent
from framework.web.api import open_row
from tests.web.conftest import until, web_config, with_bot

STATUS_KEYS = {
    "account", "virtual", "currency", "balance", "opening_balance", "connected",
    "reconnects", "uptime", "ticks", "candles", "intents", "bought", "settled", "won",
    "win_rate", "pnl", "open", "refused", "busy", "tripped", "trips", "stopping",
}  # fmt: skip
TRADE_KEYS = {
    "contract_id", "strategy", "symbol", "contract_type", "buy_price", "payout",
    "sell_price", "profit", "status", "end", "purchase_time", "settled_at",
}  # fmt: skip

#: Contracts that stay open for minutes: the open list has something to show.
LONG = """\
  - name: long
    plugin: tests.runtime.plugins:Every
    symbols: ["1HZ100V"]
    contract: {type: CALL, duration: 5, duration_unit: m}
    stake: {scheme: fixed, amount: 1.00}
    params: {every: 2, max_open: 2}
"""

#: A strategy that never trades.
WATCHER = """\
  - name: watcher
    plugin: tests.runtime.plugins:Recorder
    symbols: ["1HZ100V"]
    stake: {scheme: fixed, amount: 1.00}
"""


async def _quiet(bot: Bot) -> None:
    """Stop new trades and wait until the open ones settled: the figures hold still."""
    bot.control.kill(source="test")
    await until(bot, lambda: bot.actor is not None and bot.actor.idle)


@pytest.mark.usefixtures("web_token")
async def test_status_gives_the_live_figures(tmp_path: Path, vclock: MockClock) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        assert bot.actor is not None and bot.board is not None
        await until(bot, lambda: bot.actor is not None and bot.actor.stats.settled >= 3)
        await _quiet(bot)
        response = await http.get("/api/status")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/json"
        status = response.json()
        assert set(status) == STATUS_KEYS
        fields = bot.board.fields()
        for key in ("balance", "connected", "reconnects", "ticks", "settled", "won", "pnl"):
            assert status[key] == fields[key], key
        assert status["bought"] == fields["trades"] == bot.actor.stats.bought
        assert status["intents"] == bot.actor.stats.intents
        assert status["account"].startswith("VRTC") and status["virtual"] is True
        assert status["currency"] == "USD" and status["opening_balance"] == 10000.0
        assert status["win_rate"] == round(status["won"] / status["settled"], 4)
        assert status["tripped"] == "kill_switch"
        assert [t["limit"] for t in status["trips"]] == ["kill_switch"]
        assert status["stopping"] is False and status["uptime"] > 0
        # Live: the figures move with the bot.
        bot.control.clear_kill(source="test")
        settled = status["settled"]
        await until(bot, lambda: bot.actor is not None and bot.actor.stats.settled > settled)
        later = (await http.get("/api/status")).json()
        assert later["settled"] > settled and later["tripped"] is None
        assert later["uptime"] > status["uptime"]

    await with_bot(web_config(tmp_path), body)


@pytest.mark.usefixtures("web_token")
async def test_status_before_any_settlement_has_no_win_rate(
    tmp_path: Path, vclock: MockClock
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        status = (await http.get("/api/status")).json()
        assert status["settled"] == 0 and status["win_rate"] is None

    await with_bot(web_config(tmp_path, WATCHER), body)


@pytest.mark.usefixtures("web_token")
async def test_trades_are_paged_newest_first_and_filtered(
    tmp_path: Path, vclock: MockClock
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        assert bot.journal is not None
        await until(bot, lambda: bot.actor is not None and bot.actor.stats.settled >= 6)
        await _quiet(bot)
        journal = bot.journal
        everything = journal.settled(newest_first=True)
        first = (await http.get("/api/trades", params={"limit": 2})).json()
        assert first["total"] == len(everything) >= 6
        assert [t["contract_id"] for t in first["trades"]] == [
            c.contract_id for c in everything[:2]
        ]
        assert set(first["trades"][0]) == TRADE_KEYS
        row, held = first["trades"][0], everything[0]
        assert row["profit"] == held.profit and row["status"] == held.status
        assert row["end"] == held.end == "expired" and row["settled_at"] == held.settled_at
        second = (await http.get("/api/trades", params={"limit": 2, "offset": 2})).json()
        assert [t["contract_id"] for t in second["trades"]] == [
            c.contract_id for c in everything[2:4]
        ]
        default = (await http.get("/api/trades")).json()
        assert len(default["trades"]) == min(50, len(everything))
        mine = (await http.get("/api/trades", params={"strategy": "every"})).json()
        assert mine["total"] == len(everything)
        none = (await http.get("/api/trades", params={"strategy": "nobody"})).json()
        assert none == {"total": 0, "trades": []}
        cut = everything[2].settled_at
        assert cut is not None
        since = (await http.get("/api/trades", params={"since": cut})).json()
        assert since["total"] == journal.count_settled(since=cut)
        assert all(t["settled_at"] >= cut for t in since["trades"])
        until_ = (await http.get("/api/trades", params={"until": cut})).json()
        assert until_["total"] == journal.count_settled(until=cut)
        assert since["total"] + until_["total"] == len(everything)

    await with_bot(web_config(tmp_path), body)


@pytest.mark.usefixtures("web_token")
@pytest.mark.parametrize(
    ("query", "named"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"since": "yesterday"}, "since"),
        ({"until": "1.5"}, "until"),
        ({"strategi": "every"}, "strategi"),
    ],
)
async def test_a_bad_trades_parameter_is_400_naming_it(
    tmp_path: Path, vclock: MockClock, query: dict[str, str], named: str
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        response = await http.get("/api/trades", params=query)
        assert response.status_code == 400
        assert response.json()["error"].startswith(f"{named}: ")

    await with_bot(web_config(tmp_path), body)


@pytest.mark.usefixtures("web_token")
async def test_open_contracts_carry_their_live_bid_and_profit(
    tmp_path: Path, vclock: MockClock
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        assert bot.actor is not None
        actor = bot.actor
        await until(bot, lambda: len(actor.followed) == 2)
        # Bought this very tick: the server has not reported on the newest one yet.
        fresh = (await http.get("/api/open")).json()["open"]
        assert {row["contract_id"] for row in fresh} == set(actor.followed)
        await until(bot, lambda: all(f.latest is not None for f in actor.followed.values()))
        rows = (await http.get("/api/open")).json()["open"]
        assert [row["contract_id"] for row in rows] == sorted(
            actor.followed, key=lambda i: (actor.followed[i].purchase_time, i)
        )
        for row in rows:
            held = actor.followed[row["contract_id"]]
            assert row["strategy"] == "long" and row["symbol"] == "1HZ100V"
            assert row["contract_type"] == "CALL" and row["buy_price"] == held.buy_price
            assert row["purchase_time"] == held.purchase_time
            assert row["bid_price"] is not None and row["profit"] is not None
            assert row["payout"] > row["buy_price"]
            assert isinstance(row["is_valid_to_sell"], bool)

    await with_bot(web_config(tmp_path, LONG), body)


def test_an_open_contract_not_reported_on_yet_has_no_bid() -> None:
    intent = TradeIntent(
        "s-1", "s", "R_100", "CALL", 5, "t", None, 1.0, "stake", "USD", 1_700_000_000
    )
    followed = Followed(intent, 7, buy_price=1.0, purchase_time=1_700_000_001)
    row = open_row(followed, {7: 1.95})
    assert row == {
        "contract_id": 7, "strategy": "s", "symbol": "R_100", "contract_type": "CALL",
        "buy_price": 1.0, "payout": 1.95, "purchase_time": 1_700_000_001,
        "bid_price": None, "profit": None, "is_valid_to_sell": False,
    }  # fmt: skip


@pytest.mark.usefixtures("web_token")
async def test_strategies_show_the_runner_rows_with_symbols_and_params(
    tmp_path: Path, vclock: MockClock
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        assert bot.runner is not None
        await until(bot, lambda: bot.actor is not None and bot.actor.stats.intents >= 1)
        bot.control.pause("every", source="test")
        rows = (await http.get("/api/strategies")).json()["strategies"]
        (row,) = rows
        summary = dict(bot.runner.summary()[0])
        assert {k: row[k] for k in summary} == summary
        assert row["strategy"] == "every" and row["state"] == "running"
        assert row["paused"] is True
        assert row["symbols"] == ["1HZ100V"]
        assert row["params"] == {"every": 2, "kind": "CALL", "max_open": 1, "offset": 0,
                                 "crash_at": 0}  # fmt: skip

    await with_bot(web_config(tmp_path), body)


@pytest.mark.usefixtures("web_token")
async def test_equity_is_the_running_sum_of_closed_profits(
    tmp_path: Path, vclock: MockClock
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        assert bot.journal is not None
        await until(bot, lambda: bot.actor is not None and bot.actor.stats.settled >= 5)
        await _quiet(bot)
        equity = (await http.get("/api/equity")).json()
        assert equity["opening_balance"] == 10000.0
        closed = bot.journal.settled()
        assert [p["contract_id"] for p in equity["points"]] == [c.contract_id for c in closed]
        assert [p["t"] for p in equity["points"]] == [c.settled_at for c in closed]
        total = 0.0
        for point, c in zip(equity["points"], closed, strict=True):
            total += c.profit or 0.0
            assert point["equity"] == round(total, 2)
        status = (await http.get("/api/status")).json()
        assert equity["points"][-1]["equity"] == status["pnl"]

    await with_bot(web_config(tmp_path), body)


@pytest.mark.usefixtures("web_token")
async def test_metrics_are_served_as_prometheus_text_behind_the_token(
    tmp_path: Path, vclock: MockClock
) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        await until(bot, lambda: bot.actor is not None and bot.actor.stats.settled >= 2)
        await _quiet(bot)
        response = await http.get("/metrics")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/plain")
        families = {f.name: f for f in text_string_to_metric_families(response.text)}
        assert families and all(name.startswith("triobot_") for name in families)
        assert bot.actor is not None
        latency = families["triobot_buy_latency_seconds"]
        (count,) = [s.value for s in latency.samples if s.name.endswith("_count")]
        assert count == bot.actor.stats.bought
        anonymous = await httpx.AsyncClient(base_url=str(http.base_url)).get("/metrics")
        assert anonymous.status_code == 401

    await with_bot(web_config(tmp_path), body)
