"""Accounts, balances, API tokens and the statement: the simulator's bank.

A *user* owns one or more accounts (one virtual ``VRTC...`` and real ``CR...`` ones); an API
token belongs to one account and carries scopes. Authorizing with a token logs the
connection in to that account and lists all accounts of its user, like the real server.

Every balance change is a :class:`Transaction` (buy, sell, deposit, withdrawal,
virtual_credit) appended to the account's statement and announced to the account's watchers
(the connections subscribed to ``balance`` or ``transaction`` for it). Nothing here knows about
sockets; the store (``state.py``) is told about every change through ``on_change``.
"""

from __future__ import annotations

import secrets
import string
from collections.abc import Callable, Iterable
from typing import Any, Literal

import attrs

from framework.deriv.calls import ALL_SCOPES
from framework.errors import TriobotError
from framework.market.money import round_money

__all__ = [
    "Account",
    "AccountEvent",
    "Bank",
    "BankError",
    "Token",
    "Transaction",
]

Action = Literal["buy", "sell", "deposit", "withdrawal", "virtual_credit", "transfer"]


_TOKEN_ALPHABET = string.ascii_letters + string.digits


class BankError(TriobotError):
    """A refusal in Deriv's words (``code``, ``message``), raised by the bank."""

    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details


@attrs.define
class Account:
    """One trading account.

    Attributes:
        loginid: ``VRTC...`` (virtual) or ``CR...`` (real).
        user_id: the owning user; accounts of one user are listed together.
        currency: account currency (``USD``).
        balance: current balance.
        is_virtual: demo money.
        email: the user's email.
        created_at: epoch of creation.
        country: residence (two-letter code).
        fullname: the user's name, empty for virtual-only users.
    """

    loginid: str
    user_id: int
    currency: str
    balance: float
    is_virtual: bool
    email: str
    created_at: int
    country: str = "id"
    fullname: str = ""

    @property
    def landing_company(self) -> str:
        """``virtual`` for demo accounts, ``svg`` for real ones."""
        return "virtual" if self.is_virtual else "svg"

    @property
    def landing_company_fullname(self) -> str:
        """The landing company's display name."""
        return "Deriv Limited" if self.is_virtual else "Deriv (SVG) LLC"


@attrs.frozen
class Token:
    """An API token.

    Attributes:
        token: the secret string a client passes to ``authorize``.
        loginid: the account it logs in to.
        scopes: what it may do (any one of a call's scopes suffices).
        display_name: the name given when it was created.
        created_at: epoch of creation.
        oauth: True for session tokens from account opening / OAuth (allowed to read
            other accounts' balances).
    """

    token: str
    loginid: str
    scopes: tuple[str, ...]
    display_name: str
    created_at: int
    oauth: bool = False


@attrs.frozen
class Transaction:
    """One statement entry.

    Attributes:
        transaction_id: unique, increasing.
        loginid: the account.
        action: what moved the money.
        amount: signed change (negative for a buy).
        balance_after: balance after the change.
        time: epoch.
        contract_id: the contract for buy/sell.
        reference_id: for a sell, the buy's transaction id.
        longcode: human description.
        shortcode: contract shortcode.
        payout: contract payout for buy/sell.
        app_id: the app the request came through.
    """

    transaction_id: int
    loginid: str
    action: Action
    amount: float
    balance_after: float
    time: int
    contract_id: int | None = None
    reference_id: int | None = None
    longcode: str = ""
    shortcode: str | None = None
    payout: float | None = None
    app_id: int | None = None


@attrs.frozen
class AccountEvent:
    """What watchers of an account hear: a transaction and the balance after it."""

    loginid: str
    transaction: Transaction
    balance: float
    currency: str


AccountWatcher = Callable[[AccountEvent], None]


