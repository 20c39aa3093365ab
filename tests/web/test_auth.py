"""Who may use the web API: the bearer token, its sources, sign-in sessions and CSRF."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx
import pytest
from structlog.testing import capture_logs
from trio.testing import MockClock

from framework.errors import UserError
from framework.runtime import Bot
from framework.web import WebConfig, app
from framework.web.auth import TOKEN_ENV, TOKEN_FILE_NAME, Auth, resolve_token
from tests.runtime.conftest import make_bot
from tests.web.conftest import TOKEN, client, web_config, with_bot


@pytest.mark.usefixtures("web_token")
async def test_without_the_token_every_endpoint_but_health_is_401(
    tmp_path: Path, vclock: MockClock
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        async with client(bot, headers={}) as anonymous:
            health = await anonymous.get("/health")
            assert health.status_code == 200 and health.json() == {"status": "ok"}
            for path in ("/api/status", "/api/trades", "/api/open", "/api/strategies",
                         "/api/equity", "/api/events", "/static/plotly.min.js"):  # fmt: skip
                response = await anonymous.get(path)
                assert response.status_code == 401, path
                assert response.headers["www-authenticate"] == "Bearer"
                assert "error" in response.json()
            for path in ("/api/strategies/every/pause", "/api/stop", "/api/kill",
                         "/api/kill/clear", "/api/contracts/1/sell"):  # fmt: skip
                assert (await anonymous.post(path)).status_code == 401, path
            page = await anonymous.get("/")
            assert page.status_code == 401
            assert page.headers["content-type"].startswith("text/html")
            assert 'action="/login"' in page.text
        for wrong in ("Bearer nope", f"Bearer {TOKEN}x", "Bearer", f"Basic {TOKEN}", TOKEN):
            async with client(bot, headers={"Authorization": wrong}) as guessing:
                assert (await guessing.get("/api/status")).status_code == 401, wrong
        assert bot.stop.requested is False
        assert bot.runner is not None and not bot.runner.slots["every"].ctx.paused
        assert (await http.get("/api/status")).status_code == 200

    await with_bot(web_config(tmp_path), body)


@pytest.mark.usefixtures("web_token")
async def test_sign_in_sets_a_strict_session_cookie_and_posts_need_the_csrf_header(
    tmp_path: Path, vclock: MockClock
) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        assert bot.runner is not None
        ctx = bot.runner.slots["every"].ctx
        async with client(bot, headers={}) as browser:
            form = await browser.get("/login")
            assert form.status_code == 200 and 'name="token"' in form.text
            assert form.headers["x-frame-options"] == "DENY"
            refused = await browser.post("/login", data={"token": "guess"})
            assert refused.status_code == 401 and "not the bot" in refused.text
            assert "triobot_session" not in refused.headers.get("set-cookie", "")
            empty = await browser.post("/login", content=b"", headers={})
            assert empty.status_code == 401
            signed = await browser.post("/login", data={"token": TOKEN})
            assert signed.status_code == 303 and signed.headers["location"] == "/"
            cookie = signed.headers["set-cookie"]
            assert cookie.startswith("triobot_session=")
            attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
            assert {"httponly", "samesite=strict", "path=/"} <= attributes
            assert TOKEN not in cookie
            page = await browser.get("/")
            assert page.status_code == 200 and page.headers["x-frame-options"] == "DENY"
            assert (await browser.get("/api/status")).status_code == 200
            # A POST on the cookie alone could come from another site's form.
            forged = await browser.post("/api/strategies/every/pause")
            assert forged.status_code == 403 and "X-Triobot" in forged.json()["error"].title()
            assert ctx.paused is False
            done = await browser.post("/api/strategies/every/pause", headers={"X-Triobot": "1"})
            assert done.status_code == 200 and ctx.paused is True
            # The bearer header needs no CSRF header: no browser sends it by itself.
            assert (await http.post("/api/strategies/every/resume")).status_code == 200
            # Signing out by the bearer header has no session to forget.
            assert (await http.post("/logout")).json() == {"signed_out": True}
            assert (await browser.get("/api/status")).status_code == 200
            out = await browser.post("/logout", headers={"X-Triobot": "1"})
            assert out.status_code == 200 and out.json() == {"signed_out": True}
            assert (await browser.get("/api/status")).status_code == 401
        # A stale cookie does not sign anybody in either.
        stale = signed.cookies["triobot_session"]
        async with client(bot, headers={"Cookie": f"triobot_session={stale}"}) as old:
            assert (await old.get("/api/status")).status_code == 401
            assert (await old.post("/logout")).status_code == 401

    await with_bot(web_config(tmp_path), body)


def test_sessions_are_bounded_the_oldest_dropped_first() -> None:
    from framework.config.model import Secret

    auth = Auth(Secret("t"), max_sessions=2)
    first, second, third = auth.sign_in(), auth.sign_in(), auth.sign_in()
    assert auth.sessions == 2
    assert not auth._session_ok(first)
    assert auth._session_ok(second) and auth._session_ok(third)
    auth.sign_out(second)
    auth.sign_out("unknown")
    assert auth.sessions == 1


async def test_a_generated_token_is_written_0600_and_never_shown(
    tmp_path: Path,
    vclock: MockClock,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    config = web_config(tmp_path)
    path = config.state_dir / TOKEN_FILE_NAME
    seen: dict[str, str] = {}

    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        token = path.read_text(encoding="utf-8").strip()
        seen["token"] = token
        assert len(token) >= 40
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert (await http.get("/api/status")).status_code == 401  # the tests' token
        async with client(bot, headers={"Authorization": f"Bearer {token}"}) as owner:
            assert (await owner.get("/api/status")).status_code == 200

    with capture_logs() as logs:
        await with_bot(config, body)
    token = seen["token"]
    out, err = capsys.readouterr()
    assert token not in out and token not in err
    assert all(token not in repr(entry) for entry in logs)
    (where,) = [e for e in logs if e["event"] == "web: token"]
    assert where["source"] == f"generated:{path}"


def test_a_new_start_writes_a_new_token_and_tightens_an_open_file(tmp_path: Path) -> None:
    path = tmp_path / TOKEN_FILE_NAME
    path.write_text("old\n", encoding="utf-8")
    path.chmod(0o644)
    web = WebConfig()
    with capture_logs() as logs:
        token = resolve_token(web, tmp_path, {})
    assert token.secret.reveal() != "old"
    assert path.read_text(encoding="utf-8") == token.secret.reveal() + "\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert any("tightened" in e["event"] for e in logs)
    assert resolve_token(web, tmp_path, {}).secret != token.secret


def test_the_environment_token_wins_over_a_token_file(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("from-file\n", encoding="utf-8")
    token_file.chmod(0o600)
    web = WebConfig(listen="0.0.0.0:0", token_file=token_file)
    env = resolve_token(web, tmp_path, {TOKEN_ENV: " from-env "})
    assert env.secret.reveal() == "from-env" and env.source == f"env:{TOKEN_ENV}"
    file = resolve_token(web, tmp_path, {TOKEN_ENV: "  "})
    assert file.secret.reveal() == "from-file" and file.source == f"file:{token_file}"
    assert file.warning is None
    assert not (tmp_path / TOKEN_FILE_NAME).exists()


async def test_a_bot_warns_of_a_token_file_others_may_read(
    tmp_path: Path, vclock: MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    token_file = tmp_path / "token"
    token_file.write_text(TOKEN + "\n", encoding="utf-8")
    token_file.chmod(0o640)

    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        assert (await http.get("/api/status")).status_code == 200

    with capture_logs() as logs:
        await with_bot(web_config(tmp_path, web=f"{{token_file: {token_file}}}"), body)
    (warning,) = [e for e in logs if e["event"] == "web token file"]
    assert warning["log_level"] == "warning" and "chmod 600" in warning["note"]
    assert all(TOKEN not in repr(entry) for entry in logs)


def test_a_token_file_others_may_read_is_used_with_a_warning(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("shared\n", encoding="utf-8")
    token_file.chmod(0o644)
    token = resolve_token(WebConfig(token_file=token_file), tmp_path, {})
    assert token.secret.reveal() == "shared"
    assert token.warning is not None and "chmod 600" in token.warning


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("  \n", "is empty"), (b"\xff\xfe", "cannot read")],
)
def test_an_unusable_token_file_is_one_line_exit_2(
    tmp_path: Path, content: str | bytes | None, message: str
) -> None:
    token_file = tmp_path / "token"
    if isinstance(content, str):
        token_file.write_text(content, encoding="utf-8")
    elif isinstance(content, bytes):
        token_file.write_bytes(content)
    with pytest.raises(UserError) as caught:
        resolve_token(WebConfig(token_file=token_file), tmp_path, {})
    assert caught.value.exit_code == 2
    text = str(caught.value)
    assert text.startswith("web.token_file: ") and message in text and "\n" not in text


@pytest.mark.parametrize("listen", ["0.0.0.0:8080", "192.0.2.1:0", "example.com:80", "[::]:0"])
def test_an_address_others_reach_without_a_token_is_refused(tmp_path: Path, listen: str) -> None:
    with pytest.raises(UserError) as caught:
        resolve_token(WebConfig(listen=listen), tmp_path, {})
    assert caught.value.exit_code == 2
    assert str(caught.value) == (
        f"web: listen {listen} is reachable from other machines: set {TOKEN_ENV} or "
        "web.token_file (a generated token is for loopback only)"
    )
    assert not (tmp_path / TOKEN_FILE_NAME).exists()


async def test_a_bot_open_to_others_without_a_token_does_not_start(
    tmp_path: Path, vclock: MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    config = web_config(tmp_path, web='{listen: "0.0.0.0:0"}')
    bot = make_bot(config)
    with pytest.raises(UserError) as caught:
        await bot.run()
    assert caught.value.exit_code == 2 and "reachable from other machines" in str(caught.value)
    assert bot.web_url is None and bot.started.is_set() is False
    assert not (config.state_dir / TOKEN_FILE_NAME).exists()


@pytest.mark.usefixtures("web_token")
async def test_static_files_come_from_the_static_folder_only(
    tmp_path: Path, vclock: MockClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "dashboard.js").write_text("console.log(1)\n", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("private\n", encoding="utf-8")
    (static / "link.txt").symlink_to(tmp_path / "secret.txt")
    (static / "sub").mkdir()
    monkeypatch.setattr(app, "STATIC", static)

    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        script = await http.get("/static/dashboard.js")
        assert script.status_code == 200 and script.text == "console.log(1)\n"
        assert "javascript" in script.headers["content-type"]
        plotly = await http.get("/static/plotly.min.js")
        assert plotly.status_code == 200 and "javascript" in plotly.headers["content-type"]
        assert len(plotly.content) > 1_000_000
        for name in ("link.txt", "sub", ".hidden", "missing.js", "%2e%2e/secret.txt",
                     "..%2fsecret.txt", "sub/../../secret.txt"):  # fmt: skip
            response = await http.get(f"/static/{name}")
            assert response.status_code == 404, name
            assert "private" not in response.text

    await with_bot(web_config(tmp_path), body)


@pytest.mark.usefixtures("web_token")
async def test_unknown_paths_and_methods_answer_json(tmp_path: Path, vclock: MockClock) -> None:
    async def body(bot: Bot, http: httpx.AsyncClient) -> None:
        missing = await http.get("/api/nothing")
        assert missing.status_code == 404 and "error" in missing.json()
        wrong = await http.delete("/api/status")
        assert wrong.status_code == 405 and "error" in wrong.json()

    await with_bot(web_config(tmp_path), body)
