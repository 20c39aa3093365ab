"""An ordinary run of the demo is quiet: the stop is the reason, not a warning; no surplus scope."""

from __future__ import annotations

from pathlib import Path

from structlog.testing import capture_logs
from trio.testing import MockClock

from bots.lifecycle import supervise
from framework.journal import Journal
from framework.runtime import Bot
from framework.runtime.endpoint import demo_token, simulator_state
from framework.simulator import DEMO_TOKEN, SimulatorConfig, open_simulator
from tests.runtime.conftest import write_config


def test_the_demo_token_holds_exactly_the_scopes_the_bot_needs(tmp_path: Path) -> None:
    token = demo_token(write_config(tmp_path))
    assert (token.token, token.scopes) == ("demo-read-trade", ("read", "trade"))


async def test_a_duration_stop_logs_its_reason_at_info_and_no_warning(
    tmp_path: Path, vclock: MockClock
) -> None:
    config = write_config(tmp_path)
    bot = Bot(config)  # the embedded endpoint exactly as `triobot run` builds it
    with capture_logs() as logs:
        summary = await supervise(bot, duration=20, handle_signals=False)
    assert summary.reason == "duration 20s elapsed"
    assert summary.bought > 0
    assert [e for e in logs if e["log_level"] not in ("info", "debug")] == []
    (stopped,) = [e for e in logs if e["event"] == "bot stopped"]
    assert stopped["tripped"] is None
    assert summary.trips == ()  # a stop is not a risk trip
    assert not any(line.startswith("risk limit") for line in summary.lines())
    assert bot.connection is not None and bot.connection.authorization is not None
    assert bot.connection.authorization.scopes == {"read", "trade"}
    with Journal(config.journal) as journal:
        assert journal.trips() == []


async def test_a_kept_simulator_state_gives_the_same_demo_token_back(
    tmp_path: Path, vclock: MockClock
) -> None:
    config = write_config(tmp_path)
    for _ in range(2):
        await supervise(Bot(config), duration=3, handle_signals=False)
    state = SimulatorConfig(seed=7, state=simulator_state(config))
    async with open_simulator(state) as sim:
        kept = sim.core.bank.tokens
    # One demo token for this bot, restored rather than minted again (beside the default
    # one the inspecting simulator configures itself).
    assert sorted(t for t in kept if t.startswith("demo-")) == ["demo-read-trade", DEMO_TOKEN]
    assert kept["demo-read-trade"].scopes == ("read", "trade")
