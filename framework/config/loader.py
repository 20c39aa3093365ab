"""Loading a bot config: strict YAML, typed structure, plugins, secrets, cross checks.

:func:`load_config` either returns a :class:`BotConfig` or raises :class:`ConfigError`
listing *every* problem found, one per line, as ``path.to.value: message (file:line)``,
sorted by line. It never lets a YAML, attrs or plugin exception escape as a traceback.

Order of the checks (each runs even when an earlier one found problems, as far as it can):
YAML syntax; duplicate keys; the token (never inline); plugin references and each plugin's
parameters; types, ranges and unknown keys of every section; then, on a config that
structured cleanly, the cross checks: unique strategy names, symbols, each contract a
strategy may buy against the market model, stakes against the risk limits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs
import yaml

from framework.errors import ConfigError
from framework.files import read_secret
from framework.market.contracts import ContractSpec, validate
from framework.market.errors import MarketError
from framework.market.symbols import SYMBOLS
from framework.notify.config import TELEGRAM_TOKEN_ENV, NotifyConfig
from framework.risk import RiskLimits
from framework.scopes import unknown_calls
from framework.simulator.config import is_loopback
from framework.sizing import DAlembert, Fixed, Martingale, OscarsGrind, StakeConfig
from framework.strategy._context import contract_label, expires
from framework.strategy._plugins import PluginError, load_strategy_class

from .model import EMBEDDED, BotConfig, ContractSection, Secret, StrategyConfig
from .structure import INVALID, describe, structure
from .yamlload import Path_, YamlLimitError, YamlProblem, format_path, load_yaml

__all__ = [
    "check_data",
    "first_stake",
    "highest_stake",
    "load_config",
    "parse_config",
    "read_yaml",
]

_ENV_REF = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$")


@attrs.define
class _Report:
    source: str
    lines: dict[Path_, int]
    problems: list[tuple[Path_, str]] = attrs.field(factory=list)
    warnings: list[tuple[Path_, str]] = attrs.field(factory=list)
    duplicate_lines: dict[Path_, int] = attrs.field(factory=dict)
    origins: Mapping[Path_, str] = attrs.field(factory=dict)

    def origin(self, path: Path_) -> str | None:
        # An override replaces everything under its path: the file's lines there are stale.
        for end in range(len(path), -1, -1):
            found = self.origins.get(path[:end])
            if found is not None:
                return found
        return None

    def line(self, path: Path_) -> int | None:
        if path in self.duplicate_lines:
            return self.duplicate_lines[path]  # a repeated key is the file's, overridden or not
        if self.origin(path) is not None:
            return None
        for end in range(len(path), -1, -1):
            found = self.lines.get(path[:end])
            if found is not None:
                return found
        return None

    def where(self, path: Path_) -> str:
        origin = self.origin(path) if path not in self.duplicate_lines else None
        if origin is not None:
            return origin
        line = self.line(path)
        return f"{self.source}:{line}" if line is not None else self.source

    def render(self, path: Path_, message: str) -> str:
        return f"{format_path(path)}: {message} ({self.where(path)})"

    def sorted(self, items: list[tuple[Path_, str]]) -> list[str]:
        keyed = sorted(enumerate(items), key=lambda it: (self.line(it[1][0]) or 0, it[0]))
        return [self.render(path, message) for _, (path, message) in keyed]


def load_config(
    path: str | os.PathLike[str],
    *,
    environ: Mapping[str, str] | None = None,
    resolve_secrets: bool = True,
) -> BotConfig:
    """Load and check a bot config file.

    Args:
        path: the YAML file.
        environ: environment for ``${VAR}`` references (``os.environ`` by default).
        resolve_secrets: read the token now (False: check only that it is referenced
            properly, for ``triobot check --skip-secrets`` on a machine without it).

    Returns:
        The config; :attr:`BotConfig.warnings` holds what is worth a warning.

    Raises:
        ConfigError: every problem found, each with its path and ``file:line``.
    """
    source = os.fspath(path)
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config {source}: {_os_reason(exc)}") from None
    return parse_config(
        text, source, environ=environ, resolve_secrets=resolve_secrets, file=Path(source)
    )


def parse_config(
    text: str,
    source: str = "<config>",
    *,
    environ: Mapping[str, str] | None = None,
    resolve_secrets: bool = True,
    file: Path | None = None,
) -> BotConfig:
    """Check a config given as text (see :func:`load_config`).

    Args:
        text: the YAML document.
        source: the name used in messages.
        environ: environment for ``${VAR}`` references.
        resolve_secrets: read the token now.
        file: the file the text came from, if any.

    Returns:
        The config.

    Raises:
        ConfigError: every problem found.
    """
    return check_data(
        read_yaml(text, source),
        source,
        environ=environ,
        resolve_secrets=resolve_secrets,
        file=file,
    )


def read_yaml(text: str, source: str) -> tuple[Any, dict[Path_, int], list[YamlProblem]]:
    """Parse a config's YAML (see :func:`~framework.config.yamlload.load_yaml`).

    Args:
        text: the document.
        source: the name used in messages.

    Returns:
        ``(data, lines, duplicate-key problems)``, for :func:`check_data`.

    Raises:
        ConfigError: the text is not YAML, or more than a config may be.
    """
    try:
        return load_yaml(text)
    except yaml.YAMLError as exc:
        raise ConfigError(_yaml_message(exc, source)) from None


def check_data(
    loaded: tuple[Any, dict[Path_, int], list[YamlProblem]],
    source: str = "<config>",
    *,
    origins: Mapping[Path_, str] | None = None,
    environ: Mapping[str, str] | None = None,
    resolve_secrets: bool = True,
    file: Path | None = None,
) -> BotConfig:
    """Check a config read by :func:`read_yaml`, perhaps changed since (``--set``).

    Args:
        loaded: ``(data, lines, duplicates)`` as :func:`read_yaml` returned them; the data
            may have been changed in place of the values named in ``origins``.
        source: the name used in messages.
        origins: the paths set from elsewhere than the file, each with what set it (e.g.
            ``--set risk.max_stake=3``); a problem at or under one names it instead of a
            line of the file.
        environ: environment for ``${VAR}`` references.
        resolve_secrets: read the token now.
        file: the file the text came from, if any.

    Returns:
        The config.

    Raises:
        ConfigError: every problem found.
    """
    env = os.environ if environ is None else environ
    data, lines, duplicates = loaded
    report = _Report(source, lines, origins=origins or {})
    for dup_path, message, line in duplicates:
        report.problems.append((dup_path, message))
        if line is not None:
            report.duplicate_lines[dup_path] = line
    if data is None:
        raise ConfigError(f"{source}: the config is empty (it needs at least strategies:)")
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping at the top, got {describe(data)}")

    data = dict(data)
    token, token_source = _token(data, env, resolve_secrets, report)
    classes = _plugins(data, report)
    config, problems = structure(data, BotConfig)
    report.problems.extend(problems)
    if config is INVALID:
        _cross_checks(None, data, classes, report)
    else:
        config = attrs.evolve(
            config,
            token=token,
            token_source=token_source,
            notify=_notify_token(config.notify, env, resolve_secrets, report),
            source=file,
            strategies=tuple(
                attrs.evolve(item, strategy_class=classes.get(i))
                for i, item in enumerate(config.strategies)
            ),
        )
        _cross_checks(config, data, classes, report)
    if report.problems:
        count = len(report.problems)
        lines_ = "\n  ".join(report.sorted(report.problems))
        noun = "problem" if count == 1 else "problems"
        raise ConfigError(f"{source}: {count} {noun}\n  {lines_}")
    assert isinstance(config, BotConfig)
    return attrs.evolve(config, warnings=tuple(report.sorted(report.warnings)))


def _yaml_message(exc: yaml.YAMLError, source: str) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    text = f"{context}: {problem}" if context else str(problem)
    # A limit error is valid YAML, only more than a config is allowed to be.
    text = f"refused: {text}" if isinstance(exc, YamlLimitError) else f"not valid YAML: {text}"
    if mark is not None:
        return f"{source}:{mark.line + 1}:{mark.column + 1}: {text}"
    return f"{source}: {text}"


def _os_reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc)


def _token(
    data: dict[str, Any], env: Mapping[str, str], resolve: bool, report: _Report
) -> tuple[Secret | None, str]:
    raw = data.pop("token", None)
    raw_file = data.pop("token_file", None)
    endpoint = data.get("endpoint", "embedded")
    if raw is not None and raw_file is not None:
        report.problems.append((("token_file",), "give token or token_file, not both"))
        return None, "invalid"
    if raw is not None:
        match = _ENV_REF.match(raw) if isinstance(raw, str) else None
        if match is None:
            # Never echo the value: it may be the very token we refuse to hold.
            report.problems.append(
                (
                    ("token",),
                    "an inline token is not allowed: whoever reads this file (version "
                    "control, backups, a shared screen) could trade on the account; "
                    "write token: ${DERIV_TOKEN} and set DERIV_TOKEN in the environment, "
                    "or use token_file: PATH",
                )
            )
            return None, "invalid"
        name = match.group(1)
        if not resolve:
            return None, f"env:{name}"
        value = env.get(name, "").strip()
        if not value:
            report.problems.append((("token",), f"environment variable {name} is not set"))
            return None, f"env:{name}"
        return Secret(value), f"env:{name}"
    if raw_file is not None:
        if not isinstance(raw_file, str) or not raw_file:
            report.problems.append((("token_file",), f"expected path, got {describe(raw_file)}"))
            return None, "invalid"
        path = Path(raw_file).expanduser()
        if not resolve:
            return None, f"file:{path}"
        return _token_file(path, report), f"file:{path}"
    if endpoint != "embedded":
        report.problems.append(
            (
                ("endpoint",),
                "a remote endpoint needs an API token: add token: ${DERIV_TOKEN} "
                "or token_file: PATH",
            )
        )
    return None, "simulator"


def _token_file(path: Path, report: _Report, key: Path_ = ("token_file",)) -> Secret | None:
    try:
        text, warning = read_secret(path)
    except (OSError, UnicodeDecodeError) as exc:
        report.problems.append((key, f"cannot read {path}: {_os_reason(exc)}"))
        return None
    value = text.strip()
    if not value:
        report.problems.append((key, f"{path} is empty"))
        return None
    if warning is not None:
        report.warnings.append((key, warning))
    return Secret(value)


def _notify_token(
    notify: NotifyConfig | None, env: Mapping[str, str], resolve: bool, report: _Report
) -> NotifyConfig | None:
    """``notify.telegram`` with its bot token: from its ``token_file``, else the environment."""
    telegram = None if notify is None else notify.telegram
    if notify is None or telegram is None or not resolve:
        return notify
    path: Path_ = ("notify", "telegram")
    token: Secret | None = None
    if telegram.token_file is not None:
        token = _token_file(telegram.token_file, report, (*path, "token_file"))
    else:
        value = env.get(TELEGRAM_TOKEN_ENV, "").strip()
        if value:
            token = Secret(value)
        else:
            report.problems.append(
                (
                    path,
                    f"needs the bot token: set {TELEGRAM_TOKEN_ENV} in the environment "
                    "or add token_file: PATH",
                )
            )
    return attrs.evolve(notify, telegram=attrs.evolve(telegram, token=token))


def _plugins(data: dict[str, Any], report: _Report) -> dict[int, type[Any]]:
    """Resolve plugins and structure each strategy's params (in place, in a copy)."""
    classes: dict[int, type[Any]] = {}
    items = data.get("strategies")
    if not isinstance(items, list):
        return classes
    data["strategies"] = items = list(items)
    for i, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("plugin"), str):
            continue  # the structure pass names what is wrong with it
        path: Path_ = ("strategies", i)
        try:
            cls = load_strategy_class(item["plugin"])
        except PluginError as exc:
            report.problems.append(((*path, "plugin"), str(exc)))
            items[i] = {**item, "params": None}
            continue
        classes[i] = cls
        params, problems = structure(item.get("params"), cls.Params, (*path, "params"))
        report.problems.extend(problems)
        items[i] = {**item, "params": params}
    return classes


