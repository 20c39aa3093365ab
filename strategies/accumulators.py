"""Accumulators (ACCU) bought in calm markets, sold early when the ticks get rough.

An Accumulator grows its value by ``(1 + growth_rate)`` for every tick the spot stays
inside two barriers set around the previous spot, ``spot * (1 +- d)``, and loses the whole
stake on the first tick that leaves them (a knock-out). The distance ``d`` depends on the
symbol's volatility and the growth rate; the contract closes by itself at its take-profit,
at the market's maximum ticks or payout, or when it is knocked out.

This strategy compares recent tick-to-tick moves with that distance:

* **entry**: per symbol it keeps the mean absolute relative move ``|q - q_prev| / q_prev``
  of the last ``window`` ticks. When it is at most ``calm * d`` (moves are small compared
  with the room the barriers leave), it buys ACCU with the configured growth rate and
  take-profit;
* **early exit**: while a contract is open, when the mean move of the last ``exit_window``
  ticks reaches ``exit_move * d`` (volatility rose), it sells the contract at market, as
  soon as the contract is valid to sell (never on the entry tick, Deriv's
  ``SellAtEntryTick``), keeping what it has accumulated; ``max_ticks`` sells after that many
  ticks survived, whatever the market does;
* otherwise the take-profit (``contract: take_profit``) or a knock-out ends it.

``d`` is learned from the contract itself: every update of an open Accumulator carries the
barriers for its next tick, ``high = s (1 + d)`` and ``low = s (1 - d)``, so
``d = (high - low) / (high + low)``. It is kept per symbol in the state store, so it
survives restarts; until a symbol's first contract shows it, the strategy buys once the
window is full, whatever the moves (its first contract is how it learns ``d``).

On a synthetic index the moves are independent and the volatility is constant: a calm
window does not make the next tick calmer, and this has no edge (every Accumulator expects
to lose the house margin). It is an example of the whole lifecycle: a take-profit, a sale
before the end, and a contract's live state read in ``on_contract_update``.

Config::

    plugin: accumulators
    contract: {type: ACCU, growth_rate: 0.03, take_profit: 1.0}
    params: {window: 20, calm: 0.3, exit_window: 3, exit_move: 0.6, max_ticks: 0}

Per tick the work is two ring-buffer updates: O(1), no allocation.
"""

from __future__ import annotations

from typing import Any

import attrs
from attrs import validators as v

from framework.strategy import ClosedContract, ContractUpdate, OrderFailed, Strategy, Tick

__all__ = ["AccumulatorParams", "CalmAccumulator", "MoveWindow", "barrier_distance"]


def _above_calm(instance: Any, attribute: attrs.Attribute[float], value: float) -> None:
    # Reads ``calm``: the config loader runs it when the whole class is built.
    if value <= instance.calm:
        raise ValueError(
            f"exit_move ({value:g}) must be above calm ({instance.calm:g}): a contract "
            f"bought at calm would be sold again on its first tick"
        )


@attrs.frozen
class AccumulatorParams:
    """Parameters of :class:`CalmAccumulator`.

    Attributes:
        window: ticks of moves averaged for the entry signal (2-10000).
        calm: buy when the window's mean move is at most this fraction of the barrier
            distance (0.01-1).
        exit_window: ticks of moves averaged for the early exit (1-1000).
        exit_move: sell when the exit window's mean move reaches this fraction of the
            barrier distance (above ``calm``, at most 2).
        max_ticks: sell after this many ticks survived (0: never; the take-profit and the
            market's own maximum still close it).
        cooldown: ticks to wait after a contract closes before buying on its symbol again.
        max_open: most of this strategy's contracts open at once (Deriv may refuse a second
            Accumulator on one symbol, so the strategy holds at most one per symbol).
    """

    window: int = attrs.field(default=20, validator=[v.ge(2), v.le(10_000)])
    calm: float = attrs.field(default=0.3, validator=[v.ge(0.01), v.le(1.0)])
    exit_window: int = attrs.field(default=3, validator=[v.ge(1), v.le(1000)])
    exit_move: float = attrs.field(default=0.6, validator=[v.le(2.0), _above_calm])
    max_ticks: int = attrs.field(default=0, validator=[v.ge(0), v.le(10_000)])
    cooldown: int = attrs.field(default=0, validator=[v.ge(0), v.le(100_000)])
    max_open: int = attrs.field(default=1, validator=[v.ge(1), v.le(100)])


def barrier_distance(high: float, low: float) -> float:
    """The relative distance ``d`` of barriers ``s (1 + d)`` and ``s (1 - d)``.

    Args:
        high: the high barrier.
        low: the low barrier.

    Returns:
        ``(high - low) / (high + low)``.
    """
    return (high - low) / (high + low)


