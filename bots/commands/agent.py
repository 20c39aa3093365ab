"""``triobot agent``: payment agents - list them, withdraw to one, transfer as one.

Moving money is never done blindly: ``withdraw`` and ``transfer`` first send the request with
``dry_run: 1`` (the server checks the agent, amount, limits and balance and moves nothing),
show what would happen, and ask for confirmation unless ``--yes``; ``--dry-run`` stops after
the check. The real request is sent once and never re-sent: if its answer is lost the command
says so (exit 1) and the statement tells whether it happened.

``withdraw`` needs a verification code of type ``paymentagent_withdraw``, emailed to the
account's address: one already received in a file (``--code-file``), or the command sends one
and asks for it (the embedded simulator's outbox is read instead). ``--code CODE`` is refused:
the process list would show the code.
"""

from __future__ import annotations

import argparse
import math
import re
from typing import Any

from bots.accounting import Session, add_command, command_group, run_session, views
from bots.accounting.options import endpoint_options, read_secret_file
from bots.accounting.output import money, table
from bots.accounting.prompts import confirm
from bots.accounting.verification import add_code_file_option, verification_code
from framework.errors import UserError

__all__ = ["register"]

_LOGINID = re.compile(r"^[A-Za-z]+[0-9]+$")
_CURRENCY = re.compile(r"^[A-Za-z0-9]{2,20}$")
# The API's description pattern: refuse locally what the server would refuse.
_DESCRIPTION = re.compile(r"^[0-9A-Za-z .,'-]{0,250}$")


def _amount(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an amount: {text!r}") from None
    if not value > 0 or math.isinf(value) or round(value, 2) != value:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected a positive amount with at most 2 decimals"
        )
    return value


def _loginid(text: str) -> str:
    if not _LOGINID.match(text):
        raise argparse.ArgumentTypeError(f"{text!r}: not a login id (e.g. CR1234567)")
    return text.upper()


def _currency(text: str) -> str:
    if not _CURRENCY.match(text):
        raise argparse.ArgumentTypeError(f"{text!r}: not a currency code")
    return text.upper()


def _description(text: str) -> str:
    if not _DESCRIPTION.match(text):
        raise argparse.ArgumentTypeError(
            "the description may hold letters, digits, spaces and . , ' - (250 at most)"
        )
    return text


def _country(text: str) -> str:
    code = text.strip().lower()
    if not re.match(r"^[a-z]{2}$", code):
        raise argparse.ArgumentTypeError(f"{text!r}: expected a two-letter country code")
    return code


def register(subparsers: Any) -> None:
    """Add ``agent`` and its commands to the command line."""
    group = command_group(
        subparsers,
        "agent",
        help="payment agents: list them, withdraw to one, transfer as one (dry runs first)",
        description=(
            "Payment agents, against the embedded simulator unless --endpoint is given. "
            "Withdrawals and transfers are checked with a dry run and confirmed first. Exit 0 "
            "on success, 1 on an API error, an unreachable server or a declined confirmation, 2 "
            "on a usage error, 3 when the token is refused, malformed or lacks a scope "
            "(checked before sending)."
        ),
    )
    listing = add_command(group, "list", _list, help="payment agents of a country")
    listing.add_argument("country", type=_country, help="two-letter country code")
    listing.add_argument("--currency", type=_currency, help="only agents in this currency")

    withdraw = add_command(
        group, "withdraw", _withdraw, help="withdraw from this account to a payment agent"
    )
    withdraw.add_argument(
        "--agent", type=_loginid, required=True, metavar="LOGINID", help="the agent's login id"
    )
    add_code_file_option(withdraw)
    _money_options(withdraw)

    transfer = add_command(
        group, "transfer", _transfer, help="as a payment agent, transfer to a client"
    )
    transfer.add_argument(
        "--to", type=_loginid, required=True, metavar="LOGINID", help="the client's login id"
    )
    _money_options(transfer)


