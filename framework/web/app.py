"""The ASGI app: the route table, the sign-in, the pages and their static files.

Every route but ``/health`` and the sign-in is wrapped by :func:`guarded`: a request not
signed in gets 401 (the sign-in page for ``/``, JSON for the rest), and a POST resting on
the session cookie without ``X-Triobot: 1`` gets 403. A new endpoint is one more line in
:data:`ROUTES`; its handler reaches the bot with :func:`~framework.web.context.web_context`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from . import actions, api, stream
from .auth import CSRF_HEADER, SESSION_COOKIE
from .context import WebContext, error, json_response, web_context
from .pages import STATIC, dashboard_html, login_html, plotly_js_path

__all__ = ["ROUTES", "build_app", "guarded"]

Handler = Callable[[Request], Awaitable[Response]]

#: A page must not be framed by another site (its buttons could be clicked through it).
_PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "Cache-Control": "no-store",
}
#: A static file's name: no folder, nothing hidden.
_STATIC_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]*")
#: The largest sign-in form read.
_MAX_FORM = 4096


def _page(text: str, status: int = 200) -> Response:
    return HTMLResponse(text, status_code=status, headers=_PAGE_HEADERS)


def guarded(handler: Handler, *, page: bool = False) -> Handler:
    """``handler`` for signed-in requests only (see the module docstring).

    Args:
        handler: the endpoint.
        page: answer a request not signed in with the sign-in page, not JSON.
    """

    async def endpoint(request: Request) -> Response:
        auth = web_context(request).auth
        how = auth.check(request)
        if how is None:
            if page:
                return _page(login_html(), 401)
            return error(
                "not signed in: send Authorization: Bearer TOKEN",
                401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        if not auth.csrf_ok(request, how):
            return error(f"a POST signed in by cookie needs the header {CSRF_HEADER}: 1", 403)
        return await handler(request)

    return endpoint


async def health(request: Request) -> Response:
    """``GET /health`` (open: for load balancers and supervisors)."""
    return json_response({"status": "ok"})


async def dashboard(request: Request) -> Response:
    """``GET /``: the dashboard page."""
    return _page(dashboard_html())


async def login_page(request: Request) -> Response:
    """``GET /login``: the sign-in page."""
    return _page(login_html())


async def login(request: Request) -> Response:
    """``POST /login`` (form field ``token``): a session cookie, then ``/``."""
    body = await request.body()
    form = parse_qs(body[:_MAX_FORM].decode("utf-8", "replace"))
    given = (form.get("token") or [""])[0].strip()
    auth = web_context(request).auth
    if not given or not auth.token_ok(given):
        return _page(login_html("That is not the bot's token."), 401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, auth.sign_in(), httponly=True, samesite="strict", path="/")
    return response


async def logout(request: Request) -> Response:
    """``POST /logout``: forget this browser's session."""
    session = request.cookies.get(SESSION_COOKIE)
    if session:
        web_context(request).auth.sign_out(session)
    response = json_response({"signed_out": True})
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


async def plotly_js(request: Request) -> Response:
    """``GET /static/plotly.min.js``: from the installed ``plotly`` package."""
    return FileResponse(plotly_js_path(), media_type="text/javascript")


async def static_file(request: Request) -> Response:
    """``GET /static/NAME``: a file of the dashboard's own static folder, and no other."""
    name = request.path_params["name"]
    if _STATIC_NAME.fullmatch(name):
        path = STATIC / name
        # No name the pattern lets through leaves the folder; a link inside it could.
        if path.is_file() and path.resolve().parent == STATIC.resolve():
            return FileResponse(path)
    return error(f"no static file {name!r}", 404)


async def metrics(request: Request) -> Response:
    """``GET /metrics``: the bot's Prometheus metrics (text exposition format)."""
    bot_metrics = web_context(request).bot.metrics
    if bot_metrics is None:  # a bot served without its web section (tests build these)
        return error("no metrics for this bot", 404)
    body, content_type = bot_metrics.render()
    return Response(body, media_type=content_type)


#: The route table (a new endpoint is one more entry).
ROUTES: list[BaseRoute] = [
    Route("/health", health, methods=["GET"]),
    Route("/login", login_page, methods=["GET"]),
    Route("/login", login, methods=["POST"]),
    Route("/logout", guarded(logout), methods=["POST"]),
    Route("/", guarded(dashboard, page=True), methods=["GET"]),
    Route("/static/plotly.min.js", guarded(plotly_js), methods=["GET"]),
    Route("/static/{name:path}", guarded(static_file), methods=["GET"]),
    Route("/metrics", guarded(metrics), methods=["GET"]),
    Route("/api/status", guarded(api.status), methods=["GET"]),
    Route("/api/trades", guarded(api.trades), methods=["GET"]),
    Route("/api/open", guarded(api.open_contracts), methods=["GET"]),
    Route("/api/strategies", guarded(api.strategies), methods=["GET"]),
    Route("/api/equity", guarded(api.equity), methods=["GET"]),
    Route("/api/events", guarded(stream.events), methods=["GET"]),
    Route("/api/strategies/{name}/pause", guarded(actions.pause), methods=["POST"]),
    Route("/api/strategies/{name}/resume", guarded(actions.resume), methods=["POST"]),
    Route("/api/stop", guarded(actions.stop), methods=["POST"]),
    Route("/api/kill", guarded(actions.kill), methods=["POST"]),
    Route("/api/kill/clear", guarded(actions.clear_kill), methods=["POST"]),
    Route("/api/contracts/{id:int}/sell", guarded(actions.sell), methods=["POST"]),
]


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return error(exc.detail, exc.status_code)


def build_app(web: WebContext) -> Starlette:
    """The app serving ``web``'s bot."""
    app = Starlette(routes=ROUTES, exception_handlers={HTTPException: _http_error})
    app.state.web = web
    return app