def first_stake(stake: StakeConfig) -> float:
    """The first stake a sizing scheme asks for."""
    if isinstance(stake, Fixed):
        return stake.amount
    if isinstance(stake, OscarsGrind):
        return stake.unit
    return stake.base


def highest_stake(stake: StakeConfig) -> float:
    """The largest stake a sizing scheme can ask for (before the risk gate caps it)."""
    if isinstance(stake, Fixed):
        return stake.amount
    if isinstance(stake, Martingale):
        return round(stake.base * stake.factor**stake.max_steps, 2)
    if isinstance(stake, DAlembert):
        step = stake.step if stake.step is not None else stake.base
        return round(stake.base + stake.max_steps * step, 2)
    if isinstance(stake, OscarsGrind):
        return round(stake.unit * stake.max_units, 2)
    return round(stake.base * 6, 2)


def _cross_checks(
    config: BotConfig | None,
    raw: dict[str, Any],
    classes: dict[int, type[Any]],
    report: _Report,
) -> None:
    """Checks that span sections; per strategy, they run on every strategy that structured."""
    embedded = raw.get("endpoint", EMBEDDED) == EMBEDDED
    risk = config.risk if config is not None else None
    if risk is None:
        risk_, problems = structure(raw.get("risk"), RiskLimits, ("risk",))
        risk = None if problems else risk_
    max_stake = None if risk is None else risk.max_stake
    items = raw.get("strategies")
    seen: dict[str, int] = {}
    for i, item in enumerate(items if isinstance(items, list) else []):
        path: Path_ = ("strategies", i)
        if config is not None:
            strategy = config.strategies[i]
        else:
            strategy, problems = structure(item, StrategyConfig, path)
            if problems:
                continue  # already reported by the full pass
            strategy = attrs.evolve(strategy, strategy_class=classes.get(i))
        name = strategy.name
        if name in seen:
            report.problems.append(
                (
                    (*path, "name"),
                    f"duplicate strategy name {name!r} (also strategies[{seen[name]}])",
                )
            )
        seen.setdefault(name, i)
        params_ok = not (isinstance(item, dict) and item.get("params") is INVALID)
        _check_strategy(embedded, max_stake, strategy, params_ok, path, report)
    if config is None or config.is_embedded:
        return
    host = urlsplit(config.endpoint).hostname or ""
    if config.endpoint.startswith("ws://") and not is_loopback(host):
        report.warnings.append(
            (
                ("endpoint",),
                "ws:// is not encrypted: the token would cross the network in clear",
            )
        )
    if "simulator" in raw:
        report.warnings.append((("simulator",), "ignored: the endpoint is not embedded"))
    if config.risk.max_stake is None and config.risk.max_daily_loss is None:
        report.warnings.append(
            (
                ("risk",),
                "no max_stake and no max_daily_loss on a real account: nothing bounds what "
                "the bot can lose",
            )
        )


