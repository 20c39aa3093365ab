"""Secrets never on the command line: refused old forms, files and prompts, no abbreviations."""

from __future__ import annotations

import argparse
import getpass
import io
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bots.accounting import prompts
from bots.cli import build_parser, unrecognized
from framework.simulator import DEMO_TOKEN, PAYMENT_AGENT_LOGINID, TokenConfig
from tests.bots.conftest import Runner, SimThread, Wiretap

#: What a user might paste: it must never come back in any output.
SECRET = "Sekr3tCode9"
REAL_TOKEN = "real-account-token"


def _secret_file(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text + "\n")
    path.chmod(0o600)
    return path


@pytest.fixture
def bank() -> Iterator[SimThread]:
    """A simulator in a thread with the demo token and a token of the user's real account."""
    tokens = (TokenConfig(DEMO_TOKEN), TokenConfig(REAL_TOKEN, account="real"))
    thread = SimThread(seed=3, speed=20.0, tokens=tokens).start()
    try:
        yield thread
    finally:
        thread.stop()


def _emailed_code(bank: SimThread, email: str) -> str:
    sent = bank.run_sync(bank.sim.outbox.latest, email)
    assert sent is not None, f"no code was emailed to {email}"
    return sent.code


# -- the old forms --------------------------------------------------------------------------

WITHDRAW = ("agent", "withdraw", "--agent", PAYMENT_AGENT_LOGINID, "--amount", "50")
REDIRECT = f"https://example.com/cb?acct1=CR90000001&token1={SECRET}&cur1=usd"


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        ((*WITHDRAW, "--code", SECRET), "--code"),
        ((*WITHDRAW, f"--code={SECRET}", "--yes"), "--code"),
        (("account", "new-virtual", "--email", "x@example.com", "--code", SECRET), "--code"),
        (("account", "balance", "--token", SECRET), "--token"),
        (("account", "balance", f"--token={SECRET}", "--json"), "--token"),
        (("oauth", "tokens", "--token", SECRET), "--token"),
        (("--token", SECRET, "account", "balance"), "--token"),  # before the command
        (("oauth", "parse", REDIRECT), "oauth parse URL"),
        (
            ("api", "call", "new_account_virtual", "--arg", f"verification_code={SECRET}",
             "--arg", "residence=id"),
            "--arg verification_code",
        ),
        (
            ("api", "call", "paymentagent_withdraw", "--arg", f"verification_code={SECRET}",
             "--arg", "amount=10", "--arg", "currency=USD"),
            "--arg verification_code",
        ),
    ],
    ids=["withdraw", "withdraw=", "new-virtual", "token", "token=", "oauth-token", "top-token",
         "parse",
         "api-new-virtual", "api-withdraw"],
)  # fmt: skip
def test_a_secret_as_an_argument_is_one_line_exit_2_and_never_repeated(
    cli: Runner, wiretap: Wiretap, argv: tuple[str, ...], names: str
) -> None:
    result = cli(*argv)
    assert result.code == 2
    assert result.err.count("\n") == 1, result.err
    assert result.err.startswith(f"triobot: {names}: a secret on the command line is visible")
    assert SECRET not in result.err + result.out
    assert wiretap.calls == []  # refused before anything was sent


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (("account", "balance", "--tok", SECRET), "--tok"),  # once taken as --token-file
        (("account", "balance", "--token-fil", SECRET), "--token-fil"),
        (("account", "balance", "--js"), "--js"),
        ((*WITHDRAW, "--code-f", SECRET), "--code-f"),
        (("oauth", "tokens", "--show", SECRET), "--show"),
        (("sim", "--tok", f"{SECRET}=read"), "--tok"),
        (("run", "configs/demo.yaml", "--dur", "5"), "--dur"),
    ],
)
def test_an_abbreviated_option_is_a_usage_error_that_hides_its_value(
    cli: Runner, wiretap: Wiretap, argv: tuple[str, ...], shown: str
) -> None:
    result = cli(*argv)
    assert result.code == 2
    last = result.err.splitlines()[-1]
    assert last.startswith(f"triobot: error: unrecognized arguments: {shown}")
    assert SECRET not in result.err + result.out
    assert wiretap.calls == []


def _parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)


def test_no_parser_of_the_command_line_takes_abbreviations() -> None:
    parsers = list(_parsers(build_parser()))
    names = {p.prog for p in parsers}
    # Every command and every command of every group is there (discovery, not a fixed list).
    assert {"triobot", "triobot sim", "triobot account balance", "triobot oauth parse"} <= names
    assert len(parsers) > 40
    assert [p.prog for p in parsers if p.allow_abbrev] == []


def test_no_parser_can_opt_back_in_to_abbreviations() -> None:
    parser = build_parser()
    group = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    extra = group.add_parser("extra", allow_abbrev=True)
    assert extra.allow_abbrev is False


