"""The ``web:`` section: where the dashboard and control API listen, and their token."""

from __future__ import annotations

from pathlib import Path

import attrs

from framework.simulator.config import is_loopback

__all__ = ["WebConfig", "parse_listen"]


def parse_listen(text: str) -> tuple[str, int]:
    """``HOST:PORT`` (``[::1]:8080`` for IPv6) as a host and a port (0: any free port).

    Raises:
        ValueError: not ``HOST:PORT``, or the port is not 0 to 65535.
    """
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit() or int(port) > 65535:
        raise ValueError(f"expected HOST:PORT (port 0 to 65535), got {text!r}")
    return host.strip("[]"), int(port)


def _listen(_inst: object, _attr: object, value: str) -> None:
    parse_listen(value)


@attrs.frozen
class WebConfig:
    """The ``web:`` section (or ``triobot run --web HOST:PORT``).

    Attributes:
        listen: ``HOST:PORT``; loopback by default, port 0 picks a free port.
        token_file: a file holding the bearer token, when ``TRIOBOT_WEB_TOKEN`` is not
            set; without either, one is generated at start and written (0600) under the
            bot's state directory.
        status_period: seconds between the ``status`` events of the live stream.
    """

    listen: str = attrs.field(default="127.0.0.1:0", validator=_listen)
    token_file: Path | None = None
    status_period: float = attrs.field(
        default=1.0, validator=[attrs.validators.gt(0), attrs.validators.le(3600)]
    )

    @property
    def host(self) -> str:
        """The host to bind."""
        return parse_listen(self.listen)[0]

    @property
    def port(self) -> int:
        """The port to bind (0: any free one)."""
        return parse_listen(self.listen)[1]

    @property
    def loopback(self) -> bool:
        """Whether only this machine can reach it."""
        return is_loopback(self.host)
