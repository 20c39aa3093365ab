"""The bot's Prometheus metrics: every series named ``triobot_...``, one registry per bot.

Theory of operation:

1. **Read, not counted again.** The live components already count what a watcher wants:
   the strategy runner its ticks and candles and each strategy's errors, the execution
   actor its intents, buys, settlements, profit, balance and followed contracts, the risk
   gate its refusals and trips, the connection its reconnects and unreadable messages, its
   rate limiter the calls it held back. :class:`BotCollector` reads them when Prometheus
   scrapes, so ``/metrics``, ``/api/status`` and the status line can never disagree.
2. **What no component holds** is fed from the bot's event bus by :meth:`BotMetrics.run`:
   how each settlement ended (``settled`` events: strategy, ``status``, ``end``) and the
   tick-to-trade latency of each buy (``bought`` events: ``latency``, from the intent given
   to its contract known; a recovered intent has none and is not observed). The bus drops
   events for a subscriber that falls behind; those are counted
   (``triobot_metrics_events_dropped_total``), so a gap shows instead of hiding.
3. **One registry per bot**, never prometheus-client's global default one: several bots
   (the tests run many) live in one process, and a process's own metrics are not a bot's.

A component not built yet (before start-up) contributes no series; the figures of a bot
that has stopped stay readable as they ended.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import trio
from prometheus_client import CollectorRegistry, Counter, generate_latest
from prometheus_client import Histogram as HistogramMetric
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from framework.bus import BotEvent

if TYPE_CHECKING:
    from framework.connection import Connection
    from framework.execution import ExecutionActor
    from framework.runtime import Bot
    from framework.runtime.gate import JournalingGate
    from framework.runtime.runner import StrategyRunner

__all__ = ["LATENCY_BUCKETS", "BotCollector", "BotMetrics"]

#: Bounds of the tick-to-trade histogram, in seconds: a buy on a quiet link takes a few
#: milliseconds; one held by the rate limiter or re-quoted takes seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

#: Events the feeder's queue may hold before the bus drops some for it (it only counts).
FEED_CAPACITY = 4096

# The execution actor's counters (ExecutionStats fields) as series: name, help.
_EXECUTION = (
    ("intents", "intents", "Intents that reached the execution actor."),
    ("bought", "bought", "Contracts bought (buys)."),
    ("not_bought", "not_bought", "Intents not bought (the server refused, or nothing was sent)."),
    ("rejected", "rejected", "Intents the execution actor rejected before a buy was sent."),
    ("busy", "busy", "Intents refused because execution.max_waiting intents were waiting."),
    ("reconciled", "reconciled", "Buys whose outcome was decided from the account's records."),
    ("unknown", "buys_unknown", "Buys whose answer was lost or unreadable (then reconciled)."),
    ("requotes", "requotes", "Buys priced again after PriceMoved or InvalidContractProposal."),
    ("orders", "orders", "Orders (sell, update, cancel) given on open contracts."),
    ("orders_done", "orders_done", "Orders carried out."),
    ("orders_failed", "orders_failed", "Orders that failed at the server."),
)

# The connection's counters (ConnectionStats attributes) as series: attribute, name, help.
_CONNECTION = (
    ("reconnects", "reconnects", "Connection outages recovered from."),
    ("frames", "frames_received", "WebSocket frames received."),
    ("malformed", "malformed_frames", "Frames that were not Deriv messages (ignored)."),
    ("unreadable", "unreadable_messages", "Messages the typed models refused (logged, handled)."),
    ("resubscribed", "resubscribed", "Streams re-created on a new session or after silence."),
    ("rate_limited", "rate_limit_answers", "RateLimit answers from the server (then retried)."),
)

# The strategy runner's rows (one per strategy) as series: key, help.
_STRATEGY = (
    ("errors", "Exceptions raised by a strategy's hooks."),
    ("restarts", "Restarts of a strategy after an error."),
    ("intents", "Intents a strategy gave."),
)


class BotCollector(Collector):
    """Reads one bot's live components into metric families at each scrape.

    Args:
        bot: the bot; its components may not be built yet.
    """

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    def collect(self) -> Iterator[Metric]:
        """Every family the bot's components hold figures for now."""
        bot = self._bot
        if bot.runner is not None:
            yield from _runner(bot.runner)
        if bot.actor is not None:
            yield from _actor(bot.actor)
        if bot.board is not None:
            yield _gauge("opening_balance", "Balance at authorization.", bot.board.opening_balance)
        if bot.gate is not None:
            yield from _gate(bot.gate)
        if bot.connection is not None:
            yield from _connection(bot.connection)


def _counter(name: str, doc: str, value: float) -> CounterMetricFamily:
    return CounterMetricFamily(f"triobot_{name}", doc, value=value)


def _gauge(name: str, doc: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"triobot_{name}", doc, value=value)


def _labelled(
    family: CounterMetricFamily | GaugeMetricFamily, rows: Iterable[tuple[list[str], float]]
) -> CounterMetricFamily | GaugeMetricFamily:
    for labels, value in rows:
        family.add_metric(labels, value)
    return family


