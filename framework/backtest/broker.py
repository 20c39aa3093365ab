"""The simulated broker: buys and settles contracts with the shared market model.

It does what the embedded simulator's trading desk does around the market model, and
nothing else: price the contract with :func:`framework.market.pricing.price` at the spot of the
latest tick (the same commission and limits as the simulator), debit the stake, open a
position of the contract's family (:class:`framework.market.positions.OpenPosition`) at the
purchase epoch, feed it every later tick of its symbol in order, sell, update or cancel it
through that interface, and credit what each settlement says. No rule of pricing,
settlement or selling is written here.

Fill model (the same as the simulator's, see :mod:`framework.backtest.engine`): a contract
bought while the replay is at tick ``E`` is priced at tick ``E``'s quote and purchased at epoch
``E``; its entry tick is the first tick of its symbol with an epoch strictly after ``E``.

**Counted contracts.** A contract whose outcome only its entry and exit ticks decide
(:attr:`~framework.market.settlement.Position.decided_at_exit`: Rise/Fall and the digit types
over ticks) is not fed tick by tick when its buyer watches nothing in between: the broker
keeps the symbol's ticks on a :class:`_Tape` and, when the tick the contract expires on at the
earliest arrives, hands it the ticks since its purchase in one
:meth:`~framework.market.settlement.Position.advance`. It settles on the same tick, with the
same tick stream, as when fed one tick at a time; a replay that buys a contract every tick
then does one call per contract rather than one per open contract per tick.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from framework.market.contracts import ContractSpec
from framework.market.errors import MarketError
from framework.market.money import round_money
from framework.market.positions import OpenPosition, open_position
from framework.market.pricing import DEFAULT_PRICING, PricingConfig, Quote, price
from framework.market.selling import KEEP, LimitChange
from framework.market.settlement import Position, Settlement, Tick

from .errors import BacktestError

__all__ = ["BrokerRejection", "SimulatedBroker"]

_TAPE_SLACK: Final = 4096
"""Ticks a tape holds before it drops those no open contract needs any more."""


class BrokerRejection(BacktestError):
    """A buy the broker refused, with the server's error code and message.

    Attributes:
        code: Deriv's error code (``ContractBuyValidationError``, ``InsufficientBalance``...).
        message: Deriv's message.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def _contract_id(settlement: Settlement) -> int:
    return settlement.contract_id


class _Tape:
    """One symbol's ticks since the oldest open counted contract was bought.

    Attributes:
        count: ticks recorded so far (the latest is tick number ``count``).
        base: the number of the tick before ``epochs[0]``.
        epochs: the epochs of the ticks ``base + 1 .. count``.
        quotes: their quotes (two lists of the ticks' own numbers: recording a tick
            allocates nothing).
        due: counted positions by the tick number they are next to be fed at.
        fed: per contract id, the number of the last tick its position was given.
        fresh: positions bought since the latest tick was recorded.
    """

    __slots__ = ("base", "count", "due", "epochs", "fed", "fresh", "quotes")

    def __init__(self) -> None:
        self.count = 0
        self.base = 0
        self.epochs: list[int] = []
        self.quotes: list[float] = []
        self.due: dict[int, list[Position]] = {}
        self.fed: dict[int, int] = {}
        self.fresh: list[Position] = []

    def hold(self, position: Position) -> None:
        """Start counting ticks for a position bought now (after tick ``count``)."""
        self.fed[position.contract_id] = self.count
        self.fresh.append(position)

    def start(self, epoch: int, n: int) -> None:
        """Schedule the positions bought before tick ``n`` (at ``epoch``) was recorded."""
        for position in self.fresh:
            # Whether this tick is a fresh position's first: a buy made while this very tick
            # was being handed to the strategies has it as its purchase tick, not its own.
            if epoch <= position.purchase_epoch:
                self.fed[position.contract_id] = n
                self._wake(position, n + position.ticks_to_expiry)
            else:
                self._wake(position, n - 1 + position.ticks_to_expiry)
        self.fresh.clear()

    def _wake(self, position: Position, at: int) -> None:
        woken = self.due.get(at)
        if woken is None:
            self.due[at] = [position]
        else:
            woken.append(position)

    def feed(self, position: Position) -> Settlement | None:
        """Give a position the ticks it has not seen; schedule it again if still open."""
        cid = position.contract_id
        start = self.fed[cid] - self.base
        settlement = position.advance(self._since(start))
        if settlement is not None:
            del self.fed[cid]
            return settlement
        self.fed[cid] = self.count
        # Ticks at or before the purchase second were not its own: it needs the rest.
        self._wake(position, self.count + position.ticks_to_expiry - position.tick_count)
        return None

    def catch_up(self, position: Position) -> None:
        """Give a position the ticks it has not seen yet, short of its expiry."""
        cid = position.contract_id
        start = self.fed[cid] - self.base
        settled = position.advance(self._since(start))
        # Its earliest expiry tick is still due: that one settles it, in settle().
        assert settled is None, "a counted contract settled outside its expiry tick"
        self.fed[cid] = self.count

    def drop(self, position: Position) -> None:
        """Forget a position closed otherwise (sold, at the end)."""
        self.fed.pop(position.contract_id, None)
        if position in self.fresh:
            self.fresh.remove(position)
            return
        for woken in self.due.values():
            if position in woken:
                woken.remove(position)
                return

    def trim(self) -> None:
        """Drop the ticks before the oldest one an open counted contract still needs."""
        if not self.fed:
            self.base = self.count
            self.epochs.clear()
            self.quotes.clear()
        elif len(self.epochs) > _TAPE_SLACK:
            keep = min(self.fed.values())
            del self.epochs[: keep - self.base]
            del self.quotes[: keep - self.base]
            self.base = keep

    def _since(self, start: int) -> list[Tick]:
        """The recorded ticks from index ``start`` on, as ``(epoch, quote)`` pairs."""
        return list(zip(self.epochs[start:], self.quotes[start:], strict=True))