class Bank:
    """All accounts, tokens and statements of one simulator.

    Attributes:
        accounts: every account by loginid.
        tokens: every token by its secret.
        transactions: every statement entry by account, oldest first.
        on_change: called with ``("account"|"token"|"token_deleted"|"transaction", obj)``
            after every change (the persistence store listens here).
    """

    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.tokens: dict[str, Token] = {}
        self.transactions: dict[str, list[Transaction]] = {}
        self._watchers: dict[str, list[AccountWatcher]] = {}
        self._next_txn = 10_000_001
        self._next_vr = 90_000_001
        self._next_cr = 90_000_001
        self._next_user = 1001
        self._next_contract = 200_000_001
        self.on_change: Callable[[str, Any], None] = lambda kind, obj: None

    # -- ids -----------------------------------------------------------------------------

    def next_transaction_id(self) -> int:
        """Allocate a transaction id."""
        txn = self._next_txn
        self._next_txn += 2  # Deriv ids of consecutive transactions are rarely adjacent.
        return txn

    def next_contract_id(self) -> int:
        """Allocate a contract id."""
        contract = self._next_contract
        self._next_contract += 2
        return contract

    def counters(self) -> dict[str, int]:
        """The id counters, for persistence."""
        return {
            "txn": self._next_txn,
            "vr": self._next_vr,
            "cr": self._next_cr,
            "user": self._next_user,
            "contract": self._next_contract,
        }

    def restore_counters(self, counters: dict[str, int]) -> None:
        """Restore counters saved by :meth:`counters`."""
        self._next_txn = max(self._next_txn, counters.get("txn", 0))
        self._next_vr = max(self._next_vr, counters.get("vr", 0))
        self._next_cr = max(self._next_cr, counters.get("cr", 0))
        self._next_user = max(self._next_user, counters.get("user", 0))
        self._next_contract = max(self._next_contract, counters.get("contract", 0))

    # -- accounts and tokens ---------------------------------------------------------------

    def new_user_id(self) -> int:
        """Allocate a user id."""
        user = self._next_user
        self._next_user += 1
        return user

    def open_account(
        self,
        *,
        virtual: bool,
        balance: float,
        now: int,
        currency: str = "USD",
        email: str = "",
        user_id: int | None = None,
        loginid: str | None = None,
        country: str = "id",
        fullname: str = "",
    ) -> Account:
        """Open an account and return it.

        Args:
            virtual: demo (``VRTC``) or real (``CR``).
            balance: opening balance; recorded as a deposit / virtual credit when positive.
            now: epoch of opening.
            currency: account currency.
            email: the user's email (a made-up one when empty).
            user_id: the owning user (a new user when omitted).
            loginid: a fixed login id (else the next free one).
            country: residence.
            fullname: the user's name.

        Returns:
            The new account.
        """
        if loginid is None:
            if virtual:
                loginid = f"VRTC{self._next_vr}"
                self._next_vr += 1
            else:
                loginid = f"CR{self._next_cr}"
                self._next_cr += 1
        if loginid in self.accounts:
            raise ValueError(f"account {loginid} already exists")
        if user_id is None:
            user_id = self.new_user_id()
        account = Account(
            loginid=loginid,
            user_id=user_id,
            currency=currency,
            balance=0.0,
            is_virtual=virtual,
            email=email or f"{loginid.lower()}@example.com",
            created_at=now,
            country=country,
            fullname=fullname,
        )
        self.accounts[loginid] = account
        self.transactions[loginid] = []
        self.on_change("account", account)
        if balance > 0:
            self.post(
                loginid,
                "virtual_credit" if virtual else "deposit",
                balance,
                now=now,
                longcode="Initial balance",
            )
        return account

    def issue_token(
        self,
        loginid: str,
        scopes: Iterable[str] = ALL_SCOPES,
        *,
        now: int,
        display_name: str = "token",
        token: str | None = None,
        oauth: bool = False,
    ) -> Token:
        """Create an API token for ``loginid``.

        Args:
            loginid: the account.
            scopes: its scopes.
            now: epoch of creation.
            display_name: the token's name.
            token: a fixed secret (else a random one, like Deriv's 15-character tokens).
            oauth: a session token (``a1-...``) rather than an API token.

        Returns:
            The token.
        """
        if loginid not in self.accounts:
            raise ValueError(f"no account {loginid}")
        wanted = tuple(s for s in ALL_SCOPES if s in set(scopes))
        unknown = set(scopes) - set(ALL_SCOPES)
        if unknown:
            raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
        if token is None:
            # Letters and digits only, like the real server's tokens: ``api_token``'s
            # ``delete_token`` pattern refuses '-', so a token holding one could never be
            # deleted.
            body = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(15))
            token = ("a1-" if oauth else "") + body
        if token in self.tokens:
            raise ValueError("token already exists")
        issued = Token(token, loginid, wanted, display_name, now, oauth)
        self.tokens[token] = issued
        self.on_change("token", issued)
        return issued

    def delete_token(self, token: str) -> bool:
        """Delete a token; return whether it existed."""
        found = self.tokens.pop(token, None)
        if found is not None:
            self.on_change("token_deleted", found)
        return found is not None

    def tokens_of(self, loginid: str) -> list[Token]:
        """API tokens (not session tokens) of an account."""
        return [t for t in self.tokens.values() if t.loginid == loginid and not t.oauth]

    def accounts_of_user(self, user_id: int) -> list[Account]:
        """All accounts of a user, oldest first."""
        return [a for a in self.accounts.values() if a.user_id == user_id]

    def account(self, loginid: str) -> Account:
        """Return an account.

        Raises:
            KeyError: unknown loginid.
        """
        return self.accounts[loginid]

    # -- money ---------------------------------------------------------------------------

    def post(
        self,
        loginid: str,
        action: Action,
        amount: float,
        *,
        now: int,
        contract_id: int | None = None,
        reference_id: int | None = None,
        longcode: str = "",
        shortcode: str | None = None,
        payout: float | None = None,
        app_id: int | None = None,
        transaction_id: int | None = None,
    ) -> Transaction:
        """Move money and record it; return the transaction.

        Args:
            loginid: the account.
            action: what kind of movement.
            amount: signed amount (negative debits).
            now: epoch.
            contract_id: contract for buy/sell.
            reference_id: buy transaction of a sell.
            longcode: description.
            shortcode: contract shortcode.
            payout: contract payout.
            app_id: the app.
            transaction_id: a pre-allocated id (else the next one).

        Returns:
            The recorded transaction.

        Raises:
            BankError: ``InsufficientBalance`` when a debit exceeds the balance.
        """
        account = self.accounts[loginid]
        amount = round_money(amount)
        after = round_money(account.balance + amount)
        if after < 0:
            raise BankError(
                "InsufficientBalance",
                f"Your account balance ({account.currency}{account.balance:.2f}) is "
                f"insufficient to buy this contract ({account.currency}{-amount:.2f}).",
            )
        account.balance = after
        txn = Transaction(
            transaction_id=transaction_id or self.next_transaction_id(),
            loginid=loginid,
            action=action,
            amount=amount,
            balance_after=after,
            time=now,
            contract_id=contract_id,
            reference_id=reference_id,
            longcode=longcode,
            shortcode=shortcode,
            payout=payout,
            app_id=app_id,
        )
        self.transactions[loginid].append(txn)
        self.on_change("account", account)
        self.on_change("transaction", txn)
        event = AccountEvent(loginid, txn, after, account.currency)
        for watcher in tuple(self._watchers.get(loginid, ())):
            watcher(event)
        return txn

    def restore_transaction(self, txn: Transaction) -> None:
        """Append a saved transaction without moving money (persistence)."""
        self.transactions.setdefault(txn.loginid, []).append(txn)

    # -- watchers ------------------------------------------------------------------------

    def watch(self, loginid: str, watcher: AccountWatcher) -> None:
        """Call ``watcher(event)`` after every transaction of ``loginid``."""
        self._watchers.setdefault(loginid, []).append(watcher)

    def unwatch(self, loginid: str, watcher: AccountWatcher) -> None:
        """Stop calling ``watcher``; unknown watchers are ignored."""
        watchers = self._watchers.get(loginid, [])
        if watcher in watchers:
            watchers.remove(watcher)
