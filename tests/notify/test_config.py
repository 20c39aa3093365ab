"""The ``notify:`` section through the config loader: targets, the bot token, problems."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from framework.config import ConfigError, parse_config
from framework.notify.config import DEFAULT_EVENTS, RetryConfig, TelegramTarget, WebhookTarget

STRATEGY = """
strategies:
  - name: m
    plugin: momentum
    symbols: [R_100]
    stake: {scheme: fixed, amount: 1}
"""

TOKEN = "123456:telegram-secret"
ENV = {"TRIOBOT_TELEGRAM_TOKEN": TOKEN}


def problems(section: str, environ: dict[str, str] | None = None) -> list[str]:
    """The lines of the ConfigError a config with ``section`` raises."""
    with pytest.raises(ConfigError) as caught:
        parse_config(section + STRATEGY, "bot.yaml", environ=environ or {})
    return str(caught.value).splitlines()[1:]


def test_webhooks_and_telegram_with_the_token_from_the_environment() -> None:
    text = """notify:
  webhooks:
    - {url: "https://hooks.example.com/T0/B1/xyz"}
    - {url: "http://127.0.0.1:8080/in", name: local, timeout: 2}
  telegram: {chat_id: -100123}
  retry: {attempts: 3}
"""
    config = parse_config(text + STRATEGY, environ=ENV).notify
    assert config is not None
    assert config.events == DEFAULT_EVENTS and config.queue == 1000 and config.flush == 5.0
    first, second = config.webhooks
    assert first == WebhookTarget("https://hooks.example.com/T0/B1/xyz")
    assert (first.label, second.label) == ("webhook hooks.example.com", "local")
    assert WebhookTarget("http://127.0.0.1:8080/in").label == "webhook 127.0.0.1:8080"
    assert second.timeout == 2.0
    assert config.retry == RetryConfig(attempts=3, initial=1.0, maximum=60.0)
    telegram = config.telegram
    assert telegram is not None and telegram.chat_id == -100123
    assert telegram.api_url == "https://api.telegram.org" and telegram.label == "telegram"
    assert telegram.token is not None and telegram.token.reveal() == TOKEN
    assert TOKEN not in repr(config)


def test_the_token_file_wins_over_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "telegram"
    path.write_text("  file-token\n", encoding="utf-8")
    os.chmod(path, 0o600)
    text = f"notify: {{telegram: {{chat_id: '@alerts', token_file: {path}}}}}\n"
    config = parse_config(text + STRATEGY, environ=ENV)
    assert config.notify is not None and config.notify.telegram is not None
    token = config.notify.telegram.token
    assert token is not None and token.reveal() == "file-token"
    assert config.warnings == ()


def test_a_token_file_readable_by_others_warns_at_its_key(tmp_path: Path) -> None:
    path = tmp_path / "telegram"
    path.write_text("file-token\n", encoding="utf-8")
    os.chmod(path, 0o644)
    text = f"notify:\n  telegram: {{chat_id: 1, token_file: {path}}}\n"
    config = parse_config(text + STRATEGY, "bot.yaml")
    assert len(config.warnings) == 1
    assert config.warnings[0].startswith("notify.telegram.token_file: ")
    assert "chmod 600" in config.warnings[0]


def test_a_missing_token_is_one_line_naming_where_to_put_it() -> None:
    assert problems("notify:\n  telegram: {chat_id: 1}\n") == [
        "  notify.telegram: needs the bot token: set TRIOBOT_TELEGRAM_TOKEN in the environment "
        "or add token_file: PATH (bot.yaml:2)"
    ]
    assert problems("notify:\n  telegram: {chat_id: 1}\n", {"TRIOBOT_TELEGRAM_TOKEN": " "})


def test_an_unreadable_or_empty_token_file_is_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    assert problems(f"notify:\n  telegram: {{chat_id: 1, token_file: {missing}}}\n") == [
        f"  notify.telegram.token_file: cannot read {missing}: No such file or directory "
        "(bot.yaml:2)"
    ]
    empty = tmp_path / "empty"
    empty.write_text("\n", encoding="utf-8")
    os.chmod(empty, 0o600)
    assert problems(f"notify:\n  telegram: {{chat_id: 1, token_file: {empty}}}\n") == [
        f"  notify.telegram.token_file: {empty} is empty (bot.yaml:2)"
    ]


def test_skipping_secrets_checks_the_section_without_the_token() -> None:
    text = "notify:\n  telegram: {chat_id: 1}\n"
    config = parse_config(text + STRATEGY, environ={}, resolve_secrets=False)
    assert config.notify is not None and config.notify.telegram is not None
    assert config.notify.telegram.token is None


@pytest.mark.parametrize(
    ("section", "line"),
    [
        (
            "notify:\n  webhooks: [{url: 'ftp://example.com/hook'}]\n",
            "notify.webhooks[0].url: must be an http:// or https:// URL, got scheme 'ftp'",
        ),
        (
            "notify:\n  webhooks: [{url: 'example.com/secret-path'}]\n",
            "notify.webhooks[0].url: must be an http:// or https:// URL, got no scheme",
        ),
        (
            "notify:\n  webhooks: [{url: 'https:///secret-path'}]\n",
            "notify.webhooks[0].url: must be an http:// or https:// URL with a host, got no host",
        ),
        (
            "notify:\n  webhooks: [{url: 'https://h/x', timeout: 0}]\n",
            "notify.webhooks[0].timeout: must be > 0.0, got 0.0",
        ),
        (
            "notify:\n  webhooks: [{url: 'https://h/x', name: ''}]\n",
            "notify.webhooks[0].name: must have at least 1 item, got 0",
        ),
        (
            "notify:\n  events: [settled, traded]\n  webhooks: [{url: 'https://h/x'}]\n",
            "notify.events: unknown event(s) ['traded']; choose from ['started', 'stopped', "
            "'bought', 'settled', 'trip', 'connection_lost', 'connection_restored', 'strategy', "
            "'control']",
        ),
        ("notify: {queue: 10}\n", "notify: sends nowhere: give webhooks, telegram or both"),
        (
            "notify:\n  telegram: {chat_id: ' '}\n",
            "notify.telegram.chat_id: must be a chat id or @channelname, got an empty string",
        ),
        (
            "notify:\n  telegram: {chat_id: true}\n",
            "notify.telegram.chat_id: expected int or str, got True",
        ),
        (
            "notify:\n  telegram: {chat_id: 1, api_url: 'telegram.org'}\n",
            "notify.telegram.api_url: must be an http:// or https:// URL, got no scheme",
        ),
        (
            "notify:\n  telegram: {chat_id: 1, token: abc}\n",
            "notify.telegram.token: unknown key (expected one of: api_url, chat_id, timeout, "
            "token_file)",
        ),
        (
            "notify:\n  webhooks: [{url: 'https://h/x'}]\n  retry: {initial: 10, maximum: 5}\n",
            "notify.retry: retry.maximum (5) must be at least retry.initial (10)",
        ),
        (
            "notify:\n  webhooks: [{url: 'https://h/x'}]\n  retry: {attempts: 0}\n",
            "notify.retry.attempts: must be >= 1, got 0",
        ),
        (
            "notify:\n  webhooks: [{url: 'https://h/x'}]\n  flush: 61\n",
            "notify.flush: must be <= 60.0, got 61.0",
        ),
    ],
)
def test_each_problem_is_one_line_that_never_repeats_a_url(section: str, line: str) -> None:
    found = problems(section, ENV)
    assert len(found) == 1
    text, where = found[0].strip().rsplit(" (", 1)
    assert text == line and where.startswith("bot.yaml:")
    assert "secret-path" not in found[0] and "abc" not in found[0]


def test_a_target_made_in_python_is_checked_too() -> None:
    with pytest.raises(ValueError, match="got scheme 'file'"):
        WebhookTarget("file:///etc/passwd")
    assert TelegramTarget(chat_id="@x").token is None
