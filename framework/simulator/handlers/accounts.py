"""Account opening, reference lists, limits and payment agents.

Verification codes come from ``verify_email`` through the outbox. The simulator's payment
agents (:mod:`framework.simulator.agents`) are real accounts that clients withdraw to; the
first can also log in with its token and transfer to clients.
"""

from __future__ import annotations

from typing import Any

from framework.market.limits import MAX_PAYOUT, MIN_STAKE

from ..accounts import Account
from ..agents import PaymentAgent, listed
from ..dispatch import Call, Handler
from ..envelope import SimError
from .registry import registrar

HANDLERS: dict[str, Handler] = {}
handles = registrar(HANDLERS)

#: Countries the simulator lists, with a few states each: enough to open accounts.
COUNTRIES: dict[str, dict[str, Any]] = {
    "id": {"text": "Indonesia", "phone_idd": "62", "states": {"JK": "Jakarta", "BA": "Bali"}},
    "br": {"text": "Brazil", "phone_idd": "55", "states": {"SP": "Sao Paulo", "RJ": "Rio"}},
    "za": {"text": "South Africa", "phone_idd": "27", "states": {"GT": "Gauteng"}},
    "ng": {"text": "Nigeria", "phone_idd": "234", "states": {"LA": "Lagos"}},
    "th": {"text": "Thailand", "phone_idd": "66", "states": {"10": "Bangkok"}},
}

_INVALID_CODE = ("InvalidToken", "Your token has expired or is invalid.")


@handles("verify_email")
def verify_email(call: Call) -> None:
    """Put a verification code in the outbox (nothing is mailed)."""
    call.core.outbox.send(call.args["verify_email"], call.args["type"])
    call.reply(1)


def _country(code: str) -> dict[str, Any]:
    country = COUNTRIES.get(code)
    if country is None:
        raise SimError("InvalidResidence", "Sorry, our service is not available for your country.")
    return country


@handles("new_account_virtual")
def new_account_virtual(call: Call) -> None:
    """Open a virtual account with a code from ``verify_email`` (type ``account_opening``)."""
    args = call.args
    code = args.get("verification_code")
    email = args.get("email")
    redeemed = call.core.outbox.redeem(code, "account_opening", email) if code else None
    if redeemed is None:
        raise SimError(*_INVALID_CODE)
    residence = args.get("residence", "id")
    _country(residence)
    bank = call.core.bank
    now = call.now()
    account = bank.open_account(
        virtual=True,
        balance=10000.0,
        now=now,
        currency=call.core.config.currency,
        email=redeemed.to,
        country=residence,
    )
    token = bank.issue_token(account.loginid, now=now, display_name="oauth", oauth=True)
    call.reply(
        {
            "balance": account.balance,
            "client_id": account.loginid,
            "currency": account.currency,
            "email": account.email,
            "oauth_token": token.token,
            "type": args.get("type", "trading"),
        }
    )


@handles("new_account_real")
def new_account_real(call: Call) -> None:
    """Open the user's real (``CR``) account; one per user."""
    account = call.account
    bank = call.core.bank
    if any(not a.is_virtual for a in bank.accounts_of_user(account.user_id)):
        raise SimError("NewAccountLimitReached", "You have created all accounts available to you.")
    args = call.args
    residence = args.get("residence", account.country)
    _country(residence)
    fullname = " ".join(p for p in (args.get("first_name"), args.get("last_name")) if p)
    now = call.now()
    real = bank.open_account(
        virtual=False,
        balance=0.0,
        now=now,
        currency=args.get("currency", account.currency),
        email=account.email,
        user_id=account.user_id,
        country=residence,
        fullname=fullname or account.fullname,
    )
    token = bank.issue_token(real.loginid, now=now, display_name="oauth", oauth=True)
    call.reply(
        {
            "client_id": real.loginid,
            "currency": real.currency,
            "landing_company": real.landing_company_fullname,
            "landing_company_short": real.landing_company,
            "landing_company_shortcode": real.landing_company,
            "oauth_token": token.token,
        }
    )


@handles("residence_list")
def residence_list(call: Call) -> None:
    """Countries accounts can be opened in."""
    call.reply(
        [
            {"phone_idd": c["phone_idd"], "text": c["text"], "value": code}
            for code, c in COUNTRIES.items()
        ]
    )


@handles("states_list")
def states_list(call: Call) -> None:
    """States of a country (empty for an unknown one, like the real server)."""
    country = COUNTRIES.get(call.args["states_list"], {"states": {}})
    call.reply([{"text": text, "value": code} for code, text in country["states"].items()])


def _company(shortcode: str) -> dict[str, Any]:
    virtual = shortcode == "virtual"
    return {
        "address": None if virtual else ["First Floor, SVG Teachers Credit Union", "Kingstown"],
        "changeable_fields": {},
        "country": "Saint Vincent and the Grenadines",
        "currency_config": {
            "synthetic_index": {"USD": {"max_payout": int(MAX_PAYOUT), "min_stake": MIN_STAKE}}
        },
        "has_reality_check": 0,
        "legal_allowed_contract_categories": ["callput", "callputequal", "digits", "touchnotouch"],
        "legal_allowed_currencies": ["USD"],
        "legal_allowed_markets": ["synthetic_index"],
        "legal_default_currency": "USD",
        "name": "Deriv Limited" if virtual else "Deriv (SVG) LLC",
        "requirements": {},
        "shortcode": shortcode,
        "support_professional_client": 0,
        "tin_not_mandatory": 1,
    }


