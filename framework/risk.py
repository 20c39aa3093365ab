"""The risk gate every trade intent passes, live and in backtest.

:class:`RiskGate` is synchronous and I/O-free except for the kill-switch file, which it
looks for at most once every ``kill_file_interval`` seconds of *tick* time (never per tick,
never with a wall clock, so a backtest replays identically).

Two kinds of "no":

* **Per-trade refusals** (the limit is not tripped; the next intent may pass): the stake is
  above ``max_stake``; ``max_open_contracts`` are already open; the trade would take the
  balance below ``min_balance``; the trade's worst case would take the day's loss past
  ``max_daily_loss``.
* **Trips** (no new trade until the trip clears; :attr:`RiskGate.trip` says which and why):
  ``max_trades`` per session and ``take_profit`` (for the session), ``max_daily_loss``
  (until the next UTC day of tick time), ``max_consecutive_losses`` (for the session, or
  for ``loss_cooldown`` seconds when set) and the kill switch (for the session).
  :attr:`RiskGate.history` keeps every trip of the session, cleared ones included, with the
  tick time it started and ended: a pause that is over is still in the summary and report.

Stopping the bot is not a trip: :meth:`RiskGate.stop` refuses every later intent with the
stop's reason and logs nothing (the runtime logs the stop once, at info).

A trip never touches open contracts: the runtime keeps following them to settlement, and
their results still reach :meth:`RiskGate.on_contract_closed`.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from attrs import validators as v

if TYPE_CHECKING:  # only annotations: framework.strategy imports this module
    from framework.strategy.events import ClosedContract, TradeIntent

__all__ = ["STOPPING", "Decision", "RiskGate", "RiskLimits", "RiskSnapshot", "Trip"]

DAY = 86400

#: Names of the limits, as :attr:`Decision.limit` and :attr:`Trip.limit` report them.
LIMITS = (
    "max_stake",
    "max_open_contracts",
    "max_trades",
    "max_daily_loss",
    "max_consecutive_losses",
    "take_profit",
    "min_balance",
    "kill_switch",
)

#: :attr:`Decision.limit` of an intent refused because the bot is stopping (not a limit).
STOPPING = "stopping"


def _positive(_inst: object, attribute: attrs.Attribute[Any], value: float | None) -> None:
    if value is not None and not value > 0:
        raise ValueError(f"must be > 0, got {value!r}")


@attrs.frozen
class RiskLimits:
    """The ``risk:`` section of a bot config. ``None`` disables a limit.

    Attributes:
        max_stake: largest stake (or payout, for payout-basis trades priced above it) of one
            trade; sized stakes are capped to it, explicit stakes above it are refused.
        max_open_contracts: most contracts open (or being bought) at once, bot-wide.
        max_trades: most trades in one session (one run of the bot).
        max_daily_loss: largest loss in one UTC day of tick time; a trade whose worst case
            would pass it is refused, and reaching it trips the gate until the next day.
        max_consecutive_losses: losses in a row that trip the gate.
        loss_cooldown: seconds (tick time) after which a consecutive-loss trip clears and
            the count restarts; ``None`` keeps it tripped for the session.
        take_profit: session profit at which the bot stops opening trades.
        min_balance: balance the bot never trades below (a trade must leave at least this).
        kill_file: a file whose existence stops new trades (``touch STOP``).
        kill_file_interval: seconds of tick time between two looks for ``kill_file``.
    """

    max_stake: float | None = attrs.field(default=None, validator=_positive)
    max_open_contracts: int | None = attrs.field(default=None, validator=_positive)
    max_trades: int | None = attrs.field(default=None, validator=_positive)
    max_daily_loss: float | None = attrs.field(default=None, validator=_positive)
    max_consecutive_losses: int | None = attrs.field(default=None, validator=_positive)
    loss_cooldown: int | None = attrs.field(default=None, validator=_positive)
    take_profit: float | None = attrs.field(default=None, validator=_positive)
    min_balance: float | None = attrs.field(default=None, validator=v.optional(v.ge(0)))
    kill_file: Path | None = None
    kill_file_interval: int = attrs.field(default=5, validator=[v.ge(1), v.le(3600)])


@attrs.frozen
class RiskSnapshot:
    """What the gate needs to know about the account at the moment of an intent.

    Attributes:
        epoch: tick time now.
        balance: the account balance.
        open_contracts: contracts open on the account (recovered ones included).
    """

    epoch: int
    balance: float
    open_contracts: int


@attrs.frozen
class Decision:
    """The gate's answer to one intent.

    Attributes:
        allowed: True when the trade may be sent.
        limit: the limit that refused it (one of :data:`LIMITS`, or :data:`STOPPING`), or
            ``None``.
        reason: a sentence a user can act on.
    """

    allowed: bool
    limit: str | None = None
    reason: str = ""


ALLOW = Decision(True)


@attrs.frozen
class Trip:
    """A tripped limit.

    Attributes:
        limit: which limit.
        reason: why, with the figures.
        epoch: tick time of the trip (when it started).
        until: tick time at which it clears, or ``None`` for the rest of the session.
        ended: tick time at which it did clear; ``None`` while it holds (a session-long
            trip holds to the end of the session).
    """

    limit: str
    reason: str
    epoch: int
    until: int | None = None
    ended: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``limit``, ``reason``, ``started``, ``until`` and ``ended`` (epochs)."""
        return {
            "limit": self.limit,
            "reason": self.reason,
            "started": self.epoch,
            "until": self.until,
            "ended": self.ended,
        }

    def span(self, *, short: bool = False) -> str:
        """When it held, for people, in UTC.

        Args:
            short: ``12-01 10:00..12-02 00:00`` (a table cell) rather than
                ``2026-12-01 10:00:00 UTC .. 2026-12-02 00:00:00 UTC``.

        Returns:
            The start and the end (``end of session`` while it holds).
        """
        fmt, sep = ("%m-%d %H:%M", "..") if short else ("%Y-%m-%d %H:%M:%S UTC", " .. ")
        start = datetime.fromtimestamp(self.epoch, tz=UTC).strftime(fmt)
        end = (
            "end"
            if self.ended is None and short
            else "end of session"
            if self.ended is None
            else datetime.fromtimestamp(self.ended, tz=UTC).strftime(fmt)
        )
        return f"{start}{sep}{end}"


