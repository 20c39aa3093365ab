"""Fault injection: make the simulator misbehave on purpose, for reliability tests.

Faults are rules shared by every connection of a simulator. Each fires on a matching request
(a given call, or any call when ``call`` is ``None``) and is used up after ``times`` firings
(``None``: forever). Available faults:

* :meth:`Faults.drop_on` - close the connection abruptly when a request arrives, ``before``
  processing it (the request is lost) or ``after`` (state changed, answer lost: the case buy
  reconciliation exists for);
* :meth:`Faults.drop_after` - close the connection after the server has sent N more messages
  (answers and stream messages counted);
* :meth:`Faults.delay` - hold the answer for some seconds (Trio time, so virtual in tests);
* :meth:`Faults.stall` - stop answering on that connection for good, pings included (the
  server stops reading the socket, so the WebSocket layer cannot pong either);
* :meth:`Faults.malformed` - send a frame that is not JSON before the answer;
* :meth:`Faults.rate_limit` - answer ``RateLimit`` instead of processing;
* :meth:`Faults.corrupt` - rewrite (or remove) one field of the next answer or stream
  message of a call, after the server acted: valid JSON, a valid envelope, a payload the
  client's models must refuse (``buy.contract_id: "abc"``, a tick whose quote is ``"abc"``).

From the command line (``triobot sim --faults SPEC``) the same rules are written as
comma-separated items, e.g. ``drop_on=buy:after,delay=0.5:proposal,rate_limit=ticks:2``,
``corrupt=buy:contract_id=abc``; see :func:`parse_faults`.
"""

from __future__ import annotations

import json
from typing import Any, Literal

import attrs

from framework.deriv.calls import get_call
from framework.deriv.errors import LocalProtocolError

from .envelope import SimError

__all__ = ["FaultAction", "FaultRule", "Faults", "parse_faults"]

Kind = Literal["drop_before", "drop_after", "delay", "stall", "malformed", "rate_limit", "corrupt"]


@attrs.define
class FaultRule:
    """One fault.

    Attributes:
        kind: what happens.
        call: the call it fires on (``None``: any call).
        times: firings left (``None``: unlimited).
        seconds: the delay, for ``delay``.
        field: the payload field ``corrupt`` rewrites.
        value: what ``corrupt`` writes there.
        remove: ``corrupt`` removes the field instead.
        msg_types: the message types of ``call`` (``ticks`` sends ``tick``), for ``corrupt``.
    """

    kind: Kind
    call: str | None = None
    times: int | None = 1
    seconds: float = 0.0
    field: str = ""
    value: Any = None
    remove: bool = False
    msg_types: tuple[str, ...] = ()

    def matches(self, call: str) -> bool:
        """Whether the rule fires on ``call``."""
        return (self.call is None or self.call == call) and (self.times is None or self.times > 0)

    def use(self) -> None:
        """Count one firing."""
        if self.times is not None:
            self.times -= 1


@attrs.frozen
class FaultAction:
    """What the connection must do around one request (result of :meth:`Faults.on_request`).

    Attributes:
        delay: seconds to wait before answering.
        drop_before: close now, without processing.
        drop_after: process, then close without sending the answers.
        stall: stop answering, for good.
        malformed: send a malformed frame first.
    """

    delay: float = 0.0
    drop_before: bool = False
    drop_after: bool = False
    stall: bool = False
    malformed: bool = False

    @property
    def is_noop(self) -> bool:
        """True when nothing special happens."""
        return self == _NOOP


_NOOP = FaultAction()

#: The frame :meth:`Faults.malformed` sends.
MALFORMED_FRAME = '{"msg_type": "tick", "tick": {"quote": 12'


