"""Notifications of a running bot's events: generic JSON webhooks and Telegram."""

from .config import NotifyConfig as NotifyConfig

__all__ = ["NotifyConfig"]
