"""``triobot api``: utility calls (ping, time, website_status) and any call of the API by name.

* ``api ping [--count N]``: round-trip times of ``ping``;
* ``api time``: the server's clock and this machine's skew against it;
* ``api status``: ``website_status`` (site status, the API call limits, currencies);
* ``api call NAME [--arg key=value ...] [--arg-file key=PATH ...]``: one call of the API
  table with the given fields (scope-checked like every other command), its answer printed as
  JSON or a key/value list. A secret field (a verification code, a password, a token) is
  refused as ``--arg``: the process list would show it; ``--arg-file`` reads it from a file.

All run against the embedded simulator unless ``--endpoint`` is given.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import trio
from rich.console import Console

from bots.accounting import Session, add_command, command_group, run_session
from bots.accounting.options import endpoint_options, read_secret_file
from bots.accounting.output import epoch_text, key_values, table
from framework.deriv.calls import CALL_TABLE
from framework.deriv.validate import validate
from framework.errors import UserError

__all__ = ["parse_arg", "register"]

# The server's ``time`` is whole seconds: its true clock is anywhere in [time, time + 1).
_TIME_RESOLUTION = 1.0
# Fields whose values are secrets: on a command line any user of the machine reads them in
# the process list. They come from a file (--arg-file); the login token from
# DERIV_TOKEN/--token-file.
_SECRET_FIELDS = frozenset(
    {
        "authorize", "tokens", "copy_start", "copy_stop", "delete_token", "client_password",
        "password", "old_password", "new_password", "mainPassword", "investPassword",
        "phonePassword", "secret_answer", "verification_code", "exchange_verification_code",
    }
)  # fmt: skip
# A skew beyond this (after the measurement's own uncertainty) is worth a warning: contract
# start and expiry times are the server's, and date ranges given to statement are too.
_SKEW_WARNING = 2.0


def register(subparsers: Any) -> None:
    """Add ``api`` and its commands to the command line."""
    group = command_group(
        subparsers,
        "api",
        help="utility calls: ping, server time and clock skew, site status, any call by name",
        description=(
            "Utility calls of the Deriv API and a generic caller, against the embedded "
            "simulator unless --endpoint is given. Exit 0 on success, 1 on an API error or an "
            "unreachable server, 2 on a usage error, 3 when the token is refused, malformed "
            "or lacks a scope (checked before sending)."
        ),
    )
    ping = add_command(group, "ping", _ping, help="ping the server and show round-trip times")
    ping.add_argument(
        "--count", type=_count, default=1, metavar="N", help="pings to send (default 1)"
    )
    add_command(group, "time", _time, help="the server's time and this machine's clock skew")
    add_command(group, "status", _status, help="site status, API call limits and currencies")
    call = add_command(
        group,
        "call",
        _call,
        help="make any call of the API by name",
        description=(
            "Make one call of the API table, e.g. 'triobot api call trading_times --arg "
            "trading_times=today'. Values are read as JSON when they parse (1, true, "
            '["a"]) and as text otherwise. Secret fields (verification_code, passwords, '
            "tokens) are refused as --arg and read from a file with --arg-file. The token's "
            "scopes are checked first; streams answer once."
        ),
    )
    call.add_argument("name", help="the call, e.g. trading_times, payout_currencies")
    call.add_argument(
        "--arg",
        dest="fields",
        type=parse_arg,
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a request field (repeatable)",
    )
    call.add_argument(
        "--arg-file",
        dest="field_files",
        type=_arg_file,
        action="append",
        default=[],
        metavar="KEY=PATH",
        help="a request field read from a file, for secrets such as verification_code (repeatable)",
    )


def _count(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 1000:
        raise argparse.ArgumentTypeError(f"{text!r}: expected 1-1000")
    return int(text)


def _value(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_arg(text: str) -> tuple[str, Any]:
    """``key=value`` -> ``(key, value)``, the value parsed as JSON when it is JSON.

    Raises:
        argparse.ArgumentTypeError: no ``=`` or an empty key (the text is not repeated: a
            malformed argument may be a secret).
    """
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError("expected KEY=VALUE")
    return key, _value(value)


def _arg_file(text: str) -> tuple[str, Path]:
    key, sep, path = text.partition("=")
    if not sep or not key or not path:
        raise argparse.ArgumentTypeError("expected KEY=PATH")
    return key, Path(path)


# -- ping ---------------------------------------------------------------------------------


def _ping(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        rtts: list[float] = []
        answer: Any = None
        for _ in range(args.count):
            began = trio.current_time()
            answer = await session.client.ping()
            rtts.append((trio.current_time() - began) * 1000)
        doc = {
            "ping": answer,
            "count": len(rtts),
            "rtt_ms": [round(r, 3) for r in rtts],
            "min_ms": round(min(rtts), 3),
            "avg_ms": round(sum(rtts) / len(rtts), 3),
            "max_ms": round(max(rtts), 3),
        }
        rows = [(n, answer, f"{rtt:.2f}") for n, rtt in enumerate(rtts, 1)]
        summary = f"min {doc['min_ms']:.2f} / avg {doc['avg_ms']:.2f} / max {doc['max_ms']:.2f} ms"

        def render(console: Console) -> None:
            console.print(table(None, ("#", "answer", "round trip ms"), rows, right=("#",)))
            console.print(summary)

        session.output.document(doc, render)
        return 0

    return run_session(options, ("ping",), body)


# -- time ---------------------------------------------------------------------------------


def _time(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        local_before = time.time()
        began = trio.current_time()
        server = await session.client.time()
        rtt = trio.current_time() - began
        local = (local_before + time.time()) / 2
        # Best estimate of the server's clock at the midpoint of the round trip: the middle
        # of the whole second it reported. The error is half that second plus half the trip.
        skew = server + _TIME_RESOLUTION / 2 - local
        uncertainty = _TIME_RESOLUTION / 2 + rtt / 2
        doc = {
            "time": server,
            "server_time": epoch_text(server) + " UTC",
            "local_time": round(local, 3),
            "skew_seconds": round(skew, 3),
            "uncertainty_seconds": round(uncertainty, 3),
            "rtt_ms": round(rtt * 1000, 3),
        }
        if abs(skew) > uncertainty:
            way = "behind" if skew > 0 else "ahead of"
            verdict = f"this machine is {abs(skew):.1f} s {way} the server"
        else:
            verdict = "this machine's clock agrees with the server's"
        verdict += f" (within +/-{uncertainty:.2f} s)"
        if abs(skew) > _SKEW_WARNING + uncertainty:
            session.output.note(
                f"warning: {verdict}; contract times and statement dates are the server's. "
                "Synchronise this machine's clock (NTP)."
            )
        session.output.document(
            doc,
            key_values(
                None,
                [
                    ("server time", doc["server_time"]),
                    ("epoch", server),
                    ("clock skew", verdict),
                    ("round trip", f"{rtt * 1000:.2f} ms"),
                ],
            ),
        )
        return 0

    return run_session(options, ("time",), body)


# -- website_status -----------------------------------------------------------------------


def _limit_rows(limits: Any) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    if not isinstance(limits, dict):
        return rows
    for name, limit in sorted(limits.items()):
        if not isinstance(limit, dict):
            continue
        rows.append(
            (
                name,
                limit.get("applies_to", ""),
                limit.get("max", ""),
                limit.get("minutely", ""),
                limit.get("hourly", ""),
            )
        )
    return rows


def _status(args: argparse.Namespace) -> int:
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        status = await session.client.website_status()
        currencies = status.get("currencies_config") or {}

        def render(console: Console) -> None:
            console.print(
                key_values(
                    None,
                    [
                        ("site status", status.get("site_status", "?")),
                        ("message", status.get("message", "")),
                        ("clients country", status.get("clients_country", "")),
                        ("languages", status.get("supported_languages", [])),
                        ("terms", status.get("terms_conditions_version", "")),
                    ],
                )
            )
            console.print()
            console.print(
                table(
                    "API call limits",
                    ("limit", "applies to", "max", "per minute", "per hour"),
                    _limit_rows(status.get("api_call_limits")),
                    right=("max", "per minute", "per hour"),
                )
            )
            console.print()
            console.print(
                table(
                    "Currencies",
                    ("currency", "name", "type", "digits", "suspended"),
                    [
                        (
                            code,
                            c.get("name", ""),
                            c.get("type", ""),
                            c.get("fractional_digits", ""),
                            "yes" if c.get("is_suspended") else "no",
                        )
                        for code, c in sorted(currencies.items())
                        if isinstance(c, dict)
                    ],
                )
            )

        session.output.document(status, render)
        return 0

    return run_session(options, ("website_status",), body)


# -- any call -----------------------------------------------------------------------------


def _call(args: argparse.Namespace) -> int:
    name = args.name
    spec = CALL_TABLE.get(name)
    if spec is None:
        raise UserError(
            f"{name!r} is not a call of the Deriv API (e.g. trading_times, payout_currencies)",
            exit_code=2,
        )
    # ``--arg states_list=id`` sets the call's own key (the default is 1).
    fields = dict(args.fields)
    if name == "authorize":
        raise UserError(
            "authorize happens on its own, with the token from DERIV_TOKEN or --token-file",
            exit_code=2,
        )
    secrets = sorted(_SECRET_FIELDS & set(fields))
    if secrets:
        raise UserError(
            f"--arg {', '.join(secrets)}: a secret on the command line is visible to every "
            f"user of this machine (the process list); use --arg-file {secrets[0]}=PATH",
            exit_code=2,
        )
    for key, path in args.field_files:
        if key in fields:
            raise UserError(f"{key}: given both as --arg and as --arg-file", exit_code=2)
        text = read_secret_file(f"--arg-file {key}", path).strip()
        # A file's value is text (a code "007" stays "007"), unless it is a JSON list or
        # object; the schema converts text to a number where the call wants one.
        fields[key] = _value(text) if text[:1] in ("[", "{") else text
    if spec.subscribable and fields.get("subscribe") == 1:
        raise UserError("api call answers once: drop subscribe=1", exit_code=2)
    # Values were read as JSON where they parse, so a field the schema types as a string
    # ('barrier=5', 'buy=1') arrived as a number: convert by the schema, as the server does.
    # What still does not fit is reported by the request check, before anything is sent.
    coerced, _ = validate(spec.request, {name: 1, **fields}, coerce=True)
    fields = {key: coerced[key] for key in fields}
    options = endpoint_options(args)

    async def body(session: Session) -> int:
        answer = await session.call(name, **fields)

        def render(console: Console) -> None:
            if isinstance(answer, dict):
                console.print(
                    key_values(
                        name,
                        [
                            (key, json.dumps(item) if isinstance(item, dict | list) else item)
                            for key, item in sorted(answer.items())
                        ],
                    )
                )
            else:
                console.print(json.dumps(answer, indent=2, sort_keys=True), markup=False)

        session.output.document({name: answer}, render)
        return 0

    return run_session(options, (name,), body)