class Faults:
    """The fault rules of one simulator (all connections share them).

    Attributes:
        rules: active rules, in installation order.
        send_budget: messages left before the next ``drop_after`` fires (``None``: off).
        fired: how many faults fired so far, by kind (for tests and logs).
    """

    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.send_budget: int | None = None
        self.fired: dict[str, int] = {}

    # -- installing ----------------------------------------------------------------------

    def drop_on(
        self,
        call: str | None,
        *,
        when: Literal["before", "after"] = "before",
        times: int | None = 1,
    ) -> FaultRule:
        """Close the connection when ``call`` arrives, before or after processing it."""
        if when not in ("before", "after"):
            raise ValueError(f"when must be 'before' or 'after', not {when!r}")
        kind: Kind = "drop_before" if when == "before" else "drop_after"
        return self._add(FaultRule(kind, call, times))

    def drop_after(self, messages: int) -> None:
        """Close the connection that sends the ``messages``-th message from now (once)."""
        if messages < 1:
            raise ValueError("messages must be at least 1")
        self.send_budget = messages

    def delay(
        self, seconds: float, *, call: str | None = None, times: int | None = None
    ) -> FaultRule:
        """Hold answers (to ``call``, or to every call) for ``seconds``."""
        if seconds < 0:
            raise ValueError("seconds must not be negative")
        return self._add(FaultRule("delay", call, times, seconds))

    def stall(self, *, call: str | None = None, times: int | None = 1) -> FaultRule:
        """Make the connection go silent (pings included) at the next ``call`` request."""
        return self._add(FaultRule("stall", call, times))

    def malformed(self, *, call: str | None = None, times: int | None = 1) -> FaultRule:
        """Send a non-JSON frame before the answer to the next ``call`` request."""
        return self._add(FaultRule("malformed", call, times))

    def rate_limit(self, *, call: str | None = None, times: int | None = 1) -> FaultRule:
        """Answer ``RateLimit`` to the next ``times`` ``call`` requests."""
        return self._add(FaultRule("rate_limit", call, times))

    def corrupt(
        self,
        call: str,
        field: str,
        value: Any = None,
        *,
        remove: bool = False,
        times: int | None = 1,
    ) -> FaultRule:
        """Rewrite ``field`` in the next ``times`` messages of ``call`` that carry it.

        The server acts as usual (a buy buys); only the message it sends is changed: its
        payload's ``field`` becomes ``value`` (``None`` is sent as ``null``), or is removed
        when ``remove`` is true. Messages without the field (a stream's bare acknowledgement)
        and error answers are left alone.

        Raises:
            ValueError: ``call`` is not a call of the API, or ``field`` is empty.
        """
        try:
            msg_types = get_call(call).msg_types
        except LocalProtocolError:
            raise ValueError(f"unknown call {call!r}") from None
        if not field:
            raise ValueError("needs a field")
        rule = FaultRule("corrupt", call, times, field=field, value=value, remove=remove)
        rule.msg_types = (call, *msg_types)
        return self._add(rule)

    def clear(self) -> None:
        """Remove every rule."""
        self.rules.clear()
        self.send_budget = None

    def _add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    # -- consulting ----------------------------------------------------------------------

    def _fire(self, rule: FaultRule) -> None:
        rule.use()
        self.fired[rule.kind] = self.fired.get(rule.kind, 0) + 1
        if rule.times == 0:
            self.rules.remove(rule)

    def on_request(self, call: str) -> FaultAction:
        """Decide what happens around a request for ``call`` (and use up the rules)."""
        if not self.rules:
            return _NOOP
        delay = 0.0
        flags = {"drop_before": False, "drop_after": False, "stall": False, "malformed": False}
        for rule in list(self.rules):
            if rule.kind in ("rate_limit", "corrupt") or not rule.matches(call):
                continue
            if rule.kind == "delay":
                delay = max(delay, rule.seconds)
            else:
                flags[rule.kind] = True
            self._fire(rule)
        return FaultAction(delay=delay, **flags)

    def forced_error(self, call: str) -> SimError | None:
        """Return the ``RateLimit`` error a rule forces on ``call``, if any."""
        for rule in self.rules:
            if rule.kind == "rate_limit" and rule.matches(call):
                self._fire(rule)
                return SimError("RateLimit", f"You have reached the rate limit for {call}.")
        return None

    def rewrite(self, text: str) -> str:
        """Apply the ``corrupt`` rules to one message the server is about to send."""
        if not self.rules:
            return text  # the hot path: every message of every connection comes here
        rules = [rule for rule in self.rules if rule.kind == "corrupt"]
        if not rules:
            return text
        message = json.loads(text)
        msg_type = message.get("msg_type")
        payload = message.get(msg_type)
        if not isinstance(payload, dict) or "error" in message:
            return text
        changed = False
        for rule in rules:
            if msg_type not in rule.msg_types or rule.field not in payload:
                continue
            if rule.remove:
                payload.pop(rule.field, None)
            else:
                payload[rule.field] = rule.value
            self._fire(rule)
            changed = True
        return json.dumps(message) if changed else text

    def on_send(self) -> bool:
        """Count one sent message; return True when the connection must drop now."""
        if self.send_budget is None:
            return False
        self.send_budget -= 1
        if self.send_budget > 0:
            return False
        self.send_budget = None
        self.fired["drop_after_messages"] = self.fired.get("drop_after_messages", 0) + 1
        return True


