"""Fixtures: bots on the embedded simulator, in virtual time.

The simulator's clock is Trio's, so under a :class:`~trio.testing.MockClock` its ticks come
as fast as the bot can take them. The bot and the simulator talk over real loopback sockets,
so the tests take the suite's ``vclock`` (see ``tests/conftest.py`` for its threshold).
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from framework.config import BotConfig, load_config
from framework.runtime import Bot, RestartPolicy
from framework.simulator import SimulatorConfig
from framework.simulator.config import DEMO_TOKEN, TokenConfig

#: Fixed simulator start: the same seed and start give the same ticks on every run.
START = 1_700_000_000


EVERY = """\
  - name: every
    plugin: tests.runtime.plugins:Every
    symbols: ["1HZ100V"]
    contract: {type: CALL, duration: 3, duration_unit: t}
    stake: {scheme: fixed, amount: 1.00}
    params: {every: 2}
"""


def write_config(
    tmp_path: Path, strategies: str = EVERY, *, risk: str = "", extra: str = ""
) -> BotConfig:
    """Write a bot config under ``tmp_path`` and load it."""
    text = f"""\
endpoint: embedded
simulator: {{seed: 7}}
journal: {tmp_path / "journal.sqlite"}
state_dir: {tmp_path / "state"}
status_interval: 30
{textwrap.dedent(risk)}
{extra}
strategies:
{strategies}"""
    path = tmp_path / "bot.yaml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def make_bot(config: BotConfig, *, scopes: tuple[str, ...] | None = None, **kw: Any) -> Bot:
    """A bot on a simulator with a fixed start (and a token with ``scopes``)."""
    tokens: dict[str, Any] = {}
    if scopes is not None:
        tokens["tokens"] = (TokenConfig(DEMO_TOKEN, scopes=scopes),)
    sim = SimulatorConfig(
        seed=config.simulator.seed,
        start_epoch=START,
        state=config.journal.with_name("sim.sqlite"),
        **tokens,
    )
    kw.setdefault("restart_policy", RestartPolicy(first_delay=1.0))
    return Bot(config, simulator_config=sim, **kw)
