"""The bot: one root nursery wiring simulator, connection, execution and strategies.

:class:`Bot` runs one :class:`~framework.config.BotConfig` until asked to stop. Start-up
order (nothing trades until every check passed):

1. the embedded simulator, when ``endpoint: embedded`` (same process, real loopback socket);
2. the connection actor: connected and authorized (``nursery.start``);
3. the token's scopes against every call the bot will make (:mod:`framework.scopes`): a
   missing scope stops here with :class:`~framework.scopes.MissingScopes`, naming each
   scope, the calls and the strategies that need it; surplus dangerous scopes are warned;
4. the execution actor and the transaction stream, then the journal's loose ends
   (:func:`~framework.execution.recovery.recover`): unfinished buys reconciled, open
   contracts settled or followed;
5. per symbol (shared by the strategies that trade it), its tick subscription, the
   server's candles of every declared series and the declared history
   (:mod:`~framework.runtime.market`), every symbol at once within the server's budgets
   (:mod:`~framework.runtime.startup`), then every strategy's ``on_start``, then the
   status line.

Stopping (:meth:`StopRequest.request`, from a signal, ``--duration`` or a test): no new
intents (the risk gate's :meth:`~framework.risk.RiskGate.stop`, not a trip; queued ones are
refused with the stop's reason), a bounded grace for open contracts to settle while ticks
keep flowing, ``on_stop`` of each strategy, then the root nursery is cancelled, which closes
the socket and the simulator. :meth:`Bot.abort` skips the
grace (a second signal). Contracts still open are in the journal; the next start follows them.
A strategy under ``on_error: raise`` whose hook raises asks for the same graceful stop, and
the run then ends with its :class:`~framework.strategy._host.StrategyFailed`.
"""

from __future__ import annotations

import re
from typing import Any

import attrs
import trio

from framework.bus import EventBus
from framework.client import Client
from framework.config import BotConfig
from framework.connection import Connection, ConnectionRestored, Disconnected
from framework.deriv.models import Authorize
from framework.deriv.ratelimits import limits_from_website_status
from framework.execution import ClientBroker, ExecutionActor, recover
from framework.journal import Journal
from framework.logs import get_logger
from framework.notify.notifier import Notifier, notifying
from framework.scopes import bot_needs, require_scopes
from framework.simulator import SimulatorConfig
from framework.simulator.simulator import Simulator
from framework.strategy.state import JsonFileStateStore
from framework.web.metrics import BotMetrics
from framework.web.server import WebServer

from .control import BotControl
from .endpoint import connect
from .gate import JournalingGate
from .groups import sole_error
from .market import StartupError, SymbolMarket
from .runner import RestartPolicy, StrategyRunner
from .startup import start_markets
from .status import RunSummary, StatusBoard

__all__ = ["Bot", "StartupError", "StopRequest"]


class StopRequest:
    """Asks a running bot to stop gracefully; the first reason given wins."""

    def __init__(self) -> None:
        self.reason = ""
        self._event = trio.Event()

    def request(self, reason: str) -> None:
        """Ask for a graceful stop (idempotent)."""
        if not self._event.is_set():
            self.reason = reason
            self._event.set()

    @property
    def requested(self) -> bool:
        """A stop was asked for."""
        return self._event.is_set()

    async def wait(self) -> None:
        """Return once a stop was asked for."""
        await self._event.wait()


def _last_seqs(journal: Journal) -> dict[str, int]:
    """The last intent number each strategy used, so new ids never repeat old ones."""
    pattern = re.compile(r"^(.+)-(\d+)$")
    seqs: dict[str, int] = {}
    for row in journal.intents():
        found = pattern.match(row.intent_id)
        if found and found.group(1) == row.strategy:
            seqs[row.strategy] = max(seqs.get(row.strategy, 0), int(found.group(2)))
    return seqs