def test_unrecognized_words_name_options_but_never_values() -> None:
    assert unrecognized(["--tok"]) == "unrecognized arguments: --tok"
    assert unrecognized(["--tok", SECRET]) == (
        "unrecognized arguments: --tok and 1 value (not repeated: a value may be a secret)"
    )
    assert unrecognized([f"--tok={SECRET}", "-x", SECRET]) == (
        "unrecognized arguments: --tok -x and 2 values (not repeated: a value may be a secret)"
    )
    assert unrecognized([SECRET]) == (
        "unrecognized arguments: 1 value (not repeated: a value may be a secret)"
    )
    assert SECRET not in unrecognized([f"-{SECRET}", f"-{SECRET}=", f"--{SECRET}!"])


# -- other errors do not repeat what may be a secret ----------------------------------------


def test_a_missing_token_file_is_not_named(cli: Runner) -> None:
    # The classic slip: the token itself where its file's path belongs.
    result = cli("account", "balance", "--token-file", SECRET)
    assert result.code == 2
    assert result.err.startswith("triobot: --token-file: no such file")
    assert SECRET not in result.err + result.out


def test_a_malformed_arg_is_not_repeated(cli: Runner) -> None:
    result = cli("api", "call", "verify_email", "--arg", SECRET)
    assert result.code == 2
    assert result.err.splitlines()[-1].endswith("argument --arg: expected KEY=VALUE")
    assert SECRET not in result.err + result.out
    bad_file = cli("api", "call", "verify_email", "--arg-file", SECRET)
    assert bad_file.code == 2 and SECRET not in bad_file.err + bad_file.out


# -- the new forms, end to end --------------------------------------------------------------


