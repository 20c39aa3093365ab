"""The simulator's state, independent of sockets: bank, market, desk, outbox, faults, store.

:class:`SimCore` is built once per simulator run from a :class:`SimulatorConfig` (and the
state file, when there is one) and shared by every connection.
"""

from __future__ import annotations

import attrs
import trio

from framework.logs import get_logger

from .accounts import Account, Bank, Token
from .agents import PAYMENT_AGENT_LOGINID, PAYMENT_AGENT_TOKEN, PAYMENT_AGENTS, PaymentAgent
from .clock import SimClock
from .config import SimulatorConfig
from .faults import Faults, parse_faults
from .feed import MarketFeeds
from .outbox import Email, Outbox
from .ratelimit import RateLimiter
from .state import SavedContract, Store, keep_clock
from .trading import Contract, TradingDesk

__all__ = ["App", "SimCore"]

_log = get_logger("triobot.simulator")


@attrs.define
class App:
    """A registered application (``app_register``)."""

    app_id: int
    name: str
    scopes: tuple[str, ...]
    owner: str
    redirect_uri: str = ""
    verification_uri: str = ""
    homepage: str = ""
    github: str = ""
    appstore: str = ""
    googleplay: str = ""
    app_markup_percentage: float = 0.0


def _is_agent(loginid: str) -> bool:
    return any(agent.loginid == loginid for agent in PAYMENT_AGENTS)


