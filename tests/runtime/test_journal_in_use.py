"""Two ``triobot run`` of one config in one folder: the second is refused before it connects.

Real processes, as a user would start them: the first bot runs the demo on its embedded
simulator; the second exits 4 with one line naming the journal and the first bot's pid, and
``triobot report`` reads the journal in use all the while.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path

TRIOBOT = [sys.executable, "-m", "bots.cli"]
DEMO = Path(__file__).resolve().parents[2] / "configs" / "demo.yaml"


def test_a_second_bot_on_one_journal_exits_4_naming_the_first(tmp_path: Path) -> None:
    shutil.copy(DEMO, tmp_path / "demo.yaml")
    first = subprocess.Popen(
        [*TRIOBOT, "run", "demo.yaml", "--log-format", "json"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stderr is not None
        for line in first.stderr:
            if json.loads(line)["event"] == "bot started":
                break
        second = subprocess.run(
            [*TRIOBOT, "run", "demo.yaml", "--log-format", "json"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode == 4, second.stderr
        assert second.stdout == ""
        assert second.stderr == (
            "triobot: triobot-demo.sqlite: journal in use by another triobot process "
            f"(pid {first.pid}, lock triobot-demo.sqlite.lock); stop that bot first, or "
            "give this one its own journal (the config's journal: key)\n"
        )
        report = subprocess.run(
            [*TRIOBOT, "report", "triobot-demo.sqlite", "--json"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert report.returncode == 0, report.stderr
        assert json.loads(report.stdout)["journal"] == "triobot-demo.sqlite"
    finally:
        first.send_signal(signal.SIGINT)
        out, _ = first.communicate(timeout=120)
    assert first.returncode == 0
    assert out.startswith("stopped: SIGINT\n"), out