def test_withdraw_with_a_code_from_a_file(
    cli: Runner, bank: SimThread, wiretap: Wiretap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DERIV_TOKEN", REAL_TOKEN)
    url = ("--endpoint", bank.url)
    loginid = bank.sim.core.bank.tokens[REAL_TOKEN].loginid
    email = bank.sim.accounts[loginid].email
    sent = cli("account", "verify-email", email, "--type", "paymentagent_withdraw", *url)
    assert sent.code == 0, sent.err
    code = _secret_file(tmp_path, "code", _emailed_code(bank, email))
    before = bank.sim.accounts[loginid].balance
    wiretap.calls.clear()
    done = cli(
        "agent", "withdraw", "--agent", PAYMENT_AGENT_LOGINID, "--amount", "25",
        "--code-file", str(code), "--yes", *url, "--json",
    )  # fmt: skip
    assert done.code == 0, done.err
    assert done.json()["answer"]["paymentagent_withdraw"] == 1
    assert bank.sim.accounts[loginid].balance == before - 25
    assert "verify_email" not in wiretap.calls  # the code in the file was used, not a new one
    assert code.read_text().strip() not in done.err + done.out


def test_new_virtual_with_a_code_from_a_file(
    cli: Runner, bank: SimThread, wiretap: Wiretap, tmp_path: Path
) -> None:
    email = "from.file@example.com"
    url = ("--endpoint", bank.url)
    assert cli("account", "verify-email", email, *url).code == 0
    code = _secret_file(tmp_path, "code", _emailed_code(bank, email))
    wiretap.calls.clear()
    opened = cli(
        "account", "new-virtual", "--email", email, "--code-file", str(code), *url, "--json"
    )
    assert opened.code == 0, opened.err
    assert opened.json()["client_id"].startswith("VRTC")
    assert "new_account_virtual" in wiretap.calls and "verify_email" not in wiretap.calls


def test_api_call_reads_a_secret_field_from_a_file(
    cli: Runner, bank: SimThread, tmp_path: Path
) -> None:
    email = "api.file@example.com"
    url = ("--endpoint", bank.url)
    asked = cli(
        "api", "call", "verify_email", "--arg", f"verify_email={email}",
        "--arg", "type=account_opening", *url,
    )  # fmt: skip
    assert asked.code == 0, asked.err
    code = _secret_file(tmp_path, "code", _emailed_code(bank, email))
    fields = ("--arg", "residence=id", "--arg", f"email={email}", "--arg", "type=trading")
    residence = _secret_file(tmp_path, "residence", "id")
    both = cli(
        "api", "call", "new_account_virtual", "--arg-file", f"verification_code={code}",
        "--arg-file", f"residence={residence}", *fields, *url,
    )  # fmt: skip
    assert both.code == 2 and "given both as --arg and as --arg-file" in both.err
    opened = cli(
        "api", "call", "new_account_virtual", "--arg-file", f"verification_code={code}",
        *fields, *url, "--json",
    )  # fmt: skip
    assert opened.code == 0, opened.err
    assert opened.json()["new_account_virtual"]["client_id"].startswith("VRTC")


def test_api_call_keeps_a_file_value_as_text_unless_it_is_a_json_list(
    cli: Runner, tmp_path: Path
) -> None:
    # "00012345" must reach the server as is, not as the number 12345 (which the schema
    # would refuse locally, exit 2); a list stays a list.
    code = _secret_file(tmp_path, "code", "00012345")
    refused = cli(
        "api", "call", "new_account_virtual", "--arg-file", f"verification_code={code}",
        "--arg", "residence=id", "--arg", "type=trading", "--json",
    )  # fmt: skip
    assert refused.code == 1 and refused.json()["error"]["code"] == "InvalidToken"
    scopes = _secret_file(tmp_path, "scopes", '["read"]')
    made = cli(
        "api", "call", "api_token", "--arg", "new_token=fromfile",
        "--arg-file", f"new_token_scopes={scopes}", "--json",
    )  # fmt: skip
    assert made.code == 0, made.err
    [token] = [t for t in made.json()["api_token"]["tokens"] if t["display_name"] == "fromfile"]
    assert token["scopes"] == ["read"]


def test_the_code_typed_at_a_terminal_is_not_echoed(
    cli: Runner, bank: SimThread, monkeypatch: pytest.MonkeyPatch
) -> None:
    email = "typed@example.com"
    asked: list[tuple[str, object]] = []

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def hidden_input(prompt: str = "", stream: object = None) -> str:
        asked.append((prompt, stream))
        return _emailed_code(bank, email)

    monkeypatch.setattr(sys, "stdin", Terminal(""))  # reading it would be end of input
    monkeypatch.setattr(getpass, "getpass", hidden_input)
    opened = cli("account", "new-virtual", "--email", email, "--endpoint", bank.url, "--json")
    assert opened.code == 0, opened.err
    assert asked == [(f"Enter the verification code emailed to {email}: ", sys.stderr)]


async def test_end_of_input_at_a_hidden_prompt_is_no_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    def closed(prompt: str = "", stream: object = None) -> str:
        raise EOFError

    monkeypatch.setattr(sys, "stdin", Terminal(""))
    monkeypatch.setattr(getpass, "getpass", closed)
    assert await prompts.ask_secret("code: ") is None
    monkeypatch.setattr(sys, "stdin", io.StringIO("piped-code\n"))  # not a terminal: a line
    assert await prompts.ask_secret("code: ") == "piped-code"


def test_token_file_problems_name_the_file_once_it_exists(cli: Runner, tmp_path: Path) -> None:
    folder = cli("account", "balance", "--token-file", str(tmp_path))
    assert folder.code == 2 and folder.err == f"triobot: --token-file {tmp_path}: Is a directory\n"
    empty = _secret_file(tmp_path, "empty", "")
    blank = cli("account", "balance", "--token-file", str(empty))
    assert blank.code == 2 and blank.err == f"triobot: --token-file {empty}: the file is empty\n"
    two = _secret_file(tmp_path, "two", "one-token other-token")
    pair = cli("account", "balance", "--token-file", str(two))
    assert pair.code == 2 and "expected one token on one line" in pair.err
    assert "other-token" not in pair.err
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe token")
    binary.chmod(0o600)
    undecodable = cli("account", "balance", "--token-file", str(binary))
    assert undecodable.code == 2
    assert undecodable.err == f"triobot: --token-file {binary}: not UTF-8 text\n"


def test_an_open_secret_file_is_warned_about_in_the_config_loader_s_words(
    cli: Runner, tmp_path: Path
) -> None:
    token = _secret_file(tmp_path, "token", DEMO_TOKEN)
    token.chmod(0o644)
    warned = cli("account", "balance", "--token-file", str(token))
    assert warned.code == 0, warned.err
    assert (
        f"triobot: warning: {token} is readable by other users (mode 644); run: chmod 600 {token}\n"
        in warned.err
    )


@pytest.mark.parametrize(
    "argv",
    [
        ("account", "--token", SECRET),  # the value lands where the subcommand belongs
        ("account", "profit-table", "--sort", SECRET),
    ],
)
def test_a_refused_choice_is_not_repeated(cli: Runner, argv: tuple[str, ...]) -> None:
    result = cli(*argv)
    assert result.code == 2
    assert "invalid choice (not repeated: it may be a secret); choose from " in result.err
    assert SECRET not in result.err + result.out


@pytest.mark.parametrize(
    ("argv", "hint"),
    [
        (("rnu",), "invalid choice: 'rnu' (did you mean 'run'? choose from 'run', "),
        (("account", "balanse"), "invalid choice: 'balanse' (did you mean 'balance'? "),
        (("account", "profit-table", "--sort", "asc"), "(did you mean 'ASC'? choose from 'ASC'"),
    ],
)
def test_a_typo_of_a_choice_is_shown_with_the_likely_word(
    cli: Runner, argv: tuple[str, ...], hint: str
) -> None:
    result = cli(*argv)
    assert result.code == 2 and hint in result.err.splitlines()[-1]
