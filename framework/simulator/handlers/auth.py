"""Logging in and out, API tokens and registered apps."""

from __future__ import annotations

from typing import Any

from ..accounts import Account, Token
from ..core import App
from ..dispatch import Call, Handler
from ..envelope import SimError
from .registry import registrar

HANDLERS: dict[str, Handler] = {}
handles = registrar(HANDLERS)

#: Streams that belong to the logged-in account and end when it changes.
ACCOUNT_STREAMS = ("balance", "transaction", "proposal_open_contract")


def _invalid_token() -> SimError:
    return SimError("InvalidToken", "The token is invalid.")


def _account_entry(account: Account) -> dict[str, Any]:
    return {
        "account_category": "trading",
        "account_type": "binary",
        "broker": "VRTC" if account.is_virtual else "CR",
        "created_at": account.created_at,
        "currency": account.currency,
        "currency_type": "fiat",
        "is_disabled": 0,
        "is_virtual": int(account.is_virtual),
        "landing_company_name": account.landing_company,
        "linked_to": [],
        "loginid": account.loginid,
    }


def authorize_payload(call: Call, account: Account, token: Token) -> dict[str, Any]:
    """The ``authorize`` object for ``account``."""
    bank = call.core.bank
    return {
        "account_list": [_account_entry(a) for a in bank.accounts_of_user(account.user_id)],
        "balance": account.balance,
        "country": account.country,
        "currency": account.currency,
        "email": account.email,
        "fullname": account.fullname,
        "is_virtual": int(account.is_virtual),
        "landing_company_fullname": account.landing_company_fullname,
        "landing_company_name": account.landing_company,
        "linked_to": [],
        "local_currencies": {account.currency: {"fractional_digits": 2}},
        "loginid": account.loginid,
        "preferred_language": "EN",
        "scopes": list(token.scopes),
        "upgradeable_landing_companies": [] if not account.is_virtual else ["svg"],
        "user_id": account.user_id,
    }


@handles("authorize")
def authorize(call: Call) -> None:
    """Log the connection in with one token, or several (``authorize: "MULTI"`` + ``tokens``)."""
    bank = call.core.bank
    primary = call.args["authorize"]
    extra = list(call.args.get("tokens") or [])
    if primary == "MULTI":
        if not extra:
            raise _invalid_token()
        primary, extra = extra[0], extra[1:]
    token = bank.tokens.get(primary)
    if token is None:
        raise _invalid_token()
    others = []
    for secret in extra:
        other = bank.tokens.get(secret)
        if other is None:
            raise _invalid_token()
        others.append(other)
    account = bank.account(token.loginid)
    session = call.session
    if session.account is not None and session.account.loginid != account.loginid:
        session.forget_kinds(ACCOUNT_STREAMS)
    session.log_in(account, token, others)
    call.reply(authorize_payload(call, account, token))


@handles("logout")
def logout(call: Call) -> None:
    """Forget the login (and the account's streams)."""
    call.session.forget_kinds(ACCOUNT_STREAMS)
    call.session.log_out()
    call.reply(1)


def _token_entry(token: Token) -> dict[str, Any]:
    return {
        "display_name": token.display_name,
        "last_used": "",
        "scopes": list(token.scopes),
        "token": token.token,
        "valid_for_ip": "",
    }


@handles("api_token")
def api_token(call: Call) -> None:
    """List, create (``new_token`` + ``new_token_scopes``) or delete API tokens."""
    account = call.account
    bank = call.core.bank
    payload: dict[str, Any] = {}
    name = call.args.get("new_token")
    if name is not None:
        scopes = call.args.get("new_token_scopes") or []
        if not scopes:
            raise SimError("InvalidNewTokenScopes", "Please provide at least one token scope.")
        if not 2 <= len(name) <= 32:
            raise SimError(
                "InvalidTokenName", "Length of token name must be between 2 and 32 characters."
            )
        if any(t.display_name == name for t in bank.tokens_of(account.loginid)):
            raise SimError("TokenNameExists", "The name is taken.")
        bank.issue_token(account.loginid, scopes, now=call.now(), display_name=name)
        payload["new_token"] = 1
    secret = call.args.get("delete_token")
    if secret is not None:
        found = bank.tokens.get(secret)
        if found is not None and found.loginid == account.loginid:
            bank.delete_token(secret)
        payload["delete_token"] = 1
    payload["tokens"] = [_token_entry(t) for t in bank.tokens_of(account.loginid)]
    call.reply(payload)


def _app_entry(app: App) -> dict[str, Any]:
    return {
        "active": 1,
        "app_id": app.app_id,
        "app_markup_percentage": app.app_markup_percentage,
        "appstore": app.appstore,
        "github": app.github,
        "googleplay": app.googleplay,
        "homepage": app.homepage,
        "name": app.name,
        "redirect_uri": app.redirect_uri,
        "scopes": list(app.scopes),
        "verification_uri": app.verification_uri,
    }


@handles("app_register")
def app_register(call: Call) -> None:
    """Register an application owned by the logged-in account."""
    args = call.args
    app = call.core.register_app(
        App(
            app_id=0,
            name=args["name"],
            scopes=tuple(args["scopes"]),
            owner=call.account.loginid,
            redirect_uri=args.get("redirect_uri", ""),
            verification_uri=args.get("verification_uri", ""),
            homepage=args.get("homepage", ""),
            github=args.get("github", ""),
            appstore=args.get("appstore", ""),
            googleplay=args.get("googleplay", ""),
            app_markup_percentage=float(args.get("app_markup_percentage", 0)),
        )
    )
    call.reply(_app_entry(app))


def _own_app(call: Call, app_id: int) -> App:
    app = call.core.apps.get(app_id)
    if app is None or app.owner != call.account.loginid:
        raise SimError("InvalidAppID", "Your app_id is invalid.")
    return app


@handles("app_list")
def app_list(call: Call) -> None:
    """Apps of the logged-in account."""
    owner = call.account.loginid
    call.reply([_app_entry(a) for a in call.core.apps.values() if a.owner == owner])


@handles("app_get")
def app_get(call: Call) -> None:
    """One app of the logged-in account."""
    call.reply(_app_entry(_own_app(call, call.args["app_get"])))


@handles("app_delete")
def app_delete(call: Call) -> None:
    """Delete one app of the logged-in account."""
    app = _own_app(call, call.args["app_delete"])
    call.core.delete_app(app)
    call.reply(1)
