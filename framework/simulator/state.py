"""Optional persistence: accounts, tokens, statements, contracts and apps in one SQLite file.

With ``--state FILE`` a restarted simulator comes back with the same accounts, balances,
tokens, open and settled contracts, id counters, seed and genesis epoch, registered apps and
unused verification codes (both small, kept as ``meta`` values), and its clock
resumes at or after the simulated epoch it had reached (see :mod:`.clock`). Because the market is
a function of ``(seed, genesis)``, an open contract of any family is restored by re-opening its
position from the quote it was bought at and replaying its ticks and its take-profit /
stop-loss changes, then the ticks it missed while the simulator was down: it settles exactly as
it would have without the restart. A settled contract keeps its settlement and its last view.

The file holds every token the simulator accepts, in plain text: it is created with mode
0600 and tightened if found more open (:func:`framework.files.make_private`).

Writes go through at each change (a buy is one short transaction), so a killed simulator
loses nothing that was answered. The clock's epoch is written with every change, every
:data:`CLOCK_EVERY` seconds and on a clean stop: a killed simulator resumes no earlier
than its last answered trade.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import attrs
import trio

from framework.files import make_private
from framework.market.contracts import ContractSpec
from framework.market.openended import AccumulatorTerms, MultiplierTerms
from framework.market.positions import open_position
from framework.market.pricing import PricingConfig, Quote
from framework.market.settlement import Position, Settlement

from .accounts import Account, Token, Transaction
from .clock import SimClock
from .trading import Contract, UpdateRecord
from .views import contract_payload

__all__ = ["CLOCK_EVERY", "SavedContract", "Store", "keep_clock"]

#: Trio seconds between two writes of the clock's epoch while the simulator runs.
CLOCK_EVERY = 1.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (loginid TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tokens (token TEXT PRIMARY KEY, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS transactions (
    transaction_id INTEGER PRIMARY KEY, loginid TEXT NOT NULL, data TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS contracts (contract_id INTEGER PRIMARY KEY, data TEXT NOT NULL);
"""


@attrs.frozen
class SavedContract:
    """A contract as stored: enough to re-open its position, with its bookkeeping.

    An open contract is re-opened from its quote and replayed (its ticks and limit order
    changes, :meth:`framework.simulator.trading.TradingDesk.catch_up`); a settled one keeps
    its settlement and its last ``proposal_open_contract`` view.

    Attributes:
        contract_id: the id.
        loginid: owner.
        currency: account currency.
        spec: contract parameters.
        purchase_epoch: purchase time.
        longcode: description.
        shortcode: compact description.
        buy_txn: purchase transaction id.
        sell_txn: settlement transaction id, if settled.
        settlement: the settlement fields, if settled.
        app_id: the buying app.
        quote: the quote it was bought at (``attrs.asdict`` of the market model's
            :class:`~framework.market.pricing.Quote`); ``None`` in files written before
            there were other families than the binary options.
        changes: its accepted ``contract_update`` changes, oldest first.
        view: its last ``proposal_open_contract`` once settled.
        buy_price: price paid (files without ``quote``).
        payout: payout if won (files without ``quote``).
        commission: commission for bids (files without ``quote``).
        probability: win probability at purchase (files without ``quote``).
    """

    contract_id: int
    loginid: str
    currency: str
    spec: dict[str, Any]
    purchase_epoch: int
    longcode: str
    shortcode: str
    buy_txn: int
    sell_txn: int | None
    settlement: dict[str, Any] | None
    app_id: int | None
    quote: dict[str, Any] | None = None
    changes: list[dict[str, Any]] = attrs.field(factory=list)
    view: dict[str, Any] | None = None
    buy_price: float = 0.0
    payout: float = 0.0
    commission: float = 0.0
    probability: float = 0.5

    @classmethod
    def of(cls, contract: Contract) -> SavedContract:
        """What to store of ``contract``."""
        pos = contract.position
        settlement = contract.settlement
        return cls(
            contract_id=contract.contract_id,
            loginid=contract.loginid,
            currency=contract.currency,
            spec=attrs.asdict(pos.spec),
            purchase_epoch=pos.purchase_epoch,
            longcode=contract.longcode,
            shortcode=contract.shortcode,
            buy_txn=contract.buy_txn.transaction_id,
            sell_txn=None if contract.sell_txn is None else contract.sell_txn.transaction_id,
            settlement=None if settlement is None else attrs.asdict(settlement),
            app_id=contract.app_id,
            quote=attrs.asdict(contract.quote),
            changes=[attrs.asdict(change) for change in contract.changes],
            view=None if settlement is None else contract_payload(contract, settlement.sell_epoch),
        )

    def contract(
        self, buy_txn: Transaction, sell_txn: Transaction | None, pricing: PricingConfig
    ) -> Contract:
        """Rebuild the contract: its position re-opened, not yet fed (see :meth:`catch_up`).

        Args:
            buy_txn: its purchase transaction.
            sell_txn: its settlement transaction, if any.
            pricing: the simulator's pricing (the commission of a re-opened option).
        """
        settlement = None
        if self.settlement is not None:
            data = dict(self.settlement)
            data["tick_stream"] = tuple(tuple(t) for t in data["tick_stream"])
            settlement = Settlement(**data)
        if self.quote is None:
            return self._legacy(buy_txn, sell_txn, settlement)
        quote = _quote(self.quote)
        position = open_position(
            quote.spec, quote, self.purchase_epoch, self.contract_id, config=pricing
        )
        return Contract(
            self.contract_id,
            self.loginid,
            self.currency,
            position,
            quote,
            self.longcode,
            self.shortcode,
            buy_txn,
            sell_txn,
            app_id=self.app_id,
            changes=[UpdateRecord(**change) for change in self.changes],
            ended=settlement,
            final_view=self.view,
        )

    def _legacy(
        self, buy_txn: Transaction, sell_txn: Transaction | None, settlement: Settlement | None
    ) -> Contract:
        """A binary option stored before quotes were (its position rebuilt field by field)."""
        from framework.market.symbols import get_symbol

        spec = ContractSpec(**self.spec)
        position = Position(
            spec,
            get_symbol(spec.symbol),
            contract_id=self.contract_id,
            buy_price=self.buy_price,
            payout=self.payout,
            purchase_epoch=self.purchase_epoch,
            commission=self.commission,
            probability=self.probability,
        )
        if settlement is not None:
            position.settlement = settlement
            position.entry_epoch = settlement.entry_epoch
            position.entry_quote = settlement.entry_quote
            position.barrier = settlement.barrier
            position.current_epoch = settlement.exit_epoch
            position.current_quote = settlement.exit_quote
            position.tick_stream = list(settlement.tick_stream)
            position.tick_count = len(settlement.tick_stream)
        quote = Quote(
            spec=spec,
            ask_price=self.buy_price,
            payout=self.payout,
            probability=self.probability,
            commission=self.commission,
            spot=0.0,
            date_start=self.purchase_epoch,
            date_expiry=position.date_expiry,
            longcode=self.longcode,
            barrier=None,
            stake_min=0.0,
            stake_max=0.0,
            payout_max=0.0,
        )
        return Contract(
            self.contract_id,
            self.loginid,
            self.currency,
            position,
            quote,
            self.longcode,
            self.shortcode,
            buy_txn,
            sell_txn,
            app_id=self.app_id,
        )


