"""The bot's web dashboard, control API and Prometheus metrics (served in its own nursery)."""

from .config import WebConfig as WebConfig

__all__ = ["WebConfig"]
