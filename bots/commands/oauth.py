"""``triobot oauth``: OAuth URLs and redirects, registered apps, API tokens.

Offline: ``url APP_ID [--lang ZH_CN]`` builds the address that starts the OAuth flow;
``parse [--file PATH]`` reads the redirect Deriv sends the user back with (from stdin, or a
file) and lists its accounts and session tokens. The redirect is never an argument: it holds
the session tokens, and the process list would show them.

Online (admin or read scope): ``apps`` (app_list), ``register-app`` (app_register),
``tokens`` (api_token), ``create-token NAME --scopes ...``, ``delete-token NAME``. Tokens are
addressed by name, never typed on the command line; they are masked in listings unless
``--show-tokens``, and a new one is printed once (or saved with ``--save-token``).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from typing import Any

from bots.accounting import Output, Session, add_command, command_group, run_session, views
from bots.accounting.options import (
    endpoint_options,
    read_secret_file,
    refuse_on_command_line,
    scope_list,
)
from bots.accounting.output import key_values, table
from bots.accounting.prompts import confirm
from bots.accounting.verification import check_token_target, save_token
from bots.accounting.views import mask
from framework.deriv.oauth import OAuthError, authorize_url, parse_redirect
from framework.errors import UserError
from framework.scopes import DANGEROUS_SCOPES

__all__ = ["register"]

_TOKEN_NAME = re.compile(r"^[A-Za-z0-9\s_]{2,32}$")
_APP_NAME = re.compile(r"^[\w\s-]{1,48}$")


def _token_name(text: str) -> str:
    if not _TOKEN_NAME.match(text):
        raise argparse.ArgumentTypeError(f"{text!r}: 2-32 letters, digits, spaces or underscores")
    return text


def _app_name(text: str) -> str:
    if not _APP_NAME.match(text):
        raise argparse.ArgumentTypeError(f"{text!r}: 1-48 letters, digits, spaces, _ or -")
    return text


def _markup(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 3:
        raise argparse.ArgumentTypeError(f"{text!r}: the markup is 0-3 (percent)")
    return value


def register(subparsers: Any) -> None:
    """Add ``oauth`` and its commands to the command line."""
    group = command_group(
        subparsers,
        "oauth",
        help="OAuth URL and redirect, registered apps, API tokens",
        description=(
            "App registration, OAuth and API tokens. 'url' and 'parse' work offline; the "
            "others run against the embedded simulator unless --endpoint is given. Exit 0 on "
            "success, 1 on an API error or an unreachable server, 2 on a usage error, 3 when "
            "the token is refused, malformed or lacks a scope (checked before sending)."
        ),
    )
    url = add_command(
        group, "url", _url, help="the URL that starts OAuth for an app", endpoint=False
    )
    url.add_argument("app_id", help="the registered app id")
    url.add_argument("--lang", help="interface language, e.g. EN or ZH_CN")
    url.add_argument("--brand", help="brand, e.g. deriv")
    url.add_argument("--affiliate-token", help="credit sign-ups to an affiliate")
    url.add_argument("--utm-campaign", help="marketing campaign tag")
    url.add_argument("--json", action="store_true", help="print one JSON document")

    parse = add_command(
        group,
        "parse",
        _parse,
        help="the accounts and tokens of an OAuth redirect URL (read from stdin or a file)",
        endpoint=False,
    )
    parse.add_argument(
        "--file",
        type=Path,
        metavar="PATH",
        help="read the redirect URL from this file (default: the first line of stdin)",
    )
    refuse_on_command_line(
        parse,
        "redirect",
        metavar="URL",
        instead="pipe the redirect URL on stdin or give it in a file (--file PATH)",
    )
    parse.add_argument("--show-tokens", action="store_true", help="show the tokens in full")
    parse.add_argument("--json", action="store_true", help="print one JSON document")

    add_command(group, "apps", _apps, help="apps registered by this account")
    app = add_command(group, "register-app", _register_app, help="register an application")
    app.add_argument("name", type=_app_name, help="the app's name")
    app.add_argument(
        "--scopes", type=scope_list, required=True, help="scopes it asks for, comma-separated"
    )
    app.add_argument("--redirect-uri", help="where OAuth sends users back")
    app.add_argument("--verification-uri", help="where email verification links point")
    app.add_argument("--homepage", help="the app's home page")
    app.add_argument("--github", help="the app's GitHub page")
    app.add_argument("--markup", type=_markup, help="markup percentage on contracts, 0-3")

    tokens = add_command(group, "tokens", _tokens, help="API tokens of this account")
    tokens.add_argument("--show-tokens", action="store_true", help="show the tokens in full")
    create = add_command(group, "create-token", _create_token, help="create an API token")
    create.add_argument("name", type=_token_name, help="the token's name")
    create.add_argument(
        "--scopes", type=scope_list, required=True, help="its scopes, comma-separated"
    )
    create.add_argument(
        "--ip-only", action="store_true", help="valid only from this machine's IP address"
    )
    create.add_argument(
        "--save-token",
        type=Path,
        metavar="PATH",
        help="write the new token to this new file (mode 600) instead of printing it",
    )
    delete = add_command(group, "delete-token", _delete_token, help="delete an API token by name")
    delete.add_argument("name", type=_token_name, help="the token's name")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")


# -- offline ------------------------------------------------------------------------------


def _url(args: argparse.Namespace) -> int:
    try:
        url = authorize_url(
            args.app_id,
            lang=args.lang,
            brand=args.brand,
            affiliate_token=args.affiliate_token,
            utm_campaign=args.utm_campaign,
        )
    except OAuthError as exc:
        raise UserError(str(exc), exit_code=2) from None
    out = Output(json_mode=args.json)
    if out.json:
        out.document({"url": url, "app_id": int(args.app_id)}, key_values(None, []))
    else:
        print(url)
    return 0


def _parse(args: argparse.Namespace) -> int:
    if args.file is None:
        text = sys.stdin.readline().strip()
    else:
        text = read_secret_file("--file", args.file).strip()
    try:
        accounts = parse_redirect(text)
    except OAuthError as exc:
        raise UserError(str(exc), exit_code=2) from None
    show = args.show_tokens
    doc = {
        "accounts": [
            {
                "loginid": a.loginid,
                "currency": a.currency,
                "token": a.token if show else mask(a.token),
            }
            for a in accounts
        ]
    }
    rows = [(a["loginid"], a["currency"], a["token"]) for a in doc["accounts"]]
    Output(json_mode=args.json).document(
        doc, table(f"Accounts: {len(rows)}", ("account", "currency", "token"), rows)
    )
    return 0


# -- apps ---------------------------------------------------------------------------------


def _apps(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        session.output.show(views.apps(await session.client.app_list()))
        return 0

    return run_session(options, ("app_list",), body)


def _register_app(args: argparse.Namespace) -> int:
    options = endpoint_options(args)
    fields: dict[str, Any] = {}
    for key in ("redirect_uri", "verification_uri", "homepage", "github"):
        if getattr(args, key):
            fields[key] = getattr(args, key)
    if args.markup is not None:
        fields["app_markup_percentage"] = args.markup

    async def body(session: Session) -> int:
        app = await session.client.app_register(name=args.name, scopes=args.scopes, **fields)
        session.output.show(views.registered_app(app))
        if not session.output.json:
            session.output.note(f"its OAuth URL: triobot oauth url {app.app_id}")
        return 0

    return run_session(options, ("app_register",), body)


# -- tokens -------------------------------------------------------------------------------


def _tokens(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        listed = await session.client.api_token()
        session.output.show(views.tokens(listed, show=args.show_tokens))
        return 0

    return run_session(options, ("api_token",), body)


def _create_token(args: argparse.Namespace) -> int:
    options = endpoint_options(args)
    check_token_target(args.save_token)
    risky = sorted(DANGEROUS_SCOPES & set(args.scopes))

    async def body(session: Session) -> int:
        listed = await session.client.api_token(
            new_token=args.name,
            new_token_scopes=args.scopes,
            valid_for_current_ip_only=args.ip_only,
        )
        created = [t for t in listed if t.display_name == args.name]
        if not created:
            raise UserError(
                f"the server did not list a token named {args.name!r} after creating it"
            )
        token = created[-1]
        secret = token.token
        rows: list[tuple[str, Any]] = [("name", args.name), ("scopes", token.scopes)]
        doc: dict[str, Any] = {"display_name": args.name, "scopes": list(token.scopes)}
        if args.save_token is not None:
            save_token(args.save_token, secret)
            rows.append(("token", f"saved to {args.save_token} (mode 600)"))
            doc["token_file"] = str(args.save_token)
        else:
            rows.append(("token", secret))
            doc["token"] = secret
        session.output.document(doc, key_values("New API token", rows))
        if risky:
            session.output.note(
                f"warning: the token has {', '.join(risky)}: it can move money or manage "
                "tokens and apps; never give it to a trading bot"
            )
        return 0

    return run_session(options, ("api_token",), body)


def _delete_token(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        named = [t for t in await session.client.api_token() if t.display_name == args.name]
        if not named:
            raise UserError(f"no API token named {args.name!r} (see 'triobot oauth tokens')")
        if len(named) > 1:
            raise UserError(f"{len(named)} tokens are named {args.name!r}; delete them on the site")
        secret = named[0].token
        question = f"Delete the API token {args.name!r} ({mask(secret)})? Bots using it stop."
        if not await confirm(question, assume_yes=args.yes):
            raise UserError("not confirmed; the token was kept")
        left = [t.display_name for t in await session.client.api_token(delete_token=secret)]
        session.output.document(
            {"deleted": args.name, "tokens": left},
            key_values(None, [("deleted", args.name), ("tokens left", left)]),
        )
        return 0

    return run_session(options, ("api_token",), body)
