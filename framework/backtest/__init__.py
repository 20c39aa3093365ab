"""Backtest replays: the live strategies, risk gate and sizing on recorded or synthetic ticks.

* :mod:`~framework.backtest.sources` and :mod:`~framework.backtest.files`: tick sources
  (JSON lines, CSV, Parquet, synthetic, merged), streamed in chunks; the shared recording
  format and its writer.
* :mod:`~framework.backtest.candlefiles`: candle files (CSV, Parquet of OHLC bars) replayed
  as a few ticks per bar, for candle strategies: coarser than ticks.
* :mod:`~framework.backtest.broker`: pricing and settlement through :mod:`framework.market`.
* :mod:`~framework.backtest.engine`: the synchronous replay loop and its fill model (the
  strategies are hosted by the live runtime's host; :class:`StrategySetup` and
  :class:`StrategyFailed` are the host's, re-exported here).
* :mod:`~framework.backtest.metrics`, :mod:`~framework.backtest.trades`,
  :mod:`~framework.backtest.report`: figures, trade rows and report files.
* :mod:`~framework.backtest.sweep` and :mod:`~framework.backtest.executors`: parameter grids
  run in parallel behind an executor interface.
* :mod:`~framework.backtest.download`: ``ticks_history`` downloads (ticks, or candles into
  candle files) and live recordings into tick files, through the typed client.
"""

from framework.strategy._host import StrategyFailed as StrategyFailed
from framework.strategy._host import StrategySetup as StrategySetup

from .broker import BrokerRejection as BrokerRejection
from .broker import SimulatedBroker as SimulatedBroker
from .candlefiles import CandleSource as CandleSource
from .engine import Backtest as Backtest
from .engine import BacktestResult as BacktestResult
from .engine import BacktestSetup as BacktestSetup
from .engine import OpenAtEnd as OpenAtEnd
from .engine import Rejection as Rejection
from .engine import StrategyReport as StrategyReport
from .engine import run_backtest as run_backtest
from .errors import BacktestError as BacktestError
from .errors import TickFileError as TickFileError
from .files import TickWriter as TickWriter
from .files import last_tick as last_tick
from .files import open_source as open_source
from .files import open_sources as open_sources
from .metrics import EquityCurve as EquityCurve
from .metrics import Metrics as Metrics
from .sources import MemorySource as MemorySource
from .sources import MergedSource as MergedSource
from .sources import SyntheticSource as SyntheticSource
from .sources import TickSource as TickSource
from .trades import Trade as Trade
from .trades import TradeCollector as TradeCollector
from .trades import TradesCsvWriter as TradesCsvWriter

__all__ = [
    "Backtest",
    "BacktestError",
    "BacktestResult",
    "BacktestSetup",
    "BrokerRejection",
    "CandleSource",
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