class SimCore:
    """Everything a simulator knows.

    Attributes:
        config: the configuration.
        clock: simulated time.
        bank: accounts, tokens and statements.
        feeds: the market.
        desk: contracts.
        outbox: verification emails.
        faults: fault-injection rules.
        rate: the rate-limit counters of every client, whatever its connections.
        store: the state file, if any.
        apps: registered apps by id.
        configured: the tokens created from the configuration, in order.
        payment_agent: the login id of the payment agent with a token.
        payment_agents: every payment agent with its account's currency, by login id.
    """

    def __init__(self, config: SimulatorConfig, nursery: trio.Nursery) -> None:
        self.config = config
        self.store = Store(config.state) if config.state is not None else None
        self.clock = SimClock(
            speed=config.speed,
            start_epoch=config.start_epoch,
            not_before=self.store.saved_clock() if self.store is not None else None,
        )
        self.bank = Bank()
        self.outbox = Outbox(config.outbox)
        self.faults: Faults = parse_faults(config.faults)
        self.rate = RateLimiter(config.rate_limits)
        self.apps: dict[int, App] = {}
        self._next_app = 10_001
        now = self.clock.epoch()
        seed: int | str = config.seed
        # Genesis on a whole minute, one history window back: every feed starts there.
        genesis = (now - config.history_seconds) // 60 * 60
        if self.store is not None and not self.store.is_empty:
            seed = self.store.get_meta("seed")
            genesis = self.store.get_meta("genesis")
            if seed != config.seed:
                _log.warning("state file seed wins over --seed", state_seed=seed)
        self.feeds = MarketFeeds(
            nursery,
            self.clock,
            seed=seed,
            genesis=genesis,
            history_seconds=config.history_seconds,
            bar_seconds=config.bar_history_seconds,
        )
        self.desk = TradingDesk(self.bank, self.feeds, self.clock, config.pricing)
        restored = self.store is not None and not self.store.is_empty
        if restored:
            self._restore()
        self.configured: list[Token] = self._configure(now)
        self.payment_agents = self._payment_agents(now)
        self.payment_agent = PAYMENT_AGENT_LOGINID
        if self.store is not None:
            self.store.set_meta("seed", seed)
            self.store.set_meta("genesis", genesis)
            self._persist_everything_from_now()
            nursery.start_soon(keep_clock, self.store, self.clock)
        if restored:
            for contract in list(self.desk.open_contracts()):
                self.desk.catch_up(contract)

    # -- set-up --------------------------------------------------------------------------

    def _configure(self, now: int) -> list[Token]:
        """Create the configured user's accounts and tokens (keeping restored ones)."""
        tokens: list[Token] = []
        virtual: Account | None = None
        real: Account | None = None
        for cfg in self.config.tokens:
            existing = self.bank.tokens.get(cfg.token)
            if existing is not None:
                tokens.append(existing)
                continue
            if cfg.account == "virtual":
                if virtual is None:
                    virtual = self._find_or_open(True, now, real)
                account = virtual
            else:
                if real is None:
                    real = self._find_or_open(False, now, virtual)
                account = real
            tokens.append(
                self.bank.issue_token(
                    account.loginid,
                    cfg.scopes,
                    now=now,
                    display_name="configured",
                    token=cfg.token,
                )
            )
        return tokens

    def _payment_agents(self, now: int) -> dict[str, tuple[PaymentAgent, str]]:
        """Open the agents' accounts (keeping restored ones) and the first agent's token."""
        agents = {}
        for agent in PAYMENT_AGENTS:
            account = self.bank.accounts.get(agent.loginid)
            if account is None:
                account = self.bank.open_account(
                    virtual=False,
                    balance=100_000.0,
                    now=now,
                    loginid=agent.loginid,
                    email=agent.email,
                    fullname=agent.name,
                    currency=agent.currency or self.config.currency,
                )
            agents[agent.loginid] = (agent, account.currency)
        if PAYMENT_AGENT_TOKEN not in self.bank.tokens:
            self.bank.issue_token(
                PAYMENT_AGENT_LOGINID,
                now=now,
                display_name="payment agent",
                token=PAYMENT_AGENT_TOKEN,
            )
        return agents

    def _find_or_open(self, virtual: bool, now: int, sibling: Account | None) -> Account:
        user_id = sibling.user_id if sibling is not None else None
        if user_id is None:
            for account in self.bank.accounts.values():
                if account.is_virtual == virtual and not _is_agent(account.loginid):
                    return account
        return self.bank.open_account(
            virtual=virtual,
            balance=self.config.balance,
            now=now,
            currency=self.config.currency,
            user_id=user_id,
            fullname="Demo Trader",
        )

    def _restore(self) -> None:
        store = self.store
        assert store is not None
        for account in store.accounts():
            self.bank.accounts[account.loginid] = account
            self.bank.transactions.setdefault(account.loginid, [])
        for token in store.tokens():
            self.bank.tokens[token.token] = token
        txns = {}
        for txn in store.transactions():
            self.bank.restore_transaction(txn)
            txns[txn.transaction_id] = txn
        for saved in store.contracts():
            sell_txn = txns.get(saved.sell_txn) if saved.sell_txn is not None else None
            self.desk.restore(saved.contract(txns[saved.buy_txn], sell_txn, self.desk.pricing))
        self.bank.restore_counters(store.get_meta("counters") or {})
        apps = store.get_meta("apps") or {"next": self._next_app, "registered": []}
        for fields in apps["registered"]:
            fields["scopes"] = tuple(fields["scopes"])
            self.apps[fields["app_id"]] = App(**fields)
        self._next_app = apps["next"]  # a deleted app's id is not given again
        self.outbox.restore([Email(**fields) for fields in store.get_meta("outbox") or []])
        _log.info(
            "state restored",
            path=str(store.path),
            accounts=len(self.bank.accounts),
            contracts=len(self.desk.contracts),
        )

    def _persist_everything_from_now(self) -> None:
        store = self.store
        assert store is not None
        bank = self.bank

        def on_bank_change(kind: str, obj: object) -> None:
            if kind == "account":
                store.save_account(obj)  # type: ignore[arg-type]
            elif kind == "token":
                store.save_token(obj)  # type: ignore[arg-type]
            elif kind == "token_deleted":
                store.delete_token(obj)  # type: ignore[arg-type]
            elif kind == "transaction":
                store.save_transaction(obj)  # type: ignore[arg-type]
            store.set_meta("counters", bank.counters())
            store.save_clock(clock)

        def on_desk_change(contract: Contract) -> None:
            store.save_contract(SavedContract.of(contract))
            store.save_clock(clock)

        clock = self.clock
        bank.on_change = on_bank_change
        self.desk.on_change = on_desk_change
        for account in bank.accounts.values():
            store.save_account(account)
        for token in bank.tokens.values():
            store.save_token(token)
        for txns in bank.transactions.values():
            for txn in txns:
                store.save_transaction(txn)
        store.set_meta("counters", bank.counters())
        self.outbox.on_change = self._save_outbox
        self._save_outbox()
        self._save_apps()

    def _save_apps(self) -> None:
        if self.store is not None:
            registered = [attrs.asdict(app) for app in self.apps.values()]
            self.store.set_meta("apps", {"next": self._next_app, "registered": registered})

    def _save_outbox(self) -> None:
        # Only the pending codes: a used one is refused after a restart as before it.
        assert self.store is not None
        self.store.set_meta("outbox", [attrs.asdict(email) for email in self.outbox.sent])

    # -- helpers -------------------------------------------------------------------------

    def register_app(self, app: App) -> App:
        """Store a new app, giving it an id."""
        app.app_id = self._next_app
        self._next_app += 1
        self.apps[app.app_id] = app
        self._save_apps()
        return app

    def delete_app(self, app: App) -> None:
        """Forget a registered app."""
        del self.apps[app.app_id]
        self._save_apps()

    def close(self) -> None:
        """Release the state file (with the clock's epoch: the next run resumes there)."""
        if self.store is not None:
            self.store.save_clock(self.clock)
            self.store.close()
