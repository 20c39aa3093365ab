"""``triobot account``: balance, accounting, account opening and the lists it needs.

Accounting: ``balance [--watch]``, ``portfolio``, ``statement``, ``profit-table`` (limits,
date ranges, offsets), ``sell-expired``, ``transactions`` (the live stream), ``topup``
(``topup_virtual``), ``limits``.

Account opening: ``verify-email``, ``new-virtual`` (verify_email, then new_account_virtual
with the emailed code: prompted, read from ``--code-file``, or the embedded simulator's outbox),
``new-real FORM.yaml`` (checked before sending), and the reference lists ``countries``
(residence_list), ``states COUNTRY``, ``landing-company COUNTRY``, ``company SHORTCODE``
(landing_company_details).

Every command runs against the embedded simulator unless ``--endpoint`` is given (see
:mod:`bots.accounting` for tokens, scopes and exit codes).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bots.accounting import Session, add_command, command_group, run_session, views
from bots.accounting.forms import load_real_account_form
from bots.accounting.options import endpoint_options, read_secret_file
from bots.accounting.output import key_values, money, table
from bots.accounting.verification import (
    add_code_file_option,
    check_token_target,
    save_token,
    verification_code,
)
from framework.client import NewAccount
from framework.connection import ConnectionRestored, Unreadable
from framework.errors import UserError

__all__ = ["parse_date", "register"]

_DAY = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
_COUNTRY = re.compile(r"^[a-z]{2}$")
_EMAIL = re.compile(r"^[a-zA-Z0-9_.+-]+@[a-zA-Z0-9.-]+\.[a-zA-Z]{2,63}$")
_VERIFY_TYPES = ("account_opening", "paymentagent_withdraw", "reset_password", "payment_withdraw")


def parse_date(text: str, *, end_of_day: bool = False) -> int:
    """An epoch from ``EPOCH``, ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]`` (UTC).

    Args:
        text: the value.
        end_of_day: a bare date means its last second (for ``--to``: the day is included).

    Raises:
        argparse.ArgumentTypeError: anything else.
    """
    if text.isdigit():
        return int(text)
    try:
        if _DAY.match(text):
            day = _dt.date(*(int(part) for part in text.split("-")))
            moment = _dt.datetime(day.year, day.month, day.day, tzinfo=_dt.UTC)
            if end_of_day:
                moment += _dt.timedelta(days=1, seconds=-1)
        else:
            moment = _dt.datetime.fromisoformat(text)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=_dt.UTC)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected an epoch, YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)"
        ) from None
    return int(moment.timestamp())


def _date_to(text: str) -> int:
    return parse_date(text, end_of_day=True)


def _non_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number >= 0")
    return int(text)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a whole number >= 1")
    return int(text)


def _country(text: str) -> str:
    code = text.strip().lower()
    if not _COUNTRY.match(code):
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected a two-letter country code (see 'triobot account countries')"
        )
    return code


def _email(text: str) -> str:
    if not _EMAIL.match(text):
        raise argparse.ArgumentTypeError(f"{text!r}: not an email address")
    return text


def register(subparsers: Any) -> None:
    """Add ``account`` and its commands to the command line."""
    group = command_group(
        subparsers,
        "account",
        help="balance, statement, profit table, portfolio; open virtual and real accounts",
        description=(
            "Accounting and account opening against the embedded simulator (its demo "
            "account) unless --endpoint is given; the token comes from DERIV_TOKEN or "
            "--token-file. Exit 0 on success, 1 on an API error or an unreachable server, 2 on "
            "a usage error, 3 when the token is refused, malformed or lacks a scope (checked "
            "before sending)."
        ),
    )
    _register_accounting(group)
    _register_opening(group)


def _register_accounting(group: Any) -> None:
    balance = add_command(group, "balance", _balance, help="the account's balance")
    _watch_options(balance, "follow balance changes until interrupted")
    add_command(group, "portfolio", _portfolio, help="open contracts")
    statement = add_command(group, "statement", _statement, help="the account's transactions")
    _page_options(statement, limit=100, most=999)
    statement.add_argument(
        "--action-type",
        choices=("buy", "sell", "deposit", "withdrawal", "escrow", "adjustment",
                 "virtual_credit", "transfer"),
        help="only this kind of transaction",
    )  # fmt: skip
    profit = add_command(group, "profit-table", _profit_table, help="closed contracts and P&L")
    _page_options(profit, limit=50, most=500)
    profit.add_argument(
        "--contract-type",
        action="append",
        metavar="TYPE",
        help="only this contract type, e.g. CALL (repeatable)",
    )
    profit.add_argument(
        "--sort", choices=("ASC", "DESC"), default="DESC", help="by sell time (default DESC)"
    )
    add_command(group, "sell-expired", _sell_expired, help="settle contracts that have expired")
    transactions = add_command(
        group, "transactions", _transactions, help="the live stream of account transactions"
    )
    _watch_options(transactions, None)
    add_command(group, "topup", _topup, help="refill a virtual account (topup_virtual)")
    add_command(group, "limits", _limits, help="trading and withdrawal limits")


def _register_opening(group: Any) -> None:
    verify = add_command(
        group, "verify-email", _verify_email, help="send a verification code by email"
    )
    verify.add_argument("email", type=_email, help="the address")
    verify.add_argument(
        "--type", choices=_VERIFY_TYPES, default="account_opening", help="what the code is for"
    )
    virtual = add_command(
        group,
        "new-virtual",
        _new_virtual,
        help="open a virtual account (verify_email, then new_account_virtual)",
        description=(
            "Open a virtual (demo) account: a verification code is emailed (verify_email), "
            "then new_account_virtual is sent with it. Without --code-file the code is "
            "prompted for (the embedded simulator's own outbox is read instead). Prints the new "
            "account and its token, or saves the token with --save-token."
        ),
    )
    virtual.add_argument("--email", type=_email, required=True, help="the new user's address")
    virtual.add_argument(
        "--residence", type=_country, default="id", help="country code (default id)"
    )
    add_code_file_option(virtual)
    virtual.add_argument(
        "--password-file", type=Path, metavar="PATH", help="file holding the account password"
    )
    virtual.add_argument("--affiliate-token", help="credit the sign-up to an affiliate")
    _save_token_option(virtual)
    real = add_command(
        group,
        "new-real",
        _new_real,
        help="open a real account from a YAML form (new_account_real)",
        description=(
            "Open a real account with the fields in FORM (YAML, API field names: "
            "first_name, last_name, date_of_birth, residence, currency, address_...). The "
            "form is checked completely before anything is sent."
        ),
    )
    real.add_argument("form", type=Path, help="the YAML form")
    real.add_argument("--affiliate-token", help="credit the account to an affiliate")
    _save_token_option(real)
    add_command(group, "countries", _countries, help="countries accounts can be opened in")
    states = add_command(group, "states", _states, help="states of a country")
    states.add_argument("country", type=_country, help="two-letter country code")
    landing = add_command(
        group, "landing-company", _landing_company, help="the companies serving a country"
    )
    landing.add_argument("country", type=_country, help="two-letter country code")
    company = add_command(
        group, "company", _company, help="details of a landing company (svg, maltainvest...)"
    )
    company.add_argument("shortcode", help="the landing company's shortcode")


def _watch_options(parser: argparse.ArgumentParser, watch_help: str | None) -> None:
    if watch_help is not None:
        parser.add_argument("--watch", action="store_true", help=watch_help)
    parser.add_argument(
        "--count", type=_positive, metavar="N", help="stop after N updates (default: never)"
    )


def _page_options(parser: argparse.ArgumentParser, *, limit: int, most: int) -> None:
    parser.add_argument(
        "--limit", type=_non_negative, default=limit, help=f"rows (default {limit}, max {most})"
    )
    parser.add_argument("--offset", type=_non_negative, default=0, help="rows to skip")
    parser.add_argument(
        "--from", dest="date_from", type=parse_date, metavar="DATE",
        help="from this time: epoch, YYYY-MM-DD or YYYY-MM-DDTHH:MM (UTC)",
    )  # fmt: skip
    parser.add_argument(
        "--to", dest="date_to", type=_date_to, metavar="DATE",
        help="up to this time (a bare date includes the whole day)",
    )  # fmt: skip


def _save_token_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--save-token",
        type=Path,
        metavar="PATH",
        help="write the new account's token to this new file (mode 600) instead of printing it",
    )


def _check_range(args: argparse.Namespace) -> None:
    if args.date_from is not None and args.date_to is not None and args.date_from > args.date_to:
        raise UserError("--from is after --to", exit_code=2)


# -- accounting ---------------------------------------------------------------------------


def _balance(args: argparse.Namespace) -> int:
    options = endpoint_options(args)
    if args.count is not None and not args.watch:
        raise UserError("--count goes with --watch", exit_code=2)

    async def body(session: Session) -> int:
        if not args.watch:
            session.output.show(views.balance(await session.client.balance()))
            return 0
        seen = 0
        async with session.client.balance_stream() as stream:
            async for update in stream:
                if isinstance(update, ConnectionRestored):
                    session.output.note(f"reconnected after {update.downtime:.1f} s")
                    continue
                session.output.record(views.balance_record(update), views.balance_line(update))
                seen += 1
                if args.count is not None and seen >= args.count:
                    break
        return 0

    return run_session(options, ("balance",), body, follow=args.watch)


def _portfolio(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        session.output.show(views.portfolio(await session.client.portfolio()))
        return 0

    return run_session(options, ("portfolio",), body)


def _statement(args: argparse.Namespace) -> int:
    options = endpoint_options(args)
    _check_range(args)

    async def body(session: Session) -> int:
        entries = await session.client.statement(
            date_from=args.date_from,
            date_to=args.date_to,
            action_type=args.action_type,
            limit=args.limit,
            offset=args.offset,
        )
        session.output.show(views.statement(entries, offset=args.offset))
        return 0

    return run_session(options, ("statement",), body)


def _profit_table(args: argparse.Namespace) -> int:
    options = endpoint_options(args)
    _check_range(args)

    async def body(session: Session) -> int:
        entries = await session.client.profit_table(
            date_from=args.date_from,
            date_to=args.date_to,
            contract_type=sorted(set(args.contract_type)) if args.contract_type else None,
            limit=args.limit,
            offset=args.offset,
            sort=args.sort,
        )
        session.output.show(views.profit_table(entries))
        return 0

    return run_session(options, ("profit_table",), body)


def _sell_expired(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        count = await session.client.sell_expired()
        session.output.document(
            {"count": count}, key_values(None, [("expired contracts settled", count)])
        )
        return 0

    return run_session(options, ("sell_expired",), body)


def _transactions(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        seen = 0
        if not session.output.json:
            session.output.note("following account transactions; Ctrl-C stops")
        async with session.client.transaction() as stream:
            async for update in stream:
                if isinstance(update, ConnectionRestored):
                    session.output.note(
                        f"reconnected after {update.downtime:.1f} s; transactions made "
                        "meanwhile are in 'triobot account statement'"
                    )
                    continue
                if isinstance(update, Unreadable):
                    # Logged and counted where it was read; the statement has the record.
                    session.output.note(
                        "a transaction could not be read; 'triobot account statement' has it"
                    )
                    continue
                session.output.record(
                    {k: v for k, v in update.raw.items() if k != "id"},
                    views.transaction_line(update),
                )
                seen += 1
                if args.count is not None and seen >= args.count:
                    break
        return 0

    return run_session(options, ("transaction",), body, follow=True)


def _topup(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        credited = await session.client.topup_virtual()
        session.output.show(views.topup(credited, await session.client.balance()))
        return 0

    return run_session(options, ("topup_virtual", "balance"), body)


def _limits(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        data = await session.client.get_limits()
        flat = [(k, v) for k, v in sorted(data.items()) if not isinstance(v, dict | list)]
        session.output.document(data, key_values(None, flat))
        return 0

    return run_session(options, ("get_limits",), body)


# -- account opening ----------------------------------------------------------------------


def _verify_email(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        sent = await session.client.verify_email(args.email, args.type)
        if session.simulator is not None:
            session.output.note(
                "embedded simulator: its codes live only while it runs; 'account new-virtual' "
                "and 'agent withdraw' send and use a code in one go"
            )
        session.output.document(
            # The API's answer is 1 for a code sent; scripts read it as before.
            {"verify_email": int(sent), "email": args.email, "type": args.type},
            key_values(None, [("code sent to", args.email), ("for", args.type)]),
        )
        return 0

    return run_session(options, ("verify_email",), body)


def _print_new_account(
    session: Session, account: NewAccount, rows: list[tuple[str, Any]], save: Path | None
) -> None:
    if save is not None and account.oauth_token is not None:
        try:
            save_token(save, account.oauth_token)
        except OSError as exc:
            # The account exists now: losing its token would be worse than showing it.
            session.output.note(f"cannot write {save} ({exc.strerror}); the token follows")
        else:
            session.output.show(views.new_account(account, rows, token_file=str(save)))
            return
    session.output.show(views.new_account(account, rows))
    if not session.output.json:
        session.output.note("the token is shown once: keep it in a file only you can read")


def _new_virtual(args: argparse.Namespace) -> int:
    options = endpoint_options(args)
    check_token_target(args.save_token)
    password = (
        read_secret_file("--password-file", args.password_file)
        if args.password_file is not None
        else None
    )
    given = read_secret_file("--code-file", args.code_file) if args.code_file else None
    calls = ("new_account_virtual",) if given else ("verify_email", "new_account_virtual")

    async def body(session: Session) -> int:
        code = await verification_code(session, args.email, "account_opening", given)
        fields: dict[str, Any] = {
            "verification_code": code,
            "residence": args.residence,
            "email": args.email,
            "type": "trading",
        }
        if password is not None:
            fields["client_password"] = password
        if args.affiliate_token:
            fields["affiliate_token"] = args.affiliate_token
        account = await session.client.new_account_virtual(**fields)
        rows: list[tuple[str, Any]] = [
            ("account", account.client_id),
            ("email", account.email or args.email),
            ("balance", money(account.balance, account.currency)),
        ]
        _print_new_account(session, account, rows, args.save_token)
        return 0

    return run_session(options, calls, body)


def _new_real(args: argparse.Namespace) -> int:
    fields = load_real_account_form(args.form, affiliate_token=args.affiliate_token)
    options = endpoint_options(args)
    check_token_target(args.save_token)

    async def body(session: Session) -> int:
        account = await session.client.new_account_real(**fields)
        rows: list[tuple[str, Any]] = [
            ("account", account.client_id),
            ("landing company", account.landing_company or ""),
            ("currency", account.currency or ""),
        ]
        _print_new_account(session, account, rows, args.save_token)
        return 0

    return run_session(options, ("new_account_real",), body)


def _countries(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        data = await session.client.residence_list()
        rows = [(c.get("value"), c.get("text"), c.get("phone_idd", "")) for c in data]
        session.output.document(
            data, table(f"Countries: {len(rows)}", ("code", "country", "phone code"), rows)
        )
        return 0

    return run_session(options, ("residence_list",), body)


def _states(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        data = await session.client.states_list(args.country)
        if not data:
            session.output.note(
                f"no states listed for {args.country!r} (see 'triobot account countries')"
            )
        rows = [(s.get("value"), s.get("text")) for s in data]
        session.output.document(data, table(f"States of {args.country}", ("code", "state"), rows))
        return 0

    return run_session(options, ("states_list",), body)


def _company_rows(company: Mapping[str, Any]) -> list[tuple[str, Any]]:
    return [
        ("name", company.get("name", "")),
        ("shortcode", company.get("shortcode", "")),
        ("country", company.get("country", "")),
        ("currencies", company.get("legal_allowed_currencies", [])),
        ("markets", company.get("legal_allowed_markets", [])),
        ("contract categories", company.get("legal_allowed_contract_categories", [])),
    ]


def _landing_company(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        data = await session.client.landing_company(args.country)
        rows: list[tuple[str, Any]] = [
            ("country", f"{data.get('name', '')} ({data.get('id', args.country)})"),
            ("minimum age", data.get("minimum_age", "")),
            ("virtual company", data.get("virtual_company", "")),
        ]
        for key in ("gaming_company", "financial_company"):
            company = data.get(key)
            label = key.replace("_", " ")
            if isinstance(company, Mapping):
                rows.append((label, f"{company.get('name', '')} ({company.get('shortcode')})"))
            else:
                rows.append((label, "none"))
        session.output.document(data, key_values(None, rows))
        return 0

    return run_session(options, ("landing_company",), body)


def _company(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        data = await session.client.landing_company_details(args.shortcode)
        session.output.document(data, key_values(None, _company_rows(data)))
        return 0

    return run_session(options, ("landing_company_details",), body)
