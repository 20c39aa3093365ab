"""The documents' code agrees with the code: bot configs check, strategies load, tests pass.

* Every YAML block of README.md and docs/*.md that is a bot config (a mapping with
  ``strategies:``) passes ``triobot check``, with the strategy files its document asks the
  reader to save beside it (``# my_strategies.py`` blocks) importable, as ``PYTHONPATH=.``
  makes them in the documents.
* Every Python block that defines a strategy names the file to save it as, imports, and
  loads through the plugin loader, with default parameters that validate.
* A file shown in several documents is the same file in each (README's step 4 and
  docs/strategies.md show one ``my_strategies.py`` and one ``dip.yaml``).
* The test functions a document shows for its strategy pass.
"""

from __future__ import annotations

import ast
import io
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from bots.cli import main
from bots.commands.check import run_check
from framework.strategy._plugins import load_strategy_class
from tests.docs.blocks import Block, all_blocks, blocks


def _configs() -> list[Block]:
    found = []
    for block in all_blocks():
        if block.lang not in ("yaml", "yml"):
            continue
        data = yaml.safe_load(block.body)
        if isinstance(data, dict) and "strategies" in data:
            found.append(block)
    return found


def _module(block: Block) -> ast.Module:
    """A Python block's syntax tree; empty for a signature shown for reading (``*, x=None``)."""
    try:
        return ast.parse(block.body)
    except SyntaxError:
        return ast.Module(body=[], type_ignores=[])


def _strategy_classes(block: Block) -> list[str]:
    """Names of the classes a block derives from ``Strategy[...]``."""
    return [
        node.name
        for node in _module(block).body
        if isinstance(node, ast.ClassDef)
        and any(ast.unparse(base).split("[")[0] == "Strategy" for base in node.bases)
    ]


def _strategy_blocks() -> list[Block]:
    return [b for b in all_blocks() if b.lang == "python" and _strategy_classes(b)]


def _test_blocks() -> list[Block]:
    return [
        b
        for b in all_blocks()
        if b.lang == "python"
        and any(
            isinstance(n, ast.FunctionDef) and n.name.startswith("test_")
            for n in ast.walk(_module(b))
        )
    ]


@pytest.fixture
def document_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Save a document's named blocks in a folder on ``sys.path``, as its reader would."""

    def save(path: Path) -> Path:
        for block in blocks(path):
            if block.file_name is not None:
                (tmp_path / block.file_name).write_text(block.body, encoding="utf-8")
        return tmp_path

    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.chdir(tmp_path)
    before = set(sys.modules)
    yield save
    for name in set(sys.modules) - before:  # the next document's module of the same name
        del sys.modules[name]


def test_the_documents_show_bot_configs_and_strategies() -> None:
    # The collection below must not silently become empty.
    assert {b.where.split(":")[0] for b in _configs()} >= {
        "README.md",
        "docs/config.md",
        "docs/strategies.md",
    }
    assert {b.where.split(":")[0] for b in _strategy_blocks()} == {
        "README.md",
        "docs/strategies.md",
    }


@pytest.mark.parametrize("block", _configs(), ids=lambda b: b.where)
def test_every_bot_config_passes_check(block: Block, document_files: Any) -> None:
    folder: Path = document_files(block.path)
    config = folder / (block.file_name or "shown.yaml")
    config.write_text(block.body, encoding="utf-8")
    out = io.StringIO()
    assert run_check(str(config), skip_secrets=True, out=out) == 0, block.where
    assert f"{config}: OK" in out.getvalue()


@pytest.mark.parametrize("block", _strategy_blocks(), ids=lambda b: b.where)
def test_every_strategy_block_imports_and_loads(block: Block, document_files: Any) -> None:
    assert block.file_name is not None and block.file_name.endswith(".py"), (
        f"{block.where}: a strategy block starts with the file to save it as (# NAME.py)"
    )
    document_files(block.path)
    module = block.file_name.removesuffix(".py")
    names = _strategy_classes(block)
    assert names, block.where
    for name in names:
        cls = load_strategy_class(f"{module}:{name}")  # PluginError names what is wrong
        cls.Params()  # the defaults validate


def test_a_file_shown_twice_is_the_same_file() -> None:
    shown: dict[str, Block] = {}
    for block in all_blocks():
        name = block.file_name
        if name is None:
            continue
        first = shown.setdefault(name, block)
        assert block.body == first.body, f"{block.where} differs from {first.where} ({name})"
    assert {"my_strategies.py", "dip.yaml"} <= set(shown)


@pytest.mark.parametrize("block", _test_blocks(), ids=lambda b: b.where)
def test_the_tests_a_document_shows_pass(block: Block, document_files: Any) -> None:
    document_files(block.path)
    namespace: dict[str, Any] = {}
    exec(compile(block.body, block.where, "exec"), namespace)  # the reader's test file
    tests = [f for name, f in namespace.items() if name.startswith("test_") and callable(f)]
    assert tests
    for test in tests:
        test()


def test_the_dip_config_backtests(document_files: Any, capsys: pytest.CaptureFixture[str]) -> None:
    folder: Path = document_files(Path(__file__).resolve().parents[2] / "README.md")
    assert main(["backtest", str(folder / "dip.yaml"), "--count", "3000", "--quiet"]) == 0
    assert "dip" in capsys.readouterr().out
