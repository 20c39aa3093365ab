"""Every config in ``bad/`` fails with a clear ConfigError naming path and line.

Each file starts with comment lines: ``# expect: FRAGMENT`` (must appear in the message;
``{file}`` stands for the file's path) and ``# never: TEXT`` (must not appear: secrets).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from framework.config import ConfigError, load_config

BAD = Path(__file__).parent / "bad"
FILES = sorted(BAD.glob("*.yaml"))


def expectations(path: Path) -> tuple[list[str], list[str]]:
    expect, never = [], []
    for line in path.read_text().splitlines():
        if line.startswith("# expect: "):
            expect.append(line.removeprefix("# expect: ").replace("{file}", str(path)))
        elif line.startswith("# never: "):
            never.append(line.removeprefix("# never: "))
    return expect, never


def test_the_corpus_is_there() -> None:
    assert len(FILES) >= 30


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_bad_config_gives_a_clear_error(path: Path) -> None:
    expect, never = expectations(path)
    assert expect, f"{path.name} has no '# expect:' line"
    with pytest.raises(ConfigError) as info:
        load_config(path, environ={})
    message = str(info.value)
    for fragment in expect:
        assert fragment in message
    for secret in never:
        assert secret not in message
    assert "Traceback" not in message
    assert info.value.exit_code == 2
