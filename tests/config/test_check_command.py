"""``triobot check``: exit codes and what it prints."""

from __future__ import annotations

from pathlib import Path

import pytest

from bots.cli import main

REPO = Path(__file__).resolve().parents[2]


def test_check_demo_prints_calls_and_scopes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(REPO / "configs" / "demo.yaml")]) == 0
    out = capsys.readouterr().out
    assert "demo.yaml: OK" in out
    assert "momentum: strategies.momentum:TickMomentum" in out
    assert "1HZ100V: CALL/PUT 5t, stake martingale 1.00 up to 8.00" in out
    assert "buy                     trade" in out
    assert "Token scopes needed: read, trade" in out
    assert "compression off" not in out


def test_check_says_when_compression_is_off(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "plain.yaml"
    demo = (REPO / "configs" / "demo.yaml").read_text(encoding="utf-8")
    config.write_text("compression: false\n" + demo, encoding="utf-8")
    assert main(["check", str(config)]) == 0
    endpoint = capsys.readouterr().out.splitlines()[2]
    assert endpoint.startswith("endpoint    embedded simulator") and "(compression off)" in endpoint


def test_check_bad_config_exits_2_with_every_problem(
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = REPO / "tests" / "config" / "bad" / "many_problems.yaml"
    assert main(["check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"triobot: {bad}: 4 problems")
    assert "Traceback" not in err


def test_check_skip_secrets(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
                            ) -> None:  # fmt: skip
    monkeypatch.delenv("DERIV_TOKEN", raising=False)
    config = str(REPO / "configs" / "deriv-demo.yaml")
    assert main(["check", config]) == 2
    assert "DERIV_TOKEN is not set" in capsys.readouterr().err
    assert main(["check", config, "--skip-secrets"]) == 0
    out = capsys.readouterr().out
    assert "env:DERIV_TOKEN (not read)" in out and "never 'payments' or 'admin'" in out


def test_check_prints_warnings(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "c.yaml"
    config.write_text(
        "risk: {max_stake: 3}\nstrategies:\n  - name: m\n    plugin: momentum\n"
        "    symbols: [R_100]\n    stake: {scheme: martingale, base: 1}\n"
    )
    assert main(["check", str(config)]) == 0
    out = capsys.readouterr().out
    assert "Warnings:" in out and "risk.max_stake caps them at 3.00" in out
