"""Trading: buy, sell, proposal_open_contract, transaction, balance, portfolio, statement,
profit_table, sell_expired, topup_virtual (``proposal`` is in :mod:`.pricing`)."""

from __future__ import annotations

import datetime as _dt
from typing import Any

from ..accounts import AccountEvent, Transaction
from ..dispatch import Call, Handler, require_scopes
from ..envelope import Envelope, SimError
from ..session import Subscription
from ..trading import Contract
from ..views import (
    contract_payload,
    profit_table_extras,
    receipt,
    shown_expiry,
    transaction_extras,
)
from .pricing import contract_spec
from .registry import registrar

HANDLERS: dict[str, Handler] = {}
handles = registrar(HANDLERS)

_ALL_BALANCES_NEED_OAUTH = "Permission denied, balances of all accounts require oauth token"


# -- buying, selling, following ---------------------------------------------------------


def _buy_payload(contract: Contract) -> dict[str, Any]:
    pos = contract.position
    return {
        "balance_after": contract.buy_txn.balance_after,
        "buy_price": pos.buy_price,
        "contract_id": contract.contract_id,
        "longcode": contract.longcode,
        "payout": pos.payout,
        "purchase_time": pos.purchase_epoch,
        "shortcode": contract.shortcode,
        "start_time": pos.purchase_epoch,
        "transaction_id": contract.buy_txn.transaction_id,
    }


def _follow(call: Call, sub: Subscription, contract_id: int | None) -> None:
    """Send contract updates to ``sub``: one contract (ends when sold) or all of the account."""
    desk = call.core.desk
    loginid = call.account.loginid
    clock = call.core.clock

    def on_contract(contract: Contract) -> None:
        if contract_id is not None and contract.contract_id != contract_id:
            return
        sub.emit(contract_payload(contract, clock.epoch(), sub.id))
        if contract_id is not None and not contract.is_open:
            sub.end()

    desk.watch(loginid, on_contract)
    sub.cleanups.append(lambda: desk.unwatch(loginid, on_contract))


@handles("buy")
def buy(call: Call) -> None:
    """Buy by proposal id or with ``parameters``; ``price`` is the most the client will pay."""
    session = call.session
    account = call.account
    target = call.args["buy"]
    if target == "1":
        params = call.args.get("parameters")
        if not params:
            raise SimError(
                "InvalidContractProposal",
                "Unknown contract proposal",
                {"field": "parameters"},
            )
        spec = contract_spec(call, params)
    else:
        record = session.proposals.pop(target, None)
        if record is None:
            raise SimError("InvalidContractProposal", "Unknown contract proposal")
        if record.subscription is not None:
            session.forget(record.subscription.id)
        spec = record.contract
    contract = call.core.desk.buy(account, spec, float(call.args["price"]), app_id=session.app_id)
    sub_id = None
    if call.args.get("subscribe") == 1:
        # The server follows the contract as if the client had sent this POC request (same
        # req_id), so stream messages echo it rather than the buy (BE buy_get_single_contract).
        echo = {"proposal_open_contract": 1, "contract_id": contract.contract_id, "subscribe": 1}
        if call.envelope.req_id is not None:
            echo["req_id"] = call.envelope.req_id
        poc = Envelope(echo, call.envelope.req_id, call.envelope.passthrough)
        sub = session.subscribe(
            "proposal_open_contract",
            None,
            poc,
            "proposal_open_contract",
            what="proposal_open_contract",
        )
        sub_id = sub.id
    call.reply(_buy_payload(contract), subscription=sub_id)
    if sub_id is not None:
        sub = session.subscriptions[sub_id]
        sub.emit(contract_payload(contract, call.now(), sub_id))
        _follow(call, sub, contract.contract_id)


@handles("sell")
def sell(call: Call) -> None:
    """Sell an open contract at its bid, if ``price`` (the least accepted) allows."""
    contract = call.core.desk.sell(call.account, call.args["sell"], float(call.args["price"]))
    call.reply(receipt(contract))


