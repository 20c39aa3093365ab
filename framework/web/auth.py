"""Who may use the web API: the bearer token, where it comes from, and sign-in sessions.

The token is taken from ``TRIOBOT_WEB_TOKEN``, else from ``web.token_file``, else it is
generated at start and written, readable by its owner only, to ``STATE_DIR/web-token``:
the path is logged, the token never is. A bot listening on an address other machines can
reach refuses to start with a generated token, since nobody but the bot's own user could
have read it and the choice of a secret is then the person's, not the bot's.

A request is let in by its ``Authorization: Bearer TOKEN`` header, or by the session
cookie ``POST /login`` set. A browser sends a cookie with any request a page makes, another
site's included, so a POST that rests on the cookie must also carry ``X-Triobot: 1``: a
cross-site form cannot add a header, and a cross-site script that does would need CORS,
which this server never grants. Tokens and session ids are compared in constant time.
"""

from __future__ import annotations

import hmac
import os
import secrets
from collections import OrderedDict
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

import attrs
from starlette.requests import Request

from framework.config.model import Secret
from framework.errors import UserError
from framework.files import PRIVATE_MODE, make_private, read_secret

from .config import WebConfig

__all__ = [
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "TOKEN_ENV",
    "TOKEN_FILE_NAME",
    "Auth",
    "WebToken",
    "resolve_token",
]

#: The environment variable holding the token.
TOKEN_ENV = "TRIOBOT_WEB_TOKEN"
#: The generated token's file, under the state directory.
TOKEN_FILE_NAME = "web-token"
#: The session cookie ``POST /login`` sets.
SESSION_COOKIE = "triobot_session"
#: The header a cookie-authenticated POST must carry (value ``1``).
CSRF_HEADER = "x-triobot"

How = Literal["bearer", "session"]


@attrs.frozen
class WebToken:
    """The bearer token and where it came from.

    Attributes:
        secret: the token.
        source: ``env:TRIOBOT_WEB_TOKEN``, ``file:PATH`` or ``generated:PATH``, for logs.
        warning: one line to log (a token file others may read), or ``None``.
    """

    secret: Secret
    source: str
    warning: str | None = None


def resolve_token(
    web: WebConfig, state_dir: Path, environ: Mapping[str, str] | None = None
) -> WebToken:
    """The token the web API accepts (see the module docstring).

    Args:
        web: the ``web:`` section.
        state_dir: where a generated token is written.
        environ: the environment (default: the process's).

    Raises:
        UserError: (exit 2) the token file cannot be read or is empty, or the address is
            not loopback and no token was given.
    """
    env = os.environ if environ is None else environ
    value = env.get(TOKEN_ENV, "").strip()
    if value:
        return WebToken(Secret(value), f"env:{TOKEN_ENV}")
    if web.token_file is not None:
        return _from_file(web.token_file)
    if not web.loopback:
        raise UserError(
            f"web: listen {web.listen} is reachable from other machines: set {TOKEN_ENV} "
            "or web.token_file (a generated token is for loopback only)",
            exit_code=2,
        )
    return _generate(state_dir / TOKEN_FILE_NAME)


def _from_file(path: Path) -> WebToken:
    path = path.expanduser()
    try:
        text, warning = read_secret(path)
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UserError(f"web.token_file: cannot read {path}: {reason}", exit_code=2) from None
    value = text.strip()
    if not value:
        raise UserError(f"web.token_file: {path} is empty", exit_code=2)
    return WebToken(Secret(value), f"file:{path}", warning)


def _generate(path: Path) -> WebToken:
    value = secrets.token_urlsafe(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Private before the token is in it: created 0600, or an older file tightened first.
    make_private(path, what="web token file", sidecars=())
    fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC, PRIVATE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(value + "\n")
    return WebToken(Secret(value), f"generated:{path}")


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


class Auth:
    """Checks requests against the token and the sessions signed in with it.

    Sessions live in memory (a restart signs everyone out); the oldest is dropped once
    ``max_sessions`` are open, so repeated sign-ins cannot grow the table.
    """

    def __init__(self, token: Secret, *, max_sessions: int = 64) -> None:
        """Accept ``token``.

        Args:
            token: the bearer token.
            max_sessions: sessions kept at once.
        """
        self._token = token
        self._max = max_sessions
        self._sessions: OrderedDict[str, None] = OrderedDict()

    def token_ok(self, given: str) -> bool:
        """Whether ``given`` is the token (constant time)."""
        return _same(given, self._token.reveal())

    def sign_in(self) -> str:
        """A new session id (for the cookie)."""
        session = secrets.token_urlsafe(32)
        self._sessions[session] = None
        while len(self._sessions) > self._max:
            self._sessions.popitem(last=False)
        return session

    def sign_out(self, session: str) -> None:
        """Forget a session (unknown ones are ignored)."""
        self._sessions.pop(session, None)

    @property
    def sessions(self) -> int:
        """Sessions signed in now."""
        return len(self._sessions)

    def _session_ok(self, given: str) -> bool:
        # Every id is compared, so the time taken does not say which prefix matched.
        found = False
        for session in self._sessions:
            found |= _same(given, session)
        return found

    def check(self, request: Request) -> How | None:
        """How ``request`` is signed in (``None``: it is not)."""
        header = request.headers.get("authorization", "")
        scheme, _, given = header.partition(" ")
        if scheme.lower() == "bearer" and given.strip():
            return "bearer" if self.token_ok(given.strip()) else None
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie and self._session_ok(cookie):
            return "session"
        return None

    @staticmethod
    def csrf_ok(request: Request, how: How) -> bool:
        """Whether a request signed in by ``how`` may change something.

        A bearer header is never sent by a browser on its own; a cookie is, so a POST
        resting on one needs the :data:`CSRF_HEADER`.
        """
        if how == "bearer" or request.method in ("GET", "HEAD"):
            return True
        return request.headers.get(CSRF_HEADER) == "1"
