"""What a client reads about its account: get_account_status and get_settings.

The simulator keeps no identity documents, no questionnaire and no cashier, so both answers
describe an account that has never been asked to verify anything: every authentication
check ``none``, nothing it must do, nothing locked. A virtual account's settings hold what
the real server shows for one (e-mail, residence, language); a real account's add the name
it was opened with.
"""

from __future__ import annotations

import hashlib
from typing import Any

from ..accounts import Account
from ..dispatch import Call, Handler
from .accounts import COUNTRIES
from .registry import registrar
from .utility import TERMS_VERSION

HANDLERS: dict[str, Handler] = {}
handles = registrar(HANDLERS)

#: A real account that has not filled in the questionnaires yet (the simulator's never
#: has); a virtual account has none of these duties.
_REAL_ACCOUNT_STATUS = (
    "allow_document_upload",
    "financial_information_not_complete",
    "trading_experience_not_complete",
)


def _unverified_identity() -> dict[str, Any]:
    return {
        "services": {
            "idv": {
                "last_rejected": [],
                "reported_properties": {},
                "status": "none",
                "submissions_left": 0,
            },
            "manual": {"status": "none"},
            "onfido": {
                "documents_supported": [],
                "is_country_supported": 0,
                "last_rejected": [],
                "reported_properties": {},
                "status": "none",
                "submissions_left": 0,
            },
        },
        "status": "none",
    }


@handles("get_account_status")
def get_account_status(call: Call) -> None:
    """Verification and cashier status: nothing verified, nothing needed, nothing locked."""
    account = call.account
    call.reply(
        {
            "authentication": {
                "attempts": {"count": 0, "history": [], "latest": None},
                "document": {"status": "none"},
                "identity": _unverified_identity(),
                "income": {"status": "none"},
                "needs_verification": [],
                "ownership": {"requests": [], "status": "none"},
            },
            "currency_config": {
                account.currency: {"is_deposit_suspended": 0, "is_withdrawal_suspended": 0}
            },
            "p2p_poa_required": 0,
            "p2p_status": "none",
            "prompt_client_to_authenticate": 0,
            "risk_classification": "low",
            "status": [] if account.is_virtual else list(_REAL_ACCOUNT_STATUS),
        }
    )


def _user_hash(account: Account) -> str:
    # The server's hash identifies the user to its chat widget; any stable digest of the
    # user will do for a client, which only passes it on.
    return hashlib.sha256(f"{account.user_id}:{account.email}".encode()).hexdigest()


@handles("get_settings")
def get_settings(call: Call) -> None:
    """The user's settings; names and addresses only once the user has a real account."""
    account = call.account
    country = COUNTRIES.get(account.country, {"text": account.country})["text"]
    settings: dict[str, Any] = {
        "country": country,
        "country_code": account.country,
        "date_of_birth": None,
        "dxtrade_user_exception": 0,
        "email": account.email,
        "email_consent": 0,
        "feature_flag": {"wallet": 0},
        "has_secret_answer": 0,
        "immutable_fields": ["residence"],
        "phone_number_verification": {"verified": 0},
        "preferred_language": "EN",
        "residence": country,
        "trading_hub": 0,
        "user_hash": _user_hash(account),
    }
    real = [a for a in call.core.bank.accounts_of_user(account.user_id) if not a.is_virtual]
    if real:
        first, _, last = real[0].fullname.partition(" ")
        settings.update(
            account_opening_reason=None,
            address_city="",
            address_line_1="",
            address_line_2="",
            address_postcode="",
            address_state="",
            citizen=account.country,
            first_name=first,
            last_name=last,
            phone=None,
            place_of_birth=None,
            salutation="",
            tax_identification_number="",
            tax_residence="",
        )
    if not account.is_virtual:
        # Copy trading and the terms accepted are real-money settings.
        settings.update(
            allow_copiers=0,
            client_tnc_status=TERMS_VERSION,
            non_pep_declaration=1,
            request_professional_status=0,
        )
    call.reply(settings)
