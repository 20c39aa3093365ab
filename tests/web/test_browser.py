"""The dashboard in a real browser: headless Chromium signs in to a bot trading on the
embedded simulator, watches its trades table and equity chart fill in from the live
stream, pauses a strategy with its button and trips and clears the kill switch.

The bot is a real ``triobot run CONFIG --web 127.0.0.1:0`` process (the browser needs real
time, so the suite's virtual clock cannot drive it). Every wait polls with a generous
timeout; none asserts how fast anything happened. Set ``TRIOBOT_SCREENSHOT=PATH`` to save a
screenshot of the dashboard (docs/images/dashboard.png is one).
"""

from __future__ import annotations

import os
import queue
import re
import secrets
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import yaml
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

ROOT = Path(__file__).resolve().parents[2]


def _program(path: str) -> str | None:
    """Debian's path, else one on PATH."""
    return path if Path(path).is_file() else shutil.which(Path(path).name)


CHROMIUM = _program("/usr/bin/chromium")
CHROMEDRIVER = _program("/usr/bin/chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="the browser test needs Chromium and its driver "
    "(Debian: apt-get install chromium chromium-driver)",
)

#: Real seconds the bot may take to print its address, and the page to show a change.
STARTUP = 30.0
WAIT = 30.0

#: Two fast strategies on a market at five times real speed: a trade settles each second.
STRATEGIES = [
    {
        "name": "momentum",
        "plugin": "momentum",
        "symbols": ["1HZ100V"],
        "contract": {"duration": 5, "duration_unit": "t", "basis": "stake"},
        "stake": {"scheme": "fixed", "amount": 1.0},
        "params": {"ticks": 2, "direction": "follow", "cooldown": 0},
    },
    {
        "name": "fade",
        "plugin": "momentum",
        "symbols": ["1HZ100V"],
        "contract": {"duration": 3, "duration_unit": "t", "basis": "stake"},
        "stake": {"scheme": "fixed", "amount": 2.0},
        "params": {"ticks": 3, "direction": "reverse", "cooldown": 1},
    },
]


@attrs.frozen
class RunningBot:
    """A ``triobot run`` process serving its dashboard."""

    url: str
    token: str
    output: list[str]

    def api(self, path: str) -> Any:
        """A JSON answer of the bot's API (with the bearer token)."""
        response = httpx.get(
            self.url.rstrip("/") + path,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )
        response.raise_for_status()
        return response.json()


def write_config(tmp_path: Path) -> Path:
    """The demo config, trading faster, with its own journal and state directory."""
    config = yaml.safe_load((ROOT / "configs" / "demo.yaml").read_text(encoding="utf-8"))
    config["simulator"]["speed"] = 5.0
    config["journal"] = str(tmp_path / "journal.sqlite")
    config["state_dir"] = str(tmp_path / "state")
    config["status_interval"] = 60
    # Wide limits: the test watches trading, not the risk gate stopping it.
    config["risk"].update(
        max_open_contracts=4,
        max_trades=10_000,
        max_daily_loss=1_000,
        max_consecutive_losses=100,
        take_profit=1_000,
        min_balance=1_000,
        kill_file=str(tmp_path / "STOP"),
    )
    config["strategies"] = STRATEGIES
    path = tmp_path / "bot.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def bot(tmp_path: Path) -> Iterator[RunningBot]:
    """``triobot run CONFIG --web 127.0.0.1:0`` on the embedded simulator."""
    token = secrets.token_urlsafe(24)
    command = ["run", str(write_config(tmp_path)), "--web", "127.0.0.1:0", "--duration", "120"]
    process = subprocess.Popen(
        [sys.executable, "-m", "bots.cli", *command, "--log-format", "console"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "TRIOBOT_WEB_TOKEN": token, "COLUMNS": "200"},
    )
    output: list[str] = []
    lines: queue.Queue[str | None] = queue.Queue()

    def read() -> None:
        # Drained to the end, so the bot never blocks on a full pipe.
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        url = None
        while url is None:
            try:
                line = lines.get(timeout=STARTUP)
            except queue.Empty:
                pytest.fail("no web: line from the bot:\n" + "".join(output))
            if line is None:
                pytest.fail("the bot exited before serving:\n" + "".join(output))
            found = re.search(r"\bweb: (http://\S+)", line)
            url = found and found.group(1)
        yield RunningBot(url, token, output)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        reader.join(timeout=5)
    assert token not in "".join(output)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[WebDriver]:
    """Headless Chromium with a profile of its own."""
    options = webdriver.ChromeOptions()
    assert CHROMIUM is not None and CHROMEDRIVER is not None
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",  # as root in a container
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1000",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def until(driver: WebDriver, what: Callable[[WebDriver], Any], message: str) -> Any:
    """``what``'s first truthy answer; fails with ``message`` after :data:`WAIT` s."""

    def check(d: WebDriver) -> Any:
        try:
            return what(d)
        except StaleElementReferenceException:  # the table was redrawn under us
            return False

    return WebDriverWait(driver, WAIT, poll_frequency=0.2).until(check, message)


