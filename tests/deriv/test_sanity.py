"""The server's key/value sanity check, rule by rule."""

from __future__ import annotations

from typing import Any

import pytest

from framework.deriv.sanity import sanity_failure


@pytest.mark.parametrize(
    ("request_", "failing"),
    [
        ({"ping": 1, "req_id": 3}, None),
        ({"ticks": "R_100", "passthrough": {"note": "Ünïcode and 日本語 and ١٢٣"}}, None),
        ({"ping": 1, "bad key": 1}, "bad key"),
        ({"ping": 1, "k.y": 1}, "k.y"),
        ({"ping": 1, "req_id٣": 1}, "req_id٣"),  # an Arabic-Indic digit in a key
        ({"ping": 1, "k" * 51: 1}, "k" * 51),
        ({"ping": 1, "k" * 50: 1}, None),
        ({"ticks": "x" * 301}, "ticks"),
        ({"ticks": "x" * 300}, None),
        ({"ticks": "\ue000"}, "ticks"),  # private use: no script, not a letter
        ({"ticks": "\u05c3"}, "ticks"),  # Hebrew punctuation: a script other than Common
        ({"ticks": "tab\tnewline\n and !@#~"}, None),
        ({"passthrough": {"bad key": 1}}, "bad key"),
        ({"passthrough": {"x": "\ue000"}}, "x"),
        ({"tokens": ["ok", "\ue000"]}, "tokens"),
        ({"new_password": "\ue000" * 400}, None),  # password values are not checked
        ({"ticks": None, "a": False, "b": 0, "c": "", "d": "0"}, None),  # false in Perl
        ({"passthrough": {"deep": {"x": "\ue000", "bad key": 1}}}, None),  # one level only
        ({"bad key": {"ok": 1}}, None),  # a container's own key is not checked
        ({"amount": 10.5, "duration": 5}, None),  # numbers are checked as their text
    ],
)
def test_sanity_failure_follows_the_server_patterns(
    request_: dict[str, Any], failing: str | None
) -> None:
    assert sanity_failure(request_) == failing