class MoveWindow:
    """The mean of the last ``size`` values, O(1) per value.

    The running sum is recomputed from the buffer each time the ring wraps, so rounding
    errors of the additions and subtractions never pile up over a long run.

    Attributes:
        size: window length.
        count: values seen, up to ``size``.
    """

    __slots__ = ("_buf", "_pos", "_sum", "count", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._buf = [0.0] * size
        self._pos = 0
        self._sum = 0.0
        self.count = 0

    def push(self, value: float) -> None:
        """Add a value, dropping the oldest once the window is full."""
        pos = self._pos
        if self.count < self.size:
            self.count += 1
        self._sum += value - self._buf[pos]
        self._buf[pos] = value
        pos += 1
        if pos == self.size:
            pos = 0
            self._sum = sum(self._buf)
        self._pos = pos

    @property
    def full(self) -> bool:
        """True once ``size`` values were seen."""
        return self.count == self.size

    @property
    def mean(self) -> float:
        """Mean of the values in the window (0 while empty)."""
        return self._sum / self.count if self.count else 0.0


class _Symbol:
    """Per-symbol state: the last quote, both move windows, the cooldown."""

    __slots__ = ("exits", "last", "moves", "quiet_until")

    def __init__(self, quote: float, window: int, exit_window: int) -> None:
        self.last = quote
        self.moves = MoveWindow(window)
        self.exits = MoveWindow(exit_window)
        self.quiet_until = 0


class CalmAccumulator(Strategy[AccumulatorParams]):
    """Buy ACCU when recent moves are small beside the barriers; sell when they grow."""

    Params = AccumulatorParams
    contract_types = ("ACCU",)

    def on_start(self) -> None:
        p = self.params
        self._symbols: dict[str, _Symbol] = {}
        self._selling: set[int] = set()  # contract ids with a sale asked for
        self._seen = 0
        self._window, self._exit_window = p.window, p.exit_window
        # Learned barrier distances, by symbol; the state store keeps them across restarts.
        self._distance: dict[str, float] = {
            key.removeprefix("distance:"): float(value)
            for key, value in self.ctx.state.items()
            if key.startswith("distance:")
        }

    def distance(self, symbol: str) -> float | None:
        """The barrier distance learned for ``symbol``, or ``None`` before its first contract."""
        return self._distance.get(symbol)

    def on_tick(self, tick: Tick) -> None:
        self._seen += 1
        state = self._symbols.get(tick.symbol)
        if state is None:
            self._symbols[tick.symbol] = _Symbol(tick.quote, self._window, self._exit_window)
            return
        move = abs(tick.quote - state.last) / state.last
        state.last = tick.quote
        state.moves.push(move)
        state.exits.push(move)
        if not state.moves.full or self._seen < state.quiet_until:
            return
        if self._holds(tick.symbol) or len(self.ctx.open_contracts) >= self.params.max_open:
            return
        distance = self._distance.get(tick.symbol)
        if distance is not None and state.moves.mean > self.params.calm * distance:
            return
        self.ctx.buy("ACCU", symbol=tick.symbol)

    def on_contract_update(self, update: ContractUpdate) -> None:
        if update.high_barrier is not None and update.low_barrier is not None:
            learned = barrier_distance(update.high_barrier, update.low_barrier)
            known = self._distance.get(update.symbol)
            # Shown barriers are rounded, so the figure wobbles from tick to tick; only a
            # real change (another growth rate, another market) is worth keeping.
            if learned > 0.0 and (known is None or abs(learned - known) > 0.01 * known):
                self._distance[update.symbol] = learned
                self.ctx.state[f"distance:{update.symbol}"] = learned
        if update.contract_id in self._selling or not update.is_valid_to_sell:
            return
        if self._should_sell(update) and self.ctx.sell(update) is not None:
            self._selling.add(update.contract_id)

    def _should_sell(self, update: ContractUpdate) -> bool:
        p = self.params
        if p.max_ticks and (update.tick_passed or 0) >= p.max_ticks:
            return True
        state = self._symbols.get(update.symbol)
        distance = self._distance.get(update.symbol)
        if state is None or distance is None or not state.exits.full:
            return False
        return state.exits.mean >= p.exit_move * distance

    def on_order_failed(self, failure: OrderFailed) -> None:
        # The contract is still open (or ended another way, which its close reports): a
        # later update may ask for the sale again.
        self._selling.discard(failure.order.contract_id)

    def on_contract_closed(self, result: ClosedContract) -> None:
        self._selling.discard(result.contract_id)
        state = self._symbols.get(result.symbol)
        if state is not None:
            state.quiet_until = self._seen + self.params.cooldown + 1

    def _holds(self, symbol: str) -> bool:
        """Whether a contract of this strategy on ``symbol`` is being bought or is open.

        Read from the context, which keeps its open contracts across restarts and forgets
        a rejected buy, so a restarted instance never buys a second one beside them.
        """
        return any(i.symbol == symbol for i in self.ctx.open_contracts.values())
