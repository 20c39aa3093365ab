"""Serving the web app with hypercorn's Trio worker, inside the bot's own nursery.

:meth:`WebServer.open` does what can be refused before anything is served, without
yielding to the bot's other tasks: it takes the token (a ``UserError`` when an address
other machines reach has none) and binds the socket (port 0: any free one; the port bound
is read back). :meth:`WebServer.serve` then serves until cancelled, and prints the one line
``web: http://HOST:PORT/`` once it listens. It is cancelled with the bot's root nursery,
open connections and live streams included: a graceful close would wait for the streams,
and the bot's shutdown must not.
"""

from __future__ import annotations

import socket
import sys
from typing import TYPE_CHECKING, Any, TextIO

import trio
from hypercorn.config import Config
from hypercorn.logging import Logger
from hypercorn.trio import serve

from framework.errors import UserError
from framework.logs import get_logger

from .app import build_app
from .auth import Auth, resolve_token
from .config import WebConfig
from .context import WebContext

if TYPE_CHECKING:
    from collections.abc import Mapping

    from framework.runtime import Bot

__all__ = ["WebServer"]

_log = get_logger("triobot.web")


def _text(message: str, args: tuple[Any, ...]) -> str:
    return "web server: " + (message % args if args else message)


class _ServerLog(Logger):
    """hypercorn's messages in the bot's log: its errors only (no access log, which would
    hold every query string, and no start-up banner: :class:`WebServer` says where it
    listens)."""

    def __init__(self, config: Config) -> None:
        super().__init__(config)
        self.access_logger = None
        self.error_logger = None

    async def critical(self, message: str, *args: Any, **kwargs: Any) -> None:
        _log.critical(_text(message, args))

    async def error(self, message: str, *args: Any, **kwargs: Any) -> None:
        _log.error(_text(message, args))

    async def warning(self, message: str, *args: Any, **kwargs: Any) -> None:
        _log.warning(_text(message, args))

    async def exception(self, message: str, *args: Any, **kwargs: Any) -> None:
        _log.exception(_text(message, args))


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        reason = exc.strerror or str(exc)
        raise UserError(f"web: cannot listen on {host}:{port}: {reason}", exit_code=2) from None
    return sock


class WebServer:
    """The bot's web server (see the module docstring).

    Attributes:
        url: where it listens, ``http://HOST:PORT/``.
        context: what its handlers serve from.
    """

    def __init__(self, context: WebContext, sock: socket.socket, url: str) -> None:
        self.context = context
        self.url = url
        self._sock = sock

    @classmethod
    def open(
        cls, bot: Bot, web: WebConfig, *, environ: Mapping[str, str] | None = None
    ) -> WebServer:
        """Take the token and bind the socket of ``bot``'s server (nothing is served yet).

        Args:
            bot: the bot, its components started.
            web: the ``web:`` section.
            environ: the environment (default: the process's).

        Raises:
            UserError: (exit 2) no token for an address other machines reach, an unreadable
                token file, or the address cannot be bound.
        """
        token = resolve_token(web, bot.config.state_dir, environ)
        if token.warning is not None:
            _log.warning("web token file", note=token.warning)
        context = WebContext.of(
            bot, Auth(token.secret), started=trio.current_time(), status_period=web.status_period
        )
        sock = _bind(web.host, web.port)
        port = sock.getsockname()[1]
        host = f"[{web.host}]" if ":" in web.host else web.host
        _log.info("web: token", source=token.source)
        return cls(context, sock, f"http://{host}:{port}/")

    async def serve(
        self,
        *,
        out: TextIO | None = None,
        task_status: trio.TaskStatus[str] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Serve until cancelled; reports the URL once listening.

        Args:
            out: where the ``web:`` line is printed (stdout).
        """
        config = Config()
        # hypercorn takes the socket over (and closes it): ours is bound already.
        config.bind = [f"fd://{self._sock.detach()}"]
        config.accesslog = None
        config.logger_class = _ServerLog
        config.graceful_timeout = 0
        async with trio.open_nursery() as nursery:
            await nursery.start(serve, build_app(self.context), config)
            print(f"web: {self.url}", file=out if out is not None else sys.stdout, flush=True)
            _log.info("web: listening", url=self.url)
            task_status.started(self.url)
