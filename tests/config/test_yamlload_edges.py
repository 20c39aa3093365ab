"""YAML 1.2 integers in configs, and keys that are not scalars."""

from __future__ import annotations

import json

import pytest

from framework.config import ConfigError, parse_config
from framework.config.yamlload import load_yaml


def test_octal_hex_and_leading_zero_integers() -> None:
    data, _, problems = load_yaml("a: 0o17\nb: 0x1f\nc: 017\nd: -5\n")
    assert data == {"a": 15, "b": 31, "c": 17, "d": -5}  # 017 is decimal in YAML 1.2
    assert problems == []


def test_a_list_as_a_key_is_one_clear_line() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config("? [x, y]\n: 3\n", "bot.yaml")
    message = str(raised.value)
    assert (
        message
        == "bot.yaml:1:3: not valid YAML: while constructing a mapping: found unhashable key"
    )


@pytest.mark.parametrize("key", ["k\n", "a\nb", "tab\t", "two words"])
def test_an_odd_key_stays_on_its_own_line(key: str) -> None:
    text = f"strategies: []\n{json.dumps(key)}: 1\n"
    with pytest.raises(ConfigError) as raised:
        parse_config(text, "bot.yaml")
    for line in str(raised.value).splitlines()[1:]:
        assert line.startswith("  ") and line.endswith(("(bot.yaml:1)", "(bot.yaml:2)")), line
    assert f"[{key!r}]: unknown key" in str(raised.value)