@handles("proposal_open_contract")
def proposal_open_contract(call: Call) -> None:
    """One contract, or every open contract of the account; ``subscribe`` follows them."""
    account = call.account
    desk = call.core.desk
    session = call.session
    subscribe = call.args.get("subscribe") == 1
    contract_id = call.args.get("contract_id")
    if contract_id is not None:
        contract = desk.contracts.get(contract_id)
        if contract is None or contract.loginid != account.loginid:
            call.reply({})
            return
        if not subscribe or not contract.is_open:
            # A sold contract never gets a subscription (real server; clients rely on it).
            call.reply(contract_payload(contract, call.now()))
            return
        sub = session.subscribe(
            "proposal_open_contract",
            ("poc", contract_id),
            call.envelope,
            "proposal_open_contract",
            what="proposal_open_contract",
        )
        call.reply(contract_payload(contract, call.now(), sub.id), subscription=sub.id)
        _follow(call, sub, contract_id)
        return
    open_now = desk.of_account(account.loginid, open_only=True)
    if not subscribe:
        if not open_now:
            call.reply({})
        for contract in open_now:
            call.reply(contract_payload(contract, call.now()))
        return
    sub = session.subscribe(
        "proposal_open_contract",
        ("poc", None),
        call.envelope,
        "proposal_open_contract",
        what="proposal_open_contract",
    )
    call.reply({}, subscription=sub.id)
    for contract in open_now:
        sub.emit(contract_payload(contract, call.now(), sub.id))
    _follow(call, sub, None)


def _transaction_payload(call: Call, event: AccountEvent, sub_id: str) -> dict[str, Any]:
    txn = event.transaction
    data: dict[str, Any] = {
        "action": txn.action,
        "amount": txn.amount,
        "balance": event.balance,
        "contract_id": txn.contract_id,
        "currency": event.currency,
        "id": sub_id,
        "longcode": txn.longcode,
        "transaction_id": txn.transaction_id,
        "transaction_time": txn.time,
    }
    contract = call.core.desk.contracts.get(txn.contract_id) if txn.contract_id else None
    if contract is not None:
        pos = contract.position
        data["symbol"] = pos.spec.symbol
        data["display_name"] = pos.symbol.display_name
        data["date_expiry"] = shown_expiry(contract.position)
        if txn.action == "sell":
            data["purchase_time"] = pos.purchase_epoch
        if pos.barrier is not None:
            data["barrier"] = pos.barrier
        data.update(transaction_extras(contract))
    return data


@handles("transaction")
def transaction(call: Call) -> None:
    """Stream the account's transactions (buy, sell, deposits...)."""
    account = call.account
    sub = call.session.subscribe(
        "transaction",
        ("transaction", account.loginid),
        call.envelope,
        "transaction",
        what="transaction",
    )
    bank = call.core.bank
    desk = call.core.desk
    loginid = account.loginid
    # The desk debits a purchase before it books the contract, so a buy event arrives while
    # its contract is still unknown; it waits for the desk's announcement of the purchase
    # (which follows at once) so that it can name the contract's market like a sell event.
    unbooked: dict[int, AccountEvent] = {}

    def on_event(event: AccountEvent) -> None:
        contract_id = event.transaction.contract_id
        if contract_id is not None and contract_id not in desk.contracts:
            unbooked[contract_id] = event
            return
        sub.emit(_transaction_payload(call, event, sub.id))

    def on_contract(contract: Contract) -> None:
        event = unbooked.pop(contract.contract_id, None)
        if event is not None:
            sub.emit(_transaction_payload(call, event, sub.id))

    bank.watch(loginid, on_event)
    desk.watch(loginid, on_contract)
    sub.cleanups.append(lambda: bank.unwatch(loginid, on_event))
    sub.cleanups.append(lambda: desk.unwatch(loginid, on_contract))
    call.reply({"id": sub.id}, subscription=sub.id)


