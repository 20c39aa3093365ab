"""The dashboard's HTML pages and the files they load (served by :mod:`framework.web`).

The pages carry no figures: the dashboard's script reads them from the JSON API and the
live stream once signed in. plotly.js is read from the installed ``plotly`` package, so
the dashboard works offline and the repository holds no copy of it.
"""

from __future__ import annotations

import html
from importlib import resources
from pathlib import Path

__all__ = ["STATIC", "dashboard_html", "login_html", "plotly_js_path"]

#: The dashboard's own script and style sheet.
STATIC = Path(__file__).with_name("static")


def plotly_js_path() -> Path:
    """The minified plotly.js shipped in the ``plotly`` wheel."""
    return Path(str(resources.files("plotly") / "package_data" / "plotly.min.js"))


def login_html(error: str | None = None) -> str:
    """The sign-in page: one form posting the bearer token to ``/login``."""
    message = f'<p class="error">{html.escape(error)}</p>' if error else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>triobot: sign in</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><h1>triobot</h1>{message}
<form method="post" action="/login">
<label>Token <input type="password" name="token" id="token" autocomplete="current-password"
required></label>
<button type="submit" id="sign-in">Sign in</button></form>
<p>The token is in <code>TRIOBOT_WEB_TOKEN</code>, the <code>web.token_file</code>, or the file
the bot named at start.</p></main></body></html>
"""


def dashboard_html() -> str:
    """The dashboard page (its script fills it in from the API)."""
    return """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>triobot</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main id="dashboard"><h1>triobot</h1></main></body></html>
"""
