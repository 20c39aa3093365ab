"""From a bot config to a replay set-up, and grid overrides of a config (sweeps).

:func:`setup_from_config` turns a checked :class:`~framework.config.BotConfig` into a
:class:`~framework.backtest.engine.BacktestSetup`: the same strategies, parameters, contract
terms, stake sizing and risk limits the bot would run with, the simulator's opening balance and
currency, and the simulator's pricing.

:func:`apply_overrides` sets values inside a config *before* it is checked
(``strategies[0].params.window=20``), so that every swept combination passes exactly the
checks a hand-written config would (types, ranges, unknown keys, plugin parameters).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

import yaml

from framework.config import BotConfig, parse_config
from framework.config.yamlload import load_yaml
from framework.errors import UserError
from framework.market.pricing import DEFAULT_PRICING, PricingConfig

from .engine import BacktestSetup

__all__ = [
    "Assignment",
    "apply_overrides",
    "config_with_overrides",
    "parse_assignment",
    "parse_grid",
    "parse_value",
    "setup_from_config",
]

Assignment = tuple[str, Any]
"""A ``(path, value)`` override such as ``("strategies[0].params.window", 20)``."""

_STEP: Final = re.compile(r"([A-Za-z_][\w-]*)|\[([^\]]+)\]")


def setup_from_config(
    config: BotConfig,
    *,
    balance: float | None = None,
    currency: str | None = None,
    pricing: PricingConfig = DEFAULT_PRICING,
) -> BacktestSetup:
    """Build the replay set-up of a bot config.

    Args:
        config: a loaded config (its plugin classes resolved).
        balance: opening balance (default: the config's ``simulator.balance``).
        currency: account currency (default: ``simulator.currency``).
        pricing: commission and limits (default: the simulator's).

    Returns:
        The set-up.
    """
    return BacktestSetup(
        tuple(s.setup() for s in config.strategies),
        risk=config.risk,
        balance=config.simulator.balance if balance is None else balance,
        currency=config.simulator.currency if currency is None else currency,
        pricing=pricing,
    )


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    pos = 0
    text = path.strip()
    while pos < len(text):
        if text[pos] == "." and steps:
            pos += 1
        m = _STEP.match(text, pos)
        if m is None:
            raise UserError(f"bad path {path!r}: expected keys like strategies[0].params.window")
        name, index = m.groups()
        if name is not None:
            steps.append(name)
        else:
            inner = index.strip()
            steps.append(int(inner) if inner.lstrip("-").isdigit() else inner)
        pos = m.end()
    if not steps:
        raise UserError(f"bad path {path!r}: empty")
    return steps


def _set(data: Any, path: str, value: Any) -> None:
    steps = _steps(path)
    node = data
    for depth, step in enumerate(steps):
        last = depth == len(steps) - 1
        where = path if last else f"{path} (at {step!r})"
        if isinstance(step, int):
            if not isinstance(node, list) or not -len(node) <= step < len(node):
                raise UserError(f"cannot set {where}: no item [{step}] there")
            if last:
                node[step] = value
            else:
                node = node[step]
            continue
        if isinstance(node, list):
            # strategies[momentum]: pick a list item by its name.
            found = [item for item in node if isinstance(item, dict) and item.get("name") == step]
            if len(found) != 1:
                raise UserError(f"cannot set {where}: no single item named {step!r}")
            if last:
                raise UserError(f"cannot set {where}: replace a named item's keys, not the item")
            node = found[0]
            continue
        if not isinstance(node, dict):
            raise UserError(f"cannot set {where}: not a mapping there")
        if last:
            node[step] = value
        else:
            # Missing or empty sections are created (params: may be absent from the file).
            if node.get(step) is None:
                node[step] = {}
            node = node[step]


def parse_value(text: str) -> Any:
    """Read one override value with the config's own YAML rules (``5`` int, ``no`` str...).

    Args:
        text: the value as typed.

    Returns:
        The scalar (or list/mapping in flow style).

    Raises:
        UserError: text that is not valid YAML.
    """
    try:
        data, _, problems = load_yaml(text)
    except yaml.YAMLError as exc:
        # PyYAML's own text spans several lines (the snippet and a caret); one line is enough.
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        mark = getattr(exc, "problem_mark", None)
        where = f" (column {mark.column + 1})" if mark is not None else ""
        raise UserError(f"bad value {text!r}: {problem}{where}") from None
    if problems:
        raise UserError(f"bad value {text!r}: {problems[0][1]}")
    return data


def parse_assignment(text: str) -> Assignment:
    """Parse ``path=value``.

    Args:
        text: e.g. ``risk.max_stake=5``.

    Returns:
        ``(path, value)``.

    Raises:
        UserError: no ``=`` or a bad path.
    """
    path, sep, value = text.partition("=")
    if not sep or not path.strip():
        raise UserError(f"bad override {text!r}: expected PATH=VALUE")
    _steps(path)
    return path.strip(), parse_value(value.strip())


def parse_grid(text: str) -> tuple[str, list[Any]]:
    """Parse one ``--grid`` axis, ``path=v1,v2,v3``.

    Args:
        text: e.g. ``strategies[0].params.window=5,10,20``.

    Returns:
        ``(path, values)``.

    Raises:
        UserError: a malformed axis or an empty value list.
    """
    path, sep, values = text.partition("=")
    if not sep or not path.strip():
        raise UserError(f"bad grid {text!r}: expected PATH=V1,V2,...")
    _steps(path)
    items = [v.strip() for v in values.split(",")]
    if not any(items):
        raise UserError(f"bad grid {text!r}: no values")
    if any(not v for v in items):
        raise UserError(f"bad grid {text!r}: an empty value between commas")
    return path.strip(), [parse_value(v) for v in items]


def apply_overrides(data: Mapping[str, Any], overrides: Sequence[Assignment]) -> dict[str, Any]:
    """Return a copy of raw config data with ``overrides`` set.

    Args:
        data: the config as loaded from YAML (not yet checked).
        overrides: ``(path, value)`` pairs, applied in order.

    Returns:
        The modified copy.

    Raises:
        UserError: a path that does not fit the data.
    """
    out = copy.deepcopy(dict(data))
    for path, value in overrides:
        _set(out, path, value)
    return out


def config_with_overrides(text: str, source: str, overrides: Sequence[Assignment]) -> BotConfig:
    """Load a config from its text with ``overrides`` applied, with every usual check.

    Secrets are not resolved (a replay needs no token).

    Args:
        text: the YAML document.
        source: its name, for messages.
        overrides: ``(path, value)`` pairs.

    Returns:
        The checked config.

    Raises:
        ConfigError: the config (with the overrides) does not check; the message says which
            overrides were applied.
        UserError: an override path that does not fit.
    """
    if not overrides:
        return parse_config(text, source, resolve_secrets=False)
    data, _, _ = load_yaml(text)
    if not isinstance(data, dict):
        return parse_config(text, source, resolve_secrets=False)  # raises the usual error
    changed = apply_overrides(data, overrides)
    label = ", ".join(f"{p}={v!r}" for p, v in overrides)
    # The checks run on the re-serialised document; its line numbers are those of the
    # generated text, so the source name says what was overridden.
    return parse_config(
        yaml.safe_dump(changed, sort_keys=False), f"{source} with {label}", resolve_secrets=False
    )
