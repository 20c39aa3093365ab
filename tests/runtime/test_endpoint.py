"""``connect``: the bot config's connection settings reach the connection actor."""

from __future__ import annotations

from pathlib import Path

import pytest
import trio
from trio.testing import MockClock

from framework.config import parse_config
from framework.runtime.endpoint import connect
from tests.runtime.conftest import EVERY


@pytest.mark.parametrize("compression", [True, False])
async def test_the_compression_setting_reaches_the_connection(
    tmp_path: Path, vclock: MockClock, compression: bool
) -> None:
    config = parse_config(
        f"compression: {'true' if compression else 'false'}\n"
        f"journal: {tmp_path / 'journal.sqlite'}\n"
        f"strategies:\n{EVERY}"
    )
    async with trio.open_nursery() as nursery:
        endpoint = await connect(config, nursery)
        assert endpoint.connection.settings.compression is compression
        assert (await endpoint.connection.request("ping")).data == "pong"
        nursery.cancel_scope.cancel()