def cells(driver: WebDriver, table: str) -> list[list[str]]:
    """The text of each body row's cells, read at once (the script redraws whole tables)."""
    script = (
        "return Array.from(document.querySelectorAll(arguments[0]),"
        " (tr) => Array.from(tr.cells, (td) => td.textContent));"
    )
    return list(driver.execute_script(script, f"#{table} tbody tr"))


def equity_points(driver: WebDriver) -> int:
    """Points of the plotted equity trace (plotly keeps its data on the chart's element)."""
    return int(
        driver.execute_script(
            "const el = document.getElementById('equity-chart');"
            "return el && el.data && el.data.length ? el.data[0].x.length : 0;"
        )
    )


def strategy_state(driver: WebDriver, name: str) -> str:
    row = driver.find_element(By.CSS_SELECTOR, f'#strategies tr[data-strategy="{name}"]')
    return str(row.find_element(By.CSS_SELECTOR, "td.state").text)


def press(driver: WebDriver, name: str, action: str) -> None:
    """Click a strategy's button (found again if the table was redrawn under the click)."""
    selector = f'#strategies tr[data-strategy="{name}"] button[data-action="{action}"]'

    def click(d: WebDriver) -> bool:
        d.find_element(By.CSS_SELECTOR, selector).click()
        return True

    until(driver, click, f"no {action} button for {name}")


def paused(bot: RunningBot, name: str) -> bool:
    [row] = [s for s in bot.api("/api/strategies")["strategies"] if s["strategy"] == name]
    return bool(row["paused"])


def trip(driver: WebDriver, limit: str) -> str:
    """When the newest trip of ``limit`` ended, as the trips table shows it ("" if none)."""
    found = [row for row in cells(driver, "trips") if row[0] == limit]
    return found[0][4] if found else ""


def settled_count(driver: WebDriver) -> int:
    return int(driver.find_element(By.ID, "count-settled").text.replace(",", ""))


def save_screenshot(driver: WebDriver, path: Path) -> None:
    """The whole page at a desktop width, once a dozen trades make a curve worth showing."""
    until(driver, lambda d: settled_count(d) >= 12, "too few trades for a screenshot")
    until(driver, lambda d: len(cells(d, "trades")) >= 12, "the trades table lags")
    height = driver.execute_script("return document.documentElement.scrollHeight")
    metrics = {"width": 1280, "height": int(height), "deviceScaleFactor": 1, "mobile": False}
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    until(driver, equity_points, "no chart to show")
    driver.save_screenshot(str(path))
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


MONEY = re.compile(r"^-?\d{1,3}(,\d{3})*\.\d{2}$")
SIGNED = re.compile(r"^([+-]\d{1,3}(,\d{3})*|0)\.\d{2}$")
CLOCK = re.compile(r"^(\d{4}-\d\d-\d\d )?\d\d:\d\d:\d\d$")


