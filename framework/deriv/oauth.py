"""OAuth helpers: the authorize URL an app sends its users to, and the redirect it gets back.

Deriv's OAuth flow is a plain redirect. The user signs in at ``oauth.deriv.com`` and is sent to
the app's registered redirect URL with ``acct1/token1/cur1``, ``acct2/token2/cur2``... for each
account they hold. Those tokens are session tokens for ``authorize``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

import attrs

from .errors import DerivError

__all__ = ["OAUTH_AUTHORIZE_URL", "OAuthAccount", "OAuthError", "authorize_url", "parse_redirect"]

OAUTH_AUTHORIZE_URL = "https://oauth.deriv.com/oauth2/authorize"

_APP_ID = re.compile(r"^(?!0)[0-9]{1,19}$")
_LANG = re.compile(r"^[A-Za-z]{2}(_[A-Za-z]{2})?$")
_ACCOUNT_KEY = re.compile(r"^acct([0-9]+)$")


class OAuthError(DerivError):
    """A bad app id or language, or a redirect URL without accounts."""


@attrs.frozen
class OAuthAccount:
    """One account from an OAuth redirect.

    Attributes:
        loginid: e.g. ``"CR799393"`` (upper-cased: the redirect sends it lower-case).
        token: the session token to pass to ``authorize``. Not shown in ``repr``.
        currency: e.g. ``"USD"``, empty when the redirect had none.
    """

    loginid: str
    token: str = attrs.field(repr=False)
    currency: str


def authorize_url(
    app_id: int | str,
    *,
    lang: str | None = None,
    brand: str | None = None,
    affiliate_token: str | None = None,
    utm_campaign: str | None = None,
    date_first_contact: str | None = None,
    base: str = OAUTH_AUTHORIZE_URL,
) -> str:
    """Build the URL that starts the OAuth flow for ``app_id``.

    Args:
        app_id: the registered application id.
        lang: interface language, e.g. ``"ZH_CN"`` (sent as ``l``).
        brand: brand name, e.g. ``"deriv"``.
        affiliate_token: credits sign-ups to an affiliate.
        utm_campaign: marketing campaign tag.
        date_first_contact: ``YYYY-MM-DD`` of the first contact.
        base: the OAuth endpoint (override for tests or white-label servers).

    Raises:
        OAuthError: ``app_id`` or ``lang`` is malformed.
    """
    app = str(app_id)
    if not _APP_ID.match(app):
        raise OAuthError(f"app_id must be a positive integer, got {app_id!r}")
    params: dict[str, str] = {"app_id": app}
    if lang is not None:
        if not _LANG.match(lang):
            raise OAuthError(f"lang must look like 'EN' or 'ZH_CN', got {lang!r}")
        params["l"] = lang.upper()
    optional = {
        "brand": brand,
        "affiliate_token": affiliate_token,
        "utm_campaign": utm_campaign,
        "date_first_contact": date_first_contact,
    }
    params.update({key: value for key, value in optional.items() if value})
    return f"{base}?{urlencode(params)}"


def parse_redirect(url: str) -> list[OAuthAccount]:
    """Extract the accounts from the URL Deriv redirected the user to.

    Raises:
        OAuthError: the URL cannot be parsed, carries no ``acctN``/``tokenN`` pair, or an
            account lacks its token.
    """
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed "[" in the host part
        raise OAuthError(f"not a redirect URL: {exc}") from None
    query = parse_qs(parts.query, keep_blank_values=True)
    indexes = sorted(
        int(match.group(1)) for key in query if (match := _ACCOUNT_KEY.match(key)) is not None
    )
    if not indexes:
        raise OAuthError("redirect URL has no acct1/token1 parameters")
    accounts: list[OAuthAccount] = []
    for index in indexes:
        loginid = query[f"acct{index}"][0]
        token = query.get(f"token{index}", [""])[0]
        if not loginid or not token:
            raise OAuthError(f"redirect URL: acct{index} has no token{index}")
        currency = query.get(f"cur{index}", [""])[0]
        accounts.append(
            OAuthAccount(loginid=loginid.upper(), token=token, currency=currency.upper())
        )
    return accounts
