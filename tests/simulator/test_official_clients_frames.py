"""The frame check the official clients' sessions rely on finds what is wrong, both ways."""

from __future__ import annotations

from pathlib import Path

from tests.simulator.official_clients import schema_problems


def test_a_bad_frame_either_way_or_of_no_known_call_is_a_problem(schema_dir: Path) -> None:
    good_send = {"ticks": "R_100", "subscribe": 1, "req_id": 1}
    good_recv = {"echo_req": {"ping": 1}, "msg_type": "ping", "ping": "pong"}
    assert schema_problems([("send", good_send), ("recv", good_recv)]) == []
    problems = schema_problems(
        [
            ("send", {**good_send, "colour": "red"}),  # not in ticks/send.json
            ("recv", {**good_recv, "ping": "ping"}),  # not the schema's enum
            ("send", {"no_such_call": 1}),
        ]
    )
    assert [(direction, call) for direction, call, _ in problems] == [
        ("send", "ticks"),
        ("recv", "ping"),
        ("send", "?"),
    ]
