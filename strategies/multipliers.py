"""Multipliers (MULTUP / MULTDOWN) on a moving-average trend, with a trailing stop.

A Multiplier has no expiry: its profit is ``stake * multiplier * (relative move -
commission)`` in its direction, and it stays open until something closes it: its
take-profit or stop-loss (``limit_order``), Deriv's stop-out when the loss reaches the
stake, a sale, or a deal cancellation within its cancellation window (the stake comes back;
the cancellation fee was part of the price).

This strategy keeps a fast and a slow exponential moving average of each symbol's quotes:

* **entry**: when the fast average is above the slow one by more than ``gap`` (relative),
  the trend is up and it buys MULTUP; below by more than ``gap``, MULTDOWN. It enters a
  trend once: after a take-profit or stop-loss it waits for the trend to turn before it
  buys again;
* **early exit on a reversal**: when the trend turns against an open contract, it sells it
  at market (``exit_on_reversal``); when the contract is worth less than its stake and
  still inside its deal cancellation window, it cancels it instead (``cancel_losers``:
  cancelling returns the stake, selling only the bid);
* **trailing stop** (``trail`` > 0): it follows the contract's best profit and wants the
  contract closed when the profit falls ``trail`` below it. While that level is a loss of at
  least ``min_stop``, the contract's own stop-loss keeps it: the strategy moves the
  stop-loss up behind the best profit with ``contract_update`` (only in steps of
  ``trail_step``, to spare the rate limit), and the server closes the contract even while
  the bot is disconnected. Deriv's stop-loss can only name a loss, so once the level is a
  smaller loss or a gain to keep, the strategy sells the contract itself;
* the configured take-profit and stop-loss (``contract: take_profit / stop_loss``) do the
  rest.

On a synthetic index there is no trend to follow: a moving-average cross does not predict
the next move, and every contract expects to lose its commission. It is an example of the
whole lifecycle: limit orders, ``ctx.update``, ``ctx.sell`` and ``ctx.cancel``, driven by
the live state of a contract in ``on_contract_update``.

Config::

    plugin: multipliers
    contract: {multiplier: 80, take_profit: 5.0, stop_loss: 3.0}
    params: {fast: 10, slow: 40, gap: 0.0, trail: 2.0, min_stop: 0.5, trail_step: 0.25}

Per tick the work is two exponential-average updates: O(1), no allocation.
"""

from __future__ import annotations

from typing import Any

import attrs
from attrs import validators as v

from framework.strategy import ClosedContract, ContractUpdate, OrderFailed, Strategy, Tick

__all__ = ["MultiplierParams", "Trend", "TrendMultiplier"]


def _above_fast(instance: Any, attribute: attrs.Attribute[int], value: int) -> None:
    # Reads ``fast``: the config loader runs it when the whole class is built.
    if value <= instance.fast:
        raise ValueError(
            f"slow ({value}) must be longer than fast ({instance.fast}): the trend is the fast "
            f"average against the slow one"
        )


@attrs.frozen
class MultiplierParams:
    """Parameters of :class:`TrendMultiplier`.

    Attributes:
        fast: ticks of the fast exponential moving average (2-1000).
        slow: ticks of the slow one (longer than ``fast``, at most 10000).
        gap: how far apart (relative to the slow average) the two must be to make a trend
            (0-0.01; 0 trades every cross).
        exit_on_reversal: sell an open contract when the trend turns against it.
        cancel_losers: an exit that finds the contract at a loss inside its deal
            cancellation window cancels it instead of selling it.
        trail: trailing stop distance in the account currency (0: off; at most 10000).
        min_stop: the least stop-loss amount the trailing stop sets (0.01-10000).
        trail_step: the least change of the stop-loss worth a ``contract_update``
            (0.01-10000).
        cooldown: ticks to wait after a contract closes before buying on its symbol again.
        max_open: most of this strategy's contracts open at once (one per symbol).
    """

    fast: int = attrs.field(default=10, validator=[v.ge(2), v.le(1000)])
    slow: int = attrs.field(default=40, validator=[v.le(10_000), _above_fast])
    gap: float = attrs.field(default=0.0, validator=[v.ge(0.0), v.le(0.01)])
    exit_on_reversal: bool = True
    cancel_losers: bool = True
    trail: float = attrs.field(default=0.0, validator=[v.ge(0.0), v.le(10_000.0)])
    min_stop: float = attrs.field(default=0.5, validator=[v.ge(0.01), v.le(10_000.0)])
    trail_step: float = attrs.field(default=0.25, validator=[v.ge(0.01), v.le(10_000.0)])
    cooldown: int = attrs.field(default=0, validator=[v.ge(0), v.le(100_000)])
    max_open: int = attrs.field(default=1, validator=[v.ge(1), v.le(100)])


class Trend:
    """Fast and slow exponential moving averages of one symbol and the trend they make.

    Attributes:
        fast: the fast average.
        slow: the slow average.
        count: quotes seen.
        side: ``1`` (up), ``-1`` (down) or ``0`` (no trend, or still warming up).
    """

    __slots__ = ("_a_fast", "_a_slow", "_gap", "_warm", "count", "fast", "side", "slow")

    def __init__(self, quote: float, fast: int, slow: int, gap: float) -> None:
        self._a_fast = 2.0 / (fast + 1)
        self._a_slow = 2.0 / (slow + 1)
        self._gap = gap
        self._warm = slow  # no trend before the slow average has seen a window of quotes
        self.fast = self.slow = quote
        self.count = 1
        self.side = 0

    def push(self, quote: float) -> int:
        """Add a quote; return the trend after it."""
        self.fast += self._a_fast * (quote - self.fast)
        slow = self.slow = self.slow + self._a_slow * (quote - self.slow)
        self.count += 1
        if self.count < self._warm:
            return 0
        band = slow * self._gap
        diff = self.fast - slow
        self.side = 1 if diff > band else -1 if diff < -band else 0
        return self.side


