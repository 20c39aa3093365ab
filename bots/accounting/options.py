"""The options every account-level command takes: where to connect, which token, how to print.

By default a command starts the embedded simulator in this process and talks to it over a
real loopback WebSocket, with the simulator's demo account (``--sim-account``,
``--sim-balance`` and ``--sim-scopes`` shape that account; ``--sim-state FILE`` keeps
accounts, tokens and contracts from one command to the next). ``--endpoint URL --app-id N``
targets a real server instead.

The token comes from ``--token-file`` (first) or the ``DERIV_TOKEN`` environment variable,
never from a command-line value, which any user of the machine can read in the process list.
A token file readable by group or others gets a warning. The same holds for every other
secret (verification codes, passwords, OAuth redirects): a file, the environment or a
prompt, never an argument. :func:`refuse_on_command_line` keeps an option that once took a
secret (or a likely mistake such as ``--token``) as a one-line refusal that does not repeat
the value.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs

from framework.deriv.calls import ALL_SCOPES
from framework.deriv.protocol import DEFAULT_APP_ID
from framework.errors import UserError
from framework.files import read_secret

__all__ = [
    "TOKEN_ENV",
    "TOKEN_INSTEAD",
    "EndpointOptions",
    "add_endpoint_options",
    "endpoint_options",
    "read_secret_file",
    "read_token",
    "refuse_on_command_line",
    "scope_list",
]

#: Environment variable holding the API token.
TOKEN_ENV = "DERIV_TOKEN"
#: Where a token goes instead of the command line (said when ``--token`` is refused).
TOKEN_INSTEAD = f"put the token in a file only you can read (--token-file PATH) or in {TOKEN_ENV}"

SimAccount = Literal["virtual", "real", "agent"]


@attrs.frozen
class EndpointOptions:
    """Where a command connects and as whom.

    Attributes:
        endpoint: ``ws://``/``wss://`` URL of a real server; ``None`` for the embedded
            simulator.
        app_id: the application id sent in the URL query.
        token_file: file holding the token (else ``DERIV_TOKEN``).
        sim_state: the embedded simulator's state file (accounts survive between commands).
        sim_account: which embedded account the demo token logs in to (``agent``: the
            simulator's payment agent).
        sim_balance: opening balance of the embedded demo accounts.
        sim_scopes: scopes of the embedded demo token (default: all five).
        timeout: seconds to wait for each answer.
        json: print one JSON document on stdout instead of tables.
    """

    endpoint: str | None = None
    app_id: int = DEFAULT_APP_ID
    token_file: Path | None = None
    sim_state: Path | None = None
    sim_account: SimAccount = "virtual"
    sim_balance: float = 10000.0
    sim_scopes: tuple[str, ...] = ALL_SCOPES
    timeout: float = 30.0
    json: bool = False

    @property
    def embedded(self) -> bool:
        """Whether the command runs against the embedded simulator."""
        return self.endpoint is None

    def url(self, base: str | None = None) -> str:
        """The endpoint URL with ``app_id`` in its query (``base``: the simulator's URL)."""
        target = base if base is not None else self.endpoint
        assert target is not None
        parts = urlsplit(target)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "app_id"]
        query.append(("app_id", str(self.app_id)))
        return urlunsplit(parts._replace(query=urlencode(query)))


def _endpoint(text: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise argparse.ArgumentTypeError(
            f"{text!r}: expected ws://HOST[:PORT]/PATH or wss://HOST/PATH"
        )
    return text


def _app_id(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: the app id is a positive integer")
    return int(text)


def scope_list(text: str) -> tuple[str, ...]:
    """``--scopes read,trade``: known scopes, each once, in the order given.

    Raises:
        argparse.ArgumentTypeError: an unknown scope, or none.
    """
    scopes = tuple(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
    unknown = [s for s in scopes if s not in ALL_SCOPES]
    if unknown or not scopes:
        raise argparse.ArgumentTypeError(
            f"{text!r}: scopes are a comma-separated list of {', '.join(ALL_SCOPES)}"
        )
    return scopes


def _number(low: float, *, strict: bool) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if math.isnan(value) or math.isinf(value) or value < low or (strict and value == low):
            relation = ">" if strict else ">="
            raise argparse.ArgumentTypeError(f"must be {relation} {low:g}: {text!r}")
        return value

    return parse


class _Refused(argparse.Action):
    """An option (or positional) whose value would be a secret in the process list."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        self.instead: str = kwargs.pop("instead")
        super().__init__(option_strings, dest, **kwargs)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        if not self.option_strings and values in (None, "-"):
            return  # an optional positional not given, or "-" (stdin)
        # Raised while parsing: bots.cli.main prints it as the command's one line (exit 2).
        # The value is never part of the message.
        command = parser.prog.partition(" ")[2]
        name = option_string or f"{command} {self.metavar or self.dest}"
        raise UserError(
            f"{name}: a secret on the command line is visible to every user "
            f"of this machine (the process list); {self.instead}",
            exit_code=2,
        )


def refuse_on_command_line(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    name: str,
    *,
    instead: str,
    metavar: str | None = None,
) -> None:
    """Refuse option or optional positional ``name`` with one line that says ``instead``.

    A positional may still be ``-``, the usual word for "read stdin".

    It is hidden from ``--help`` but still takes its value, so that argparse does not echo
    that value back as an unrecognized argument.
    """
    parser.add_argument(
        name, nargs="?", default=None, metavar=metavar, help=argparse.SUPPRESS,
        action=_Refused, instead=instead,
    )  # fmt: skip


def add_endpoint_options(parser: argparse.ArgumentParser) -> None:
    """Add the endpoint, token and output options to one (sub)command's parser."""
    group = parser.add_argument_group(
        "endpoint and token",
        "Default: the embedded simulator, started in this process, with its demo account.",
    )
    group.add_argument(
        "--endpoint",
        type=_endpoint,
        metavar="URL",
        help="a real server, e.g. wss://ws.derivws.com/websockets/v3",
    )
    group.add_argument(
        "--app-id",
        type=_app_id,
        default=DEFAULT_APP_ID,
        metavar="N",
        help=f"application id (default {DEFAULT_APP_ID})",
    )
    group.add_argument(
        "--token-file",
        type=Path,
        metavar="PATH",
        help=f"file holding the API token (default: the {TOKEN_ENV} environment variable)",
    )
    refuse_on_command_line(group, "--token", instead=TOKEN_INSTEAD)
    group.add_argument(
        "--sim-state",
        type=Path,
        metavar="PATH",
        help="embedded simulator state file: accounts and tokens survive between commands",
    )
    group.add_argument(
        "--sim-account",
        choices=("virtual", "real", "agent"),
        default="virtual",
        help="embedded simulator: the demo token's account (default virtual)",
    )
    group.add_argument(
        "--sim-balance",
        type=_number(0, strict=False),
        default=10000.0,
        metavar="AMOUNT",
        help="embedded simulator: opening balance of the demo accounts (default 10000)",
    )
    group.add_argument(
        "--sim-scopes",
        type=scope_list,
        default=ALL_SCOPES,
        metavar="SCOPES",
        help="embedded simulator: the demo token's scopes, comma-separated (default all)",
    )
    group.add_argument(
        "--timeout",
        type=_number(0, strict=True),
        default=30.0,
        metavar="SECONDS",
        help="seconds to wait for each answer (default 30)",
    )
    parser.add_argument(
        "--json", action="store_true", help="print one JSON document on stdout (for scripts)"
    )


def endpoint_options(args: argparse.Namespace) -> EndpointOptions:
    """The :class:`EndpointOptions` parsed by :func:`add_endpoint_options`.

    Raises:
        UserError: simulator options given with ``--endpoint`` (exit 2).
    """
    if args.endpoint is not None:
        shaped = [
            name
            for name, value, default in (
                ("--sim-state", args.sim_state, None),
                ("--sim-account", args.sim_account, "virtual"),
                ("--sim-balance", args.sim_balance, 10000.0),
                ("--sim-scopes", args.sim_scopes, ALL_SCOPES),
            )
            if value != default
        ]
        if shaped:
            raise UserError(
                f"{', '.join(shaped)}: only for the embedded simulator, not with --endpoint",
                exit_code=2,
            )
    if args.sim_account == "agent" and args.sim_scopes != ALL_SCOPES:
        # The simulator's payment agent has one token, with every scope: a narrower
        # --sim-scopes would be silently ignored.
        raise UserError(
            "--sim-scopes: not with --sim-account agent (the payment agent's token has every "
            "scope)",
            exit_code=2,
        )
    if args.sim_state is not None and not args.sim_state.parent.is_dir():
        raise UserError(f"--sim-state {args.sim_state}: folder does not exist", exit_code=2)
    return EndpointOptions(
        endpoint=args.endpoint,
        app_id=args.app_id,
        token_file=args.token_file,
        sim_state=args.sim_state,
        sim_account=args.sim_account,
        sim_balance=args.sim_balance,
        sim_scopes=args.sim_scopes,
        timeout=args.timeout,
        json=args.json,
    )


def read_secret_file(option: str, path: Path) -> str:
    """The secret in ``path`` (a token, a password, a code), its line ending removed.

    Warns on stderr when the file is readable by group or others. A missing file is not
    named: the value given may be the secret itself, typed where its file's path belongs.

    Args:
        option: the option that named the file, for the messages.
        path: the file.

    Raises:
        UserError: a missing, unreadable or empty file (exit 2).
    """
    try:
        raw, warning = read_secret(path)
    except FileNotFoundError:
        raise UserError(
            f"{option}: no such file (the value is not repeated: it may be the secret itself; "
            "give the path of a file holding it)",
            exit_code=2,
        ) from None
    except OSError as exc:
        raise UserError(f"{option} {path}: {exc.strerror}", exit_code=2) from None
    except UnicodeDecodeError:
        raise UserError(f"{option} {path}: not UTF-8 text", exit_code=2) from None
    if warning is not None:
        print(f"triobot: warning: {warning}", file=sys.stderr)
    text = raw.strip("\r\n")
    if not text:
        raise UserError(f"{option} {path}: the file is empty", exit_code=2)
    return text


def read_token(options: EndpointOptions) -> str | None:
    """The API token from ``--token-file``, else ``DERIV_TOKEN``; ``None`` when neither.

    The token is never printed.

    Raises:
        UserError: the file cannot be read or holds no token (exit 2).
    """
    path = options.token_file
    if path is not None:
        token = read_secret_file("--token-file", path).strip()
        if not token or any(c.isspace() for c in token):
            raise UserError(f"--token-file {path}: expected one token on one line", exit_code=2)
        return token
    token = os.environ.get(TOKEN_ENV, "").strip()
    return token or None
