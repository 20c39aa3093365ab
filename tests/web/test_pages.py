"""The dashboard's pages: what they load, the sign-in form, escaping, and the page's ids
matching what its script fills in."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from framework.web.pages import STATIC, dashboard_html, login_html, plotly_js_path

SCRIPT = STATIC / "dashboard.js"
STYLE = STATIC / "dashboard.css"


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def named(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]

    def ids(self) -> list[str]:
        return [attrs["id"] for _, attrs in self.tags if attrs.get("id")]  # type: ignore[misc]


PAGES = {
    "dashboard": dashboard_html(),
    "login": login_html(),
    "login with error": login_html("wrong token"),
}


@pytest.mark.parametrize("page", PAGES.values(), ids=PAGES.keys())
def test_pages_load_only_their_own_static_files(page: str) -> None:
    tags = Tags(page)
    links = [a.get("src") for _, a in tags.tags if "src" in a]
    links += [a.get("href") for _, a in tags.tags if "href" in a]
    assert links
    for link in links:
        assert link is not None
        if link == "data:,":  # the empty favicon: no request for /favicon.ico
            continue
        assert link.startswith("/static/"), link
        name = link.removeprefix("/static/")
        assert name == "plotly.min.js" or (STATIC / name).is_file(), link


@pytest.mark.parametrize(
    "text",
    [*PAGES.values(), SCRIPT.read_text(encoding="utf-8"), STYLE.read_text(encoding="utf-8")],
    ids=[*PAGES.keys(), "script", "style"],
)
def test_nothing_comes_from_another_origin(text: str) -> None:
    # The bot must work offline: no CDN, no web font, no protocol-relative URL.
    assert not re.search(r"https?:|(?<![\w:])//[\w.-]+\.\w", text.replace("// ", "")), text
    assert "@import" not in text


def test_the_dashboard_loads_plotly_before_its_script() -> None:
    scripts = [a["src"] for a in Tags(dashboard_html()).named("script")]
    assert scripts == ["/static/plotly.min.js", "/static/dashboard.js"]
    assert "/static/dashboard.css" in [a["href"] for a in Tags(dashboard_html()).named("link")]


def test_plotly_comes_from_the_installed_package() -> None:
    path = plotly_js_path()
    assert path.is_file()
    assert "site-packages" in path.parts or "dist-packages" in path.parts
    with path.open(encoding="utf-8") as f:
        assert "plotly.js v" in f.read(200)
    assert not (STATIC / "plotly.min.js").exists()  # served from the package, never copied


def test_login_form_posts_the_token_to_login() -> None:
    tags = Tags(login_html())
    [form] = tags.named("form")
    assert form["method"] == "post"
    assert form["action"] == "/login"
    [field] = tags.named("input")
    assert field["name"] == "token"
    assert field["type"] == "password"
    assert "required" in field
    [submit] = tags.named("button")
    assert submit["type"] == "submit"
    assert "login-error" not in tags.ids()


def test_login_error_is_escaped() -> None:
    page = login_html('<script>alert("x")</script> & <b>')
    tags = Tags(page)
    assert tags.named("script") == []
    assert tags.named("b") == []
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in page
    assert "login-error" in tags.ids()


def test_every_id_the_script_fills_is_on_the_page() -> None:
    script = SCRIPT.read_text(encoding="utf-8")
    wanted = set(re.findall(r'(?:byId|setText)\("([\w-]+)"', script))
    for table, empty in re.findall(r'fillTable\("([\w-]+)", "([\w-]+)"', script):
        wanted |= {table, empty}
    ids = Tags(dashboard_html()).ids()
    assert len(ids) == len(set(ids)), "an id is used twice"
    assert {"equity-chart", "trades", "open", "strategies", "trips", "counts", "balance"} <= wanted
    assert wanted <= set(ids), wanted - set(ids)


def test_the_script_never_writes_markup() -> None:
    # Figures and names come from the bot (a strategy name, a risk reason, an error): they
    # go into the page as text only.
    script = SCRIPT.read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in script, sink


def test_control_requests_carry_the_csrf_header_and_the_cookie() -> None:
    script = SCRIPT.read_text(encoding="utf-8")
    fetches = re.findall(r"fetch\(path, \{(.*?)\}\);", script, flags=re.S)
    assert len(fetches) == 2  # one for reads, one for the control POSTs
    assert all('credentials: "same-origin"' in f for f in fetches)
    [posting] = [f for f in fetches if 'method: "POST"' in f]
    assert '"X-Triobot": "1"' in posting