def test_dashboard_fills_in_as_the_bot_trades(bot: RunningBot, browser: WebDriver) -> None:
    browser.get(bot.url)
    # Not signed in: the sign-in page, whose form sets the session cookie.
    until(browser, lambda d: d.find_elements(By.ID, "token"), "no sign-in form")
    browser.find_element(By.ID, "token").send_keys(bot.token)
    browser.find_element(By.ID, "sign-in").click()
    until(browser, lambda d: d.find_elements(By.ID, "dashboard"), "no dashboard after sign-in")
    until(browser, lambda d: d.find_element(By.ID, "stream").text == "live", "stream not live")

    # The trades table and the equity chart fill in as contracts settle...
    until(browser, lambda d: cells(d, "trades"), "no trade in the table")
    until(browser, equity_points, "no point on the equity chart")
    # ...and keep filling in from the stream, without a reload.
    first = bot.api("/api/trades?limit=1")["total"]
    until(browser, lambda d: equity_points(d) > first, "the equity chart stopped growing")
    until(browser, lambda d: settled_count(d) > first, "the header's count stopped growing")

    # Figures read as people write them: money with two decimals, local clock times, a
    # win rate in per cent.
    assert MONEY.match(browser.find_element(By.ID, "balance").text)
    assert re.match(r"^USD, opened at 10,000\.00$", browser.find_element(By.ID, "opening").text)
    assert SIGNED.match(browser.find_element(By.ID, "pnl").text)
    assert re.match(r"^\d{1,3}\.\d\s%\swon", browser.find_element(By.ID, "winrate").text)
    assert browser.find_element(By.ID, "connection").text == "connected"
    settled, _, _, profit, result, stake, sold = cells(browser, "trades")[0]
    assert CLOCK.match(settled), settled
    assert SIGNED.match(profit) and MONEY.match(stake) and MONEY.match(sold)
    assert result in {"won", "lost", "sold"}

    screenshot = os.environ.get("TRIOBOT_SCREENSHOT")
    if screenshot:
        save_screenshot(browser, Path(screenshot))

    # Pause flips the strategy's state in the table and in the bot; resume flips it back.
    until(browser, lambda d: strategy_state(d, "momentum") == "running", "momentum not running")
    press(browser, "momentum", "pause")
    until(browser, lambda d: strategy_state(d, "momentum") == "paused", "pause not shown")
    assert paused(bot, "momentum")
    assert not paused(bot, "fade")
    press(browser, "momentum", "resume")
    until(browser, lambda d: strategy_state(d, "momentum") == "running", "resume not shown")
    assert not paused(bot, "momentum")

    # The kill switch shows as a holding risk trip until cleared.
    browser.find_element(By.ID, "kill").click()
    prompt = WebDriverWait(browser, WAIT).until(expected_conditions.alert_is_present())
    prompt.send_keys("checked from a browser")
    prompt.accept()
    until(browser, lambda d: trip(d, "kill_switch") == "holding", "kill switch not shown")
    assert bot.api("/api/status")["tripped"] == "kill_switch"
    assert "kill_switch" in browser.find_element(By.ID, "banner").text
    until(browser, lambda d: d.find_element(By.ID, "clear-kill").is_displayed(), "no clear")
    browser.find_element(By.ID, "clear-kill").click()
    until(browser, lambda d: CLOCK.match(trip(d, "kill_switch")), "clearing not shown")
    assert bot.api("/api/status")["tripped"] is None
    assert not browser.find_element(By.ID, "banner").is_displayed()

    # On a phone's width the page does not scroll sideways (wide tables scroll in place).
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    )
    until(
        browser,
        lambda d: d.execute_script("return window.innerWidth") == 390,
        "the phone width was not applied",
    )
    assert browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth"
    )
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})

    # The script ran without an uncaught error (the sign-in page's 401 is a network entry).
    log = browser.execute("getLog", {"type": "browser"})["value"]
    errors = [entry["message"] for entry in log if entry["source"] == "javascript"]
    assert errors == []
