"""OAuth URL building and redirect parsing."""

from __future__ import annotations

import pytest

from framework.deriv.oauth import OAuthAccount, OAuthError, authorize_url, parse_redirect


def test_authorize_url_with_language_and_affiliate() -> None:
    url = authorize_url(1089, lang="zh_cn", brand="deriv", affiliate_token="aff 1")
    assert url == (
        "https://oauth.deriv.com/oauth2/authorize?app_id=1089&l=ZH_CN&brand=deriv"
        "&affiliate_token=aff+1"
    )
    assert authorize_url("42") == "https://oauth.deriv.com/oauth2/authorize?app_id=42"


@pytest.mark.parametrize(("app_id", "lang"), [(0, None), ("abc", None), (1089, "chinese")])
def test_authorize_url_rejects_bad_input(app_id: object, lang: str | None) -> None:
    with pytest.raises(OAuthError):
        authorize_url(app_id, lang=lang)  # type: ignore[arg-type]  # wrong types on purpose


def test_parse_redirect() -> None:
    url = (
        "https://example.com/redirect/?acct1=cr799393&token1=a1-f7pnteezo4jzhpxclctizt27hyeot"
        "&cur1=usd&acct2=vrtc1859315&token2=a1clwe3vfuuus5kraceykdsoqm4snfq&cur2=usd&state="
    )
    accounts = parse_redirect(url)
    assert accounts == [
        OAuthAccount("CR799393", "a1-f7pnteezo4jzhpxclctizt27hyeot", "USD"),
        OAuthAccount("VRTC1859315", "a1clwe3vfuuus5kraceykdsoqm4snfq", "USD"),
    ]
    assert "a1-f7" not in repr(accounts)


@pytest.mark.parametrize(
    "url", ["https://example.com/redirect/?state=", "https://x/?acct1=cr1&cur1=usd"]
)
def test_parse_redirect_errors(url: str) -> None:
    with pytest.raises(OAuthError):
        parse_redirect(url)


def test_unparsable_redirect_is_an_oauth_error() -> None:
    # urlsplit itself refuses an unclosed IPv6 bracket; the CLI must still get an OAuthError.
    with pytest.raises(OAuthError, match="not a redirect URL"):
        parse_redirect("https://[example.com/?acct1=cr1&token1=a1-x")
