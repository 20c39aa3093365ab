"""README.md's commands, run as written, in one shell, from where the README says.

The README's shell blocks (```` ```sh ```` lines and ```` ```console ```` ``$`` lines) are run in
their order by one ``bash -e`` started in the checkout, as a reader pasting them into one
terminal would: the tour's ``export PATH=...`` and ``cd`` carry over to the next commands.
A block the README asks the reader to save (its first line ``# my_strategies.py``) is saved
in the shell's folder at the point where the README shows it. ``mktemp -d`` makes its folder
under this test's temporary directory (``TMPDIR``).

What is not run, each for its reason (:data:`SKIPPED`), and the one substitution
(:data:`SUBSTITUTIONS`): the demo's 15-second run is shortened, being the same command.
Each command must exit 0 without a traceback; each line of output the README shows that
holds no figures (no digits: figures vary with time and speed) must appear in the
command's output, and the demo run must log nothing above info.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

import attrs
import pytest

from tests.docs.blocks import README, ROOT, blocks

#: Commands the test does not run, by their first words, with the reason.
SKIPPED: dict[str, str] = {
    "make venv": "builds the virtual environment this test already runs in",
    "make run": "sets up .venv, then runs configs/demo.yaml for 60 s: the tour's own "
    "`triobot run configs/demo.yaml` below is the same run",
    "make test": "runs this test suite, this test included",
    ".venv/bin/python tools/gen_calls.py": "rewrites a checked-in file; "
    "tests/deriv/test_calltable.py runs the same generator and fails on drift",
}

#: The one substitution: the README's demo run, shortened (same command, same config).
SUBSTITUTIONS: dict[str, str] = {"--duration 15": "--duration 6"}


@attrs.frozen
class Step:
    """One command of the README, or one file it asks to save.

    Attributes:
        where: ``README.md:LINE`` of its block.
        command: the shell text (empty for a file).
        shown: the output the README shows under it.
        file: ``(name, text)`` of a file to save.
    """

    where: str
    command: str = ""
    shown: tuple[str, ...] = ()
    file: tuple[str, str] | None = None


def readme_steps() -> list[Step]:
    """The README's commands and files, in order."""
    steps: list[Step] = []
    for block in blocks(README):
        if block.file_name is not None:
            steps.append(Step(block.where, file=(block.file_name, block.body)))
        elif block.lang == "sh":
            steps += [Step(block.where, line) for line in _joined(block.body.splitlines()) if line]
        elif block.lang == "console":
            command: str | None = None
            shown: list[str] = []
            for line in _joined(block.body.splitlines()):
                if line.startswith("$ "):
                    if command is not None:
                        steps.append(Step(block.where, command, tuple(shown)))
                    command, shown = line[2:], []
                else:
                    shown.append(line)
            if command is not None:
                steps.append(Step(block.where, command, tuple(shown)))
    return steps


def _joined(lines: list[str]) -> list[str]:
    """Lines with ``\\`` continuations joined, as the shell reads them."""
    out: list[str] = []
    for line in lines:
        if out and out[-1].endswith("\\"):
            out[-1] = out[-1][:-1] + line.strip()
        else:
            out.append(line)
    return out


def _skip_reason(command: str) -> str | None:
    words = shlex.split(command, comments=True)
    for prefix, reason in SKIPPED.items():
        if words[: len(prefix.split())] == prefix.split():
            return reason
    return None


def _script(steps: list[Step]) -> str:
    """One bash script: each step between markers on stdout and stderr."""
    lines = ["set -e"]
    for n, step in enumerate(steps):
        lines.append(f"echo '@@step {n}'; echo '@@step {n}' >&2")
        if step.file is not None:
            name, text = step.file
            lines.append(f"cat > {shlex.quote(name)} <<'README_EOF'\n{text}README_EOF")
            continue
        if _skip_reason(step.command) is not None:
            continue
        command = step.command
        for old, new in SUBSTITUTIONS.items():
            command = command.replace(old, new)
        lines.append(command)
    lines.append("echo '@@step end'; echo '@@step end' >&2")
    return "\n".join(lines) + "\n"


def _visible(folder: Path) -> set[Path]:
    """A folder's entries, without dotfiles (coverage writes its data files there)."""
    return {p for p in folder.iterdir() if not p.name.startswith(".")}


def _split(text: str) -> dict[str, str]:
    parts = re.split(r"^@@step (\w+)\n", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_the_readme_is_parsed_into_its_tour() -> None:
    steps = readme_steps()
    commands = [s.command for s in steps if s.file is None]
    assert "triobot run configs/demo.yaml --duration 15 --log-format console" in commands
    assert any(c.startswith("export PATH=") for c in commands)
    assert {s.file[0] for s in steps if s.file is not None} == {"my_strategies.py", "dip.yaml"}
    # Every skip and substitution still matches something in the README.
    for prefix in SKIPPED:
        assert any(c.startswith(prefix) for c in commands), prefix
    for old in SUBSTITUTIONS:
        assert any(old in c for c in commands), old


@pytest.mark.skipif(
    not (ROOT / ".venv" / "bin" / "triobot").exists(),
    reason="the tour runs the checkout's .venv/bin/triobot, which `make venv` creates",
)
def test_every_readme_command_works_as_written(tmp_path: Path) -> None:
    steps = readme_steps()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "COLUMNS")}
    env["TMPDIR"] = str(tmp_path)
    before = _visible(ROOT)
    done = subprocess.run(
        ["bash", "-c", _script(steps)],
        cwd=ROOT,  # "Start in the checkout"
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out, err = _split(done.stdout), _split(done.stderr)
    failed = next((s for s in steps if str(steps.index(s)) not in out), None)
    assert done.returncode == 0 and "end" in out, (
        f"{failed.where}: `{failed.command}` failed:\n{done.stderr[-3000:]}"
        if failed is not None
        else done.stderr[-3000:]
    )
    ran = 0
    for n, step in enumerate(steps):
        if step.file is not None or _skip_reason(step.command) is not None:
            continue
        ran += 1
        output = out[str(n)] + err[str(n)]
        assert "Traceback" not in output, (step.where, step.command, output)
        for line in step.shown:
            if line.strip() and not line.startswith("...") and not re.search(r"\d", line):
                assert line.strip() in output, (step.where, step.command, line, output)
        if step.command.startswith("triobot run"):
            # An ordinary run warns of nothing: no kill switch for its stop, no surplus scope.
            logged = [line for line in err[str(n)].splitlines() if "] " in line]
            assert logged and all("[info     ]" in line for line in logged), logged
            assert "stopped: duration 6s elapsed" in out[str(n)]
    assert ran >= 8
    # The journal, the simulator state, the report: all in the scratch folder.
    assert _visible(ROOT) == before