class RiskGate:
    """Bot-wide risk limits, shared by every strategy of a bot.

    Call :meth:`check` for each intent (an allowed intent counts as open and as a trade at
    once), :meth:`on_rejected` when an allowed intent was not bought after all,
    :meth:`on_bought` when its contract is known to be open, and :meth:`on_contract_closed`
    once per closed contract (settled, sold, stopped out, cancelled...).

    Exposure: what an open contract may still lose counts against ``max_daily_loss`` until
    it closes, however long that takes. For a contract that expires that is a few ticks; a
    Multiplier or an Accumulator has no expiry, so its stake stays at risk until it is sold,
    stopped out, knocked out, cancelled or reaches its take-profit / stop-loss. Realised
    P&L, a sale's included, is booked when the contract closes.

    Attributes:
        limits: the configured limits.
        trips: every active trip, by limit (see :attr:`trip` for the one reported).
        history: every trip of the session in the order they started, cleared ones with
            their ``ended`` tick time.
        trades: trades allowed this session.
        session_profit: profit of contracts closed this session.
        day: the UTC day number (``epoch // 86400``) :attr:`day_profit` is for.
        day_profit: profit of contracts closed on :attr:`day`.
        consecutive_losses: losses in a row.
    """

    def __init__(self, limits: RiskLimits, *, log: Any = None) -> None:
        """Create a gate.

        Args:
            limits: the limits to enforce.
            log: an optional structlog logger; trips are logged once, as warnings.
        """
        self.limits = limits
        self.trips: dict[str, Trip] = {}
        self.history: list[Trip] = []
        self._held_at: dict[str, int] = {}  # limit -> index in history of its active trip
        self._stopping: str | None = None
        self.trades = 0
        self.session_profit = 0.0
        self.day = -1
        self.day_profit = 0.0
        self.consecutive_losses = 0
        self._in_flight: dict[str, float] = {}
        self._log = log
        self._next_kill_look = -1
        # With no limit set nothing but a kill() can refuse or trip: check() then only counts.
        self._unlimited = all(
            value is None
            for value in (
                limits.max_stake, limits.max_open_contracts, limits.max_trades,
                limits.max_daily_loss, limits.max_consecutive_losses, limits.take_profit,
                limits.min_balance, limits.kill_file,
            )
        )  # fmt: skip

    @property
    def trip(self) -> Trip | None:
        """The trip that blocks trading: a session-long one first, else the longest."""
        best: Trip | None = None
        for trip in self.trips.values():
            if trip.until is None:
                return trip
            if best is None or (best.until is not None and trip.until > best.until):
                best = trip
        return best

    @property
    def in_flight(self) -> int:
        """Allowed intents (and recovered contracts) not closed or rejected yet."""
        return len(self._in_flight)

    @property
    def exposure(self) -> float:
        """What the open contracts and the intents being bought may still lose, in total."""
        return round(sum(self._in_flight.values()), 2)

    def kill(self, reason: str, epoch: int = 0) -> None:
        """Stop new trades for the rest of the session (the runtime calls it on a signal).

        Args:
            reason: what asked for it (``"SIGTERM"``).
            epoch: tick time now.
        """
        self._trip("kill_switch", f"kill switch: {reason}", epoch, None)

    def clear_kill(self, epoch: int = 0) -> bool:
        """End a kill switch (a person's decision: ``triobot``'s control API calls it).

        A kill file that still exists trips the switch again at its next look.

        Args:
            epoch: tick time now.

        Returns:
            Whether a kill switch was on.
        """
        trip = self.trips.get("kill_switch")
        if trip is None:
            return False
        self._clear(trip, epoch)
        return True

    def stop(self, reason: str) -> None:
        """Refuse every later intent because the bot is stopping (a stop, not a trip).

        Args:
            reason: why the bot stops (``"SIGTERM"``, ``"duration 60s elapsed"``); refused
                intents carry it, with :data:`STOPPING` as their limit.
        """
        self._stopping = reason

    def cap_stake(self, stake: float) -> float:
        """Return a sized stake capped to ``max_stake``."""
        top = self.limits.max_stake
        return stake if top is None or stake <= top else top

    def check(self, intent: TradeIntent, snapshot: RiskSnapshot) -> Decision:
        """Decide on one intent; an allowed intent is counted at once.

        Args:
            intent: what a strategy asked for.
            snapshot: the account now.

        Returns:
            The decision; when refused, ``limit`` and ``reason`` say why.
        """
        if self._stopping is not None:
            return Decision(False, STOPPING, self._stopping)
        epoch = snapshot.epoch
        if self._unlimited and not self.trips:
            self._roll_day(epoch)
            worst = intent.max_loss
            self._in_flight[intent.intent_id] = worst if worst is not None else 0.0
            self.trades += 1
            return ALLOW
        lim = self.limits
        if lim.kill_file is not None and epoch >= self._next_kill_look:
            self._next_kill_look = epoch + lim.kill_file_interval
            if os.path.exists(lim.kill_file):
                self._trip("kill_switch", f"kill file {lim.kill_file} exists", epoch, None)
        self._roll_day(epoch)
        if self.trips:
            for timed in list(self.trips.values()):
                if timed.until is not None and epoch >= timed.until:
                    self._clear(timed, epoch)
            blocking = self.trip
            if blocking is not None:
                return Decision(False, blocking.limit, blocking.reason)
        stake = intent.amount
        worst = intent.max_loss if intent.max_loss is not None else 0.0
        if lim.max_stake is not None and intent.basis == "stake" and stake > lim.max_stake:
            return Decision(
                False, "max_stake", f"stake {stake:.2f} is above max_stake {lim.max_stake:.2f}"
            )
        if lim.max_open_contracts is not None:
            open_now = max(snapshot.open_contracts, len(self._in_flight))
            if open_now >= lim.max_open_contracts:
                return Decision(
                    False,
                    "max_open_contracts",
                    f"{open_now} contracts open, max_open_contracts is {lim.max_open_contracts}",
                )
        if lim.min_balance is not None and snapshot.balance - worst < lim.min_balance:
            return Decision(
                False,
                "min_balance",
                f"balance {snapshot.balance:.2f} minus stake {worst:.2f} would be below "
                f"min_balance {lim.min_balance:.2f}",
            )
        if lim.max_daily_loss is not None:
            at_risk = sum(self._in_flight.values()) + worst
            if -self.day_profit + at_risk > lim.max_daily_loss + 1e-9:
                return Decision(
                    False,
                    "max_daily_loss",
                    f"today's loss {0.0 - self.day_profit:.2f} plus {at_risk:.2f} at risk could "
                    f"exceed max_daily_loss {lim.max_daily_loss:.2f}",
                )
        self._in_flight[intent.intent_id] = worst
        self.trades += 1
        if lim.max_trades is not None and self.trades >= lim.max_trades:
            # This trade is the last one; trip now so the next intent is refused.
            self._trip(
                "max_trades", f"{self.trades} trades, max_trades is {lim.max_trades}", epoch, None
            )
        return ALLOW

    def check_price(self, intent: TradeIntent, ask_price: float) -> Decision:
        """Check a quoted price against ``max_stake`` (payout-basis intents, after pricing).

        Args:
            intent: the intent being bought.
            ask_price: the proposal's ask price.

        Returns:
            The decision; the caller calls :meth:`on_rejected` when it is refused.
        """
        top = self.limits.max_stake
        if top is not None and ask_price > top:
            return Decision(
                False, "max_stake", f"price {ask_price:.2f} is above max_stake {top:.2f}"
            )
        return ALLOW

    def on_rejected(self, intent: TradeIntent) -> None:
        """Forget an allowed intent that was not bought (proposal or buy refused).

        Args:
            intent: the intent.
        """
        if self._in_flight.pop(intent.intent_id, None) is not None:
            self.trades -= 1
            trip = self.trips.get("max_trades")
            if trip is not None:
                self._clear(trip, trip.epoch)

    def on_bought(self, intent_id: str, buy_price: float) -> None:
        """Count a contract known to be open as at risk by what it cost, until it closes.

        The price paid replaces the intent's estimate (a payout-basis trade's worst case is
        known only once priced; a Multiplier's includes its deal cancellation fee). A
        contract the gate never checked (recovered after a restart) counts from now on, as
        open and at risk, but not as a trade of this session.

        Args:
            intent_id: the intent it was bought for.
            buy_price: what was paid.
        """
        self._in_flight[intent_id] = buy_price

    def on_contract_closed(self, result: ClosedContract) -> None:
        """Account for one settled contract; may trip a limit.

        Args:
            result: the closed contract (each exactly once); a sale's profit (sale price
                minus what was paid) counts like any other, on the day of the sale.
        """
        self._in_flight.pop(result.intent_id, None)
        epoch = result.sell_time
        self._roll_day(epoch)
        self.session_profit += result.profit
        self.day_profit += result.profit
        self.consecutive_losses = 0 if result.won else self.consecutive_losses + 1
        lim = self.limits
        if lim.max_daily_loss is not None and -self.day_profit >= lim.max_daily_loss - 1e-9:
            self._trip(
                "max_daily_loss",
                f"lost {-self.day_profit:.2f} today, max_daily_loss is {lim.max_daily_loss:.2f}",
                epoch,
                (self.day + 1) * DAY,
            )
        if (
            lim.max_consecutive_losses is not None
            and self.consecutive_losses >= lim.max_consecutive_losses
        ):
            until = None if lim.loss_cooldown is None else epoch + lim.loss_cooldown
            self._trip(
                "max_consecutive_losses",
                f"{self.consecutive_losses} losses in a row, "
                f"max_consecutive_losses is {lim.max_consecutive_losses}",
                epoch,
                until,
            )
        if lim.take_profit is not None and self.session_profit >= lim.take_profit - 1e-9:
            self._trip(
                "take_profit",
                f"session profit {self.session_profit:.2f} reached take_profit "
                f"{lim.take_profit:.2f}",
                epoch,
                None,
            )

    def _roll_day(self, epoch: int) -> None:
        day = epoch // DAY
        if day > self.day:
            self.day = day
            self.day_profit = 0.0

    def trip_changed(self, trip: Trip) -> None:
        """Hook: ``trip`` started, or ended (``trip.ended`` set). The live bot journals it.

        Args:
            trip: the trip as :attr:`history` now holds it.
        """

    def _trip(self, limit: str, reason: str, epoch: int, until: int | None) -> None:
        held = self.trips.get(limit)
        if held is not None and held.until is None:
            return  # already tripped for the session
        if held is not None:
            # The same pause tripped again before it cleared (another loss the same day):
            # one trip in the history, from its first start, with the newer reason and end.
            trip = Trip(limit, reason, held.epoch, until)
            self.history[self._held_at[limit]] = trip
        else:
            trip = Trip(limit, reason, epoch, until)
            self._held_at[limit] = len(self.history)
            self.history.append(trip)
        self.trips[limit] = trip
        self.trip_changed(trip)
        if self._log is not None:
            self._log.warning("risk limit tripped", limit=limit, reason=reason, until=until)

    def _clear(self, trip: Trip, epoch: int) -> None:
        del self.trips[trip.limit]
        ended = attrs.evolve(trip, ended=epoch)
        self.history[self._held_at.pop(trip.limit)] = ended
        self.trip_changed(ended)
        if trip.limit == "max_consecutive_losses":
            self.consecutive_losses = 0
        if self._log is not None:
            self._log.info("risk limit cleared", limit=trip.limit, epoch=epoch)
