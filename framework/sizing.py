"""Stake sizing schemes (money management), configured per strategy in YAML.

Each scheme has a frozen config class (the ``stake:`` section, tagged by ``scheme``) and a
small deterministic state machine, a :class:`Sizer`: :meth:`Sizer.next_stake` says what the
next trade stakes, :meth:`Sizer.on_result` moves it on after a contract closes. The same
sequence of results always gives the same sequence of stakes, live and in backtest.

Schemes (those of Deriv's own bot, see the reference notes 1.7):

* ``fixed``: always ``amount``.
* ``martingale``: multiply by ``factor`` after each loss, back to ``base`` after a win; after
  ``max_steps`` losses in a row either go back to ``base`` (``on_max_steps: reset``) or keep
  the last stake (``hold``).
* ``dalembert``: add ``step`` after a loss, subtract it after a win, never below ``base``
  (and never more than ``max_steps`` steps above it).
* ``oscars_grind``: a cycle aims at a profit of one ``unit``. A loss keeps the stake; a win
  raises it by one unit, but never above what would finish the cycle at exactly +1 unit
  (using the payout ratio of the latest win), nor below the market's minimum stake. A cycle
  that reaches its goal starts over.
* ``1326``: stakes ``base`` x 1, 3, 2, 6 on consecutive wins; any loss, or the fourth win,
  starts the sequence over.

Every stake is rounded to cents. The risk gate caps them: the strategy context never sends a
sized stake above ``risk.max_stake`` (see :mod:`framework.strategy._context`).
"""

from __future__ import annotations

from typing import Literal, Protocol

import attrs
from attrs import validators as v

from framework.market.limits import MIN_STAKE
from framework.market.money import round_money

__all__ = [
    "STAKE_SCHEMES",
    "DAlembert",
    "DAlembertSizer",
    "Fixed",
    "FixedSizer",
    "Martingale",
    "MartingaleSizer",
    "OneThreeTwoSix",
    "OneThreeTwoSixSizer",
    "OscarsGrind",
    "OscarsGrindSizer",
    "Sizer",
    "StakeConfig",
    "make_sizer",
]