class Bot:
    """One running bot.

    Attributes:
        config: the checked config.
        stop: the graceful-stop request.
        simulator: the embedded simulator, when there is one.
        connection, actor, runner, gate, board: the live components (set during start-up).
        markets: per symbol, what feeds its ticks, candles and history.
        events: what happens, for watchers (dashboard, notifications, metrics).
        control: what a person may do to the running bot (pause, stop, kill switch...).
        journal: the open journal while the bot runs.
        notifier: sends events to the ``notify:`` targets while the bot runs (its counters
            stay readable after).
        web_url: where the web dashboard and API listen, once they do (``web:`` set).
        metrics: its Prometheus metrics, served at ``/metrics`` (``web:`` set): made here,
            before the run, so that no settlement of the start-up's recovery is missed.
        summary: set when the run ends (also after a failure, as far as it got).
        recovery: what start-up reconciliation found.
    """

    def __init__(
        self,
        config: BotConfig,
        *,
        stop: StopRequest | None = None,
        grace: float = 60.0,
        restart_policy: RestartPolicy | None = None,
        simulator_config: SimulatorConfig | None = None,
        connection_settings: dict[str, Any] | None = None,
        log: Any = None,
    ) -> None:
        """Prepare a bot (nothing runs until :meth:`run`).

        Args:
            config: a config from :func:`~framework.config.load_config`.
            stop: the stop request to watch (a new one by default).
            grace: seconds open contracts get to settle when stopping.
            restart_policy: backoff of failed strategies.
            simulator_config: the embedded simulator's full config (default: from
                ``config.simulator``).
            connection_settings: overrides of the connection settings (tests).
            log: a structlog logger.
        """
        self.config = config
        self.stop = stop or StopRequest()
        self.grace = grace
        self._policy = restart_policy
        self._sim_config = simulator_config
        self._conn_overrides = connection_settings or {}
        self.log = log if log is not None else get_logger("triobot.bot")
        self.simulator: Simulator | None = None
        self.connection: Connection | None = None
        self.actor: ExecutionActor | None = None
        self.runner: StrategyRunner | None = None
        self.gate: JournalingGate | None = None
        self.board: StatusBoard | None = None
        self.summary: RunSummary | None = None
        self.recovery: dict[str, int] = {}
        #: symbol -> the task feeding its market data to the strategies.
        self.markets: dict[str, SymbolMarket] = {}
        #: set once every strategy has started (for supervisors and tests).
        self.started = trio.Event()
        self.events = EventBus()
        self.control = BotControl(self)
        self.journal: Journal | None = None
        self.notifier: Notifier | None = None
        self.web_url: str | None = None
        self.metrics = BotMetrics(self) if config.web is not None else None
        self._root: trio.CancelScope | None = None
        self._aborted = False

    @property
    def aborted(self) -> bool:
        """The bot was stopped at once (a second signal), skipping the grace period."""
        return self._aborted

    def abort(self) -> None:
        """Stop now, without the grace period (a second signal)."""
        self._aborted = True
        if self.stop.requested:
            self.stop.reason += "; then stopped at once"
        else:
            self.stop.request("stopped at once")
        if self._root is not None:
            self._root.cancel()

    async def run(
        self, *, task_status: trio.TaskStatus[Bot] = trio.TASK_STATUS_IGNORED
    ) -> RunSummary:
        """Run until stopped; reports started once every strategy has started.

        Returns:
            The run's summary.

        Raises:
            MissingScopes: the token lacks scopes (exit code 3).
            UserError: the token was refused.
            ReconnectExhausted: the connection could not be kept.
            StartupError: a subscription the bot needs was refused.
            StrategyFailed: a strategy could not be created, or one under
                ``on_error: raise`` raised (the bot stopped gracefully first).
        """
        self.journal = journal = Journal(self.config.journal)
        # Around the root nursery: subscribed before "started" is published, and still
        # sending (for a bounded flush) the "stopped" published once the root has closed.
        async with notifying(self.config.notify, self.events, log=self.log) as notifier:
            self.notifier = notifier
            try:
                try:
                    async with trio.open_nursery() as root:
                        self._root = root.cancel_scope
                        await self._run(root, journal, task_status)
                        root.cancel_scope.cancel()
                except BaseExceptionGroup as group:
                    error = sole_error(group)
                    # Drop the group, keep the error's own cause (a strategy's exception).
                    raise error from error.__cause__
            finally:
                if self.board is not None and self.summary is None:
                    self.summary = self.board.summary(self.stop.reason or "failed")
                if self.summary is not None:
                    # The journal, not the in-memory followers (cancelled on an abort), says
                    # what is still open: that is what the next start will follow.
                    self.summary = attrs.evolve(
                        self.summary, open_at_exit=len(journal.open_contracts())
                    )
                    self.events.publish(
                        "stopped",
                        reason=self.summary.reason,
                        settled=self.summary.settled,
                        profit=self.summary.profit,
                        balance=self.summary.balance,
                        open_at_exit=self.summary.open_at_exit,
                    )
                self.journal = None
                journal.close()
        assert self.summary is not None
        return self.summary

    async def _run(
        self, root: trio.Nursery, journal: Journal, task_status: trio.TaskStatus[Bot]
    ) -> None:
        config, log = self.config, self.log
        endpoint = await connect(
            config,
            root,
            simulator_config=self._sim_config,
            connection_overrides=self._conn_overrides,
        )
        self.simulator, self.connection = endpoint.simulator, endpoint.connection
        conn = endpoint.connection
        auth = conn.authorization
        assert auth is not None
        self._check_scopes(auth)
        for warning in config.warnings:
            log.warning("config", note=warning)

        client = Client(conn)
        broker = ClientBroker(client, known_contracts=[c.contract_id for c in journal.contracts()])
        events = self.events
        root.start_soon(self._forward_connection_events, conn)
        self.gate = gate = JournalingGate(config.risk, journal, events=events, log=log)
        self.runner = runner = StrategyRunner(
            gate, policy=self._policy, on_fatal=self.stop.request, events=events, log=log
        )
        self.actor = actor = ExecutionActor(
            broker,
            journal,
            gate,
            runner,
            balance=auth.balance,
            currency=auth.currency,
            policy=config.execution,
            events=events,
        )
        runner.on_epoch(actor)
        self.board = board = StatusBoard(
            runner=runner,
            actor=actor,
            gate=gate,
            connection=conn,
            opening_balance=auth.balance,
            log=log,
        )
        await root.start(runner.run)
        await root.start(actor.run)
        await root.start(actor.run_transactions)
        recovered = await recover(actor, journal, broker, log=log)
        self.recovery = recovered.summary()
        if any(self.recovery.values()):
            log.warning("recovered the previous run's unfinished business", **self.recovery)

        seqs = _last_seqs(journal)
        config.state_dir.mkdir(parents=True, exist_ok=True)
        for s in config.strategies:
            runner.host.add(
                s.setup(),
                venue=actor,
                state=JsonFileStateStore(config.state_dir / f"{s.name}.json"),
                first_seq=seqs.get(s.name, 0),
            )
        for symbol in runner.host.symbols:
            self.markets[symbol] = SymbolMarket(client, runner, symbol, log=log)
        await start_markets(
            root, list(self.markets.values()), limits_from_website_status(conn.website_status or {})
        )
        runner.start_all()
        root.start_soon(board.run, config.status_interval)
        if config.web is not None:
            # Opened before yielding: a refused token or address stops the bot here.
            server = WebServer.open(self, config.web)
            assert self.metrics is not None  # made with the bot, for a config with web:
            root.start_soon(self.metrics.run)
            self.web_url = await root.start(server.serve)
        log.info(
            "bot started",
            account=auth.loginid,
            virtual=auth.is_virtual,
            balance=auth.balance,
            currency=auth.currency,
            strategies=[s.name for s in config.strategies],
            symbols=list(runner.host.symbols),
        )
        events.publish(
            "started",
            account=auth.loginid,
            virtual=auth.is_virtual,
            balance=auth.balance,
            currency=auth.currency,
            strategies=[s.name for s in config.strategies],
        )
        task_status.started(self)
        self.started.set()
        await self.stop.wait()
        await self._shutdown()

    async def _forward_connection_events(self, conn: Connection) -> None:
        """Publish each loss and recovery of the connection on the bot's bus."""
        async with conn.events() as channel:
            async for event in channel:
                if isinstance(event, Disconnected):
                    self.events.publish("connection_lost", reason=event.reason)
                elif isinstance(event, ConnectionRestored):
                    self.events.publish(
                        "connection_restored", downtime=event.downtime, attempts=event.attempts
                    )

    def _check_scopes(self, auth: Authorize) -> None:
        needs = bot_needs((s.name, s.strategy_class) for s in self.config.strategies)
        report = require_scopes(
            needs,
            auth.scopes,
            token_source=self.config.token_source,
            consequence="nothing was started",
        )
        for warning in report.warnings():
            self.log.warning("least privilege", note=warning)

    async def _shutdown(self) -> None:
        assert self.actor is not None and self.runner is not None and self.gate is not None
        actor, runner, log = self.actor, self.runner, self.log
        reason = self.stop.reason
        self.gate.stop(reason)
        actor.close_intake()
        if not actor.idle:
            log.info(
                "stopping: no new trades; waiting for open contracts",
                reason=reason,
                open=actor.open_contracts,
                grace=self.grace,
            )
            with trio.move_on_after(self.grace) as waited:
                await actor.wait_idle()
            if waited.cancelled_caught:
                log.warning(
                    "grace period over; contracts left open (the journal keeps them)",
                    open=len(actor.followed),
                )
        runner.stop_all()
        assert self.board is not None
        self.summary = self.board.summary(reason)
        log.info("bot stopped", **self.board.fields())
        if runner.failure is not None:
            raise runner.failure
