"""``triobot sim`` usage errors and a busy port, run in-process (no server is left behind)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from bots.cli import main
from bots.commands.sim import _os_error, parse_token


def run_sim(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run ``triobot sim ARGV``; return the exit code and stderr."""
    try:
        code = main(["sim", *argv])
    except SystemExit as exc:  # argparse rejects a value before the command runs
        code = exc.code if isinstance(exc.code, int) else 1
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--token", "a="], "'a=': no scopes after '='"),
        (["--speed", "fast"], "not a number: 'fast'"),
        (["--speed", "inf"], "must be a positive number: 'inf'"),
        (["--balance", "lots"], "not an amount: 'lots'"),
        (["--balance", "-5"], "must be a non-negative amount: '-5'"),
        (["--balance", "nan"], "must be a non-negative amount: 'nan'"),
        (["--port", "70000"], "triobot: --port 70000: must be 0-65535"),
        (["--outbox", "/no/such/dir/mail.jsonl"], "--outbox /no/such/dir/mail.jsonl: folder"),
        (["--token", "twin", "--token", "twin"], "triobot: token 'twin' given twice"),
    ],
)
def test_bad_options_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, err = run_sim(capsys, "--port", "0", *argv)
    assert code == 2, err
    assert message in err.splitlines()[-1]  # the last line names the option and the value
    assert "Traceback" not in err


def test_virtual_suffix_and_a_trailing_comma() -> None:
    token = parse_token("abc@virtual=read,")
    assert (token.token, token.account, token.scopes) == ("abc", "virtual", ("read",))


def test_a_busy_port_is_one_line_and_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, err = run_sim(capsys, "--port", str(port), "--balance", "500", "--log-format", "json")
    assert code == 1
    assert err.startswith(f"triobot: cannot listen on 127.0.0.1:{port}: ")
    assert "Traceback" not in err


def test_only_an_os_error_inside_the_groups_is_a_listen_failure() -> None:
    refused = OSError(98, "Address already in use")
    nested = BaseExceptionGroup("outer", [ValueError("x"), ExceptionGroup("inner", [refused])])
    assert _os_error(nested) is refused
    assert _os_error(ExceptionGroup("bug", [ValueError("x")])) is None  # keeps its traceback