def _cents(_inst: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value <= 0:
        raise ValueError(f"must be > 0, got {value:g}")
    if round(value, 2) != value:
        raise ValueError(f"must have at most 2 decimals (cents), got {value!r}")


class Sizer(Protocol):
    """A stake sizing state machine."""

    def next_stake(self) -> float:
        """Return the stake of the next trade, rounded to cents."""
        ...

    def on_result(self, stake: float, profit: float) -> None:
        """Move on after a contract closed.

        Args:
            stake: what the contract cost.
            profit: its profit (negative for a loss; ``> 0`` counts as a win).
        """
        ...


@attrs.frozen
class Fixed:
    """``scheme: fixed``: the same stake every time.

    Attributes:
        amount: the stake.
    """

    amount: float = attrs.field(validator=_cents)
    scheme: Literal["fixed"] = "fixed"


@attrs.frozen
class Martingale:
    """``scheme: martingale``: double (by ``factor``) after each loss.

    Attributes:
        base: the first stake, and the stake after a win.
        factor: multiplier applied after each loss (> 1).
        max_steps: losses in a row after which the progression stops growing.
        on_max_steps: ``reset`` to ``base`` or ``hold`` the last stake after ``max_steps``.
    """

    base: float = attrs.field(validator=_cents)
    factor: float = attrs.field(default=2.0, validator=[v.gt(1.0), v.le(10.0)])
    max_steps: int = attrs.field(default=5, validator=[v.ge(1), v.le(20)])
    on_max_steps: Literal["reset", "hold"] = "reset"
    scheme: Literal["martingale"] = "martingale"


@attrs.frozen
class DAlembert:
    """``scheme: dalembert``: one step up after a loss, one step down after a win.

    Attributes:
        base: the first and smallest stake.
        step: the increment (defaults to ``base``).
        max_steps: most steps above ``base``.
    """

    base: float = attrs.field(validator=_cents)
    step: float | None = attrs.field(default=None, validator=v.optional(_cents))
    max_steps: int = attrs.field(default=10, validator=[v.ge(1), v.le(100)])
    scheme: Literal["dalembert"] = "dalembert"


@attrs.frozen
class OscarsGrind:
    """``scheme: oscars_grind``: grind out one unit of profit per cycle.

    Attributes:
        unit: the base stake and the profit goal of a cycle.
        max_units: the largest stake, in units.
    """

    unit: float = attrs.field(validator=_cents)
    max_units: int = attrs.field(default=10, validator=[v.ge(1), v.le(100)])
    scheme: Literal["oscars_grind"] = "oscars_grind"


@attrs.frozen
class OneThreeTwoSix:
    """``scheme: "1326"``: the 1-3-2-6 positive progression.

    Attributes:
        base: the unit stake.
    """

    base: float = attrs.field(validator=_cents)
    scheme: Literal["1326"] = "1326"


StakeConfig = Fixed | Martingale | DAlembert | OscarsGrind | OneThreeTwoSix

#: Config class of each scheme, by its ``scheme:`` tag.
STAKE_SCHEMES: dict[str, type[StakeConfig]] = {
    "fixed": Fixed,
    "martingale": Martingale,
    "dalembert": DAlembert,
    "oscars_grind": OscarsGrind,
    "1326": OneThreeTwoSix,
}


class FixedSizer:
    """Sizer of :class:`Fixed`."""

    __slots__ = ("_amount",)

    def __init__(self, config: Fixed) -> None:
        self._amount = round_money(config.amount)

    def next_stake(self) -> float:
        return self._amount

    def on_result(self, stake: float, profit: float) -> None:
        return None


class MartingaleSizer:
    """Sizer of :class:`Martingale`.

    Attributes:
        losses: losses in a row counted by the progression (0 after a win or a reset).
    """

    __slots__ = ("_config", "_ladder", "losses")

    def __init__(self, config: Martingale) -> None:
        self._config = config
        # losses never passes max_steps (at most 20): every stake is known up front.
        self._ladder = tuple(
            round_money(config.base * config.factor**step) for step in range(config.max_steps + 1)
        )
        self.losses = 0

    def next_stake(self) -> float:
        return self._ladder[self.losses]

    def on_result(self, stake: float, profit: float) -> None:
        if profit > 0:
            self.losses = 0
        elif self.losses < self._config.max_steps:
            self.losses += 1
        elif self._config.on_max_steps == "reset":
            # The loss at the top step ends the progression: take the loss, start over.
            self.losses = 0


class DAlembertSizer:
    """Sizer of :class:`DAlembert`.

    Attributes:
        steps: steps above ``base`` (0 to ``max_steps``).
    """

    __slots__ = ("_base", "_config", "_step", "steps")

    def __init__(self, config: DAlembert) -> None:
        self._config = config
        self._base = config.base
        self._step = config.step if config.step is not None else config.base
        self.steps = 0

    def next_stake(self) -> float:
        return round_money(self._base + self.steps * self._step)

    def on_result(self, stake: float, profit: float) -> None:
        if profit > 0:
            self.steps = max(0, self.steps - 1)
        else:
            self.steps = min(self._config.max_steps, self.steps + 1)


class OscarsGrindSizer:
    """Sizer of :class:`OscarsGrind`.

    Attributes:
        stake: the current stake.
        cycle_profit: profit made so far in the current cycle.
        payout_ratio: profit per unit staked of the latest win (1.0 until a win is seen).
    """

    __slots__ = ("_config", "cycle_profit", "payout_ratio", "stake")

    def __init__(self, config: OscarsGrind) -> None:
        self._config = config
        self.stake = config.unit
        self.cycle_profit = 0.0
        self.payout_ratio = 1.0

    def next_stake(self) -> float:
        return round_money(self.stake)

    def on_result(self, stake: float, profit: float) -> None:
        unit = self._config.unit
        self.cycle_profit = round_money(self.cycle_profit + profit)
        if profit <= 0:
            return  # a loss keeps the stake
        self.payout_ratio = profit / stake
        if self.cycle_profit >= unit - 0.005:
            self.stake = unit
            self.cycle_profit = 0.0
            return
        # Never stake more than what finishes the cycle at +1 unit if this trade wins, but
        # never less than the market's minimum stake: a last step of a few cents would be
        # refused by the server (and by the backtest), stalling the strategy.
        needed = round_money(max((unit - self.cycle_profit) / self.payout_ratio, MIN_STAKE))
        top = unit * self._config.max_units
        self.stake = min(self.stake + unit, needed, top)


_1326 = (1, 3, 2, 6)


class OneThreeTwoSixSizer:
    """Sizer of :class:`OneThreeTwoSix`.

    Attributes:
        position: index into 1, 3, 2, 6.
    """

    __slots__ = ("_base", "position")

    def __init__(self, config: OneThreeTwoSix) -> None:
        self._base = config.base
        self.position = 0

    def next_stake(self) -> float:
        return round_money(self._base * _1326[self.position])

    def on_result(self, stake: float, profit: float) -> None:
        if profit > 0 and self.position < len(_1326) - 1:
            self.position += 1
        else:
            self.position = 0


def make_sizer(config: StakeConfig) -> Sizer:
    """Return a fresh sizer for a scheme config.

    Args:
        config: the strategy's ``stake:`` section.

    Returns:
        The scheme's sizer, at its starting stake.
    """
    if isinstance(config, Fixed):
        return FixedSizer(config)
    if isinstance(config, Martingale):
        return MartingaleSizer(config)
    if isinstance(config, DAlembert):
        return DAlembertSizer(config)
    if isinstance(config, OscarsGrind):
        return OscarsGrindSizer(config)
    return OneThreeTwoSixSizer(config)
