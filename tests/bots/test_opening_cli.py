"""Opening accounts from the command line: verify_email to a funded account, real-account forms,
and the reference lists account opening needs."""

from __future__ import annotations

import datetime as _dt
import io
import stat
import sys
from pathlib import Path

import pytest

from bots.accounting.forms import load_real_account_form
from framework.errors import ConfigError
from tests.bots.conftest import Runner, SimThread, Wiretap

FORM = """\
salutation: Ms
first_name: Ada
last_name: Lovelace
date_of_birth: 1990-12-10
residence: id
currency: USD
address_line_1: 1 Jalan Sudirman
address_city: Jakarta
"""


def test_verify_email_then_a_funded_virtual_account(cli: Runner, tmp_path: Path) -> None:
    state, token = tmp_path / "sim.sqlite", tmp_path / "new.token"
    opened = cli(
        "account", "new-virtual", "--email", "new.bot@example.com", "--residence", "br",
        "--sim-state", str(state), "--save-token", str(token), "--json",
    )  # fmt: skip
    assert opened.code == 0, opened.err
    doc = opened.json()
    assert doc["client_id"].startswith("VRTC") and doc["email"] == "new.bot@example.com"
    assert doc["balance"] == 10000 and "oauth_token" not in doc
    assert "using the code it emailed" in opened.err
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    # The token opens the new account on the next run of the same (persisted) simulator.
    balance = cli(
        "account", "balance", "--sim-state", str(state), "--token-file", str(token), "--json"
    )
    assert balance.code == 0, balance.err
    assert balance.json() == {"balance": 10000.0, "currency": "USD", "loginid": doc["client_id"]}


def test_new_virtual_prints_the_token_when_not_saved(cli: Runner) -> None:
    opened = cli("account", "new-virtual", "--email", "x@example.com")
    assert opened.code == 0, opened.err
    assert "VRTC" in opened.out and "token" in opened.out
    assert "shown once" in opened.err


def test_a_bad_verification_code_is_refused(cli: Runner, wiretap: Wiretap, tmp_path: Path) -> None:
    code_file = tmp_path / "code"
    code_file.write_text("WRONG12345\n")
    code_file.chmod(0o600)
    result = cli(
        "account", "new-virtual", "--email", "x@example.com", "--code-file", str(code_file)
    )
    assert result.code == 1
    assert result.err.startswith("triobot: InvalidToken:")
    assert "verify_email" not in wiretap.calls  # a code from a file skips sending a new one
    assert "WRONG12345" not in result.err + result.out