class SimulatedBroker:
    """One account's money and open contracts during a replay.

    Attributes:
        balance: the account balance (stakes debited at purchase, proceeds credited at
            settlement), rounded to cents like the simulator's bank.
        currency: the account currency.
        pricing: commission and limits (the simulator's defaults unless configured).
        open_by_symbol: open positions per symbol, oldest first (the settlement order).
        bought: contracts bought so far.

    Positions are fed ticks one at a time (*polled*) unless bought ``counted`` (see the
    module docstring).
    """

    def __init__(
        self,
        *,
        balance: float = 10_000.0,
        currency: str = "USD",
        pricing: PricingConfig = DEFAULT_PRICING,
    ) -> None:
        """Create an account.

        Args:
            balance: opening balance.
            currency: account currency.
            pricing: pricing config; use the simulator's for parity.
        """
        self.balance = round_money(balance)
        self.currency = currency
        self.pricing = pricing
        self.open_by_symbol: dict[str, list[OpenPosition]] = {}
        self.bought = 0
        self._open = 0
        self._polled: dict[str, list[OpenPosition]] = {}
        self._tapes: dict[str, _Tape] = {}

    @property
    def open_count(self) -> int:
        """Contracts open right now."""
        return self._open

    def quote(self, spec: ContractSpec, spot: float, epoch: int) -> Quote:
        """Price a contract at ``spot`` (a proposal).

        Args:
            spec: the contract.
            spot: the current quote of its symbol.
            epoch: the current epoch (the quote's ``date_start``, as the simulator sets it).

        Returns:
            The market model's quote.

        Raises:
            BrokerRejection: the market model's refusal, with its code and message.
        """
        try:
            return price(spec, spot, date_start=epoch, config=self.pricing)
        except MarketError as exc:
            raise BrokerRejection(exc.code, exc.message) from None

    def buy(
        self, spec: ContractSpec, quote: Quote, epoch: int, *, counted: bool = False
    ) -> OpenPosition:
        """Buy a priced contract at ``epoch``.

        Args:
            spec: the contract (the one ``quote`` was priced for).
            quote: its price at the current spot.
            epoch: purchase epoch (the current tick's).
            counted: the caller reads nothing of the position before it settles (no
                contract updates), so a contract decided at its exit tick may be fed its
                ticks at once then; call :meth:`catch_up` before reading it anyway.

        Returns:
            The open position; its ``contract_id`` numbers purchases from 1.

        Raises:
            BrokerRejection: ``InsufficientBalance`` with the simulator's message.
        """
        ask = quote.ask_price
        # Both are whole cents, so round() gives what the simulator's round_money gives.
        after = round(self.balance - ask, 2)
        if after < 0:
            cur = self.currency
            raise BrokerRejection(
                "InsufficientBalance",
                f"Your account balance ({cur}{self.balance:.2f}) is insufficient to buy this "
                f"contract ({cur}{ask:.2f}).",
            )
        self.bought += 1
        position = open_position(spec, quote, epoch, self.bought, config=self.pricing)
        self.balance = after
        symbol = spec.symbol
        self.open_by_symbol.setdefault(symbol, []).append(position)
        self._open += 1
        if counted and isinstance(position, Position) and position.decided_at_exit:
            tape = self._tapes.get(symbol)
            if tape is None:
                tape = self._tapes[symbol] = _Tape()
            tape.hold(position)
        else:
            self._polled.setdefault(symbol, []).append(position)
        return position

    def settle(
        self, symbol: str, epoch: int, quote: float
    ) -> list[tuple[Settlement, float]] | None:
        """Feed one tick to the open positions of ``symbol``; credit those that settle.

        Args:
            symbol: the tick's symbol.
            epoch: its epoch.
            quote: its quote.

        Returns:
            ``(settlement, balance after crediting it)`` for each contract this tick
            settled, oldest purchase first, or ``None``.
        """
        done: list[tuple[Settlement, float]] | None = None
        settled: list[Settlement] | None = None
        positions = self._polled.get(symbol)
        if positions:
            for position in positions:
                settlement = position.on_tick(epoch, quote)
                if settlement is not None:
                    if settled is None:
                        settled = [settlement]
                    else:
                        settled.append(settlement)
            if settled is not None:
                positions[:] = [p for p in positions if p.settlement is None]
        tape = self._tapes.get(symbol)
        if tape is not None and tape.fed:
            # Record the tick (inline: this runs on most ticks of a trading replay).
            n = tape.count + 1
            tape.count = n
            tape.epochs.append(epoch)
            tape.quotes.append(quote)
            if tape.fresh:
                tape.start(epoch, n)
            woken = tape.due.pop(n, None)
            if woken is not None:
                counted = [s for s in map(tape.feed, woken) if s is not None]
                if counted:
                    tape.trim()
                    settled = counted if settled is None else settled + counted
        if settled is None:
            return None
        if len(settled) > 1:
            # Credited and reported oldest purchase first, whichever way each was fed.
            settled.sort(key=_contract_id)
        by_symbol = self.open_by_symbol[symbol]
        by_symbol[:] = [p for p in by_symbol if p.settlement is None]
        self._open -= len(settled)
        for settlement in settled:
            # Cent amounts: round() is exact here and much cheaper than round_money.
            self.balance = round(self.balance + settlement.sell_price, 2)
            if done is None:
                done = [(settlement, self.balance)]
            else:
                done.append((settlement, self.balance))
        return done

    def catch_up(self, position: OpenPosition) -> None:
        """Bring a counted position up to the latest tick of its symbol, before reading it.

        Args:
            position: an open position of this account (a polled one is always current).
        """
        tape = self._tapes.get(position.spec.symbol)
        if tape is not None and position.contract_id in tape.fed:
            tape.catch_up(position)  # type: ignore[arg-type]

    def sell(
        self, position: OpenPosition, epoch: int, min_price: float
    ) -> tuple[Settlement, float]:
        """Sell an open position at its bid (the market model's rules), crediting the sale.

        Args:
            position: an open position of this account.
            epoch: the time of the sale.
            min_price: the least accepted (0: at market).

        Returns:
            ``(settlement, balance after crediting it)``.

        Raises:
            BrokerRejection: the market model's refusal (``ResaleNotOffered``,
                ``SellAtEntryTick``, ``PriceMoved``...), with its code and message.
        """
        try:
            settlement = position.sell(epoch, min_price, self.currency)
        except MarketError as exc:
            raise BrokerRejection(exc.code, exc.message) from None
        return settlement, self._close(position, settlement)

    def cancel(self, position: OpenPosition, epoch: int) -> tuple[Settlement, float]:
        """Use a Multiplier's deal cancellation, crediting what it returns.

        Args:
            position: an open position of this account.
            epoch: the time of the cancellation.

        Returns:
            ``(settlement, balance after crediting it)``.

        Raises:
            BrokerRejection: the market model's refusal, with its code and message.
        """
        try:
            settlement = position.cancel(epoch)
        except MarketError as exc:
            raise BrokerRejection(exc.code, exc.message) from None
        return settlement, self._close(position, settlement)

    def update(
        self,
        position: OpenPosition,
        epoch: int,
        take_profit: LimitChange = KEEP,
        stop_loss: LimitChange = KEEP,
    ) -> None:
        """Change an open position's take-profit / stop-loss (``None`` removes one).

        Args:
            position: an open position of this account.
            epoch: the time of the change.
            take_profit: the new amount, ``None``, or :data:`KEEP`.
            stop_loss: likewise.

        Raises:
            BrokerRejection: the market model's refusal (``TakeProfitTooLow``...).
        """
        try:
            position.update(epoch, take_profit=take_profit, stop_loss=stop_loss)
        except MarketError as exc:
            raise BrokerRejection(exc.code, exc.message) from None

    def _close(self, position: OpenPosition, settlement: Settlement) -> float:
        self.balance = round(self.balance + settlement.sell_price, 2)
        symbol = position.spec.symbol
        self.open_by_symbol[symbol].remove(position)
        polled = self._polled.get(symbol)
        if polled is not None and position in polled:
            polled.remove(position)
        else:
            tape = self._tapes[symbol]
            tape.drop(position)  # type: ignore[arg-type]
            tape.trim()
        self._open -= 1
        return self.balance

    def open_positions(self) -> Iterable[OpenPosition]:
        """Every open position, by symbol then purchase order."""
        for positions in self.open_by_symbol.values():
            yield from positions