def _times(text: str) -> int | None:
    return None if text in ("*", "inf") else int(text)


def _value(text: str) -> Any:
    """A ``corrupt`` value: JSON when it reads as JSON (``null``, ``12``), else the text."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_faults(spec: str, faults: Faults | None = None) -> Faults:
    """Parse a ``--faults`` specification.

    Items, comma-separated:

    * ``drop_after=N`` - drop after N messages sent;
    * ``drop_on=CALL[:before|after[:TIMES]]``;
    * ``delay=SECONDS[:CALL]`` (every matching request, forever);
    * ``stall[=CALL]``;
    * ``malformed[=CALL[:TIMES]]``;
    * ``rate_limit[=CALL[:TIMES]]``;
    * ``corrupt=CALL:FIELD[=VALUE][:TIMES]`` - the field of the payload becomes VALUE (JSON
      when it reads as JSON: ``null``, ``12``; else the text itself: ``abc``), or is removed
      when no ``=VALUE`` is given.

    ``CALL`` may be ``*`` for any call; ``TIMES`` may be ``*`` for unlimited.

    Args:
        spec: the text.
        faults: rules to add to (a new set when omitted).

    Returns:
        The fault set.

    Raises:
        ValueError: a malformed item, with the item quoted.
    """
    faults = faults if faults is not None else Faults()
    for raw in filter(None, (item.strip() for item in spec.split(","))):
        name, _, value = raw.partition("=")
        parts = value.split(":") if value else []
        call = None if not parts or parts[0] in ("", "*") else parts[0]
        try:
            if name == "drop_after":
                faults.drop_after(int(value))
            elif name == "drop_on":
                if call is None and not parts:
                    raise ValueError("needs a call")
                when = parts[1] if len(parts) > 1 else "before"
                times = _times(parts[2]) if len(parts) > 2 else 1
                if when == "before":
                    faults.drop_on(call, when="before", times=times)
                elif when == "after":
                    faults.drop_on(call, when="after", times=times)
                else:
                    raise ValueError("expected before or after")
            elif name == "delay":
                if not parts:
                    raise ValueError("needs SECONDS, e.g. delay=0.5 or delay=0.5:proposal")
                seconds = float(parts[0])
                faults.delay(seconds, call=parts[1] if len(parts) > 1 and parts[1] != "*" else None)
            elif name == "corrupt":
                if call is None or len(parts) < 2:
                    raise ValueError("needs CALL:FIELD, e.g. corrupt=buy:contract_id=abc")
                field, has_value, text = parts[1].partition("=")
                times = _times(parts[2]) if len(parts) > 2 else 1
                if has_value:
                    faults.corrupt(call, field, _value(text), times=times)
                else:
                    faults.corrupt(call, field, remove=True, times=times)
            elif name in ("stall", "malformed", "rate_limit"):
                times = _times(parts[1]) if len(parts) > 1 else 1
                getattr(faults, name)(call=call, times=times)
            else:
                raise ValueError("unknown fault")
        except ValueError as exc:
            raise ValueError(f"bad fault {raw!r}: {exc}") from None
    return faults
