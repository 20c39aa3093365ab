"""Backtest replays: the live strategies, risk gate and sizing on recorded or synthetic ticks.

* :mod:`~framework.backtest.sources` and :mod:`~framework.backtest.files`: tick sources
  (JSON lines, CSV, Parquet, synthetic, merged), streamed in chunks; the shared recording
  format and its writer.
* :mod:`~framework.backtest.broker`: pricing and settlement through :mod:`framework.market`.
* :mod:`~framework.backtest.engine`: the synchronous replay loop and its fill model (the
  strategies are hosted by the live runtime's host; :class:`StrategySetup` and
  :class:`StrategyFailed` are the host's, re-exported here).
* :mod:`~framework.backtest.metrics`, :mod:`~framework.backtest.trades`,
  :mod:`~framework.backtest.report`: figures, trade rows and report files.
* :mod:`~framework.backtest.sweep` and :mod:`~framework.backtest.executors`: parameter grids
  run in parallel behind an executor interface.
* :mod:`~framework.backtest.download`: ``ticks_history`` downloads and live recordings into
  tick files, through the typed client.
"""

from framework.strategy._host import StrategyFailed, StrategySetup

from .broker import BrokerRejection, SimulatedBroker
from .engine import (
    Backtest,
    BacktestResult,
    BacktestSetup,
    OpenAtEnd,
    Rejection,
    StrategyReport,
    run_backtest,
)
from .errors import BacktestError, TickFileError
from .files import TickWriter, last_tick, open_source, open_sources
from .metrics import EquityCurve, Metrics
from .sources import MemorySource, MergedSource, SyntheticSource, TickSource
from .trades import Trade, TradeCollector, TradesCsvWriter

__all__ = [
    "Backtest",
    "BacktestError",
    "BacktestResult",
    "BacktestSetup",
    "BrokerRejection",
    "EquityCurve",
    "MemorySource",
    "MergedSource",
    "Metrics",
    "OpenAtEnd",
    "Rejection",
    "SimulatedBroker",
    "StrategyFailed",
    "StrategyReport",
    "StrategySetup",
    "SyntheticSource",
    "TickFileError",
    "TickSource",
    "TickWriter",
    "Trade",
    "TradeCollector",
    "TradesCsvWriter",
    "last_tick",
    "open_source",
    "open_sources",
    "run_backtest",
]