# -- balances ---------------------------------------------------------------------------


@handles("balance")
def balance(call: Call) -> None:
    """The balance (``account``: current, all, or a loginid); ``subscribe`` for updates."""
    session = call.session
    which = call.args.get("account", "current")
    token = session.token
    assert token is not None
    bank = call.core.bank
    if which == "all":
        if not token.oauth:
            raise SimError(
                "PermissionDenied",
                _ALL_BALANCES_NEED_OAUTH,
            )
        account = call.account
        accounts = bank.accounts_of_user(account.user_id)
        real = sum(a.balance for a in accounts if not a.is_virtual)
        demo = sum(a.balance for a in accounts if a.is_virtual)
        payload = {
            "accounts": {
                a.loginid: {
                    "balance": a.balance,
                    "converted_amount": a.balance,
                    "currency": a.currency,
                    "demo_account": int(a.is_virtual),
                    "status": 1,
                    "type": "deriv",
                }
                for a in accounts
            },
            "balance": account.balance,
            "currency": account.currency,
            "loginid": account.loginid,
            "total": {
                "deriv": {"amount": real, "currency": account.currency},
                "deriv_demo": {"amount": demo, "currency": account.currency},
            },
        }
        call.reply(payload)
        return
    if which == "current":
        account = call.account
    elif which in session.authorized:
        # Another account of a multi-token login: its own token must allow the call.
        require_scopes(call.spec, session.authorized[which])
        account = bank.account(which)
    else:
        raise SimError("PermissionDenied", _ALL_BALANCES_NEED_OAUTH)
    payload = {"balance": account.balance, "currency": account.currency, "loginid": account.loginid}
    if call.args.get("subscribe") != 1:
        call.reply(payload)
        return
    sub = session.subscribe(
        "balance", ("balance", account.loginid), call.envelope, "balance", what="balance"
    )
    loginid = account.loginid

    def on_event(event: AccountEvent) -> None:
        sub.emit(
            {"balance": event.balance, "currency": event.currency, "id": sub.id, "loginid": loginid}
        )

    bank.watch(loginid, on_event)
    sub.cleanups.append(lambda: bank.unwatch(loginid, on_event))
    payload["id"] = sub.id
    call.reply(payload, subscription=sub.id)


@handles("topup_virtual")
def topup_virtual(call: Call) -> None:
    """Add 10000 to a virtual account whose balance is 1000 or less."""
    account = call.account
    if not account.is_virtual:
        raise SimError(
            "TopupVirtualError", "Sorry, this feature is available to virtual accounts only"
        )
    if account.balance > 1000:
        raise SimError(
            "TopupVirtualError",
            "You can only request additional funds if your virtual account balance falls below "
            f"{account.currency} 1000.00.",
        )
    call.core.bank.post(
        account.loginid,
        "virtual_credit",
        10000.0,
        now=call.now(),
        longcode="Virtual money credit to account",
    )
    call.reply({"amount": 10000.0, "currency": account.currency})


# -- reports ----------------------------------------------------------------------------


@handles("portfolio")
def portfolio(call: Call) -> None:
    """Open contracts of the account."""
    account = call.account
    rows = []
    for contract in call.core.desk.of_account(account.loginid, open_only=True):
        pos = contract.position
        rows.append(
            {
                "app_id": contract.app_id,
                "buy_price": pos.buy_price,
                "contract_id": contract.contract_id,
                "contract_type": pos.spec.contract_type,
                "currency": contract.currency,
                "date_start": pos.purchase_epoch,
                "expiry_time": shown_expiry(contract.position),
                "longcode": contract.longcode,
                "payout": pos.payout,
                "purchase_time": pos.purchase_epoch,
                "shortcode": contract.shortcode,
                "symbol": pos.spec.symbol,
                "transaction_id": contract.buy_txn.transaction_id,
            }
        )
    call.reply({"contracts": rows})


