"""The control API: pause and resume, the kill switch, stop and a sale, each journaled."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import trio
from trio.testing import MockClock

from framework.journal import Journal
from framework.runtime import Bot
from tests.runtime.conftest import make_bot
from tests.web.conftest import client, ticks, until, web_config, with_bot

SOURCE = "web 127.0.0.1"

#: Multipliers with no limit orders: open until sold (or stopped out, far away at x40).
MULT = """\
  - name: mult
    plugin: tests.backtest.helpers:Manage
    symbols: ["1HZ100V"]
    contract: {type: MULTUP, multiplier: 40}
    stake: {scheme: fixed, amount: 5.00}
    params: {every: 1}
"""

#: A strategy that never trades: nothing to wait for when the bot stops.
WATCHER = """\
  - name: watcher
    plugin: tests.runtime.plugins:Recorder
    symbols: ["1HZ100V"]
    stake: {scheme: fixed, amount: 1.00}
"""


def _controls(bot: Bot) -> list[tuple[str, Any, str, bool]]:
    assert bot.journal is not None
    return [(c["action"], c["target"], c["source"], c["changed"]) for c in bot.journal.controls()]


@pytest.mark.usefixtures("web_token")
async def test_pause_stops_new_intents_and_resume_restores_them(
    tmp_path: Path, vclock: MockClock
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        assert bot.runner is not None
        ctx = bot.runner.slots["every"].ctx
        await until(bot, lambda: ctx.submitted >= 2)
        paused = await http.post("/api/strategies/every/pause")
        assert paused.status_code == 200
        assert paused.json() == {
            "action": "pause", "target": "every", "source": SOURCE, "changed": True,
            "detail": "paused: no new intents", "contract_id": None, "order_id": None,
        }  # fmt: skip
        submitted = ctx.submitted
        await ticks(bot, 20)
        assert ctx.submitted == submitted
        assert ctx.refusals.get("paused", 0) > 0
        again = (await http.post("/api/strategies/every/pause")).json()
        assert again["changed"] is False and again["detail"] == "already paused"
        strategies = (await http.get("/api/strategies")).json()["strategies"]
        assert strategies[0]["paused"] is True
        resumed = (await http.post("/api/strategies/every/resume")).json()
        assert resumed["changed"] is True and resumed["action"] == "resume"
        await until(bot, lambda: ctx.submitted > submitted)
        idle = (await http.post("/api/strategies/every/resume")).json()
        assert idle["changed"] is False
        assert _controls(bot) == [
            ("pause", "every", SOURCE, True),
            ("pause", "every", SOURCE, False),
            ("resume", "every", SOURCE, True),
            ("resume", "every", SOURCE, False),
        ]

    await with_bot(web_config(tmp_path), body)


@pytest.mark.usefixtures("web_token")
async def test_an_unknown_strategy_or_contract_is_404(tmp_path: Path, vclock: MockClock) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        for path in ("/api/strategies/nobody/pause", "/api/strategies/nobody/resume"):
            response = await http.post(path)
            assert response.status_code == 404
            assert response.json() == {"error": "no strategy 'nobody'"}
        sale = await http.post("/api/contracts/123/sell")
        assert sale.status_code == 404 and sale.json() == {"error": "no open contract 123"}
        assert (await http.post("/api/contracts/abc/sell")).status_code == 404
        assert _controls(bot) == []

    await with_bot(web_config(tmp_path), body)


@pytest.mark.usefixtures("web_token")
async def test_the_kill_switch_refuses_intents_until_cleared(
    tmp_path: Path, vclock: MockClock
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        assert bot.actor is not None and bot.gate is not None
        actor, gate = bot.actor, bot.gate
        await until(bot, lambda: actor.stats.bought >= 1)
        killed = await http.post("/api/kill", json={"reason": "checking the feed"})
        assert killed.status_code == 200
        assert killed.json()["changed"] is True and killed.json()["action"] == "kill"
        assert gate.trip is not None and "checking the feed" in gate.trip.reason
        await until(bot, lambda: actor.idle)
        bought = actor.stats.bought
        await ticks(bot, 20)
        assert actor.stats.bought == bought
        assert gate.refused.get("kill_switch", 0) > 0
        status = (await http.get("/api/status")).json()
        assert status["tripped"] == "kill_switch" and status["refused"] > 0
        again = (await http.post("/api/kill")).json()
        assert again["changed"] is False and again["detail"] == "kill switch already on"
        cleared = (await http.post("/api/kill/clear")).json()
        assert cleared["changed"] is True and cleared["action"] == "clear_kill"
        await until(bot, lambda: actor.stats.bought > bought)
        assert (await http.post("/api/kill/clear")).json()["changed"] is False
        assert [(a, c) for a, _, _, c in _controls(bot)] == [
            ("kill", True), ("kill", False), ("clear_kill", True), ("clear_kill", False),
        ]  # fmt: skip

    await with_bot(web_config(tmp_path), body)


@pytest.mark.usefixtures("web_token")
@pytest.mark.parametrize(
    ("content", "named"),
    [
        (b"{not json", "body"),
        (b'{"reason": 3}', "reason"),
        (b'["why"]', "reason"),
        (b'{"reason": "' + b"x" * 201 + b'"}', "reason"),
    ],
)
async def test_a_bad_kill_body_is_400_and_changes_nothing(
    tmp_path: Path, vclock: MockClock, content: bytes, named: str
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        response = await http.post("/api/kill", content=content)
        assert response.status_code == 400
        assert response.json()["error"].startswith(f"{named}: ")
        assert bot.gate is not None and bot.gate.trip is None
        assert _controls(bot) == []

    await with_bot(web_config(tmp_path), body)


@pytest.mark.usefixtures("web_token")
async def test_stop_is_the_graceful_stop(tmp_path: Path, vclock: MockClock) -> None:
    bot = make_bot(web_config(tmp_path))
    answers: list[dict[str, Any]] = []
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        async with client(bot) as http:
            await until(bot, lambda: bot.actor is not None and bot.actor.stats.bought >= 1)
            answers.append((await http.post("/api/stop")).json())
            assert bot.stop.requested
            # The server still answers while open contracts settle.
            status = (await http.get("/api/status")).json()
            assert status["stopping"] is True
            answers.append((await http.post("/api/stop")).json())
    assert [a["changed"] for a in answers] == [True, False]
    assert answers[0]["detail"] == "stopping gracefully"
    assert bot.summary is not None and bot.summary.reason == f"stopped by {SOURCE}"
    assert bot.summary.open_at_exit == 0
    with Journal(tmp_path / "journal.sqlite") as journal:
        assert [(c["action"], c["changed"]) for c in journal.controls()] == [
            ("stop", True),
            ("stop", False),
        ]


@pytest.mark.usefixtures("web_token")
async def test_a_bot_with_nothing_open_ends_at_once_and_still_answers_the_stop(
    tmp_path: Path, vclock: MockClock
) -> None:
    bot = make_bot(web_config(tmp_path, WATCHER))
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        async with client(bot) as http:
            answer = await http.post("/api/stop")
            assert answer.status_code == 200
            assert answer.json()["changed"] is True
    assert bot.summary is not None and bot.summary.reason == f"stopped by {SOURCE}"


@pytest.mark.usefixtures("web_token")
async def test_an_open_multiplier_is_sold_through_the_api(
    tmp_path: Path, vclock: MockClock
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        assert bot.actor is not None and bot.journal is not None
        actor = bot.actor

        def sellable() -> bool:
            return any(f.latest is not None and f.latest.is_valid_to_sell for f in followed())

        def followed() -> list[Any]:
            return list(actor.followed.values())

        await until(bot, sellable)
        rows = (await http.get("/api/open")).json()["open"]
        (row,) = [r for r in rows if r["is_valid_to_sell"]]
        contract_id = row["contract_id"]
        assert row["contract_type"] == "MULTUP"
        sold = await http.post(f"/api/contracts/{contract_id}/sell")
        assert sold.status_code == 200
        answer = sold.json()
        assert answer["changed"] is True and answer["contract_id"] == contract_id
        assert answer["order_id"] and answer["detail"] == "sale ordered for mult"
        journal = bot.journal

        def ended() -> bool:
            return any(c.contract_id == contract_id for c in journal.settled())

        await until(bot, ended)
        (closed,) = [c for c in journal.settled() if c.contract_id == contract_id]
        assert closed.end == "sold" and closed.sell_price is not None
        trades = (await http.get("/api/trades")).json()["trades"]
        assert any(t["contract_id"] == contract_id and t["end"] == "sold" for t in trades)
        gone = await http.post(f"/api/contracts/{contract_id}/sell")
        assert gone.status_code == 404
        assert _controls(bot) == [("sell", str(contract_id), SOURCE, True)]

    await with_bot(web_config(tmp_path, MULT), body)
