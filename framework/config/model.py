"""The typed bot config: what one YAML file describes.

Every section is a frozen attrs class whose field validators hold the ranges; the loader
(:mod:`framework.config.loader`) structures YAML into them and adds the checks that span
sections. Fields marked ``internal`` in their metadata are filled in by the loader and can
not be set from YAML (the resolved token, the strategy classes, the warnings).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal, Union, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs
from attrs import validators as v

from framework.connection.backoff import BackoffPolicy
from framework.connection.keepalive import KeepalivePolicy
from framework.deriv.protocol import DEFAULT_APP_ID, MAX_HISTORY_COUNT
from framework.execution.policy import ExecutionPolicy
from framework.market.candles import GRANULARITIES
from framework.notify.config import NotifyConfig
from framework.risk import RiskLimits
from framework.simulator.config import SimulatorConfig
from framework.sizing import StakeConfig
from framework.strategy._host import OnError, StrategySetup
from framework.strategy.events import ContractTemplate
from framework.strategy.series import CandleSeries, valid_granularity
from framework.web.config import WebConfig

__all__ = [
    "EMBEDDED",
    "BotConfig",
    "CandleSection",
    "Secret",
    "StrategyConfig",
]

EMBEDDED = "embedded"
INTERNAL = {"internal": True}

_NAME_RE = r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$"
_SYMBOL_RE = r"^[A-Za-z0-9_]{2,30}$"


# What YAML may give as a granularity: one of Deriv's, named in the message when it is not.
_GRANULARITY: Any = cast(Any, Literal)[GRANULARITIES]


class Secret:
    """A secret string (an API token) that never shows in a repr, str or log.

    Deliberately not an attrs class: pretty-printers (rich tracebacks) render attrs fields
    directly, bypassing ``__repr__``.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

    def reveal(self) -> str:
        """Return the secret itself: only to put it on the wire."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('<not shown>')"

    __str__ = __repr__


def _endpoint(_inst: object, _attr: object, value: str) -> None:
    if value == EMBEDDED:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise ValueError(
            f"must be 'embedded' or a ws:// or wss:// URL "
            f"(wss://ws.derivws.com/websockets/v3), got {value!r}"
        )


def _barrier(value: str | int | None) -> str | None:
    return None if value is None else str(value)


def _window(_inst: object, _attr: object, value: str | None) -> None:
    if value is not None and re.fullmatch(r"[0-9]+[mh]", value) is None:
        raise ValueError(f"must be minutes or hours such as '60m', got {value!r}")


@attrs.frozen
class ContractSection:
    """The ``contract:`` section as written; becomes a :class:`ContractTemplate`.

    Types and signs are checked here; whether a term is offered (a multiplier in the
    symbol's range, a growth rate of its list, a cancellation window...) is the market
    model's question, asked by the loader's cross checks for every contract the strategy
    may buy.

    Attributes:
        type: default contract type, or ``None`` when the strategy chooses.
        duration: contract length (``None``: 5, for the types that expire; Multipliers and
            Accumulators have none).
        duration_unit: ``t``, ``s``, ``m``, ``h`` or ``d`` (``None``: ``t``).
        barrier: a digit (``5``) or a quoted price barrier (``"+0.5"`` offset, ``"1234.5"``
            level).
        basis: ``stake`` or ``payout``.
        barrier2: the low barrier of two-barrier types, written like ``barrier``.
        multiplier: a Multiplier's multiplier.
        growth_rate: an Accumulator's growth rate (``0.03`` is 3 % per tick).
        take_profit: the take-profit amount of Multipliers and Accumulators.
        stop_loss: the stop-loss amount of Multipliers.
        cancellation: a Multiplier's deal cancellation window (``"60m"``).
        selected_tick: the tick High/Low Ticks predict.
    """

    type: str | None = attrs.field(default=None, validator=v.optional(v.matches_re(r"^[A-Z]+$")))
    duration: int | None = attrs.field(
        default=None, validator=v.optional([v.ge(1), v.le(365 * 86400)])
    )
    duration_unit: Literal["t", "s", "m", "h", "d"] | None = None
    barrier: str | None = attrs.field(
        default=None,
        converter=_barrier,
        metadata={"hint": "quote price barriers: '+0.5' is an offset, '1234.5' a level"},
    )
    basis: Literal["stake", "payout"] = "stake"
    barrier2: str | None = attrs.field(
        default=None,
        converter=_barrier,
        metadata={"hint": "quote price barriers: '-0.5' is an offset, '1234.5' a level"},
    )
    multiplier: float | None = attrs.field(default=None, validator=v.optional(v.gt(0)))
    growth_rate: float | None = attrs.field(default=None, validator=v.optional(v.gt(0)))
    take_profit: float | None = attrs.field(default=None, validator=v.optional(v.gt(0)))
    stop_loss: float | None = attrs.field(default=None, validator=v.optional(v.gt(0)))
    cancellation: str | None = attrs.field(
        default=None, validator=_window, metadata={"hint": "a window such as '60m'"}
    )
    selected_tick: int | None = attrs.field(default=None, validator=v.optional(v.ge(1)))

    def template(self) -> ContractTemplate:
        """Return the strategy-facing template."""
        defaults = ContractTemplate()
        return ContractTemplate(
            type=self.type,
            duration=self.duration if self.duration is not None else defaults.duration,
            duration_unit=(
                self.duration_unit if self.duration_unit is not None else defaults.duration_unit
            ),
            barrier=self.barrier,
            basis=self.basis,
            barrier2=self.barrier2,
            multiplier=self.multiplier,
            growth_rate=self.growth_rate,
            take_profit=self.take_profit,
            stop_loss=self.stop_loss,
            cancellation=self.cancellation,
            selected_tick=self.selected_tick,
        )


def _bars_in_one_answer(_inst: object, _attr: object, value: int) -> None:
    # Live, the history and the forming bar come in one ticks_history answer.
    if value > MAX_HISTORY_COUNT - 1:
        raise ValueError(
            f"must be at most {MAX_HISTORY_COUNT - 1} (one ticks_history answer holds "
            f"{MAX_HISTORY_COUNT} bars, the forming one included), got {value}"
        )


@attrs.frozen
class CandleSection:
    """One entry of a strategy's ``candles:`` list, written as a mapping; becomes a
    :class:`~framework.strategy.CandleSeries` added to those the strategy's code declares.

    A bare granularity (``candles: [60]``) is the same as ``{granularity: 60}``.

    Attributes:
        granularity: seconds per bar, one of Deriv's granularities.
        history: closed bars wanted before the strategy's first hook (and kept).
        forming: also deliver the forming bar after every tick (``on_candle_update``).
        symbols: the symbols to build the series for, among the strategy's (empty: all).
    """

    granularity: int = attrs.field(
        validator=valid_granularity,
        metadata={"config_type": _GRANULARITY, "hint": "seconds per bar"},
    )
    history: int = attrs.field(default=0, validator=[v.ge(0), _bars_in_one_answer])
    forming: bool = False
    symbols: tuple[str, ...] = attrs.field(
        default=(), validator=[v.max_len(20), v.deep_iterable(v.matches_re(_SYMBOL_RE))]
    )

    def series(self) -> CandleSeries:
        """The series as the strategy host builds it."""
        return CandleSeries(self.granularity, self.history, self.forming, self.symbols)


def _candle_sections(value: Iterable[int | CandleSection]) -> tuple[CandleSection, ...]:
    return tuple(CandleSection(item) if isinstance(item, int) else item for item in value)


@attrs.frozen
class StrategyConfig:
    """One entry of ``strategies:``.

    Attributes:
        name: unique name (intent ids, logs, state file); letters, digits, ``_.-``.
        plugin: a shipped strategy's short name, an entry-point name, or
            ``package.module:Class``.
        symbols: the symbols it trades (ticks arrive for these).
        contract: default contract terms.
        stake: the stake sizing scheme.
        params: the strategy's parameters (an instance of its ``Params``).
        on_error: when a hook raises: ``restart`` the strategy (live with a backoff, in a
            replay at once; up to ``max_restarts``), ``disable`` it, or ``raise`` (stop the
            whole run with the error).
        max_restarts: restarts before the strategy is disabled.
        candles: candle series added to those the strategy's code declares (a
            granularity, or a :class:`CandleSection` mapping, each).
        tick_history: ticks of look-back wanted before the first hook, if more than the
            strategy's code declares.
        strategy_class: the resolved plugin class (set by the loader).
    """

    name: str = attrs.field(validator=v.matches_re(_NAME_RE))
    plugin: str
    symbols: tuple[str, ...] = attrs.field(
        validator=[v.min_len(1), v.max_len(20), v.deep_iterable(v.matches_re(_SYMBOL_RE))]
    )
    stake: StakeConfig
    contract: ContractSection = attrs.field(factory=ContractSection)
    params: Any = None
    on_error: OnError = "restart"
    max_restarts: int = attrs.field(default=5, validator=[v.ge(0), v.le(1000)])
    candles: tuple[CandleSection, ...] = attrs.field(
        default=(),
        converter=_candle_sections,
        validator=v.max_len(len(GRANULARITIES) * 20),
        metadata={"config_type": tuple[Union[_GRANULARITY, CandleSection], ...]},  # noqa: UP007
    )
    tick_history: int = attrs.field(default=0, validator=[v.ge(0), v.le(MAX_HISTORY_COUNT)])
    strategy_class: Any = attrs.field(default=None, eq=False, repr=False, metadata=INTERNAL)

    @property
    def template(self) -> ContractTemplate:
        """The default contract terms as the strategy sees them."""
        return self.contract.template()

    def setup(self) -> StrategySetup:
        """This strategy as the host runs it, live and in a replay alike."""
        return StrategySetup(
            name=self.name,
            cls=self.strategy_class,
            params=self.params,
            symbols=self.symbols,
            contract=self.template,
            stake=self.stake,
            on_error=self.on_error,
            max_restarts=self.max_restarts,
            candles=tuple(section.series() for section in self.candles),
            tick_history=self.tick_history,
        )


@attrs.frozen
class BotConfig:
    """One bot.

    Attributes:
        endpoint: ``embedded`` (the in-process simulator) or a ``ws://``/``wss://`` URL.
        app_id: the Deriv application id sent as ``?app_id=``.
        compression: offer permessage-deflate to the endpoint (the connection's
            :attr:`~framework.connection.ConnectionSettings.compression`).
        simulator: the embedded simulator's own config (the fields YAML may set: ``seed``,
            ``speed``, ``balance``, ``currency``, ``state``).
        keepalive: pings and the stale-stream watchdog.
        reconnect: reconnection backoff.
        risk: the risk limits.
        execution: how many intents are bought at once, how many may wait, how priced.
        journal: the SQLite journal file.
        state_dir: folder of the strategies' state files.
        status_interval: seconds between status lines.
        web: the dashboard, control API and metrics (``None``: not served).
        notify: where events are sent (``None``: nowhere).
        strategies: the strategies, at least one.
        token: the API token (from the environment or a file; set by the loader), or
            ``None`` for the embedded simulator's demo account.
        token_source: where the token came from (``env:DERIV_TOKEN``, ``file:PATH``,
            ``simulator``), for messages.
        source: the config file.
        warnings: things worth knowing that do not stop the bot.
    """

    strategies: tuple[StrategyConfig, ...] = attrs.field(validator=v.min_len(1))
    endpoint: str = attrs.field(default=EMBEDDED, validator=_endpoint)
    app_id: int = attrs.field(default=DEFAULT_APP_ID, validator=[v.ge(1), v.le(10**9)])
    compression: bool = True
    simulator: SimulatorConfig = attrs.field(factory=SimulatorConfig)
    keepalive: KeepalivePolicy = attrs.field(factory=KeepalivePolicy)
    reconnect: BackoffPolicy = attrs.field(factory=BackoffPolicy)
    risk: RiskLimits = attrs.field(factory=RiskLimits)
    execution: ExecutionPolicy = attrs.field(factory=ExecutionPolicy)
    journal: Path = Path("triobot-journal.sqlite")
    state_dir: Path = Path("triobot-state")
    status_interval: float = attrs.field(default=10.0, validator=[v.gt(0), v.le(86400)])
    web: WebConfig | None = None
    notify: NotifyConfig | None = None
    token: Secret | None = attrs.field(default=None, metadata=INTERNAL)
    token_source: str = attrs.field(default="simulator", metadata=INTERNAL)
    source: Path | None = attrs.field(default=None, eq=False, metadata=INTERNAL)
    warnings: tuple[str, ...] = attrs.field(default=(), eq=False, metadata=INTERNAL)

    @property
    def is_embedded(self) -> bool:
        """True when the bot runs against the in-process simulator."""
        return self.endpoint == EMBEDDED

    def url(self, embedded_url: str | None = None) -> str:
        """Return the WebSocket URL with ``app_id`` in the query.

        Args:
            embedded_url: the simulator's URL once it listens (for ``endpoint: embedded``).

        Returns:
            The URL to connect to.

        Raises:
            ValueError: for an embedded endpoint without ``embedded_url``.
        """
        base = self.endpoint
        if self.is_embedded:
            if embedded_url is None:
                raise ValueError("the embedded simulator's URL is known only once it listens")
            base = embedded_url
        parts = urlsplit(base)
        query = dict(parse_qsl(parts.query))
        query.setdefault("app_id", str(self.app_id))
        return urlunsplit(parts._replace(query=urlencode(query)))

    def strategy(self, name: str) -> StrategyConfig:
        """Return the strategy called ``name``.

        Raises:
            KeyError: no such strategy.
        """
        for item in self.strategies:
            if item.name == name:
                return item
        raise KeyError(name)