def _runner(runner: StrategyRunner) -> Iterator[Metric]:
    yield _counter("ticks", "Ticks dispatched to the strategies.", runner.ticks)
    yield _counter(
        "candles",
        "Closed candles given to the strategies (history not counted).",
        runner.host.candles,
    )
    rows = runner.summary()
    for key, doc in _STRATEGY:
        family = CounterMetricFamily(f"triobot_strategy_{key}", doc, labels=["strategy"])
        yield _labelled(family, (([row["strategy"]], row[key]) for row in rows))
    paused = GaugeMetricFamily(
        "triobot_strategy_paused", "1 while a strategy is paused.", labels=["strategy"]
    )
    yield _labelled(paused, (([row["strategy"]], float(row["paused"])) for row in rows))
    state = GaugeMetricFamily(
        "triobot_strategy_state",
        "1 for the state a strategy is in (running, restarting, disabled, stopped...).",
        labels=["strategy", "state"],
    )
    yield _labelled(state, (([row["strategy"], row["state"]], 1.0) for row in rows))


def _actor(actor: ExecutionActor) -> Iterator[Metric]:
    stats = actor.stats
    for field, name, doc in _EXECUTION:
        yield _counter(name, doc, getattr(stats, field))
    yield _gauge("pnl", "Profit of the contracts settled this run.", stats.profit)
    balance = GaugeMetricFamily(
        "triobot_balance", "Account balance as last reported.", labels=["currency"]
    )
    balance.add_metric([actor.currency], actor.balance)
    yield balance
    yield _gauge("open_contracts", "Contracts being followed now.", len(actor.followed))
    live = [f.latest.profit for f in actor.followed.values() if f.latest is not None]
    yield _gauge(
        "open_profit",
        "Live profit of the open contracts the server has priced (what a sale would make).",
        sum(p for p in live if p is not None),
    )


def _gate(gate: JournalingGate) -> Iterator[Metric]:
    refused = CounterMetricFamily(
        "triobot_risk_refusals", "Intents the risk gate refused, by limit.", labels=["limit"]
    )
    yield _labelled(refused, (([limit], n) for limit, n in sorted(gate.refused.items())))
    trips: dict[str, int] = {}
    for trip in gate.history:
        trips[trip.limit] = trips.get(trip.limit, 0) + 1
    family = CounterMetricFamily(
        "triobot_risk_trips", "Risk limits tripped this session, by limit.", labels=["limit"]
    )
    yield _labelled(family, (([limit], n) for limit, n in sorted(trips.items())))
    yield _gauge(
        "risk_tripped", "1 while a risk limit blocks new trades.", float(gate.trip is not None)
    )


def _connection(conn: Connection) -> Iterator[Metric]:
    yield _gauge("connected", "1 while requests go out.", float(conn.connected))
    for attribute, name, doc in _CONNECTION:
        yield _counter(name, doc, getattr(conn.stats, attribute))
    limiter = conn.limiter
    yield _counter(
        "rate_limit_waits", "Requests held back to stay within the rate limits.", limiter.waits
    )
    yield _counter(
        "rate_limit_wait_seconds",
        "Seconds requests were held back by the rate limits, in total.",
        limiter.waited,
    )
    # The bot holds its connection only once it is authorized (Bot._run), and an answer,
    # once given, is only ever replaced by the next one.
    auth = conn.authorization
    assert auth is not None, "an authorized connection"
    info = GaugeMetricFamily(
        "triobot_account", "The account the bot trades (always 1).",
        labels=["account", "currency", "virtual"],
    )  # fmt: skip
    info.add_metric([auth.loginid, auth.currency, str(auth.is_virtual).lower()], 1.0)
    yield info


class BotMetrics:
    """One bot's metrics: the collector, the bus feeder, and the text to serve.

    Create it before the bot runs (it subscribes to the bus at once, so no settlement of
    the start-up's recovery is missed), run :meth:`run` in a nursery, and serve
    :meth:`render` at ``/metrics``.

    Args:
        bot: the bot to watch.

    Attributes:
        registry: the bot's own registry (never prometheus-client's global one).
    """

    def __init__(self, bot: Bot) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(BotCollector(bot))
        self._settled = Counter(
            "triobot_settled",
            "Contracts settled, by strategy, status (won, lost) and how they ended "
            "(expired, sold, take_profit, stop_loss, stopped_out, knocked_out, cancelled).",
            ["strategy", "status", "end"],
            registry=self.registry,
        )
        self._latency = HistogramMetric(
            "triobot_buy_latency_seconds",
            "Tick to trade: from an intent given to its contract known.",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self._feed = bot.events.subscribe(FEED_CAPACITY)
        self.registry.register(_DroppedCollector(self))

    @property
    def dropped(self) -> int:
        """Events the bus dropped for the feeder (its queue was full)."""
        return self._feed.dropped

    def observe(self, event: BotEvent) -> None:
        """Count one event of the bus (the others are not metrics' business)."""
        data = event.data
        if event.kind == "settled":
            self._settled.labels(data["strategy"], data["status"], data["end"]).inc()
        elif event.kind == "bought" and data.get("latency") is not None:
            self._latency.observe(data["latency"])

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Feed the bus's events to the settlement counts and the latency histogram, until
        cancelled (then the subscription is closed)."""
        with self._feed:
            task_status.started()
            async for event in self._feed:
                self.observe(event)

    def render(self) -> tuple[bytes, str]:
        """The Prometheus text exposition of every series, and its content type.

        The classic text format (version 0.0.4), which every Prometheus and every scraper
        reads; every name here is a plain one, so the newer formats would say nothing more.
        """
        return generate_latest(self.registry), CONTENT_TYPE_PLAIN_0_0_4


class _DroppedCollector(Collector):
    """The feeder's own gap: events the bus dropped for it."""

    def __init__(self, metrics: BotMetrics) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        yield _counter(
            "metrics_events_dropped",
            "Bus events lost to the metrics feeder (settlement counts and latencies miss them).",
            self._metrics.dropped,
        )