_SIDES: dict[str, int] = {"MULTUP": 1, "MULTDOWN": -1}


class _Holding:
    """One contract of this strategy: its direction, best profit, stop and orders."""

    __slots__ = ("best", "exiting", "side", "stake", "stop", "symbol")

    def __init__(self, symbol: str, side: int, stake: float, stop: float | None) -> None:
        self.symbol = symbol
        self.side = side
        self.stake = stake
        self.stop = stop
        self.best: float | None = None
        self.exiting = False


class TrendMultiplier(Strategy[MultiplierParams]):
    """Buy MULTUP in an up trend and MULTDOWN in a down trend; trail, and exit on reversals."""

    Params = MultiplierParams
    contract_types = ("MULTUP", "MULTDOWN")

    def on_start(self) -> None:
        self._trends: dict[str, Trend] = {}
        self._held: dict[str, _Holding] = {}  # intent id -> holding
        self._entered: dict[str, int] = {}  # symbol -> side of the last trend entered
        self._quiet: dict[str, int] = {}  # symbol -> tick count until which it waits
        self._seen = 0

    def on_tick(self, tick: Tick) -> None:
        self._seen += 1
        symbol = tick.symbol
        trend = self._trends.get(symbol)
        if trend is None:
            p = self.params
            self._trends[symbol] = Trend(tick.quote, p.fast, p.slow, p.gap)
            return
        side = trend.push(tick.quote)
        if side == 0 or side == self._entered.get(symbol, 0):
            return
        if self._seen < self._quiet.get(symbol, 0) or self._holds(symbol):
            return
        if len(self.ctx.open_contracts) >= self.params.max_open:
            return
        intent = self.ctx.buy("MULTUP" if side > 0 else "MULTDOWN", symbol=symbol)
        if intent is not None:
            self._entered[symbol] = side
            self._held[intent.intent_id] = _Holding(symbol, side, intent.amount, intent.stop_loss)

    def on_contract_update(self, update: ContractUpdate) -> None:
        held = self._held.get(update.intent_id)
        if held is None:
            held = self._adopt(update)
        if held is None or held.exiting:
            return
        profit = update.profit
        if profit is None:
            return
        best = held.best = profit if held.best is None else max(held.best, profit)
        p = self.params
        trend = self._trends.get(held.symbol)
        if p.exit_on_reversal and trend is not None and trend.side == -held.side:
            self._exit(held, update)
        elif p.trail > 0.0:
            # The server's stop-loss keeps the trail while it names a loss it may take
            # (``trail - best``, at least ``min_stop``); beyond that the trail keeps a gain,
            # which only a sale can, and so does a contract without a stop-loss.
            wanted = p.trail - best
            if profit <= best - p.trail and (held.stop is None or wanted < p.min_stop):
                self._exit(held, update)
            else:
                self._trail(held, update, best)

    def _adopt(self, update: ContractUpdate) -> _Holding | None:
        """Take over an open contract bought before a restart (its state comes from now on).

        Returns:
            Its holding, or ``None`` when it is not one of this strategy's Multipliers.
        """
        intent = self.ctx.open_contracts.get(update.intent_id)
        side = _SIDES.get(update.contract_type)
        if intent is None or side is None:
            return None
        self._entered[update.symbol] = side  # the trend it was bought for: not again
        held = self._held[update.intent_id] = _Holding(
            update.symbol, side, intent.amount, update.stop_loss
        )
        return held

    def _exit(self, held: _Holding, update: ContractUpdate) -> None:
        # Cancelling returns the stake; selling returns the bid: cancel what is worth less.
        bid = update.bid_price
        losing = bid is not None and bid < held.stake
        if self.params.cancel_losers and update.is_valid_to_cancel and losing:
            held.exiting = self.ctx.cancel(update) is not None
        elif update.is_valid_to_sell:
            held.exiting = self.ctx.sell(update) is not None

    def _trail(self, held: _Holding, update: ContractUpdate, best: float) -> None:
        # The stop-loss is a loss amount: trailing ``trail`` behind the best profit is a loss
        # of ``trail - best``, floored at ``min_stop`` once that would be a gain to keep.
        p = self.params
        stop = round(max(p.min_stop, p.trail - best), 2)
        if held.stop is not None and stop > held.stop - p.trail_step:
            return  # never loosen it, and spare the rate limit small moves
        if update.is_valid_to_update and self.ctx.update(update, stop_loss=stop) is not None:
            # Kept even if the market refuses it (on_order_failed): the next try waits for
            # the best profit to move another step, so a refused stop is not resent per tick.
            held.stop = stop

    def on_order_failed(self, failure: OrderFailed) -> None:
        held = self._held.get(failure.order.intent_id)
        if held is not None and failure.order.kind != "update":
            held.exiting = False  # still open: a later update may exit again

    def on_contract_closed(self, result: ClosedContract) -> None:
        held = self._held.pop(result.intent_id, None)
        symbol = held.symbol if held is not None else result.symbol
        self._quiet[symbol] = self._seen + self.params.cooldown + 1

    def _holds(self, symbol: str) -> bool:
        """Whether a contract of this strategy on ``symbol`` is being bought or is open.

        Read from the context, which keeps its open contracts across restarts and forgets
        a rejected buy (whose holding is dropped here: no contract of it will close).
        """
        open_ = self.ctx.open_contracts
        if len(self._held) > len(open_):
            for intent_id in [i for i in self._held if i not in open_]:
                del self._held[intent_id]
        return any(i.symbol == symbol for i in open_.values())
