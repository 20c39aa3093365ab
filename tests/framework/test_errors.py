"""One error root: every exception class triobot defines derives from TriobotError.

The root module and the sans-IO protocol core import nothing async, which is checked in a
fresh interpreter (this test process has long imported Trio).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

import bots
import framework
from framework.deriv.errors import APIError, DerivError, ProtocolError
from framework.deriv.oauth import OAuthError
from framework.errors import ConfigError, TriobotError, UserError
from framework.market.errors import MarketError
from framework.simulator.accounts import BankError
from framework.simulator.dispatch import CloseConnection
from framework.simulator.envelope import SimError
from framework.transport import TransportError

ROOT = Path(__file__).resolve().parents[2]

# Control-flow exceptions that are not errors any caller or user sees; they stand outside the
# root on purpose (each is commented where it is defined).
CONTROL_FLOW: frozenset[type[BaseException]] = frozenset(
    {
        CloseConnection,  # the simulator's server loop catches it and closes the socket
    }
)


def _modules() -> Iterator[ModuleType]:
    for package in (framework, bots):
        yield package
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            yield importlib.import_module(info.name)


def _exception_classes() -> dict[type[BaseException], str]:
    """Every exception class defined (not merely imported) in framework/ and bots/."""
    found: dict[type[BaseException], str] = {}
    for module in _modules():
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                found[value] = f"{module.__name__}.{value.__qualname__}"
    return found


def test_every_exception_class_derives_from_the_root() -> None:
    classes = _exception_classes()
    outside = sorted(
        name
        for cls, name in classes.items()
        if not issubclass(cls, TriobotError) and cls not in CONTROL_FLOW
    )
    assert outside == [], f"derive these from framework.errors.TriobotError: {outside}"
    # The walk did reach the families (a walk that found nothing would pass the check above).
    for family in (DerivError, APIError, ProtocolError, OAuthError, MarketError, BankError,
                   SimError, TransportError, UserError, ConfigError):  # fmt: skip
        assert family in classes, family


def test_the_allow_list_holds_only_control_flow_outside_the_root() -> None:
    classes = _exception_classes()
    for cls in CONTROL_FLOW:
        assert cls in classes, f"{cls.__qualname__} is no longer defined: drop it from the list"
        assert not issubclass(cls, TriobotError), f"{cls.__qualname__} is under the root now"


@pytest.mark.parametrize(
    "family", [DerivError, OAuthError, MarketError, BankError, SimError, TransportError]
)
def test_former_outsiders_are_caught_by_the_root(family: type[TriobotError]) -> None:
    assert issubclass(family, TriobotError)
    assert not issubclass(family, UserError)  # they are not exit-code errors by themselves


def test_user_errors_keep_their_exit_codes() -> None:
    assert UserError("bad").exit_code == 1
    assert UserError("usage", exit_code=2).exit_code == 2
    assert ConfigError("bad file").exit_code == 2
    assert ConfigError("bad file", exit_code=3).exit_code == 3
    assert str(ConfigError("x.yaml:3: stake: not a number")) == "x.yaml:3: stake: not a number"


def _import_in_fresh_interpreter(*modules: str) -> dict[str, list[str]]:
    """Import ``modules`` in a clean interpreter; report what got loaded."""
    script = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        "loaded = sorted(sys.modules)\n"
        "print(json.dumps({\n"
        "    'async': [m for m in loaded if m.split('.')[0] in ('trio', 'trio_websocket')],\n"
        "    'framework': [m for m in loaded if m.split('.')[0] == 'framework'],\n"
        "}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,  # "-c" puts the working directory first on sys.path: this checkout's code
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, list[str]] = json.loads(done.stdout)
    return result


def test_the_root_imports_nothing_async_and_nothing_of_the_framework() -> None:
    loaded = _import_in_fresh_interpreter("framework.errors")
    assert loaded["async"] == []
    assert loaded["framework"] == ["framework", "framework.errors"]


def test_the_protocol_core_imports_without_trio_and_only_the_root_besides_itself() -> None:
    loaded = _import_in_fresh_interpreter("framework.deriv", "framework.deriv.oauth")
    assert loaded["async"] == []
    outside = [m for m in loaded["framework"] if not m.startswith("framework.deriv")]
    assert outside == ["framework", "framework.errors"]