def _quote(data: dict[str, Any]) -> Quote:
    """Rebuild a stored :class:`Quote` (its contract and its family's terms)."""
    fields = dict(data)
    fields["spec"] = ContractSpec(**fields["spec"])
    terms = fields.get("terms")
    if terms is not None:
        # JSON turned the terms' tuples (take-profit and stop-loss ranges) into lists.
        values: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in terms.items()
        }
        family = MultiplierTerms if "multiplier" in values else AccumulatorTerms
        fields["terms"] = family(**values)
    return Quote(**fields)


class Store:
    """The SQLite state file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        make_private(self.path, what="simulator state file")
        self._db = sqlite3.connect(self.path)
        self._db.executescript(_SCHEMA)
        self._db.commit()

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    # -- meta ----------------------------------------------------------------------------

    def get_meta(self, key: str) -> Any:
        """Return a stored value (``None`` when absent)."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else json.loads(row[0])

    def set_meta(self, key: str, value: Any) -> None:
        """Store a value."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, json.dumps(value))
            )

    def saved_clock(self) -> float | None:
        """The simulated epoch the simulator had reached when last written (``None``: never)."""
        value = self.get_meta("clock")
        return None if value is None else float(value)

    def save_clock(self, clock: SimClock) -> None:
        """Write the clock's current epoch."""
        self.set_meta("clock", clock.now())

    @property
    def is_empty(self) -> bool:
        """True for a fresh file."""
        count: int = self._db.execute("SELECT COUNT(*) FROM accounts").fetchone()[0]
        return count == 0

    # -- rows ----------------------------------------------------------------------------

    def save_account(self, account: Account) -> None:
        """Insert or update an account."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO accounts (loginid, data) VALUES (?, ?)",
                (account.loginid, json.dumps(attrs.asdict(account))),
            )

    def save_token(self, token: Token) -> None:
        """Insert a token."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO tokens (token, data) VALUES (?, ?)",
                (token.token, json.dumps(attrs.asdict(token))),
            )

    def delete_token(self, token: Token) -> None:
        """Delete a token."""
        with self._db:
            self._db.execute("DELETE FROM tokens WHERE token = ?", (token.token,))

    def save_transaction(self, txn: Transaction) -> None:
        """Insert a statement entry."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO transactions (transaction_id, loginid, data) "
                "VALUES (?, ?, ?)",
                (txn.transaction_id, txn.loginid, json.dumps(attrs.asdict(txn))),
            )

    def save_contract(self, saved: SavedContract) -> None:
        """Insert or update a contract."""
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO contracts (contract_id, data) VALUES (?, ?)",
                (saved.contract_id, json.dumps(attrs.asdict(saved))),
            )

    # -- loading -------------------------------------------------------------------------

    def accounts(self) -> list[Account]:
        """Every stored account."""
        rows = self._db.execute("SELECT data FROM accounts ORDER BY rowid").fetchall()
        return [Account(**json.loads(data)) for (data,) in rows]

    def tokens(self) -> list[Token]:
        """Every stored token."""
        rows = self._db.execute("SELECT data FROM tokens ORDER BY rowid").fetchall()
        out = []
        for (data,) in rows:
            fields = json.loads(data)
            fields["scopes"] = tuple(fields["scopes"])
            out.append(Token(**fields))
        return out

    def transactions(self) -> list[Transaction]:
        """Every stored statement entry, oldest first."""
        rows = self._db.execute("SELECT data FROM transactions ORDER BY transaction_id").fetchall()
        return [Transaction(**json.loads(data)) for (data,) in rows]

    def contracts(self) -> list[SavedContract]:
        """Every stored contract, oldest first."""
        rows = self._db.execute("SELECT data FROM contracts ORDER BY contract_id").fetchall()
        return [SavedContract(**json.loads(data)) for (data,) in rows]


async def keep_clock(store: Store, clock: SimClock) -> None:
    """Write the clock's epoch every :data:`CLOCK_EVERY` seconds, until cancelled."""
    while True:
        store.save_clock(clock)
        await trio.sleep(CLOCK_EVERY)
