"""One structlog set-up for everything triobot logs.

* Console rendering when stderr is a terminal, JSON lines otherwise (or when asked).
* Context variables (bot, strategy, connection) are merged first, so they are on every line.
* :func:`redact` replaces the values of sensitive fields wherever they appear, nested in dicts
  and lists included: tokens, passwords, verification codes and every field the call table
  marks sensitive. It runs last before rendering, so nothing bound anywhere can slip through.

Never enable ``cache_logger_on_first_use`` in tests: ``structlog.testing.capture_logs`` cannot
see cached loggers.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any, Literal, TextIO, get_args

import structlog

from .deriv.calls import sensitive_fields

__all__ = [
    "LOG_FORMATS",
    "REDACTED",
    "SENSITIVE_KEYS",
    "LogFormat",
    "configure_logging",
    "get_logger",
    "redact",
    "redact_value",
]

REDACTED = "<not shown>"

#: How log lines are rendered: for people, as JSON lines, or whichever suits the stream.
LogFormat = Literal["auto", "console", "json"]
LOG_FORMATS: tuple[LogFormat, ...] = get_args(LogFormat)

#: Keys whose values are never logged. The call table adds every field it marks sensitive.
SENSITIVE_KEYS: frozenset[str] = frozenset(
    {
        "authorize",
        "token",
        "tokens",
        "api_token",
        "new_token",
        "oauth_token",
        "refresh_token",
        "client_password",
        "password",
        "new_password",
        "old_password",
        "verification_code",
        "secret_answer",
        "login_code",
    }
    | sensitive_fields()
)

# ``authorize`` is a call name *and* the token field, so an authorize answer logged whole is
# hidden whole too: erring towards hiding is the only safe direction.


def redact_value(value: Any) -> Any:
    """Return a copy of ``value`` with every sensitive field's value replaced."""
    if isinstance(value, Mapping):
        return {key: _redact_item(key, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(redact_value(item) for item in value)
    return value


def _redact_item(key: Any, item: Any) -> Any:
    if key in SENSITIVE_KEYS:
        return REDACTED
    return redact_value(item)


def redact(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """structlog processor: hide sensitive values anywhere in the event."""
    for key, item in list(event_dict.items()):
        event_dict[key] = _redact_item(key, item)
    return event_dict


def configure_logging(
    *,
    fmt: LogFormat = "auto",
    level: int | str = logging.INFO,
    stream: TextIO | None = None,
) -> None:
    """Configure structlog for the process.

    Args:
        fmt: ``"console"`` for people, ``"json"`` for log collectors, ``"auto"`` picks
            console on a terminal and JSON otherwise.
        level: the lowest level written (name or number).
        stream: where lines go (default: stderr, so stdout stays free for command output).
    """
    out = stream if stream is not None else sys.stderr
    if isinstance(level, str):
        level = logging.getLevelNamesMapping()[level.upper()]
    use_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    # Tracebacks never show local variables: a frame's locals can hold a token, and the
    # redaction processor cannot see inside a rendered traceback.
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(
            colors=out.isatty(),
            exception_formatter=structlog.dev.RichTracebackFormatter(show_locals=False)
            if _has_rich()
            else structlog.dev.plain_traceback,
        )
    )
    tracebacks = structlog.processors.ExceptionRenderer(
        structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
    )
    processors: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        tracebacks if use_json else structlog.dev.set_exc_info,
        redact,
        renderer,
    ]
    structlog.configure(
        processors=processors,
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(out),
        cache_logger_on_first_use=False,
    )
    # Libraries that log through the standard library (trio-websocket logs every frame at
    # DEBUG; httpx each request's URL at INFO, and Telegram's holds the bot token) stay at
    # WARNING unless asked otherwise.
    for name in ("trio-websocket", "httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _has_rich() -> bool:
    try:
        import rich  # noqa: F401
    except ImportError:  # pragma: no cover - rich is a dependency
        return False
    return True


def get_logger(name: str | None = None, **bound: Any) -> Any:
    """Return a structlog logger, bound to ``component=name`` and any extra context.

    The logger stays lazy: it reads the configuration on each call, so a module-level
    ``log = get_logger(...)`` (created at import, before the command line configures
    logging) follows :func:`configure_logging` and test captures. (The key is ``component``
    because structlog reserves ``logger`` for the output object.)
    """
    if name:
        bound = {"component": name, **bound}
    return structlog.get_logger(**bound)
