"""The SQLite journal: every intent, buy, order, update and settlement, written before and after.

Rules of operation:

1. An intent is written (``pending``) before anything is sent for it, and marked ``sending``
   right before its buy leaves, with the latest server epoch known then (``sent_epoch``:
   where the reconciliation window starts, on the server's clock). A crash after that point
   leaves a ``sending`` intent behind; on the next start :meth:`Journal.unresolved_intents`
   returns it and the runtime reconciles it with the server (the buy is never re-sent
   blindly).
2. Every outcome closes the intent exactly once: ``bought`` (with the contract), ``not_bought``
   (with why), ``rejected`` (the risk gate said no; nothing was sent). A second outcome for the
   same intent is refused with :class:`JournalError`: that is how a double buy would show.
3. A contract row is ``open`` until its settlement is written, with how it ended (``end``,
   :data:`~framework.market.settlement.END_REASONS`); :meth:`Journal.open_contracts` is
   what a restarted bot follows to settlement. Settling twice is a no-op that reports it.
3a. An order on an open contract (sell, ``contract_update``, cancel) follows the intent's
   rules: written ``pending`` before anything is sent, ``sending`` (with the server epoch)
   right before it leaves, then exactly one outcome, ``done`` or ``failed`` (with the
   server's reason). A crash leaves it ``sending``; :meth:`Journal.unresolved_orders`
   returns it and the runtime decides it from the contract's state, never re-sending it.
   :meth:`Journal.closing_order` says whether the bot's own sale or cancellation closed a
   contract (what ``end`` is inferred from, with the final contract state).
4. Every write also appends to ``events``, an append-only log with the full payload, so the
   journal can be audited after the fact.
5. One writer: opening a journal file takes an exclusive OS lock (``flock``) on its sidecar
   ``JOURNAL.lock``, held until :meth:`Journal.close` or the process's end, and the lock file
   names the holder's pid. A second writer is refused with :class:`JournalInUse` before it
   touches the database. Readers (``readonly=True``, what ``triobot report`` opens) take no
   lock and may read a journal in use.
6. Private: the journal holds account data, so the file is created mode 0600, and a file
   (or its ``-wal``/``-shm``) found more open is tightened to 0600 and the change logged.

The journal uses the standard library's sqlite3 in WAL mode with ``synchronous=NORMAL`` and
commits every write: trades are rare next to ticks, and losing a committed intent to a crash
is not acceptable. It is used from the Trio thread directly; each write takes well under a
millisecond on local disk.

Why the lock is ``flock`` on a sidecar, not SQLite's ``locking_mode=EXCLUSIVE``: the kernel
drops a ``flock`` when its holder dies, ``kill -9`` included, so a crash never leaves a stale
lock to clear by hand; SQLite's exclusive mode would also shut out every reader (no
``report`` of a running bot) and could not say which process holds the file. The sidecar,
rather than the database itself, keeps the lock apart from the POSIX locks SQLite takes on
the database (closing any descriptor of a file drops those). The lock file is never deleted:
unlinking it on close would let two later processes lock two different files of one name.
"""

from __future__ import annotations

import fcntl
import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import attrs

from .errors import TriobotError, UserError
from .files import PRIVATE_MODE, make_private

__all__ = [
    "Journal",
    "JournalError",
    "JournalInUse",
    "JournaledContract",
    "JournaledIntent",
    "JournaledOrder",
]

