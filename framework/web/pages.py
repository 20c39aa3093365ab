"""The dashboard's HTML pages and the files they load (served by :mod:`framework.web`).

The pages carry no figures: the dashboard's script (``static/dashboard.js``) reads them
from the JSON API and the live stream once signed in, and writes them into the elements
named here by id. plotly.js is read from the installed ``plotly`` package, so the dashboard
works offline and the repository holds no copy of it. Nothing here loads from another
origin: every script and style sheet is under ``/static/``.
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


_HEAD = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/static/dashboard.css">
<link rel="icon" href="data:,">"""


def login_html(error: str | None = None) -> str:
    """The sign-in page: one form posting the bearer token to ``/login``.

    Args:
        error: why the last attempt failed (shown escaped), if it did.
    """
    message = f'<p class="error" id="login-error">{html.escape(error)}</p>' if error else ""
    return f"""{_HEAD.format(title="triobot: sign in")}</head>
<body class="login"><main><h1>triobot</h1>{message}
<form method="post" action="/login">
<label for="token">Token</label>
<input type="password" name="token" id="token" autocomplete="current-password" required>
<button type="submit" id="sign-in">Sign in</button></form>
<p class="hint">The token is in <code>TRIOBOT_WEB_TOKEN</code>, the <code>web.token_file</code>,
or the file the bot named at start.</p></main></body></html>
"""


def dashboard_html() -> str:
    """The dashboard page: empty panels that its script fills in from the API."""
    return f"""{_HEAD.format(title="triobot")}
<script src="/static/plotly.min.js" defer></script>
<script src="/static/dashboard.js" defer></script></head>
<body><main id="dashboard">
<header class="top">
<h1>triobot <span id="account" class="account">-</span></h1>
<p class="live"><span id="stream" class="badge">connecting</span>
<span id="updated" class="muted"></span></p>
</header>
<p id="banner" class="banner" hidden></p>
<p id="notice" class="notice" role="status" hidden></p>
<section id="status" class="cards" aria-label="status">
<div class="card"><span class="label">Balance</span><span class="value" id="balance">-</span>
<span class="sub" id="opening">-</span></div>
<div class="card"><span class="label">P&amp;L</span><span class="value" id="pnl">-</span>
<span class="sub" id="winrate">-</span></div>
<div class="card"><span class="label">Connection</span>
<span class="value" id="connection">-</span><span class="sub" id="reconnects">-</span></div>
<div class="card"><span class="label">Uptime</span><span class="value" id="uptime">-</span>
<span class="sub" id="ticks">-</span></div>
<div class="card wide"><span class="label">Trading</span><dl class="counts" id="counts"></dl>
</div>
</section>
<section class="panel" aria-labelledby="equity-title">
<h2 id="equity-title">Equity <span class="muted">closed trades, cumulative profit</span></h2>
<div id="equity-chart" class="chart"></div>
<p id="equity-empty" class="empty">No settled trades yet.</p>
</section>
<section class="panel" aria-labelledby="open-title">
<h2 id="open-title">Open contracts <span id="open-count" class="muted"></span></h2>
<div class="scroll"><table id="open"><thead><tr><th>Bought</th><th>Strategy</th>
<th>Contract</th><th class="num">Profit</th><th></th><th class="num">Bid</th>
<th class="num">Stake</th><th class="num">Payout</th></tr></thead><tbody></tbody></table></div>
<p id="open-empty" class="empty">No open contracts.</p>
</section>
<section class="panel" aria-labelledby="trades-title">
<h2 id="trades-title">Recent trades <span id="trades-count" class="muted"></span></h2>
<div class="scroll"><table id="trades"><thead><tr><th>Settled</th><th>Strategy</th>
<th>Contract</th><th class="num">Profit</th><th>Result</th><th class="num">Stake</th>
<th class="num">Sold</th></tr></thead><tbody></tbody></table></div>
<p id="trades-empty" class="empty">No settled trades yet.</p>
<p class="pager"><button type="button" id="trades-newer" disabled>Newer</button>
<button type="button" id="trades-older" disabled>Older</button></p>
</section>
<section class="panel" aria-labelledby="strategies-title">
<h2 id="strategies-title">Strategies</h2>
<div class="scroll"><table id="strategies"><thead><tr><th>Strategy</th><th>State</th><th></th>
<th class="num">Intents</th><th class="num">Errors</th><th class="num">Restarts</th>
<th>Refusals</th><th>Symbols</th><th>Parameters</th></tr></thead><tbody></tbody>
</table></div>
<p id="strategies-empty" class="empty">No strategies.</p>
</section>
<section class="panel" aria-labelledby="risk-title">
<h2 id="risk-title">Risk trips</h2>
<div class="scroll"><table id="trips"><thead><tr><th>Limit</th><th>Reason</th><th>From</th>
<th>Until</th><th>Ended</th></tr></thead><tbody></tbody></table></div>
<p id="trips-empty" class="empty">No risk limit has tripped.</p>
<p class="controls"><button type="button" id="kill" class="danger">Kill switch</button>
<button type="button" id="clear-kill" hidden>Clear kill switch</button>
<button type="button" id="stop" class="danger">Stop bot</button></p>
</section>
<noscript><p class="banner">The dashboard needs JavaScript.</p></noscript>
</main></body></html>
"""
