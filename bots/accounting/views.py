"""How the typed client's results look on the command line: a table and a JSON document.

Each function takes what a :class:`~framework.client.Client` method returned and gives a
:class:`~bots.accounting.output.View`: the rendering for people (from the typed fields) and
the ``--json`` document. The document is the API's own shape (``{"count": N, "transactions":
[...]}``), rebuilt from the results' ``raw`` server objects, so scripts see what the server
sent. Streams give one line of text and one JSON object per update instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rich.console import Console

from framework.client import (
    ApiToken,
    App,
    NewAccount,
    PaymentAgentMove,
    PortfolioContract,
    ProfitTableEntry,
    StatementEntry,
    TopUp,
)
from framework.deriv.models import Balance, Transaction

from .output import View, epoch_text, key_values, money, table

__all__ = [
    "apps",
    "balance",
    "balance_line",
    "balance_record",
    "mask",
    "new_account",
    "payment_agent_move",
    "portfolio",
    "profit_table",
    "registered_app",
    "statement",
    "tokens",
    "topup",
    "transaction_line",
]


def mask(token: str) -> str:
    """A token reduced to its last four characters, enough to tell tokens apart."""
    return "****" + token[-4:] if len(token) > 8 else "****"


# -- accounting ---------------------------------------------------------------------------


def balance(result: Balance) -> View:
    """``account balance``."""
    return View(
        balance_record(result),
        key_values(
            None,
            [("account", result.loginid), ("balance", money(result.balance, result.currency))],
        ),
    )


def balance_record(result: Balance) -> dict[str, Any]:
    """A balance as JSON (the API's fields, without the stream's subscription id)."""
    return {"balance": result.balance, "currency": result.currency, "loginid": result.loginid}


def balance_line(result: Balance) -> str:
    """One update of ``account balance --watch``."""
    return f"{result.loginid}  {money(result.balance, result.currency)}"


def portfolio(contracts: Sequence[PortfolioContract]) -> View:
    """``account portfolio``."""
    rows = [
        (
            c.contract_id,
            c.contract_type,
            c.symbol,
            money(c.buy_price),
            money(c.payout),
            epoch_text(c.purchase_time),
            epoch_text(c.expiry_time),
        )
        for c in contracts
    ]
    return View(
        {"contracts": [c.raw for c in contracts]},
        table(
            f"Open contracts: {len(rows)}",
            ("contract", "type", "symbol", "buy price", "payout", "bought", "expires"),
            rows,
            right=("buy price", "payout"),
        ),
    )


def statement(entries: Sequence[StatementEntry], *, offset: int = 0) -> View:
    """``account statement`` (``offset``: the first row's number, for the title)."""
    rows = [
        (
            epoch_text(t.transaction_time),
            t.transaction_id,
            t.action_type,
            money(t.amount),
            money(t.balance_after),
            t.contract_id or "",
            t.longcode or "",
        )
        for t in entries
    ]
    title = f"Statement: {len(rows)} transactions" + (f" from row {offset}" if offset else "")
    return View(
        {"count": len(entries), "transactions": [t.raw for t in entries]},
        table(
            title,
            ("time", "ref", "action", "amount", "balance", "contract", "description"),
            rows,
            right=("amount", "balance"),
        ),
    )


def profit_table(entries: Sequence[ProfitTableEntry]) -> View:
    """``account profit-table``: closed contracts, their profit, and the total."""
    profits = [(t.sell_price or 0.0) - t.buy_price for t in entries]
    rows = [
        (
            t.contract_id,
            t.contract_type or t.shortcode or "",
            t.symbol or "",
            epoch_text(t.purchase_time),
            epoch_text(t.sell_time),
            money(t.buy_price),
            money(t.sell_price),
            f"{profit:+,.2f}",
        )
        for t, profit in zip(entries, profits, strict=True)
    ]
    total = sum(profits)
    wins = sum(1 for profit in profits if profit > 0)

    def render(console: Console) -> None:
        console.print(
            table(
                f"Closed contracts: {len(rows)}",
                ("contract", "type", "symbol", "bought", "sold", "buy", "sell", "profit"),
                rows,
                right=("buy", "sell", "profit"),
            )
        )
        if rows:
            console.print(f"total profit {total:+,.2f}; {wins} of {len(rows)} won")

    return View({"count": len(entries), "transactions": [t.raw for t in entries]}, render)


def transaction_line(t: Transaction) -> str:
    """One update of ``account transactions``."""
    parts = [
        epoch_text(t.transaction_time),
        t.action,
        money(t.amount, t.currency),
        "balance " + money(t.balance),
    ]
    if t.contract_id:
        parts.append(f"contract {t.contract_id}")
    if t.longcode:
        parts.append(t.longcode)
    return "  ".join(parts)


def topup(result: TopUp, after: Balance) -> View:
    """``account topup``: what was credited and the balance after."""
    doc = {**result.raw, "balance": after.balance, "loginid": after.loginid}
    return View(
        doc,
        key_values(
            None,
            [
                ("account", after.loginid),
                ("topped up", money(result.amount, result.currency)),
                ("balance", money(after.balance, result.currency)),
            ],
        ),
    )


def new_account(
    result: NewAccount, rows: list[tuple[str, Any]], *, token_file: str | None = None
) -> View:
    """A new account: ``rows`` first, then its token (or where it was saved)."""
    doc = dict(result.raw)
    if token_file is not None:
        doc.pop("oauth_token", None)
        doc["token_file"] = token_file
        rows = [*rows, ("token", f"saved to {token_file} (mode 600)")]
    else:
        rows = [*rows, ("token", result.oauth_token)]
    return View(doc, key_values("New account", rows))


# -- payment agents -----------------------------------------------------------------------


def payment_agent_move(
    move: PaymentAgentMove, request: Mapping[str, Any], rows: list[tuple[str, Any]]
) -> View:
    """The outcome of a withdrawal or transfer (``rows``: who pays whom)."""
    doc = {"dry_run": move.dry_run, "request": dict(request), "answer": dict(move.raw)}
    if move.dry_run:
        return View(doc, key_values("Dry run accepted; nothing moved", rows))
    if move.transaction_id is not None:
        rows = [*rows, ("transaction", move.transaction_id)]
    return View(doc, key_values("Done", rows))


# -- apps and tokens ----------------------------------------------------------------------


def apps(registered: Sequence[App]) -> View:
    """``oauth apps``."""
    rows = [
        (a.app_id, a.name, a.scopes, a.redirect_uri or "", f"{a.app_markup_percentage:g}%")
        for a in registered
    ]
    return View(
        [a.raw for a in registered],
        table(f"Apps: {len(rows)}", ("app id", "name", "scopes", "redirect uri", "markup"), rows),
    )


def registered_app(app: App) -> View:
    """``oauth register-app``."""
    return View(
        app.raw,
        key_values(
            "Registered app",
            [
                ("app id", app.app_id),
                ("name", app.name),
                ("scopes", app.scopes),
                ("redirect uri", app.redirect_uri or ""),
            ],
        ),
    )


def tokens(listed: Sequence[ApiToken], *, show: bool) -> View:
    """``oauth tokens``: masked unless ``show``."""
    rows = [
        (
            t.display_name,
            t.scopes,
            t.last_used or "never",
            t.valid_for_ip or "any",
            t.token if show else mask(t.token),
        )
        for t in listed
    ]
    documents = [dict(t.raw) if show else {**t.raw, "token": mask(t.token)} for t in listed]
    return View(
        {"tokens": documents},
        table(
            f"API tokens: {len(rows)}",
            ("name", "scopes", "last used", "valid for IP", "token"),
            rows,
        ),
    )