def _term_path(path: Path_, exc: MarketError, written: ContractSection) -> Path_:
    """Where a market refusal points: the ``contract:`` key it is about, when written."""
    field = exc.details.get("field") if isinstance(exc.details, Mapping) else None
    if isinstance(field, str) and field in _TERMS and getattr(written, field) is not None:
        return (*path, "contract", field)
    return (*path, "contract")


_TERMS = frozenset(attrs.fields_dict(ContractSection)) - {"type"}
"""The keys a market refusal may point at (the contract type's refusals name the section)."""


def _check_strategy(
    embedded: bool,
    max_stake: float | None,
    item: StrategyConfig,
    params_ok: bool,
    path: Path_,
    report: _Report,
) -> None:
    cls = item.strategy_class
    for j, symbol in enumerate(item.symbols):
        if symbol not in SYMBOLS and embedded:
            known = ", ".join(SYMBOLS)
            report.problems.append(
                ((*path, "symbols", j), f"unknown symbol {symbol!r} (the simulator has: {known})")
            )
    for j, section in enumerate(item.candles):
        for k, symbol in enumerate(section.symbols):
            if symbol not in item.symbols:
                report.problems.append(
                    (
                        (*path, "candles", j, "symbols", k),
                        f"{symbol!r} is not one of the strategy's symbols "
                        f"({', '.join(item.symbols)})",
                    )
                )
    if cls is None:
        return  # its plugin already has a problem reported
    for call in unknown_calls(cls.extra_calls):
        report.problems.append(
            ((*path, "plugin"), f"{item.plugin} declares unknown API call {call!r} in extra_calls")
        )
    if not params_ok:
        return  # its params already have problems reported
    try:
        # As the strategy host asks before start: a plugin's declarations run its code.
        setup = item.setup()
        setup.candle_series(), setup.look_back()
    except Exception as exc:
        report.problems.append(
            ((*path, "params"), f"{item.plugin} cannot declare its history: {exc}")
        )
        return
    template = item.template
    if cls.contract_types and template.type is not None and template.type not in cls.contract_types:
        report.problems.append(
            (
                (*path, "contract", "type"),
                f"{item.plugin} buys {', '.join(cls.contract_types)}; leave type out or pick one "
                f"of them, got {template.type!r}",
            )
        )
        return
    try:
        planned = cls.planned_contracts(item.params, template)
    except Exception as exc:  # plugin code: report, never crash the check
        report.problems.append(((*path, "params"), f"{item.plugin}: {exc}"))
        return
    if any(t.type is None for t in planned):
        report.problems.append(
            (
                (*path, "contract", "type"),
                f"required: {item.plugin} does not choose a contract type",
            )
        )
        return
    amount = first_stake(item.stake)
    written = item.contract
    for t in planned:
        ctype = t.type or ""
        # As ctx.buy does: the template's default duration is only for types that expire.
        timed = expires(ctype) or written.duration is not None or written.duration_unit is not None
        for symbol in item.symbols:
            if symbol not in SYMBOLS:
                continue
            spec = ContractSpec(
                contract_type=ctype,
                symbol=symbol,
                amount=amount,
                basis=t.basis,
                duration=t.duration if timed else None,
                duration_unit=t.duration_unit if timed else None,
                barrier=t.barrier,
                barrier2=t.barrier2,
                multiplier=t.multiplier,
                growth_rate=t.growth_rate,
                take_profit=t.take_profit,
                stop_loss=t.stop_loss,
                cancellation=t.cancellation,
                selected_tick=t.selected_tick,
            )
            try:
                validate(spec)
            except MarketError as exc:
                report.problems.append(
                    (
                        _term_path(path, exc, written),
                        f"{contract_label(t, symbol)}: {exc.message}",
                    )
                )
    top = max_stake
    if top is not None and template.basis == "stake":
        if amount > top:
            report.problems.append(
                ((*path, "stake"), f"first stake {amount:.2f} is above risk.max_stake {top:.2f}")
            )
        elif highest_stake(item.stake) > top:
            report.warnings.append(
                (
                    (*path, "stake"),
                    f"stakes can reach {highest_stake(item.stake):.2f}; risk.max_stake caps "
                    f"them at {top:.2f}",
                )
            )
