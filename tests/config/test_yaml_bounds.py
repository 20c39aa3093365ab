"""Hostile YAML: alias bombs and deep nesting are refused in one line, with exit 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from framework.config import ConfigError, parse_config
from framework.config.yamlload import MAX_DEPTH, MAX_VALUES, YamlLimitError, load_yaml

REPO = Path(__file__).resolve().parents[2]


def laughs(levels: int = 9) -> str:
    """A "billion laughs": each anchor repeats the one before nine times (about 1 KB)."""
    rows = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    rows += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels + 1)]
    return "\n".join(rows) + "\nstrategies: []\n"


def nested(depth: int) -> str:
    return "a: " + "[" * depth + "]" * depth + "\n"


def test_a_billion_laughs_is_refused_at_the_bound() -> None:
    text = laughs()
    assert len(text) < 1100
    with pytest.raises(YamlLimitError) as raised:
        load_yaml(text)
    assert f"more than {MAX_VALUES:,} values" in str(raised.value.problem)


def test_the_bound_counts_the_expanded_values_exactly() -> None:
    # A list of one anchored list repeated through aliases: the root, the outer list, and
    # `copies` times the inner list with its `width` scalars.
    width = 99
    inner = "[" + ", ".join(["x"] * width) + "]"

    def doc(copies: int) -> str:
        return f"a: &a {inner}\nb: [{', '.join(['*a'] * (copies - 1))}]\n"

    def values(copies: int) -> int:
        return 1 + copies * (1 + width) + 1  # root, copies of a, the list b

    fits = (MAX_VALUES - 2) // (1 + width)
    assert values(fits) <= MAX_VALUES < values(fits + 1)
    data, lines, _ = load_yaml(doc(fits))
    assert len(data["b"]) == fits - 1
    assert lines[("b", fits - 2, width - 1)] == 1  # a copy has the line of what it copies
    with pytest.raises(YamlLimitError):
        load_yaml(doc(fits + 1))


def test_ordinary_aliases_still_work_and_keep_their_lines() -> None:
    data, lines, problems = load_yaml("base: &b {x: 1, x: 2}\none: *b\ntwo: *b\n")
    assert data == {"base": {"x": 2}, "one": {"x": 2}, "two": {"x": 2}}
    assert lines[("two", "x")] == 1
    # The duplicate is in one place in the file: it is reported once, not once per alias.
    assert problems == [(("base", "x"), "duplicate key (first at line 1)", 1)]


def test_nesting_up_to_the_bound_loads_and_deeper_is_refused() -> None:
    data, _, _ = load_yaml(nested(MAX_DEPTH - 1))  # the root mapping is one level
    assert data is not None
    with pytest.raises(YamlLimitError) as raised:
        load_yaml(nested(MAX_DEPTH))
    assert raised.value.problem == f"nested deeper than {MAX_DEPTH} levels"
    assert raised.value.problem_mark is not None
    assert raised.value.problem_mark.column == 3 + MAX_DEPTH - 1


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (nested(1000), f"bot.yaml:1:67: refused: nested deeper than {MAX_DEPTH} levels"),
        ("a: " + "{b: " * 1000 + "1" + "}" * 1000 + "\n", "bot.yaml:1:253: refused: nested"),
        (laughs(), "bot.yaml:1:17: refused: aliases expand the document to more than"),
    ],
    ids=["deep-lists", "deep-mappings", "laughs"],
)
def test_the_config_error_is_one_line(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(text, "bot.yaml")
    message = str(raised.value)
    assert message.startswith(expected)
    assert "\n" not in message
    assert raised.value.exit_code == 2


@pytest.mark.parametrize("command", ["check", "run"])
@pytest.mark.parametrize("kind", ["laughs", "deep"])
def test_check_and_run_refuse_in_one_line(tmp_path: Path, command: str, kind: str) -> None:
    path = tmp_path / f"{kind}.yaml"
    path.write_text(laughs() if kind == "laughs" else nested(1000), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "bots.cli", command, str(path)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,  # generous: the bound makes it instant, a hang would fail here
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"triobot: {path}:1:")
    assert "refused" in lines[0]
