"""Open positions: a sans-IO state machine fed one tick at a time.

Rules (reference notes section 5, followed exactly; ``P`` = purchase epoch, "tick k" = the
k-th tick with ``epoch > P``):

* Entry tick = tick 1 (first tick strictly after the purchase second).
* Tick-expiry CALL/PUT/CALLE/PUTE and ONETOUCH/NOTOUCH (``ticks_to_expiry = N + 1``): exit
  tick = tick N+1, i.e. N ticks after the entry tick.
* Tick-expiry digits (``ticks_to_expiry = N``): exit tick = tick N; a 1-tick digit contract
  settles on its entry tick.
* CALL wins if ``exit > barrier``, PUT if ``exit < barrier``, CALLE if ``>=``, PUTE if
  ``<=``; the barrier is the entry spot for Rise/Fall (so an equal exit loses CALL/PUT and
  wins CALLE/PUTE) or the entry spot plus the offset for a relative barrier (rounded to the
  pip size), or the absolute level.
* Digits use :func:`~framework.market.digits.last_digit` of the exit quote.
* ONETOUCH/NOTOUCH are path dependent: with ``high``/``low`` the running max/min of the
  ticks from the entry tick on (entry included), the barrier is touched on the first tick
  where ``high >= barrier and low <= barrier``; the contract settles on that tick (exit =
  that tick: ONETOUCH won, NOTOUCH lost). Untouched at expiry: ONETOUCH lost, NOTOUCH won.
* Time durations (``s m h d``) expire at ``E = P + duration``; the exit tick is the last
  tick with ``epoch <= E``. A tick exactly at ``E`` settles at once; otherwise the contract
  settles when the first tick after ``E`` arrives (that tick is not part of the contract).
  If no tick at all falls in ``(P, E]``, the first tick after ``E`` is both entry and exit.
  Touch contracts also settle early at the touching tick.
* EXPIRYRANGE wins if ``low < exit < high``, EXPIRYMISS if ``exit < low or exit > high``;
  EXPIRYRANGEE and EXPIRYMISSE include the barriers (``<=``, ``>=``). Time durations only.
* RANGE / UPORDOWN (time durations only) are touch contracts with two barriers: touched on
  the first tick where ``high >= high_barrier or low <= low_barrier`` (running max/min from
  the entry tick on); RANGE loses and UPORDOWN wins there, else RANGE wins at expiry.
* TICKHIGH / TICKLOW last 5 ticks, the entry tick being tick 1 (``ticks_to_expiry = 5``);
  the barrier is the quote of tick ``selected_tick``. The contract loses as soon as a tick
  of the five is strictly higher (TICKLOW: lower) than the selected one (known on the
  selected tick itself when an earlier tick beat it; the exit tick is then that earlier
  tick, Deriv's ``hit_tick``), and wins on tick 5 otherwise: ties win.
* RUNHIGH / RUNLOW over N ticks (``ticks_to_expiry = N + 1``, barrier = entry spot): lose
  on the first tick that is not strictly higher (RUNLOW: lower) than the tick before it,
  win on tick N+1 otherwise.

Positions never look at a clock: every epoch is passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from .contracts import (
    CONTRACT_TYPES,
    ContractSpec,
    digit_barrier,
    duration_seconds,
    fixed_expiry,
    price_barrier,
    price_barrier2,
)
from .digits import last_digit
from .errors import MarketError
from .money import round_money
from .outcome import END_REASONS, EndReason, Settlement, Status, Tick
from .pricing import probability
from .selling import WAITING_FOR_ENTRY, PositionRules, sell_refusal
from .symbols import SymbolSpec

# How a contract ended lives in .outcome; re-exported here, where callers first met it.
__all__ = ["END_REASONS", "EndReason", "Position", "Settlement", "Status", "Tick"]

# Settlement rule per contract type, as small ints so the exit test is one comparison chain.
_CALL, _PUT, _CALLE, _PUTE, _MATCH, _DIFF, _OVER, _UNDER, _EVEN, _ODD, _TOUCH, _NOTOUCH = range(12)
_RANGE, _UPORDOWN, _TICKHIGH, _TICKLOW, _RUNHIGH, _RUNLOW = range(12, 18)
_EXPIRYRANGE, _EXPIRYMISS, _EXPIRYRANGEE, _EXPIRYMISSE = range(18, 22)
_HIT_WINS: Final = frozenset((_TOUCH, _UPORDOWN))
"""Path-dependent types that win (rather than lose) on the settling hit."""
_HIGH_LOW: Final = (_TICKHIGH, _TICKLOW)
_RULES: Final = {
    "CALL": _CALL,
    "PUT": _PUT,
    "CALLE": _CALLE,
    "PUTE": _PUTE,
    "DIGITMATCH": _MATCH,
    "DIGITDIFF": _DIFF,
    "DIGITOVER": _OVER,
    "DIGITUNDER": _UNDER,
    "DIGITEVEN": _EVEN,
    "DIGITODD": _ODD,
    "ONETOUCH": _TOUCH,
    "NOTOUCH": _NOTOUCH,
    "RANGE": _RANGE,
    "UPORDOWN": _UPORDOWN,
    "TICKHIGH": _TICKHIGH,
    "TICKLOW": _TICKLOW,
    "RUNHIGH": _RUNHIGH,
    "RUNLOW": _RUNLOW,
    "EXPIRYRANGE": _EXPIRYRANGE,
    "EXPIRYMISS": _EXPIRYMISS,
    "EXPIRYRANGEE": _EXPIRYRANGEE,
    "EXPIRYMISSE": _EXPIRYMISSE,
}


class Position(PositionRules):
    """One bought contract, advanced by :meth:`on_tick` until it settles.

    Hot-path object: slotted, no validation, no allocation per tick except the
    ``tick_stream`` entry of tick-expiry contracts. Read the public attributes to build
    ``proposal_open_contract``.

    Attributes:
        spec: the contract.
        symbol: its symbol.
        contract_id: caller-chosen id.
        buy_price: the price paid.
        payout: the payout if won.
        purchase_epoch: purchase time ``P``.
        date_expiry: expiry epoch of time contracts, ``None`` for tick contracts.
        commission: commission used for bids.
        entry_epoch: epoch of the entry tick, ``None`` until it arrives.
        entry_quote: its quote.
        barrier: resolved absolute barrier (``None`` before entry; the digit for digit
            contracts, ``None`` for even/odd and two-barrier types; High/Low Ticks: the
            selected tick's quote once it arrives).
        high_barrier: two-barrier types: the resolved high barrier once entered.
        low_barrier: two-barrier types: the resolved low barrier once entered.
        current_epoch: epoch of the last tick belonging to the contract.
        current_quote: its quote (``current_spot``).
        tick_count: ticks seen after the purchase (entry tick = 1).
        ticks_to_expiry: tick number of the exit tick (tick contracts; 0 otherwise).
        tick_stream: ticks from entry on (tick contracts only).
        settlement: the :class:`Settlement` once settled or sold, else ``None``.
    """

    __slots__ = (
        "_barrier2_spec",
        "_barrier_spec",
        "_digit",
        "_double",
        "_high",
        "_initial_probability",
        "_low",
        "_path",
        "_pip_size",
        "_rule",
        "_selected",
        "_tick_expiry",
        "barrier",
        "buy_price",
        "commission",
        "contract_id",
        "current_epoch",
        "current_quote",
        "date_expiry",
        "entry_epoch",
        "entry_quote",
        "high_barrier",
        "low_barrier",
        "payout",
        "purchase_epoch",
        "settlement",
        "spec",
        "symbol",
        "tick_count",
        "tick_stream",
        "ticks_to_expiry",
    )

    def __init__(
        self,
        spec: ContractSpec,
        symbol: SymbolSpec,
        *,
        contract_id: int,
        buy_price: float,
        payout: float,
        purchase_epoch: int,
        commission: float,
        probability: float = 0.5,
    ) -> None:
        """Create an open position; prefer :func:`open_position`.

        Args:
            spec: a validated contract.
            symbol: its symbol.
            contract_id: caller-chosen id.
            buy_price: price paid.
            payout: payout if won.
            purchase_epoch: purchase time.
            commission: commission used for bids.
            probability: win probability at purchase (bids before the entry tick).
        """
        ctype = CONTRACT_TYPES[spec.contract_type]
        self.spec = spec
        self.symbol = symbol
        self.contract_id = contract_id
        self.buy_price = buy_price
        self.payout = payout
        self.purchase_epoch = purchase_epoch
        self.commission = commission
        self._rule = _RULES[spec.contract_type]
        self._pip_size = symbol.pip_size
        self._tick_expiry = spec.duration_unit == "t"
        self._barrier_spec = price_barrier(spec, ctype, symbol.pip_size)
        self._barrier2_spec = price_barrier2(spec, ctype, symbol.pip_size)
        # Which types a tick before the exit may settle, and which have two barriers, are
        # the contract types' facts: read them once here, not per tick.
        self._path = ctype.path_dependent
        self._double = ctype.barrier_count == 2
        self._selected = spec.selected_tick or 0
        self.high_barrier: float | None = None
        self.low_barrier: float | None = None
        self._digit = digit_barrier(spec, ctype)
        if self._tick_expiry:
            self.ticks_to_expiry = fixed_expiry(spec)[0] + ctype.extra_tick
            self.date_expiry: int | None = None
        else:
            self.ticks_to_expiry = 0
            self.date_expiry = purchase_epoch + duration_seconds(spec, symbol)
        self.entry_epoch: int | None = None
        self.entry_quote = 0.0
        self.barrier: float | None = None
        self.current_epoch = purchase_epoch
        self.current_quote = 0.0
        self.tick_count = 0
        self.tick_stream: list[Tick] = []
        self.settlement: Settlement | None = None
        self._high = 0.0
        self._low = 0.0
        self._initial_probability = probability

    # -- per-tick path ------------------------------------------------------------------

    def _enter(self, epoch: int, quote: float) -> None:
        self.entry_epoch = epoch
        self.entry_quote = quote
        self._high = quote
        self._low = quote
        rule = self._rule
        if self._double:
            high, low = self._barrier_spec, self._barrier2_spec
            assert high is not None and low is not None
            self.high_barrier = high.resolve(quote, self._pip_size)
            self.low_barrier = low.resolve(quote, self._pip_size)
        elif rule in _HIGH_LOW:
            self.barrier = None  # the selected tick's quote, set when it arrives
        elif rule >= _MATCH and rule <= _UNDER:
            self.barrier = float(self._digit)
        elif rule in (_EVEN, _ODD):
            self.barrier = None
        elif self._barrier_spec is None:
            self.barrier = quote
        else:
            self.barrier = self._barrier_spec.resolve(quote, self._pip_size)

    def on_tick(self, epoch: int, quote: float) -> Settlement | None:
        """Feed the next tick of the symbol.

        Ticks at or before the purchase epoch, and every tick after settlement, are
        ignored. Ticks must come in epoch order.

        Args:
            epoch: tick epoch.
            quote: tick quote (rounded to the pip size).

        Returns:
            The :class:`Settlement` if this tick settles the contract, else ``None``.
        """
        if self.settlement is not None or epoch <= self.purchase_epoch:
            return None
        if self._tick_expiry:
            n = self.tick_count + 1
            self.tick_count = n
            prev = self.current_quote
            self.current_epoch = epoch
            self.current_quote = quote
            self.tick_stream.append((epoch, quote))
            if n == 1:
                self._enter(epoch, quote)
            if self._path:
                hit = self._hit(n, prev, epoch, quote)
                if hit is not None:
                    return self._settle(self._rule in _HIT_WINS, hit[0], hit[1], epoch)
            if n == self.ticks_to_expiry:
                return self._settle(self._wins(quote), epoch, quote, epoch)
            return None
        expiry = self.date_expiry
        assert expiry is not None
        if epoch > expiry:
            if self.entry_epoch is None:
                # No tick inside (P, E]: this late tick is both entry and exit.
                self.tick_count = 1
                self.current_epoch = epoch
                self.current_quote = quote
                self._enter(epoch, quote)
            last = self.current_quote
            return self._settle(self._wins(last), self.current_epoch, last, epoch)
        self.tick_count += 1
        self.current_epoch = epoch
        self.current_quote = quote
        if self.entry_epoch is None:
            self._enter(epoch, quote)
        if self._path:
            hit = self._hit(self.tick_count, 0.0, epoch, quote)
            if hit is not None:
                return self._settle(self._rule in _HIT_WINS, hit[0], hit[1], epoch)
        if epoch == expiry:
            return self._settle(self._wins(quote), epoch, quote, epoch)
        return None

    @property
    def decided_at_exit(self) -> bool:
        """Whether only the entry and exit ticks decide this contract.

        A tick-expiry contract that is not path dependent (Rise/Fall, the digit types)
        settles on its exit tick, however the ticks between went: a replay may then feed it
        its ticks in one :meth:`advance` once the exit tick is there, instead of one
        :meth:`on_tick` per tick.
        """
        return self._tick_expiry and not self._path

    def advance(self, ticks: Sequence[Tick]) -> Settlement | None:
        """Feed several ticks of the symbol at once; only for :attr:`decided_at_exit`.

        The same as calling :meth:`on_tick` for each of ``ticks`` in turn (ticks at or before
        the purchase epoch are ignored, nothing after the exit tick is taken), in one call.

        Args:
            ticks: the next ``(epoch, quote)`` ticks, in epoch order.

        Returns:
            The :class:`Settlement` if these ticks reach the exit tick, else ``None``.
        """
        assert self.decided_at_exit, "advance() is for contracts decided at the exit tick"
        if self.settlement is not None or not ticks:
            return None
        start = 0
        if self.tick_count == 0:
            purchase = self.purchase_epoch
            last = len(ticks)
            while start < last and ticks[start][0] <= purchase:
                start += 1
            if start == last:
                return None
            self._enter(*ticks[start])
        fed = ticks[start : start + self.ticks_to_expiry - self.tick_count]
        self.tick_stream.extend(fed)
        self.tick_count += len(fed)
        epoch, quote = fed[-1]
        self.current_epoch = epoch
        self.current_quote = quote
        if self.tick_count == self.ticks_to_expiry:
            return self._settle(self._wins(quote), epoch, quote, epoch)
        return None

    def _hit(self, n: int, prev: float, epoch: int, quote: float) -> Tick | None:
        """Return the tick that settles a path-dependent contract now, or ``None``.

        Args:
            n: number of this tick (the entry tick is 1).
            prev: quote of the tick before (Only Ups/Downs; unused at ``n == 1``).
            epoch: this tick's epoch.
            quote: this tick's quote.
        """
        rule = self._rule
        if rule <= _UPORDOWN:
            if quote > self._high:
                self._high = quote
            elif quote < self._low:
                self._low = quote
            if rule <= _NOTOUCH:
                barrier = self.barrier
                assert barrier is not None
                touched = self._high >= barrier and self._low <= barrier
            else:
                high, low = self.high_barrier, self.low_barrier
                assert high is not None and low is not None
                touched = self._high >= high or self._low <= low
            return (epoch, quote) if touched else None
        if rule <= _TICKLOW:
            return self._beaten(n, epoch, quote)
        if n == 1:
            return None
        broken = quote <= prev if rule == _RUNHIGH else quote >= prev
        return (epoch, quote) if broken else None

    def _beaten(self, n: int, epoch: int, quote: float) -> Tick | None:
        """High/Low Ticks: the first tick beating the selected one, once that is known."""
        selected = self._selected
        if n < selected:
            return None
        high = self._rule == _TICKHIGH
        if n == selected:
            self.barrier = quote
            for tick in self.tick_stream[:-1]:
                if (tick[1] > quote) if high else (tick[1] < quote):
                    return tick
            return None
        barrier = self.barrier
        assert barrier is not None
        return (epoch, quote) if (quote > barrier if high else quote < barrier) else None

    def _wins(self, exit_quote: float) -> bool:
        """Tell whether an exit at ``exit_quote`` wins (touch: untouched at expiry)."""
        rule = self._rule
        if rule >= _RANGE:
            if rule >= _EXPIRYRANGE:
                low, high = self.low_barrier, self.high_barrier
                assert low is not None and high is not None
                if rule == _EXPIRYRANGE:
                    return low < exit_quote < high
                if rule == _EXPIRYMISS:
                    return exit_quote < low or exit_quote > high
                if rule == _EXPIRYRANGEE:
                    return low <= exit_quote <= high
                return exit_quote <= low or exit_quote >= high
            # Stays Between, High/Low Ticks, Only Ups/Downs: not hit by the exit tick.
            return rule != _UPORDOWN
        if rule == _TOUCH:
            return False
        if rule == _NOTOUCH:
            return True
        if rule <= _PUTE:
            barrier = self.barrier
            assert barrier is not None
            if rule == _CALL:
                return exit_quote > barrier
            if rule == _PUT:
                return exit_quote < barrier
            if rule == _CALLE:
                return exit_quote >= barrier
            return exit_quote <= barrier
        d = last_digit(exit_quote, self._pip_size)
        if rule == _MATCH:
            return d == self._digit
        if rule == _DIFF:
            return d != self._digit
        if rule == _OVER:
            return d > self._digit
        if rule == _UNDER:
            return d < self._digit
        if rule == _EVEN:
            return d % 2 == 0
        return d % 2 == 1

    def _settle(self, won: bool, exit_epoch: int, exit_quote: float, when: int) -> Settlement:
        amount = self.payout if won else 0.0
        status: Status = "won" if won else "lost"
        return self._close(status, "expired", amount, exit_epoch, exit_quote, when)

    # -- state for proposal_open_contract -----------------------------------------------

    def _open_sell_error(self, epoch: int) -> MarketError | None:
        """``ResaleNotOffered`` for tick contracts, ``InvalidSellContractProposal`` before
        the entry tick or once expired (see :mod:`framework.market.selling`)."""
        if self._tick_expiry:
            return sell_refusal("Resale of this contract is not offered.", "ResaleNotOffered")
        if self.entry_epoch is None:
            return sell_refusal(WAITING_FOR_ENTRY)
        if self.is_expired(epoch):
            return sell_refusal("This contract has already expired.")
        return None

    def win_probability(self, epoch: int) -> float:
        """Theoretical probability of winning from the current state.

        Args:
            epoch: current time (used for the time left of time contracts).

        Returns:
            The probability (the one the contract was priced at until the entry tick).
        """
        spec = self.spec
        sym = self.symbol
        if self._tick_expiry:
            left = max(self.ticks_to_expiry - self.tick_count, 0) * sym.tick_interval
        else:
            assert self.date_expiry is not None
            left = max(self.date_expiry - epoch, 0)
        if self.entry_epoch is None:
            return self._initial_probability
        rule = self._rule
        if rule in _HIGH_LOW:
            return self._initial_probability
        if self._double:
            level = self.high_barrier
        elif rule >= _MATCH and rule <= _ODD:
            level = None
        else:
            level = self.barrier
        return probability(
            spec.contract_type, self.current_quote, level, self._digit, sym.volatility, left,
            barrier2=self.low_barrier, ticks=max(self.ticks_to_expiry - self.tick_count, 0),
        )  # fmt: skip

    def _open_bid(self, epoch: int) -> float:
        """POC ``bid_price``: ``payout * max(p - commission, 0)`` rounded to cents."""
        if self._rule in _HIGH_LOW:
            # Deriv bids nothing for High/Low Ticks until they expire (not resellable).
            return 0.0
        p = self.win_probability(epoch) - self.commission
        return round_money(self.payout * min(max(p, 0.0), 1.0))
