"""Steering a running bot: pause and resume a strategy, stop, the kill switch, a sale.

:class:`BotControl` is what a person (through the web API, or any other front end) may do
to a bot that runs. Every action:

* goes through the path the bot already has for it: a pause is the strategy context's
  refusal of new intents (open contracts are still followed, sold and updated, and the
  strategy still sees every event, so its indicators stay current); a stop is the
  graceful stop a SIGTERM asks for; the kill switch is the risk gate's; a sale is the
  owning strategy's ``ctx.sell``, journaled and carried out by the execution actor like
  any order;
* is idempotent: asking again for what holds already changes nothing and says so
  (``changed: false``);
* is journaled (an event row with its time, the action, its target, its source and what
  it changed) and published on the bot's event bus, changed or not, so the record shows
  every request a person made.

An action that cannot be carried out (an unknown strategy or contract) raises
:class:`ControlError`, with the HTTP status a front end should answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import attrs

from framework.errors import TriobotError
from framework.journal import JournalError

if TYPE_CHECKING:
    from .supervisor import Bot

__all__ = ["BotControl", "ControlAction", "ControlError", "ControlResult"]

ControlAction = Literal["pause", "resume", "stop", "kill", "clear_kill", "sell"]


class ControlError(TriobotError):
    """A control action that names what does not exist, or cannot be done now.

    Attributes:
        status: the HTTP status a front end answers with (404 unknown, 409 not now).
    """

    def __init__(self, message: str, *, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


@attrs.frozen
class ControlResult:
    """What a control action did.

    Attributes:
        action: what was asked.
        target: the strategy or contract it was about (``None``: the whole bot).
        source: who asked (``"web 127.0.0.1"``, ``"cli"``...).
        changed: whether it changed anything (``False``: it held already).
        detail: what it did, or why nothing changed, for people.
        contract_id: the contract of a sale.
        order_id: the sale's order id, when one was given to the actor.
    """

    action: ControlAction
    target: str | None
    source: str
    changed: bool
    detail: str
    contract_id: int | None = None
    order_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return attrs.asdict(self)


class BotControl:
    """The control actions of one running bot (see the module docstring)."""

    def __init__(self, bot: Bot) -> None:
        """Control ``bot`` (its components exist once it has started).

        Args:
            bot: the running bot.
        """
        self._bot = bot

    # -- strategies ----------------------------------------------------------------------

    def pause(self, strategy: str, *, source: str) -> ControlResult:
        """Stop ``strategy``'s new intents; its open contracts are still followed."""
        ctx = self._slot(strategy).ctx
        changed = not ctx.paused
        ctx.paused = True
        detail = "paused: no new intents" if changed else "already paused"
        return self._done("pause", strategy, source, changed, detail, publish_slot=strategy)

    def resume(self, strategy: str, *, source: str) -> ControlResult:
        """Let a paused ``strategy`` give intents again."""
        ctx = self._slot(strategy).ctx
        changed = ctx.paused
        ctx.paused = False
        detail = "resumed" if changed else "not paused"
        return self._done("resume", strategy, source, changed, detail, publish_slot=strategy)

    # -- the bot -------------------------------------------------------------------------

    def stop(self, *, source: str) -> ControlResult:
        """Stop the bot gracefully, as SIGTERM does."""
        stop = self._bot.stop
        changed = not stop.requested
        stop.request(f"stopped by {source}")
        detail = "stopping gracefully" if changed else f"already stopping ({stop.reason})"
        return self._done("stop", None, source, changed, detail)

    def kill(self, *, source: str, reason: str = "") -> ControlResult:
        """Trip the kill switch: no new trades for the session, until cleared."""
        gate = self._parts()[1]
        changed = "kill_switch" not in gate.trips
        why = f"by {source}" + (f": {reason}" if reason else "")
        gate.kill(why, self._now())
        detail = "kill switch on: no new trades" if changed else "kill switch already on"
        return self._done("kill", None, source, changed, detail)

    def clear_kill(self, *, source: str) -> ControlResult:
        """Clear the kill switch (a kill file that still exists trips it again)."""
        gate = self._parts()[1]
        changed = gate.clear_kill(self._now())
        detail = "kill switch cleared" if changed else "kill switch was not on"
        return self._done("clear_kill", None, source, changed, detail)

    # -- contracts -----------------------------------------------------------------------

    def sell(self, contract_id: int, *, source: str) -> ControlResult:
        """Sell an open contract at market, through the strategy that bought it.

        Raises:
            ControlError: the bot does not follow such a contract (404), its strategy is
                no longer configured, or the contract may not be sold now (409).
        """
        actor, _ = self._parts()
        followed = actor.followed.get(contract_id)
        if followed is None:
            raise ControlError(f"no open contract {contract_id}", status=404)
        latest = followed.latest
        if latest is not None and not latest.is_valid_to_sell:
            raise ControlError(f"contract {contract_id} may not be sold now (the server says)")
        name = followed.intent.strategy
        slot = self._bot.runner.slots.get(name) if self._bot.runner is not None else None
        if slot is None:
            raise ControlError(
                f"contract {contract_id} belongs to strategy {name!r}, which is not running"
            )
        ctx = slot.ctx
        before = dict(ctx.order_refusals)
        order = ctx.sell(contract_id)
        if order is None:
            why = next(
                (k for k, n in ctx.order_refusals.items() if n > before.get(k, 0)), "refused"
            )
            detail = {
                "closing": "already being closed",
                "not_open": "not known to its strategy yet (no update so far)",
            }.get(why, why)
            return self._done("sell", str(contract_id), source, False, detail, contract_id)
        return self._done(
            "sell",
            str(contract_id),
            source,
            True,
            f"sale ordered for {name}",
            contract_id,
            order.order_id,
        )

    # -- helpers -------------------------------------------------------------------------

    def _slot(self, strategy: str) -> Any:
        runner = self._bot.runner
        slot = runner.slots.get(strategy) if runner is not None else None
        if slot is None:
            raise ControlError(f"no strategy {strategy!r}", status=404)
        return slot

    def _parts(self) -> tuple[Any, Any]:
        bot = self._bot
        if bot.actor is None or bot.gate is None:
            raise ControlError("the bot has not started yet", status=503)
        return bot.actor, bot.gate

    def _now(self) -> int:
        actor = self._bot.actor
        return actor.now if actor is not None else 0

    def _done(
        self,
        action: ControlAction,
        target: str | None,
        source: str,
        changed: bool,
        detail: str,
        contract_id: int | None = None,
        order_id: str | None = None,
        *,
        publish_slot: str | None = None,
    ) -> ControlResult:
        bot = self._bot
        result = ControlResult(action, target, source, changed, detail, contract_id, order_id)
        fields = result.as_dict()
        if bot.journal is not None:
            try:
                bot.journal.record_control(fields)
            except JournalError as exc:  # the action is taken; its audit row is what failed
                bot.log.error("control action not journaled", error=str(exc), **fields)
        bot.log.warning("control", **fields)
        bot.events.publish("control", **fields)
        if publish_slot is not None and changed and bot.runner is not None:
            bot.runner.state_changed(bot.runner.slots[publish_slot])
        return result