def _date_arg(value: Any) -> int | None:
    if value is None:
        return None
    text = str(value)
    if text.isdigit():
        return int(text)
    day = _dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    return int(_dt.datetime(day.year, day.month, day.day, tzinfo=_dt.UTC).timestamp())


def _page(rows: list[Any], call: Call) -> list[Any]:
    offset = int(call.args.get("offset", 0))
    limit = int(call.args.get("limit", 100))
    return rows[offset : offset + limit]


@handles("statement")
def statement(call: Call) -> None:
    """Transactions of the account, newest first."""
    account = call.account
    args = call.args
    date_from = _date_arg(args.get("date_from"))
    date_to = _date_arg(args.get("date_to"))
    action = args.get("action_type")
    described = args.get("description") == 1
    desk = call.core.desk
    rows: list[Transaction] = [
        t
        for t in reversed(call.core.bank.transactions.get(account.loginid, []))
        if (action is None or t.action == action)
        and (date_from is None or t.time >= date_from)
        and (date_to is None or t.time <= date_to)
    ]
    out = []
    for t in _page(rows, call):
        row: dict[str, Any] = {
            "action_type": t.action,
            "amount": t.amount,
            "app_id": t.app_id,
            "balance_after": t.balance_after,
            "contract_id": t.contract_id,
            "payout": t.payout,
            "reference_id": t.reference_id,
            "transaction_id": t.transaction_id,
            "transaction_time": t.time,
        }
        contract = desk.contracts.get(t.contract_id) if t.contract_id else None
        if contract is not None:
            row["purchase_time"] = contract.position.purchase_epoch
        if described:
            row["longcode"] = t.longcode
            row["shortcode"] = t.shortcode
        out.append(row)
    call.reply({"count": len(out), "transactions": out})


@handles("profit_table")
def profit_table(call: Call) -> None:
    """Settled contracts of the account (newest first unless ``sort: ASC``)."""
    account = call.account
    args = call.args
    date_from = _date_arg(args.get("date_from"))
    date_to = _date_arg(args.get("date_to"))
    types = set(args.get("contract_type") or ())
    described = args.get("description") == 1
    settled = [
        c
        for c in call.core.desk.of_account(account.loginid)
        if c.settlement is not None
        and (not types or c.spec.contract_type in types)
        and (date_from is None or c.settlement.sell_epoch >= date_from)
        and (date_to is None or c.settlement.sell_epoch <= date_to)
    ]
    settled.sort(
        key=lambda c: (c.settlement.sell_epoch if c.settlement else 0, c.contract_id),
        reverse=args.get("sort", "DESC") == "DESC",
    )
    out = []
    for c in _page(settled, call):
        pos = c.position
        assert c.settlement is not None
        row: dict[str, Any] = {
            "app_id": c.app_id,
            "buy_price": pos.buy_price,
            "contract_id": c.contract_id,
            "contract_type": pos.spec.contract_type,
            "payout": pos.payout,
            "purchase_time": pos.purchase_epoch,
            "sell_price": c.settlement.sell_price,
            "sell_time": c.settlement.sell_epoch,
            "shortcode": c.shortcode,
            "transaction_id": c.buy_txn.transaction_id,
            "underlying_symbol": pos.spec.symbol,
        }
        if described:
            row["longcode"] = c.longcode
            row.update(profit_table_extras(c))
        out.append(row)
    call.reply({"count": len(out), "transactions": out})


@handles("sell_expired")
def sell_expired(call: Call) -> None:
    """Settle expired contracts: always 0 here.

    The simulator settles every contract on the feed tick that ends it (the same rule as the
    backtest), so there is never an expired contract left for a client to settle; a contract
    between its expiry time and its settling tick is settled by that tick, not by this call.
    """
    call.account  # noqa: B018 - the call still needs a login, like the real one
    call.reply({"count": 0})