def test_the_code_is_prompted_for_on_a_real_server(
    cli: Runner, remote: SimThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = "prompted@example.com"

    class Inbox:
        """The user reading the email and typing the code (read when asked, not before)."""

        def readline(self, size: int = -1, /) -> str:
            sent = remote.run_sync(remote.sim.outbox.latest, email)
            assert sent is not None, f"no email was sent to {email}"
            return sent.code + "\n"

    monkeypatch.setattr(sys, "stdin", Inbox())
    result = cli("account", "new-virtual", "--email", email, "--endpoint", remote.url, "--json")
    assert result.code == 0, result.err
    assert "Enter the verification code emailed to prompted@example.com" in result.err
    loginid = result.json()["client_id"]
    assert remote.run_sync(lambda: remote.sim.accounts[loginid].email) == email


def test_no_code_entered_stops(
    cli: Runner, remote: SimThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    result = cli("account", "new-virtual", "--email", "a@example.com", "--endpoint", remote.url)
    assert result.code == 1 and "no verification code entered" in result.err


def test_save_token_never_overwrites(cli: Runner, tmp_path: Path, wiretap: Wiretap) -> None:
    existing = tmp_path / "token"
    existing.write_text("another token\n")
    result = cli(
        "account", "new-virtual", "--email", "a@example.com", "--save-token", str(existing)
    )
    assert result.code == 2 and "exists" in result.err
    assert existing.read_text() == "another token\n"
    assert wiretap.calls == []  # refused before an account was opened


def test_verify_email_alone(cli: Runner) -> None:
    result = cli("account", "verify-email", "someone@example.com", "--json")
    assert result.code == 0
    assert result.json() == {
        "verify_email": 1,
        "email": "someone@example.com",
        "type": "account_opening",
    }
    assert cli("account", "verify-email", "not-an-email").code == 2


def test_new_real_account_from_a_form(cli: Runner, tmp_path: Path) -> None:
    form = tmp_path / "form.yaml"
    form.write_text(FORM)
    state = str(tmp_path / "sim.sqlite")
    result = cli(
        "account", "new-real", str(form), "--affiliate-token", "aff_1", "--sim-state", state,
        "--json",
    )  # fmt: skip
    assert result.code == 0, result.err
    doc = result.json()
    assert doc["client_id"].startswith("CR") and doc["landing_company_shortcode"] == "svg"
    assert doc["oauth_token"]
    again = cli("account", "new-real", str(form), "--sim-state", state)
    assert again.code == 1 and "NewAccountLimitReached" in again.err


def test_a_bad_form_lists_every_problem_with_its_line(
    cli: Runner, tmp_path: Path, wiretap: Wiretap
) -> None:
    form = tmp_path / "bad.yaml"
    form.write_text(
        "first_name: Ada\n"
        "frist_name: Ada\n"
        "date_of_birth: 2020-01-01\n"
        "residence: Indonesia\n"
        "first_name: Grace\n"
        "salutation: Sir\n"
    )
    result = cli("account", "new-real", str(form))
    assert result.code == 2
    err = result.err
    assert f"frist_name: unknown field (did you mean 'first_name'?) ({form}:2)" in err
    assert f"first_name: duplicate key (first at line 1) ({form}:5)" in err
    assert f"date_of_birth: the account holder must be 18 or older ({form}:3)" in err
    assert "residence: " in err and f"({form}:4)" in err
    assert "salutation: " in err and f"({form}:6)" in err
    assert "last_name: required" in err
    assert wiretap.calls == []


def test_form_checks(tmp_path: Path) -> None:
    form = tmp_path / "form.yaml"
    form.write_text(FORM)
    today = _dt.date(2008, 12, 10)
    # 18 on the day: accepted; a day earlier: refused.
    assert load_real_account_form(form, today=today)["first_name"] == "Ada"
    with pytest.raises(ConfigError, match="18 or older"):
        load_real_account_form(form, today=today - _dt.timedelta(days=1))
    form.write_text(FORM.replace("1990-12-10", "1990-02-30"))
    with pytest.raises(ConfigError, match="is not a date"):
        load_real_account_form(form)
    form.write_text(FORM + "affiliate_token: mine\n")
    with pytest.raises(ConfigError, match="also given with --affiliate-token"):
        load_real_account_form(form, affiliate_token="theirs")
    form.write_text("- a list\n")
    with pytest.raises(ConfigError, match="expected a mapping"):
        load_real_account_form(form)
    form.write_text("first_name: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_real_account_form(form)


def test_reference_lists(cli: Runner) -> None:
    countries = cli("account", "countries", "--json")
    assert countries.code == 0
    assert {"phone_idd": "62", "text": "Indonesia", "value": "id"} in countries.json()
    states = cli("account", "states", "ID", "--json")
    assert states.code == 0 and {"text": "Bali", "value": "BA"} in states.json()
    nothing = cli("account", "states", "xx", "--json")
    assert nothing.code == 0 and nothing.json() == [] and "no states listed" in nothing.err
    landing = cli("account", "landing-company", "id", "--json")
    assert landing.code == 0 and landing.json()["gaming_company"]["shortcode"] == "svg"
    company = cli("account", "company", "svg")
    assert company.code == 0 and "Deriv (SVG) LLC" in company.out


def test_unknown_country_and_company(cli: Runner) -> None:
    unknown = cli("account", "landing-company", "xx", "--json")
    assert unknown.code == 1 and unknown.json()["error"]["code"] == "InvalidResidence"
    assert cli("account", "landing-company", "Indonesia").code == 2  # not a country code
    company = cli("account", "company", "nowhere")
    assert company.code == 2 and "not sent" in company.err  # the schema lists the companies
