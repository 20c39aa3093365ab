"""The Prometheus metrics of a real bot on the embedded simulator, in virtual time.

Each test renders the exposition text, parses it back with prometheus-client's own parser
and compares every figure with the live component that holds it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trio
from prometheus_client.parser import text_string_to_metric_families
from trio.testing import MockClock

from framework.runtime import Bot
from framework.simulator import SimulatorConfig
from framework.simulator.ratelimit import RateLimits
from framework.web.metrics import FEED_CAPACITY, LATENCY_BUCKETS, BotMetrics
from tests.docs.blocks import ROOT
from tests.runtime.conftest import EVERY, START, make_bot, write_config
from tests.runtime.plugins import Crasher, Every

SYMBOL = "1HZ100V"

CRASHER = """\
  - name: crasher
    plugin: tests.runtime.plugins:Crasher
    symbols: ["1HZ100V"]
    contract: {type: CALL, duration: 3, duration_unit: t}
    stake: {scheme: fixed, amount: 1.00}
    params: {at: 2}
    on_error: restart
    max_restarts: 1
"""

Labels = tuple[tuple[str, str], ...]


def scrape(metrics: BotMetrics) -> dict[str, dict[Labels, float]]:
    """Render, check the content type, and parse: sample name -> labels -> value."""
    body, content_type = metrics.render()
    assert content_type.startswith("text/plain; version=0.0.4")
    samples: dict[str, dict[Labels, float]] = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[labels] = sample.value
    return samples


def documented() -> set[str]:
    """The series docs/running.md lists in its metrics table (the first column's names)."""
    text = (ROOT / "docs" / "running.md").read_text(encoding="utf-8")
    section = text[text.index("\n## Prometheus metrics\n") :]
    section = section[: section.index("\n## ", 1)]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `triobot_")]
    return {name for row in rows for name in re.findall(r"`(triobot_\w+)`", row)}


def one(samples: dict[str, dict[Labels, float]], name: str, **labels: str) -> float:
    """The value of one series."""
    return samples[name][tuple(sorted(labels.items()))]


async def until_tick(bot: Bot, predicate: Callable[[], bool]) -> None:
    """Wait, tick by tick, until ``predicate()`` holds (fails after 600 virtual seconds)."""
    assert bot.runner is not None
    runner = bot.runner
    with trio.fail_after(600):
        while not predicate():
            await runner.tick_reached(SYMBOL, runner.last_epoch.get(SYMBOL, 0) + 1)


async def test_every_figure_is_the_live_components_own(tmp_path: Path, vclock: MockClock) -> None:
    Every.closed.clear()
    Crasher.starts = 0
    config = write_config(tmp_path, EVERY + CRASHER, risk="risk: {max_trades: 4}\n")
    bot = make_bot(config)
    metrics = BotMetrics(bot)  # before the run: it sees every event from the start
    async with trio.open_nursery() as nursery:
        await nursery.start(metrics.run)
        async with trio.open_nursery() as running:
            await running.start(bot.run)
            assert bot.runner and bot.actor and bot.gate and bot.connection and bot.board
            runner, actor, gate, conn = bot.runner, bot.actor, bot.gate, bot.connection
            crasher = runner.slots["crasher"]
            await until_tick(
                bot,
                lambda: (
                    "max_trades" in gate.refused
                    and actor.idle
                    and actor.stats.settled == actor.stats.bought
                    and crasher.state == "disabled"
                ),
            )
            # Let the feeder take the last events, then read both sides at one moment.
            await trio.testing.wait_all_tasks_blocked()
            samples = scrape(metrics)
            stats = actor.stats
            assert one(samples, "triobot_ticks_total") == runner.ticks > 0
            assert one(samples, "triobot_candles_total") == runner.host.candles
            assert one(samples, "triobot_intents_total") == stats.intents
            assert one(samples, "triobot_bought_total") == stats.bought == 4
            assert one(samples, "triobot_not_bought_total") == stats.not_bought
            assert one(samples, "triobot_orders_total") == stats.orders
            assert one(samples, "triobot_pnl") == stats.profit
            assert one(samples, "triobot_balance", currency=actor.currency) == actor.balance
            assert one(samples, "triobot_opening_balance") == bot.board.opening_balance
            assert one(samples, "triobot_open_contracts") == len(actor.followed) == 0
            assert one(samples, "triobot_open_profit") == 0
            # Settlements by how they ended: the journal's own rows, the actor's totals.
            settled = samples["triobot_settled_total"]
            assert sum(settled.values()) == stats.settled == 4
            won = sum(v for labels, v in settled.items() if ("status", "won") in labels)
            assert won == stats.won
            assert bot.journal is not None
            rows = Counter((c.end, c.status, c.strategy) for c in bot.journal.contracts())
            assert {
                tuple(value for _, value in labels): n for labels, n in settled.items()
            } == dict(rows)
            # Tick to trade: one observation per buy, cumulative buckets ending at +Inf.
            assert one(samples, "triobot_buy_latency_seconds_count") == stats.bought
            buckets = samples["triobot_buy_latency_seconds_bucket"]
            assert len(buckets) == len(LATENCY_BUCKETS) + 1
            counts = [buckets[(("le", le),)] for le in [*map(str, LATENCY_BUCKETS), "+Inf"]]
            assert counts == sorted(counts) and counts[-1] == stats.bought
            assert one(samples, "triobot_buy_latency_seconds_sum") >= 0
            # Strategies, the risk gate, the connection.
            for name, slot in runner.slots.items():
                assert one(samples, "triobot_strategy_errors_total", strategy=name) == slot.errors
                assert (
                    one(samples, "triobot_strategy_restarts_total", strategy=name) == slot.restarts
                )
                assert one(samples, "triobot_strategy_paused", strategy=name) == 0
                assert one(samples, "triobot_strategy_state", strategy=name, state=slot.state) == 1
            assert one(samples, "triobot_strategy_errors_total", strategy="crasher") == 2
            assert one(samples, "triobot_strategy_intents_total", strategy="every") == (
                runner.slots["every"].ctx.submitted
            )
            assert (
                one(samples, "triobot_risk_refusals_total", limit="max_trades")
                == (gate.refused["max_trades"])
            )
            assert one(samples, "triobot_risk_trips_total", limit="max_trades") == 1
            assert one(samples, "triobot_risk_tripped") == 1
            assert one(samples, "triobot_connected") == 1
            assert one(samples, "triobot_reconnects_total") == conn.stats.reconnects == 0
            assert one(samples, "triobot_frames_received_total") == conn.stats.frames > 0
            assert one(samples, "triobot_rate_limit_waits_total") == conn.limiter.waits
            assert conn.authorization is not None
            account = {"account": conn.authorization.loginid, "currency": "USD", "virtual": "true"}
            assert one(samples, "triobot_account", **account) == 1
            assert one(samples, "triobot_metrics_events_dropped_total") == 0
            assert all(name.startswith("triobot_") for name in samples)
            # The guide's table lists every series, and only those (a histogram by its name).
            shown = {
                name.removesuffix("_count")
                for name in samples
                if not name.endswith(("_created", "_bucket", "_sum"))
            }
            assert shown == documented()
            bot.stop.request("test")
        nursery.cancel_scope.cancel()
    # A stopped bot's figures stay readable as they ended.
    after = scrape(metrics)
    assert one(after, "triobot_bought_total") == 4
    assert one(after, "triobot_connected") == 0


async def test_rate_limit_waits_are_the_limiters_own(tmp_path: Path, vclock: MockClock) -> None:
    # 4 pricing calls a minute advertised, 3 used: two buys' proposals and streams a minute.
    config = write_config(tmp_path, EVERY)
    sim = SimulatorConfig(
        seed=config.simulator.seed,
        start_epoch=START,
        state=config.journal.with_name("sim.sqlite"),
        rate_limits=RateLimits().per_minute(pricing=4),
    )
    bot = Bot(config, simulator_config=sim)
    metrics = BotMetrics(bot)
    async with trio.open_nursery() as nursery:
        await nursery.start(metrics.run)
        async with trio.open_nursery() as running:
            await running.start(bot.run)
            assert bot.connection is not None
            limiter = bot.connection.limiter
            await until_tick(bot, lambda: limiter.waits >= 2)
            samples = scrape(metrics)
            assert one(samples, "triobot_rate_limit_waits_total") == limiter.waits
            assert one(samples, "triobot_rate_limit_wait_seconds_total") == limiter.waited > 0
            bot.stop.request("test")
        nursery.cancel_scope.cancel()


def test_before_the_start_only_the_bus_fed_series_show(tmp_path: Path) -> None:
    bot = make_bot(write_config(tmp_path))
    samples = scrape(BotMetrics(bot))
    assert "triobot_ticks_total" not in samples
    assert "triobot_buy_latency_seconds_count" in samples
    assert one(samples, "triobot_metrics_events_dropped_total") == 0


async def test_each_bot_counts_its_own_events(tmp_path: Path, autojump_clock: MockClock) -> None:
    # Two bots in one process: two registries, nothing shared (the global one would refuse
    # the second set of names).
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one_bot = make_bot(write_config(tmp_path / "a"))
    other = make_bot(write_config(tmp_path / "b"))
    first, second = BotMetrics(one_bot), BotMetrics(other)
    async with trio.open_nursery() as nursery:
        await nursery.start(first.run)
        await nursery.start(second.run)
        one_bot.events.publish("settled", strategy="s", status="won", end="sold", profit=1.0)
        one_bot.events.publish("bought", strategy="s", latency=0.02)
        one_bot.events.publish("bought", strategy="s", latency=None)  # a recovered intent
        one_bot.events.publish("trip", limit="max_trades")  # not the metrics' business
        await trio.testing.wait_all_tasks_blocked()
        nursery.cancel_scope.cancel()
    mine, theirs = scrape(first), scrape(second)
    assert one(mine, "triobot_settled_total", end="sold", status="won", strategy="s") == 1
    assert one(mine, "triobot_buy_latency_seconds_count") == 1
    assert one(mine, "triobot_buy_latency_seconds_bucket", le="0.025") == 1
    assert one(mine, "triobot_buy_latency_seconds_bucket", le="0.01") == 0
    assert "triobot_settled_total" not in theirs
    assert one(theirs, "triobot_buy_latency_seconds_count") == 0
    assert one_bot.events.subscribers == other.events.subscribers == 0  # closed on the way out


def test_events_the_bus_dropped_for_the_feeder_are_counted(tmp_path: Path) -> None:
    bot = make_bot(write_config(tmp_path))
    metrics = BotMetrics(bot)  # its feeder never runs: the queue fills
    for _ in range(FEED_CAPACITY + 3):
        bot.events.publish("bought", strategy="s", latency=0.01)
    assert metrics.dropped == 3
    assert one(scrape(metrics), "triobot_metrics_events_dropped_total") == 3
