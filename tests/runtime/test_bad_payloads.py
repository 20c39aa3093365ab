"""One message the bot cannot understand never stops it, and nothing is lost.

Each reproduction of issue 11 end to end: the bot on the embedded simulator over a real
loopback socket, the simulator rewriting one field of one message (``corrupt`` faults).
The bot must keep trading, log the message once, count it on the status line, and end with
the journal equal to the server's statement: the same contracts, prices and payouts, every
intent decided, every contract settled.
"""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import pytest
import trio
from structlog.testing import capture_logs
from trio.testing import MockClock

from framework.journal import Journal
from framework.runtime import Bot, RestartPolicy
from framework.simulator import SimulatorConfig
from tests.runtime.conftest import START, write_config

SYMBOL = "1HZ100V"
#: The bot trades this many contracts, then the risk gate refuses more.
TRADES = 3


def bot_with_faults(tmp_path: Path, faults: str) -> Bot:
    """A bot trading ``TRADES`` contracts on a simulator started with ``faults``."""
    config = write_config(tmp_path, risk=f"risk: {{max_trades: {TRADES}}}\n")
    sim = SimulatorConfig(
        seed=config.simulator.seed,
        start_epoch=START,
        state=config.journal.with_name("sim.sqlite"),
        faults=faults,
    )
    return Bot(config, simulator_config=sim, restart_policy=RestartPolicy(first_delay=1.0))


async def trade_until_done(bot: Bot) -> tuple[dict[int, tuple[float, float | None]], float]:
    """Run the bot until its trades are settled; the server's buys and balance then."""
    async with trio.open_nursery() as nursery:
        await nursery.start(bot.run)
        assert bot.actor is not None and bot.runner is not None and bot.simulator is not None
        actor, runner, sim = bot.actor, bot.runner, bot.simulator
        with trio.fail_after(600):
            while not (actor.stats.settled >= TRADES and actor.idle):
                epoch = runner.last_epoch.get(SYMBOL, 0)
                await runner.tick_reached(SYMBOL, epoch + 1)
        buys = {
            t.contract_id: (round(-t.amount, 2), t.payout)
            for t in sim.statement()
            if t.action == "buy" and t.contract_id is not None
        }
        balance = sim.balance()
        assert sim.faults.fired.get("corrupt") == 1
        bot.stop.request("test")
    return buys, balance


def unreadable_logs(logs: list[MutableMapping[str, Any]]) -> list[MutableMapping[str, Any]]:
    return [e for e in logs if e["event"] == "unreadable message"]


@pytest.mark.parametrize(
    ("fault", "call", "field"),
    [
        ("corrupt=buy:contract_id=abc", "buy", "BuyReceipt.contract_id"),
        ("corrupt=buy:buy_price=null", "buy", "BuyReceipt.buy_price"),
        (
            "corrupt=proposal_open_contract:contract_id",
            "proposal_open_contract",
            "OpenContract.contract_id",
        ),
        ("corrupt=transaction:amount=abc", "transaction", "Transaction.amount"),
        ("corrupt=ticks:quote=abc", "ticks", "Tick.quote"),
    ],
)
async def test_a_bad_payload_is_logged_counted_and_handled(
    fault: str, call: str, field: str, tmp_path: Path, vclock: MockClock
) -> None:
    bot = bot_with_faults(tmp_path, fault)
    with capture_logs() as logs:
        buys, server_balance = await trade_until_done(bot)
    (logged,) = unreadable_logs(logs)
    assert logged["call"] == call and logged["field"] == field
    assert logged["log_level"] == "warning" and len(logged["text"]) <= 200
    summary = bot.summary
    assert summary is not None and summary.reason == "test"
    assert summary.unreadable == 1
    assert bot.board is not None and bot.board.fields()["unreadable"] == 1
    assert any("1 message(s) could not be read" in line for line in summary.lines())
    assert summary.bought == summary.settled == TRADES and summary.open_at_exit == 0
    assert summary.balance == server_balance
    with Journal(tmp_path / "journal.sqlite") as journal:
        assert journal.unresolved_intents() == []
        assert journal.open_contracts() == []
        contracts = journal.contracts()
        held = {c.contract_id: (round(c.buy_price, 2), c.payout) for c in contracts}
        assert all(c.status in ("won", "lost") for c in contracts)
        reasons = [i.reason for i in journal.intents() if i.status == "bought"]
    assert held == buys and len(held) == TRADES
    # An unreadable buy answer is an unknown outcome, decided from the records.
    assert reasons.count("reconciled") == (1 if call == "buy" else 0)


async def test_a_tick_that_cannot_be_read_is_skipped(tmp_path: Path, vclock: MockClock) -> None:
    bot = bot_with_faults(tmp_path, "corrupt=ticks:quote=abc")
    with capture_logs() as logs:
        await trade_until_done(bot)
    (logged,) = unreadable_logs(logs)
    bad = json.loads(logged["text"])  # a tick is short: its whole payload is in the line
    assert bad["quote"] == "abc" and bad["symbol"] == SYMBOL
    assert bot.runner is not None
    # One tick a second: every tick after the unreadable one reached the strategies, it not.
    assert bot.runner.ticks == bot.runner.last_epoch[SYMBOL] - bad["epoch"] > TRADES
    assert all(row["errors"] == 0 for row in bot.runner.summary())