SCHEMA_VERSION = 3

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS intents (
    intent_id     TEXT PRIMARY KEY,
    strategy      TEXT NOT NULL,
    symbol        TEXT NOT NULL,
    contract_type TEXT NOT NULL,
    duration      INTEGER,
    duration_unit TEXT,
    barrier       TEXT,
    amount        REAL NOT NULL,
    basis         TEXT NOT NULL,
    currency      TEXT NOT NULL,
    created_epoch REAL NOT NULL,
    status        TEXT NOT NULL,
    reason        TEXT,
    sent_at       REAL,
    contract_id   INTEGER,
    sent_epoch    INTEGER
);
CREATE TABLE IF NOT EXISTS contracts (
    contract_id    INTEGER PRIMARY KEY,
    intent_id      TEXT,
    strategy       TEXT NOT NULL,
    symbol         TEXT NOT NULL,
    contract_type  TEXT NOT NULL,
    buy_price      REAL NOT NULL,
    payout         REAL NOT NULL,
    purchase_time  INTEGER NOT NULL,
    transaction_id INTEGER,
    status         TEXT NOT NULL,
    entry_epoch    INTEGER,
    entry_quote    REAL,
    exit_epoch     INTEGER,
    exit_quote     REAL,
    sell_price     REAL,
    profit         REAL,
    settled_at     INTEGER,
    "end"          TEXT
);
CREATE TABLE IF NOT EXISTS orders (
    order_id      TEXT PRIMARY KEY,
    contract_id   INTEGER NOT NULL,
    intent_id     TEXT,
    strategy      TEXT NOT NULL,
    kind          TEXT NOT NULL,
    request       TEXT NOT NULL,
    created_epoch INTEGER NOT NULL,
    status        TEXT NOT NULL,
    reason        TEXT,
    sent_epoch    INTEGER
);
CREATE TABLE IF NOT EXISTS events (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    at          REAL NOT NULL,
    kind        TEXT NOT NULL,
    intent_id   TEXT,
    contract_id INTEGER,
    payload     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS intents_status ON intents(status);
CREATE INDEX IF NOT EXISTS contracts_status ON contracts(status);
CREATE INDEX IF NOT EXISTS orders_status ON orders(status);
CREATE INDEX IF NOT EXISTS orders_contract ON orders(contract_id);
"""

#: The sidecar holding the writer's lock: ``JOURNAL`` + this suffix.
LOCK_SUFFIX = ".lock"

OPEN_INTENT_STATES = ("pending", "sending")
FINAL_INTENT_STATES = ("bought", "not_bought", "rejected")
OPEN_ORDER_STATES = ("pending", "sending")
FINAL_ORDER_STATES = ("done", "failed")
#: Orders whose ``done`` closes the contract.
CLOSING_ORDERS = ("sell", "cancel")


class JournalError(TriobotError):
    """The journal refused a write that would break its rules (e.g. a second outcome)."""


class JournalInUse(JournalError, UserError):
    """Another process writes this journal; nothing was opened (exit code 4)."""

    exit_code = 4


@attrs.frozen
class JournaledIntent:
    """An intent as the journal holds it."""

    intent_id: str
    strategy: str
    symbol: str
    contract_type: str
    duration: int | None
    duration_unit: str | None
    barrier: str | None
    amount: float
    basis: str
    currency: str
    created_epoch: float
    status: str
    reason: str | None
    sent_at: float | None
    contract_id: int | None
    #: ``None`` for buys journaled before schema version 2 (read as they are, read-only).
    sent_epoch: int | None = None


@attrs.frozen
class JournaledContract:
    """A bought contract as the journal holds it."""

    contract_id: int
    intent_id: str | None
    strategy: str
    symbol: str
    contract_type: str
    buy_price: float
    payout: float
    purchase_time: int
    transaction_id: int | None
    status: str
    entry_epoch: int | None
    entry_quote: float | None
    exit_epoch: int | None
    exit_quote: float | None
    sell_price: float | None
    profit: float | None
    settled_at: int | None
    #: How it ended (``None`` while open); a schema-2 row reads its end from its status.
    end: str | None = None


@attrs.frozen
class JournaledOrder:
    """A sell, ``contract_update`` or cancel order as the journal holds it.

    Attributes:
        order_id: the order's id (``ContractOrder.order_id``).
        contract_id: the contract it is about.
        intent_id: the intent the contract was bought for.
        strategy: the strategy that asked.
        kind: ``"sell"``, ``"update"`` or ``"cancel"``.
        request: the request sent (or to be sent), without the envelope.
        created_epoch: tick time at which the strategy asked.
        status: ``pending``, ``sending``, ``done`` or ``failed``.
        reason: why it failed (the server's code and message), or how it was decided.
        sent_epoch: the latest server epoch known when it left.
    """

    order_id: str
    contract_id: int
    intent_id: str | None
    strategy: str
    kind: str
    request: Mapping[str, Any]
    created_epoch: int
    status: str
    reason: str | None
    sent_epoch: int | None


class Journal:
    """One bot's journal file.

    Use as a context manager, or call :meth:`close`. ``path`` may be ``":memory:"`` in tests.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Any = time.time,
        create: bool = True,
        readonly: bool = False,
    ) -> None:
        """Open (or create) a journal.

        Args:
            path: the SQLite file, or ``":memory:"``.
            clock: the wall clock stamped on events.
            create: create the file when missing (else :class:`JournalError`).
            readonly: open an existing journal for reading only: no lock, no writes, so
                it works while a bot writes the journal.

        Raises:
            JournalInUse: another process (named by its pid) writes this journal.
            JournalError: the file is missing (``create=False``), not a journal, or of a
                newer schema.
        """
        self.path = str(path)
        self._clock = clock
        self._lock_fd: int | None = None
        memory = self.path == ":memory:"
        if (readonly or not create) and not Path(self.path).is_file():
            raise JournalError(f"{self.path}: no such journal")
        if readonly:
            self._db = sqlite3.connect(f"{Path(self.path).absolute().as_uri()}?mode=ro", uri=True)
        elif memory:
            self._db = sqlite3.connect(self.path, isolation_level=None)
        else:
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
            self._lock()
            try:
                make_private(self.path, what="journal file")
                self._db = sqlite3.connect(self.path, isolation_level=None)
            except (OSError, sqlite3.Error) as exc:
                self._unlock()
                raise JournalError(f"{self.path}: cannot open the journal ({exc})") from None
        try:
            self._open(create=create and not readonly, readonly=readonly)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise JournalError(f"{self.path}: not a triobot journal ({exc})") from None
        except JournalError:
            self.close()
            raise

    def _lock(self) -> None:
        """Take the writer's lock, or refuse naming the process that holds it."""
        lock_path = self.path + LOCK_SUFFIX
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, PRIVATE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # The holder writes its pid right after locking: empty means it is just starting.
            holder = os.read(fd, 64).decode("ascii", "replace").strip()
            os.close(fd)
            who = f"pid {holder}" if holder.isdigit() else "pid not yet written"
            raise JournalInUse(
                f"{self.path}: journal in use by another triobot process ({who}, lock "
                f"{lock_path}); stop that bot first, or give this one its own journal "
                "(the config's journal: key)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._lock_fd = fd

    def _open(self, *, create: bool, readonly: bool) -> None:
        self._db.row_factory = sqlite3.Row
        if not create:
            tables = {row[0] for row in self._db.execute("SELECT name FROM sqlite_master")}
            if not {"meta", "intents", "contracts", "events"} <= tables:
                raise JournalError(f"{self.path}: not a triobot journal (no journal tables)")
        if readonly:
            found = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
            version = int(found[0]) if found is not None else 0
            # An older journal reads as it is: a version 1 one has no ``sent_epoch``, and
            # before version 3 there are no orders and no ``end`` (read from the status).
            if version not in (1, 2, SCHEMA_VERSION):
                raise JournalError(
                    f"{self.path}: journal schema version {version}, this triobot reads "
                    f"{SCHEMA_VERSION}"
                )
            self._version = version
            return
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        found = None
        if self._db.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
            found = self._db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
        # A new file (no meta yet) is written at the current version.
        version = SCHEMA_VERSION if found is None else int(found[0])
        if version not in (1, 2, SCHEMA_VERSION):
            raise JournalError(
                f"{self.path}: journal schema version {version}, this triobot reads "
                f"{SCHEMA_VERSION}"
            )
        with self._tx() as db:
            # Upgrades in place, in one transaction with the schema: version 2 added the
            # server epoch at send (older rows have none: recovery falls back to the
            # intent's tick epoch); version 3 added orders (a table of their own, created
            # below) and how each contract ended (older rows: from their status).
            if version < 2 and not self._has_column(db, "intents", "sent_epoch"):
                db.execute("ALTER TABLE intents ADD COLUMN sent_epoch INTEGER")
            if version < 3 and not self._has_column(db, "contracts", "end"):
                db.execute('ALTER TABLE contracts ADD COLUMN "end" TEXT')
                for contract_id, status in db.execute(
                    "SELECT contract_id, status FROM contracts"
                ).fetchall():
                    db.execute(
                        'UPDATE contracts SET "end"=? WHERE contract_id=?',
                        (_legacy_end(status), contract_id),
                    )
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(
                "INSERT INTO meta(key, value) VALUES ('schema_version', ?) "
                "ON CONFLICT(key) DO UPDATE SET value=excluded.value",
                (SCHEMA_VERSION,),
            )
        self._version = SCHEMA_VERSION

    @staticmethod
    def _has_column(db: sqlite3.Connection, table: str, column: str) -> bool:
        return any(row[1] == column for row in db.execute(f"PRAGMA table_info({table})"))

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the database, then release the writer's lock."""
        self._db.close()
        self._unlock()

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # the kernel drops the flock with its last descriptor
            self._lock_fd = None

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _event(
        self,
        db: sqlite3.Connection,
        kind: str,
        payload: Mapping[str, Any],
        *,
        intent_id: str | None = None,
        contract_id: int | None = None,
    ) -> None:
        db.execute(
            "INSERT INTO events(at, kind, intent_id, contract_id, payload) VALUES (?,?,?,?,?)",
            (self._clock(), kind, intent_id, contract_id, json.dumps(payload, default=str)),
        )

    # -- intents -------------------------------------------------------------------------

    def record_intent(self, intent: Any) -> None:
        """Write a new intent (``pending``). ``intent`` is a :class:`TradeIntent`-like object.

        Raises:
            JournalError: an intent with this id is already journaled.
        """
        fields = {
            "intent_id": intent.intent_id,
            "strategy": intent.strategy,
            "symbol": intent.symbol,
            "contract_type": intent.contract_type,
            "duration": intent.duration,
            "duration_unit": intent.duration_unit,
            "barrier": intent.barrier,
            "amount": intent.amount,
            "basis": intent.basis,
            "currency": intent.currency,
            "created_epoch": intent.created_epoch,
        }
        with self._tx() as db:
            try:
                db.execute(
                    "INSERT INTO intents(intent_id, strategy, symbol, contract_type, duration, "
                    "duration_unit, barrier, amount, basis, currency, created_epoch, status) "
                    "VALUES (:intent_id, :strategy, :symbol, :contract_type, :duration, "
                    ":duration_unit, :barrier, :amount, :basis, :currency, :created_epoch, "
                    "'pending')",
                    fields,
                )
            except sqlite3.IntegrityError:
                raise JournalError(f"intent {intent.intent_id!r} is already journaled") from None
            self._event(db, "intent", fields, intent_id=intent.intent_id)

    def mark_sending(
        self, intent_id: str, request: Mapping[str, Any], *, server_epoch: int | None = None
    ) -> None:
        """Record that the buy for ``intent_id`` is about to leave (call before sending).

        Args:
            intent_id: the intent.
            request: what is sent (kept in the event log).
            server_epoch: the latest server epoch known now (``sent_epoch``).
        """
        with self._tx() as db:
            row = self._intent_row(db, intent_id)
            if row["status"] != "pending":
                raise JournalError(f"intent {intent_id!r} is {row['status']}, not pending")
            db.execute(
                "UPDATE intents SET status='sending', sent_at=?, sent_epoch=? WHERE intent_id=?",
                (self._clock(), server_epoch, intent_id),
            )
            self._event(db, "sending", request, intent_id=intent_id)

    def record_rejected(self, intent_id: str, reason: str) -> None:
        """Close an intent that was never sent (risk gate, validation)."""
        self._close_intent(intent_id, "rejected", reason, None, {"reason": reason})

    def record_not_bought(self, intent_id: str, reason: str) -> None:
        """Close an intent whose buy did not happen (API error, or reconciled as absent)."""
        self._close_intent(intent_id, "not_bought", reason, None, {"reason": reason})

    def record_bought(
        self,
        intent_id: str,
        *,
        contract_id: int,
        buy_price: float,
        payout: float,
        purchase_time: int,
        transaction_id: int | None,
        reconciled: bool = False,
    ) -> None:
        """Close an intent as bought and open its contract."""
        with self._tx() as db:
            row = self._intent_row(db, intent_id)
            self._check_open(row)
            db.execute(
                "UPDATE intents SET status='bought', contract_id=?, reason=? WHERE intent_id=?",
                (contract_id, "reconciled" if reconciled else None, intent_id),
            )
            held = db.execute(
                "SELECT intent_id FROM contracts WHERE contract_id=?", (contract_id,)
            ).fetchone()
            if held is not None:
                # Two intents claiming one contract means a bookkeeping error upstream
                # (e.g. a simulator that forgot its contracts); never merge them silently.
                raise JournalError(
                    f"contract {contract_id} is already journaled for intent {held[0]!r}"
                )
            db.execute(
                "INSERT INTO contracts(contract_id, intent_id, strategy, symbol, "
                "contract_type, buy_price, payout, purchase_time, transaction_id, status) "
                "VALUES (?,?,?,?,?,?,?,?,?, 'open')",
                (
                    contract_id,
                    intent_id,
                    row["strategy"],
                    row["symbol"],
                    row["contract_type"],
                    buy_price,
                    payout,
                    purchase_time,
                    transaction_id,
                ),
            )
            self._event(
                db,
                "bought",
                {
                    "contract_id": contract_id,
                    "buy_price": buy_price,
                    "payout": payout,
                    "purchase_time": purchase_time,
                    "transaction_id": transaction_id,
                    "reconciled": reconciled,
                },
                intent_id=intent_id,
                contract_id=contract_id,
            )

    def _close_intent(
        self,
        intent_id: str,
        status: str,
        reason: str | None,
        contract_id: int | None,
        payload: Mapping[str, Any],
    ) -> None:
        with self._tx() as db:
            row = self._intent_row(db, intent_id)
            self._check_open(row)
            db.execute(
                "UPDATE intents SET status=?, reason=?, contract_id=? WHERE intent_id=?",
                (status, reason, contract_id, intent_id),
            )
            self._event(db, status, payload, intent_id=intent_id)

    @staticmethod
    def _check_open(row: sqlite3.Row) -> None:
        if row["status"] in FINAL_INTENT_STATES:
            raise JournalError(
                f"intent {row['intent_id']!r} already has an outcome ({row['status']})"
            )

    @staticmethod
    def _intent_row(db: sqlite3.Connection, intent_id: str) -> sqlite3.Row:
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM intents WHERE intent_id=?", (intent_id,)
        ).fetchone()
        if row is None:
            raise JournalError(f"unknown intent {intent_id!r}")
        return row

    # -- contracts -----------------------------------------------------------------------

    def record_update(self, contract_id: int, payload: Mapping[str, Any]) -> None:
        """Append a contract update (a proposal_open_contract message) to the event log."""
        with self._tx() as db:
            self._event(db, "update", payload, contract_id=contract_id)

    def record_settlement(
        self,
        contract_id: int,
        *,
        status: str,
        sell_price: float,
        profit: float,
        entry_epoch: int | None,
        entry_quote: float | None,
        exit_epoch: int | None,
        exit_quote: float | None,
        settled_at: int | None,
        end: str,
    ) -> bool:
        """Settle an open contract. Returns False (and writes nothing) if it was settled already.

        Args:
            contract_id: the contract.
            status: Deriv's final status (``won``, ``lost``, ``sold``, ``cancelled``).
            sell_price: what was credited.
            profit: ``sell_price - buy_price``.
            entry_epoch: the entry tick's epoch.
            entry_quote: the entry spot.
            exit_epoch: the exit tick's epoch.
            exit_quote: the exit spot.
            settled_at: when it settled (server epoch).
            end: how it ended (:data:`~framework.market.settlement.END_REASONS`).

        Raises:
            JournalError: the contract is not in the journal.
        """
        with self._tx() as db:
            row = db.execute(
                "SELECT status FROM contracts WHERE contract_id=?", (contract_id,)
            ).fetchone()
            if row is None:
                raise JournalError(f"unknown contract {contract_id}")
            if row["status"] != "open":
                return False
            db.execute(
                "UPDATE contracts SET status=?, sell_price=?, profit=?, entry_epoch=?, "
                'entry_quote=?, exit_epoch=?, exit_quote=?, settled_at=?, "end"=? '
                "WHERE contract_id=?",
                (
                    status,
                    sell_price,
                    profit,
                    entry_epoch,
                    entry_quote,
                    exit_epoch,
                    exit_quote,
                    settled_at,
                    end,
                    contract_id,
                ),
            )
            self._event(
                db,
                "settled",
                {"status": status, "sell_price": sell_price, "profit": profit, "end": end},
                contract_id=contract_id,
            )
            return True

    # -- orders ----------------------------------------------------------------------------

    def record_order(self, order: Any, request: Mapping[str, Any]) -> None:
        """Write a new order (``pending``), before anything is sent for it.

        Args:
            order: a :class:`~framework.strategy.events.ContractOrder`-like object.
            request: the request it will send (``order.to_request()``).

        Raises:
            JournalError: an order with this id is already journaled.
        """
        fields = {
            "order_id": order.order_id,
            "contract_id": order.contract_id,
            "intent_id": order.intent_id,
            "strategy": order.strategy,
            "kind": order.kind,
            "request": json.dumps(dict(request), sort_keys=True),
            "created_epoch": order.created_epoch,
        }
        with self._tx() as db:
            try:
                db.execute(
                    "INSERT INTO orders(order_id, contract_id, intent_id, strategy, kind, "
                    "request, created_epoch, status) VALUES (:order_id, :contract_id, "
                    ":intent_id, :strategy, :kind, :request, :created_epoch, 'pending')",
                    fields,
                )
            except sqlite3.IntegrityError:
                raise JournalError(f"order {order.order_id!r} is already journaled") from None
            self._event(
                db,
                "order",
                {**fields, "request": dict(request)},
                intent_id=order.intent_id,
                contract_id=order.contract_id,
            )

    def mark_order_sending(self, order_id: str, *, server_epoch: int | None) -> None:
        """Record that the order is about to leave (call right before sending it).

        Raises:
            JournalError: the order is unknown or not ``pending``.
        """
        with self._tx() as db:
            row = self._order_row(db, order_id)
            if row["status"] != "pending":
                raise JournalError(f"order {order_id!r} is {row['status']}, not pending")
            db.execute(
                "UPDATE orders SET status='sending', sent_epoch=? WHERE order_id=?",
                (server_epoch, order_id),
            )
            self._event(
                db,
                "order_sending",
                {"server_epoch": server_epoch},
                intent_id=row["intent_id"],
                contract_id=row["contract_id"],
            )

    def record_order_done(
        self, order_id: str, detail: str, answer: Mapping[str, Any] | None = None
    ) -> None:
        """Close an order the server carried out (from its answer, or decided after a loss).

        Args:
            order_id: the order.
            detail: how it is known (kept as the row's ``reason``).
            answer: the server's answer, when it came (kept in the event log).
        """
        self._close_order(order_id, "done", detail, {"detail": detail, "answer": answer})

    def record_order_failed(self, order_id: str, reason: str) -> None:
        """Close an order that did not happen, with why (the server's code and message)."""
        self._close_order(order_id, "failed", reason, {"reason": reason})

    def _close_order(
        self, order_id: str, status: str, reason: str, payload: Mapping[str, Any]
    ) -> None:
        with self._tx() as db:
            row = self._order_row(db, order_id)
            if row["status"] in FINAL_ORDER_STATES:
                raise JournalError(f"order {order_id!r} already has an outcome ({row['status']})")
            db.execute(
                "UPDATE orders SET status=?, reason=? WHERE order_id=?",
                (status, reason, order_id),
            )
            self._event(
                db,
                f"order_{status}",
                payload,
                intent_id=row["intent_id"],
                contract_id=row["contract_id"],
            )

    @staticmethod
    def _order_row(db: sqlite3.Connection, order_id: str) -> sqlite3.Row:
        row: sqlite3.Row | None = db.execute(
            "SELECT * FROM orders WHERE order_id=?", (order_id,)
        ).fetchone()
        if row is None:
            raise JournalError(f"unknown order {order_id!r}")
        return row

    def unresolved_orders(self) -> list[JournaledOrder]:
        """Orders written but without an outcome: ``pending`` or ``sending`` (crash leftovers)."""
        return self._orders(
            "SELECT * FROM orders WHERE status IN (?, ?) ORDER BY rowid", OPEN_ORDER_STATES
        )

    def orders(self, contract_id: int | None = None) -> list[JournaledOrder]:
        """Every order (or those of one contract), in the order they were written."""
        if contract_id is None:
            return self._orders("SELECT * FROM orders ORDER BY rowid", ())
        return self._orders(
            "SELECT * FROM orders WHERE contract_id=? ORDER BY rowid", (contract_id,)
        )

    def order(self, order_id: str) -> JournaledOrder | None:
        """One order, or ``None``."""
        found = self._orders("SELECT * FROM orders WHERE order_id=?", (order_id,))
        return found[0] if found else None

    def closing_order(self, contract_id: int) -> str | None:
        """The kind of the bot's own order that closed the contract (``sell``, ``cancel``).

        ``None`` when no sale or cancellation of the bot's was done: the contract ended by
        its own rule, or was closed outside the bot.
        """
        for order in self.orders(contract_id):
            if order.status == "done" and order.kind in CLOSING_ORDERS:
                return order.kind
        return None

    def _orders(self, query: str, args: tuple[Any, ...]) -> list[JournaledOrder]:
        if self._version < 3:
            return []  # a journal read as it is, from before orders existed
        return [
            JournaledOrder(**{**dict(row), "request": json.loads(row["request"])})
            for row in self._db.execute(query, args).fetchall()
        ]

    # -- queries -------------------------------------------------------------------------

    def unresolved_intents(self) -> list[JournaledIntent]:
        """Intents written but without an outcome: ``pending`` or ``sending`` (crash leftovers)."""
        rows = self._db.execute(
            "SELECT * FROM intents WHERE status IN (?, ?) ORDER BY created_epoch",
            OPEN_INTENT_STATES,
        ).fetchall()
        return [JournaledIntent(**dict(row)) for row in rows]

    def intent(self, intent_id: str) -> JournaledIntent | None:
        """One intent, or ``None``."""
        row = self._db.execute("SELECT * FROM intents WHERE intent_id=?", (intent_id,)).fetchone()
        return None if row is None else JournaledIntent(**dict(row))

    def open_contracts(self) -> list[JournaledContract]:
        """Contracts bought and not yet settled, oldest first."""
        return self.contracts(status="open")

    def contracts(self, *, status: str | None = None) -> list[JournaledContract]:
        """All contracts (or those with ``status``), by purchase time."""
        query = "SELECT * FROM contracts"
        args: tuple[Any, ...] = ()
        if status is not None:
            query += " WHERE status=?"
            args = (status,)
        rows = self._db.execute(query + " ORDER BY purchase_time, contract_id", args).fetchall()
        return [_contract(dict(row)) for row in rows]

    def settled(
        self,
        *,
        strategy: str | None = None,
        since: int | None = None,
        until: int | None = None,
        limit: int | None = None,
        offset: int = 0,
        newest_first: bool = False,
    ) -> list[JournaledContract]:
        """Closed contracts (every end: expired, sold, stopped out...), by settlement time.

        Args:
            strategy: only this strategy's.
            since: only those settled at or after this epoch.
            until: only those settled before this epoch.
            limit: at most this many (all by default).
            offset: skip this many first (paging).
            newest_first: the latest settlement first.
        """
        where, args = self._settled_filter(strategy, since, until)
        order = "DESC" if newest_first else "ASC"
        query = (
            f"SELECT * FROM contracts WHERE {where} "
            f"ORDER BY settled_at {order}, contract_id {order} LIMIT ? OFFSET ?"
        )
        rows = self._db.execute(query, (*args, -1 if limit is None else limit, offset))
        return [_contract(dict(row)) for row in rows.fetchall()]

    def count_settled(
        self, *, strategy: str | None = None, since: int | None = None, until: int | None = None
    ) -> int:
        """How many closed contracts :meth:`settled` would give with no limit."""
        where, args = self._settled_filter(strategy, since, until)
        row = self._db.execute(f"SELECT COUNT(*) FROM contracts WHERE {where}", args).fetchone()
        return int(row[0])

    @staticmethod
    def _settled_filter(
        strategy: str | None, since: int | None, until: int | None
    ) -> tuple[str, tuple[Any, ...]]:
        clauses = ["status != 'open'"]
        args: list[Any] = []
        for clause, value in (
            ("strategy = ?", strategy),
            ("settled_at >= ?", since),
            ("settled_at < ?", until),
        ):
            if value is not None:
                clauses.append(clause)
                args.append(value)
        return " AND ".join(clauses), tuple(args)

    def intents(self) -> list[JournaledIntent]:
        """All intents, oldest first."""
        rows = self._db.execute("SELECT * FROM intents ORDER BY created_epoch, rowid").fetchall()
        return [JournaledIntent(**dict(row)) for row in rows]

    def record_trip(self, trip: Mapping[str, Any]) -> None:
        """Append a risk trip, when it starts and again when it ends, to the event log.

        Args:
            trip: the trip's fields (``limit``, ``reason``, ``started``, ``until``,
                ``ended``; see :meth:`framework.risk.Trip.as_dict`).
        """
        with self._tx() as db:
            self._event(db, "trip", trip)

    def record_control(self, action: Mapping[str, Any]) -> None:
        """Append a control action (pause, resume, stop, kill, sell...) to the event log.

        Args:
            action: what was asked, by whom and what it changed (see
                :class:`framework.runtime.control.ControlResult`); the row's time is the
                journal's clock.
        """
        with self._tx() as db:
            self._event(db, "control", action, contract_id=action.get("contract_id"))

    def controls(self) -> list[dict[str, Any]]:
        """Every control action journaled, oldest first, each with its time ``at``."""
        return [{"at": event["at"], **event["payload"]} for event in self.events(kind="control")]

    def trips(self) -> list[dict[str, Any]]:
        """Every risk trip journaled, in the order they started, each as last recorded."""
        latest: dict[tuple[Any, Any], dict[str, Any]] = {}
        for event in self.events(kind="trip"):
            trip = event["payload"]
            latest[(trip.get("limit"), trip.get("started"))] = trip
        return list(latest.values())

    def events(self, *, kind: str | None = None) -> list[dict[str, Any]]:
        """The append-only event log (payloads decoded)."""
        query = "SELECT * FROM events"
        args: tuple[Any, ...] = ()
        if kind is not None:
            query += " WHERE kind=?"
            args = (kind,)
        rows = self._db.execute(query + " ORDER BY seq", args).fetchall()
        return [{**dict(row), "payload": json.loads(row["payload"])} for row in rows]


def _legacy_end(status: str) -> str | None:
    """How a contract settled before schema 3 ended, from its status.

    Every contract then had a fixed expiry: a ``sold`` one was sold, any other settled by
    its own rule.
    """
    return None if status == "open" else "sold" if status == "sold" else "expired"


def _contract(row: dict[str, Any]) -> JournaledContract:
    """A contract row; one read as it is from before schema 3 gets its end from its status."""
    if "end" not in row:
        row["end"] = _legacy_end(row["status"])
    return JournaledContract(**row)