@handles("landing_company")
def landing_company(call: Call) -> None:
    """Which companies serve a country: ``svg`` for the listed countries."""
    code = call.args["landing_company"]
    country = _country(code)
    call.reply(
        {
            "all_company": "svg",
            "financial_company": None,
            "gaming_company": _company("svg"),
            "id": code,
            "minimum_age": 18,
            "name": country["text"],
            "virtual_company": "virtual",
        }
    )


@handles("landing_company_details")
def landing_company_details(call: Call) -> None:
    """Details of ``svg`` or ``virtual``."""
    code = call.args["landing_company_details"]
    if code not in ("svg", "virtual"):
        raise SimError("UnknownLandingCompany", "Unknown landing company.")
    call.reply(_company(code))


@handles("get_limits")
def get_limits(call: Call) -> None:
    """Trading and withdrawal limits of the account."""
    account = call.account
    open_positions = len(call.core.desk.of_account(account.loginid, open_only=True))
    call.reply(
        {
            "account_balance": 300000.0 if not account.is_virtual else 1e9,
            "daily_turnover": 500000.0,
            "lifetime_limit": 99999999.0,
            "market_specific": {},
            "num_of_days": 30,
            "num_of_days_limit": 99999999.0,
            "open_positions": max(100, open_positions),
            "payout": MAX_PAYOUT * 10,
            "remainder": 99999999.0,
            "withdrawal_for_x_days_monetary": 0.0,
            "withdrawal_since_inception_monetary": 0.0,
        }
    )


# -- payment agents ---------------------------------------------------------------------

_PA_CODE_TYPE = "paymentagent_withdraw"


@handles("paymentagent_list")
def paymentagent_list(call: Call) -> None:
    """The agents listed in the requested country, in the requested currency if one is given.

    ``available_countries`` names every country with at least one agent, as the real server's
    does; an unknown country or currency lists no agent.
    """
    agents = call.core.payment_agents
    countries = [
        [code, country["text"]]
        for code, country in COUNTRIES.items()
        if any(agent.serves(code) for agent, _ in agents.values())
    ]
    country = call.args["paymentagent_list"]
    # An agent listed "everywhere" works in the countries the simulator lists, not beyond.
    entries = listed(agents, country, call.args.get("currency")) if country in COUNTRIES else []
    call.reply({"available_countries": countries, "list": entries})


def _check_amount(
    amount: float, currency: str, account: Account, agent: PaymentAgent, code: str
) -> None:
    if currency != account.currency:
        raise SimError(code, f"Your account currency is {account.currency}, not {currency}.")
    if not agent.min_withdrawal <= amount <= agent.max_withdrawal:
        raise SimError(
            code,
            f"Invalid amount. Minimum is {agent.min_withdrawal:.2f}, "
            f"maximum is {agent.max_withdrawal:.2f}.",
        )
    if amount > account.balance:
        raise SimError(code, "Your account balance is insufficient for this transaction.")


@handles("paymentagent_withdraw")
def paymentagent_withdraw(call: Call) -> None:
    """Withdraw to the payment agent; needs a ``paymentagent_withdraw`` verification code."""
    account = call.account
    args = call.args
    code = "PaymentAgentWithdrawError"
    if account.is_virtual:
        raise SimError(code, "This feature is not available for virtual accounts.")
    found = call.core.payment_agents.get(args["paymentagent_loginid"])
    if found is None:
        raise SimError(code, "The payment agent account does not exist.")
    agent, agent_currency = found
    outbox = call.core.outbox
    if outbox.find(args["verification_code"], _PA_CODE_TYPE, account.email) is None:
        raise SimError(*_INVALID_CODE)
    if agent_currency != account.currency:
        raise SimError(
            code,
            f"You cannot perform this action, as {account.currency} is not the default account "
            f"currency for payment agent {agent.loginid}.",
        )
    amount = float(args["amount"])
    _check_amount(amount, args["currency"], account, agent, code)
    if args.get("dry_run") == 1:
        call.reply(2, extra={"paymentagent_name": agent.name})
        return
    outbox.redeem(args["verification_code"], _PA_CODE_TYPE, account.email)
    bank = call.core.bank
    now = call.now()
    txn = bank.post(
        account.loginid,
        "withdrawal",
        -amount,
        now=now,
        longcode=f"Withdrawal to payment agent {agent.loginid}",
    )
    bank.post(
        agent.loginid, "deposit", amount, now=now, longcode=f"Withdrawal from {account.loginid}"
    )
    call.reply(1, extra={"paymentagent_name": agent.name, "transaction_id": txn.transaction_id})


@handles("paymentagent_transfer")
def paymentagent_transfer(call: Call) -> None:
    """A payment agent pays a client (only the agent's account may)."""
    account = call.account
    args = call.args
    code = "PaymentAgentTransferError"
    found = call.core.payment_agents.get(account.loginid)
    if found is None:
        raise SimError(code, "You are not authorized for transfers via payment agents.")
    target = call.core.bank.accounts.get(args["transfer_to"])
    if target is None or target.is_virtual:
        raise SimError(code, "Login ID ({}) does not exist.".format(args["transfer_to"]))
    amount = float(args["amount"])
    _check_amount(amount, args["currency"], account, found[0], code)
    extra = {"client_to_full_name": target.fullname, "client_to_loginid": target.loginid}
    if args.get("dry_run") == 1:
        call.reply(2, extra=extra)
        return
    bank = call.core.bank
    now = call.now()
    txn = bank.post(
        account.loginid, "withdrawal", -amount, now=now, longcode=f"Transfer to {target.loginid}"
    )
    bank.post(
        target.loginid,
        "deposit",
        amount,
        now=now,
        longcode=f"Transfer from payment agent {account.loginid}",
    )
    call.reply(1, extra={**extra, "transaction_id": txn.transaction_id})
