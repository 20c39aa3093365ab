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

from framework.config import BotConfig
from framework.config.loader import check_data, read_yaml
from framework.config.yamlload import Path_, load_yaml
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


def _usage(message: str) -> UserError:
    """A bad ``--set``/``--grid`` is a usage error: exit 2, like argparse's own."""
    return UserError(message, exit_code=2)


def _steps(path: str) -> list[str | int]:
    steps: list[str | int] = []
    pos = 0
    text = path.strip()
    while pos < len(text):
        if text[pos] == "." and steps:
            pos += 1
        m = _STEP.match(text, pos)
        if m is None:
            raise _usage(f"bad path {path!r}: expected keys like strategies[0].params.window")
        name, index = m.groups()
        if name is not None:
            steps.append(name)
        else:
            inner = index.strip()
            steps.append(int(inner) if inner.lstrip("-").isdigit() else inner)
        pos = m.end()
    if not steps:
        raise _usage(f"bad path {path!r}: empty")
    return steps


def _set(data: Any, path: str, value: Any) -> Path_:
    """Set ``value`` at ``path`` in ``data``; return the path as keys and list indexes."""
    steps = _steps(path)
    node = data
    concrete: list[str | int] = []
    for depth, step in enumerate(steps):
        last = depth == len(steps) - 1
        where = path if last else f"{path} (at {step!r})"
        if isinstance(step, int):
            if not isinstance(node, list) or not -len(node) <= step < len(node):
                raise _usage(f"cannot set {where}: no item [{step}] there")
            concrete.append(step % len(node))
            if last:
                node[step] = value
            else:
                node = node[step]
            continue
        if isinstance(node, list):
            # strategies[momentum]: pick a list item by its name.
            found = [
                i
                for i, item in enumerate(node)
                if isinstance(item, dict) and item.get("name") == step
            ]
            if len(found) != 1:
                raise _usage(f"cannot set {where}: no single item named {step!r}")
            if last:
                raise _usage(f"cannot set {where}: replace a named item's keys, not the item")
            concrete.append(found[0])
            node = node[found[0]]
            continue
        if not isinstance(node, dict):
            raise _usage(f"cannot set {where}: not a mapping there")
        concrete.append(step)
        if last:
            node[step] = value
        else:
            # Missing or empty sections are created (params: may be absent from the file).
            if node.get(step) is None:
                node[step] = {}
            node = node[step]
    return tuple(concrete)


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
        raise _usage(f"bad value {text!r}: {problem}{where}") from None
    if problems:
        raise _usage(f"bad value {text!r}: {problems[0][1]}")
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
        raise _usage(f"bad override {text!r}: expected PATH=VALUE")
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
        raise _usage(f"bad grid {text!r}: expected PATH=V1,V2,...")
    _steps(path)
    items = [v.strip() for v in values.split(",")]
    if not any(items):
        raise _usage(f"bad grid {text!r}: no values")
    if any(not v for v in items):
        raise _usage(f"bad grid {text!r}: an empty value between commas")
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


def _label(option: str, path: str, value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    return f"{option} {path}={text.removesuffix('...').strip()}"


def config_with_overrides(
    text: str,
    source: str,
    overrides: Sequence[Assignment],
    *,
    options: Sequence[str] = (),
) -> BotConfig:
    """Load a config from its text with ``overrides`` applied, with every usual check.

    Secrets are not resolved (a replay needs no token). A problem in a value from the file
    names its line; a problem in an overridden value names the option that set it:
    ``risk.max_stak: unknown key (...) (--set risk.max_stak=3)``.

    Args:
        text: the YAML document.
        source: its name, for messages.
        overrides: ``(path, value)`` pairs.
        options: the command-line option each override came from (``--set`` for any not
            given), for messages.

    Returns:
        The checked config.

    Raises:
        ConfigError: the config (with the overrides) does not check.
        UserError: an override path that does not fit (exit 2).
    """
    loaded = read_yaml(text, source)
    data, lines, duplicates = loaded
    if not overrides or not isinstance(data, dict):
        # The usual checks (and the usual error for a document that is not a mapping).
        return check_data(loaded, source, resolve_secrets=False)
    changed = copy.deepcopy(data)
    origins: dict[Path_, str] = {}
    for i, (path, value) in enumerate(overrides):
        option = options[i] if i < len(options) else "--set"
        origins[_set(changed, path, value)] = _label(option, path, value)
    return check_data((changed, lines, duplicates), source, origins=origins, resolve_secrets=False)
