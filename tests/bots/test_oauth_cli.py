"""``triobot oauth``: OAuth URLs and redirects (offline), apps and API tokens (online)."""

from __future__ import annotations

import io
import stat
import sys
from pathlib import Path

import pytest

from tests.bots.conftest import Runner, SimThread, Wiretap

REDIRECT = (
    "https://example.com/callback?acct1=cr799393&token1=a1-f7pnteezo4jzhpxclctizt27hyeot"
    "&cur1=usd&acct2=vrtc1859315&token2=a1clwe3vfuuus5kraceykdsoqm4snfq&cur2=usd"
)


def test_oauth_url(cli: Runner) -> None:
    result = cli("oauth", "url", "1089", "--lang", "zh_cn")
    assert result.code == 0
    assert result.out.strip() == "https://oauth.deriv.com/oauth2/authorize?app_id=1089&l=ZH_CN"
    doc = cli("oauth", "url", "1089", "--json").json()
    assert doc == {"app_id": 1089, "url": "https://oauth.deriv.com/oauth2/authorize?app_id=1089"}
    assert cli("oauth", "url", "0").code == 2
    assert cli("oauth", "url", "1089", "--lang", "chinese").code == 2


def test_parse_redirect_from_stdin_masks_tokens(
    cli: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(REDIRECT + "\n"))
    result = cli("oauth", "parse", "--json")
    assert result.code == 0, result.err
    assert result.json() == {
        "accounts": [
            {"loginid": "CR799393", "currency": "USD", "token": "****yeot"},
            {"loginid": "VRTC1859315", "currency": "USD", "token": "****snfq"},
        ]
    }
    monkeypatch.setattr(sys, "stdin", io.StringIO(REDIRECT + "\n"))
    shown = cli("oauth", "parse", "-", "--show-tokens")
    assert "a1-f7pnteezo4jzhpxclctizt27hyeot" in shown.out and "VRTC1859315" in shown.out


def test_parse_redirect_from_a_file(cli: Runner, tmp_path: Path) -> None:
    redirect = tmp_path / "redirect.txt"
    redirect.write_text(REDIRECT + "\n")
    redirect.chmod(0o600)
    result = cli("oauth", "parse", "--file", str(redirect), "--json")
    assert result.code == 0, result.err
    assert [a["loginid"] for a in result.json()["accounts"]] == ["CR799393", "VRTC1859315"]
    missing = cli("oauth", "parse", "--file", str(tmp_path / "nope"))
    assert missing.code == 2 and missing.err.startswith("triobot: --file: no such file")


def test_parse_a_url_without_accounts(cli: Runner, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO("https://example.com/callback?error=denied\n"))
    result = cli("oauth", "parse")
    assert result.code == 2 and "acct1" in result.err


def test_register_and_list_apps(
    cli: Runner, remote: SimThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERIV_TOKEN", remote.sim.token)
    url = ("--endpoint", remote.url)
    assert cli("oauth", "apps", *url, "--json").json() == []
    registered = cli(
        "oauth", "register-app", "my bot", "--scopes", "read,trade",
        "--redirect-uri", "https://example.com/callback", "--markup", "1.5", *url, "--json",
    )  # fmt: skip
    assert registered.code == 0, registered.err
    app = registered.json()
    assert app["name"] == "my bot" and app["scopes"] == ["read", "trade"]
    assert app["app_markup_percentage"] == 1.5
    listed = cli("oauth", "apps", *url, "--json").json()
    assert [a["app_id"] for a in listed] == [app["app_id"]]
    assert "my bot" in cli("oauth", "apps", *url).out
    assert cli("oauth", "register-app", "x", "--scopes", "read,root").code == 2
    assert cli("oauth", "register-app", "x", "--scopes", "read", "--markup", "5").code == 2


def test_create_list_and_delete_tokens(cli: Runner, tmp_path: Path) -> None:
    state = ("--sim-state", str(tmp_path / "sim.sqlite"))
    saved = tmp_path / "bot.token"
    created = cli(
        "oauth", "create-token", "trading bot", "--scopes", "read,trade", "--save-token",
        str(saved), *state, "--json",
    )  # fmt: skip
    assert created.code == 0, created.err
    assert created.json() == {
        "display_name": "trading bot",
        "scopes": ["read", "trade"],
        "token_file": str(saved),
    }
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600
    secret = saved.read_text().strip()
    listed = cli("oauth", "tokens", *state, "--json").json()["tokens"]
    names = {t["display_name"]: t for t in listed}
    assert names["trading bot"]["token"] == "****" + secret[-4:]
    full = cli("oauth", "tokens", *state, "--show-tokens", "--json").json()["tokens"]
    assert secret in [t["token"] for t in full]
    # The new token works, with exactly its scopes.
    balance = cli("account", "balance", "--token-file", str(saved), *state)
    assert balance.code == 0, balance.err
    admin_call = cli("oauth", "tokens", "--token-file", str(saved), *state)
    assert admin_call.code == 3 and "lacks scope 'admin' for api_token" in admin_call.err

    deleted = cli("oauth", "delete-token", "trading bot", "--yes", *state, "--json")
    assert deleted.code == 0, deleted.err
    assert "trading bot" not in deleted.json()["tokens"]
    gone = cli("account", "balance", "--token-file", str(saved), *state)
    assert gone.code == 3 and "InvalidToken" in gone.err


def test_create_token_warns_about_money_scopes(cli: Runner) -> None:
    result = cli("oauth", "create-token", "cashier", "--scopes", "read,payments")
    assert result.code == 0, result.err
    assert "can move money" in result.err
    assert "token" in result.out  # printed once when not saved


def test_delete_token_asks_first(
    cli: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, wiretap: Wiretap
) -> None:
    state = ("--sim-state", str(tmp_path / "sim.sqlite"))
    assert cli("oauth", "create-token", "keep me", "--scopes", "read", *state).code == 0
    monkeypatch.setattr(sys, "stdin", io.StringIO("\n"))
    kept = cli("oauth", "delete-token", "keep me", *state)
    assert kept.code == 1 and "the token was kept" in kept.err
    names = [t["display_name"] for t in cli("oauth", "tokens", *state, "--json").json()["tokens"]]
    assert "keep me" in names
    missing = cli("oauth", "delete-token", "no such", "--yes", *state)
    assert missing.code == 1 and "no API token named 'no such'" in missing.err


def test_token_commands_need_admin(cli: Runner, wiretap: Wiretap) -> None:
    result = cli("oauth", "create-token", "bot", "--scopes", "read", "--sim-scopes", "read,trade")
    assert result.code == 3 and "lacks scope 'admin' for api_token" in result.err
    assert "api_token" not in wiretap.calls
