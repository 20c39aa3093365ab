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
"""

from __future__ import annotations

from collections.abc import Iterable

from framework.market.contracts import ContractSpec
from framework.market.errors import MarketError
from framework.market.money import round_money
from framework.market.positions import OpenPosition, open_position
from framework.market.pricing import DEFAULT_PRICING, PricingConfig, Quote, price
from framework.market.selling import KEEP, LimitChange
from framework.market.settlement import Settlement

from .errors import BacktestError

__all__ = ["BrokerRejection", "SimulatedBroker"]


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


class SimulatedBroker:
    """One account's money and open contracts during a replay.

    Attributes:
        balance: the account balance (stakes debited at purchase, proceeds credited at
            settlement), rounded to cents like the simulator's bank.
        currency: the account currency.
        pricing: commission and limits (the simulator's defaults unless configured).
        open_by_symbol: open positions per symbol, oldest first (the settlement order).
        bought: contracts bought so far.
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

    def buy(self, spec: ContractSpec, quote: Quote, epoch: int) -> OpenPosition:
        """Buy a priced contract at ``epoch``.

        Args:
            spec: the contract (the one ``quote`` was priced for).
            quote: its price at the current spot.
            epoch: purchase epoch (the current tick's).

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
        self.open_by_symbol.setdefault(spec.symbol, []).append(position)
        self._open += 1
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
        positions = self.open_by_symbol.get(symbol)
        if not positions:
            return None
        done: list[tuple[Settlement, float]] | None = None
        for position in positions:
            settlement = position.on_tick(epoch, quote)
            if settlement is not None:
                # Cent amounts: round() is exact here and much cheaper than round_money.
                self.balance = round(self.balance + settlement.sell_price, 2)
                if done is None:
                    done = [(settlement, self.balance)]
                else:
                    done.append((settlement, self.balance))
        if done is not None:
            positions[:] = [p for p in positions if p.settlement is None]
            self._open -= len(done)
        return done

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
        self.open_by_symbol[position.spec.symbol].remove(position)
        self._open -= 1
        return self.balance

    def open_positions(self) -> Iterable[OpenPosition]:
        """Every open position, by symbol then purchase order."""
        for positions in self.open_by_symbol.values():
            yield from positions