def _money_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--amount", type=_amount, required=True, help="the amount")
    parser.add_argument(
        "--currency", type=_currency, help="currency (default: the account's currency)"
    )
    parser.add_argument("--description", type=_description, help="a note for the statement")
    parser.add_argument(
        "--dry-run", action="store_true", help="only check it with the server; move nothing"
    )
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")


# -- list ---------------------------------------------------------------------------------


def _list(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        fields: dict[str, Any] = {}
        if args.currency:
            fields["currency"] = args.currency
        data = await session.client.paymentagent_list(args.country, **fields)
        agents = data.get("list", [])
        rows = [
            (
                a.get("name", ""),
                a.get("paymentagent_loginid", ""),
                a.get("currencies", ""),
                money(a.get("min_withdrawal")),
                money(a.get("max_withdrawal")),
                f"{a.get('withdrawal_commission', '')}% / {a.get('deposit_commission', '')}%",
                a.get("email", ""),
            )
            for a in agents
        ]
        session.output.document(
            data,
            table(
                f"Payment agents in {args.country}: {len(rows)}",
                ("name", "login id", "currency", "min", "max", "commission w/d", "email"),
                rows,
                right=("min", "max"),
            ),
        )
        if not rows:
            session.output.note(f"no payment agents listed for {args.country!r}")
        return 0

    return run_session(options, ("paymentagent_list",), body)


# -- moving money -------------------------------------------------------------------------


async def _move(
    session: Session,
    args: argparse.Namespace,
    call: str,
    fields: dict[str, Any],
    request: dict[str, Any],
) -> int:
    """Dry run, show, confirm, send once; print the outcome.

    ``request`` says who pays whom (``from``, ``to``, ``amount``, ``currency``) for the
    output; ``fields`` is what is sent.
    """
    move = (
        session.client.paymentagent_withdraw
        if call == "paymentagent_withdraw"
        else session.client.paymentagent_transfer
    )
    check = await move(dry_run=1, **fields)
    rows: list[tuple[str, Any]] = [
        ("from", request["from"]),
        ("to", request["to"]),
        ("amount", money(request["amount"], request["currency"])),
    ]
    if check.counterparty:
        rows.append(("name", check.counterparty))
    if args.dry_run:
        session.output.show(views.payment_agent_move(check, request, rows))
        return 0
    session.output.note("dry run accepted: " + ", ".join(f"{k} {v}" for k, v in rows))
    verb = "Withdraw" if call == "paymentagent_withdraw" else "Transfer"
    amount = money(request["amount"], request["currency"])
    if not await confirm(f"{verb} {amount} now?", assume_yes=args.yes):
        raise UserError("not confirmed; nothing was moved")
    session.output.show(views.payment_agent_move(await move(**fields), request, rows))
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    options = endpoint_options(args)
    given = read_secret_file("--code-file", args.code_file) if args.code_file else None
    calls = ("paymentagent_withdraw",) if given else ("verify_email", "paymentagent_withdraw")

    async def body(session: Session) -> int:
        account = session.account
        currency = args.currency or account.currency
        if not account.email and not given:
            raise UserError(
                "the account has no email address to send a code to; use --code-file PATH"
            )
        code = await verification_code(session, account.email or "", "paymentagent_withdraw", given)
        fields: dict[str, Any] = {
            "paymentagent_loginid": args.agent,
            "amount": args.amount,
            "currency": currency,
            "verification_code": code,
        }
        if args.description:
            fields["description"] = args.description
        request = {
            "from": account.loginid,
            "to": args.agent,
            "amount": args.amount,
            "currency": currency,
        }
        return await _move(session, args, "paymentagent_withdraw", fields, request)

    return run_session(options, calls, body)


def _transfer(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        account = session.account
        currency = args.currency or account.currency
        fields: dict[str, Any] = {
            "transfer_to": args.to,
            "amount": args.amount,
            "currency": currency,
        }
        if args.description:
            fields["description"] = args.description
        request = {
            "from": account.loginid,
            "to": args.to,
            "amount": args.amount,
            "currency": currency,
        }
        return await _move(session, args, "paymentagent_transfer", fields, request)

    return run_session(options, ("paymentagent_transfer",), body)
