"""Per-call policies of the connection actor: may a call be re-sent, may its stream drop.

Kept apart from the actor so that the rules are readable (and testable) in one place.
"""

from __future__ import annotations

from ..deriv.calls import get_call
from .streams import Overflow

__all__ = ["is_idempotent", "overflow_policy"]

_READ_SCOPES = frozenset({"read", "trading_information"})

# Public calls that change something (send mail, create an account, end the session).
_PUBLIC_WRITES = frozenset(
    {
        "verify_email",
        "new_account_virtual",
        "confirm_email",
        "logout",
        "unsubscribe_email",
        "exchange_verification_code",
    }
)

# Calls that need a privileged scope but only read.
_PRIVILEGED_READS = frozenset(
    {
        "copytrading_list",
        "mt5_password_check",
        "paymentagent_details",
        "partner_account_creation_status",
        "new_account_check_duplicate",
        "p2p_advert_info",
        "p2p_advert_list",
        "p2p_advertiser_info",
        "p2p_advertiser_list",
        "p2p_advertiser_adverts",
        "p2p_country_list",
        "p2p_order_info",
        "p2p_order_list",
        "p2p_ping",
        "p2p_settings",
    }
)

# Streams whose updates are events, not states: losing one loses information for good.
_LOSSLESS_STREAMS = frozenset(
    {"transaction", "proposal_open_contract", "buy", "p2p_order_info", "p2p_order_list"}
)


def is_idempotent(call: str) -> bool:
    """Whether sending ``call`` twice has the same effect as once.

    Idempotent calls are re-sent after a reconnect or a ``RateLimit`` answer; the others
    (buy, sell, transfers, account changes) are never re-sent by the connection.

    Raises:
        LocalProtocolError: unknown call.
    """
    spec = get_call(call)
    if call in _PRIVILEGED_READS:
        return True
    if not spec.scopes:
        return call not in _PUBLIC_WRITES
    return set(spec.scopes) <= _READ_SCOPES


def overflow_policy(call: str) -> Overflow:
    """The default overflow policy of a stream opened by ``call``."""
    return Overflow.FAIL if call in _LOSSLESS_STREAMS else Overflow.CONFLATE
