"""The fault soak: a bot and a simulator killed at random, then the journal against the server.

Runs real processes on loopback, as a user would: ``triobot sim --state`` (speed 10, fault
injection) and ``triobot run`` against it. For ``--minutes`` it does, at random moments,
one of: ``kill -9`` of the bot, ``kill -9`` of the simulator (restarted from its state file
with a fresh random fault set), a graceful stop of the bot (SIGINT), or nothing. Each
simulator incarnation gets some of these faults (``triobot sim --faults``):

* a buy's answer lost after the server bought (``drop_on=buy:after``) or the buy lost before
  it (``drop_on=buy:before``): the lost buys the reconciler exists for;
* drops at other moments (``drop_after=N`` messages, ``drop_on=proposal``);
* a connection going silent (``stall``), malformed frames (not JSON), ``RateLimit`` answers
  (to buys and to proposals), slow answers;
* payloads the models must refuse (``corrupt``): a buy answer whose ``contract_id`` is
  ``"abc"`` or whose ``buy_price`` is null, a contract update without its contract, a
  transaction amount or a tick quote of ``"abc"``.

Then the reckoning: the simulator restarted without faults, the bot started once more (its
recovery settles whatever the kills left: buys left ``sending``, contracts left open) and
stopped gracefully, and the journal compared with the simulator's ``statement`` and
``profit_table``, read over its API by a plain websocket client (not the bot's code):

* lost: a buy on the server the journal does not hold (a lost or a re-sent buy);
* phantom: a contract the journal holds that the server never sold;
* duplicated: a contract the journal gives to two intents;
* mismatched: a price, payout or sale price that differs from the server's;
* unsettled / unresolved: a contract still open, an intent still ``pending``/``sending``.

One line says the verdict; the exit code is 0 only when all of these are 0 (1 otherwise, 2
on a usage error). ``make soak`` runs it for five minutes; ``--minutes 0.3`` is the short
run the test suite makes. The working folder (journal, simulator state, logs) is kept with
``--keep`` or ``--dir``.

Usage::

    python -m tools.soak --minutes 5 [--seed N] [--speed 10] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

import attrs
import trio
import trio_websocket

from framework.deriv.protocol import DEFAULT_APP_ID
from framework.journal import Journal
from framework.simulator.config import DEMO_TOKEN

__all__ = ["Reckoning", "compare", "main", "random_faults", "server_records"]

TRIOBOT = [sys.executable, "-m", "bots.cli"]
SYMBOL = "1HZ100V"
#: Most seconds a process gets to start or stop before the soak calls it stuck.
PATIENCE = 60.0
#: What may happen at each random moment, with its weight.
EVENTS = {"kill_bot": 4, "kill_sim": 3, "stop_bot": 1, "nothing": 2}

CONFIG = """\
# Written by tools/soak.py: a busy bot on a simulator that is killed now and then.
endpoint: ws://127.0.0.1:{port}/websockets/v3
app_id: {app_id}
token: ${{TRIOBOT_SOAK_TOKEN}}
keepalive: {{interval: 3, timeout: 2}}
reconnect: {{initial: 0.2, factor: 2, maximum: 1.0, max_attempts: 1000, healthy_after: 5}}
risk:
  max_stake: 5
  max_open_contracts: 3
journal: journal.sqlite
state_dir: state
status_interval: 5
strategies:
  - name: momentum
    plugin: momentum
    symbols: ["{symbol}"]
    contract: {{duration: 5, duration_unit: t, basis: stake}}
    stake: {{scheme: fixed, amount: 1.00}}
    params: {{ticks: 2, direction: follow, cooldown: 0}}
    on_error: restart
"""


def random_faults(rng: random.Random) -> str:
    """A random ``--faults`` specification for one simulator incarnation (may be empty)."""
    menu = [
        f"drop_on=buy:after:{rng.randint(1, 3)}",
        f"drop_on=buy:before:{rng.randint(1, 2)}",
        f"drop_after={rng.randint(20, 400)}",
        f"drop_on=proposal:before:{rng.randint(1, 2)}",
        f"stall=proposal:{rng.randint(1, 2)}",
        f"stall=buy:{rng.randint(1, 2)}",
        f"malformed=*:{rng.randint(1, 5)}",
        f"rate_limit=buy:{rng.randint(1, 4)}",
        f"rate_limit=proposal:{rng.randint(1, 3)}",
        f"delay={rng.choice((0.2, 0.5, 1.5))}:buy",
        # Valid JSON the models must refuse: the five bad payloads of the issue.
        "corrupt=buy:contract_id=abc",
        "corrupt=buy:buy_price=null",
        "corrupt=proposal_open_contract:contract_id",
        "corrupt=transaction:amount=abc",
        "corrupt=ticks:quote=abc",
    ]
    return ",".join(rng.sample(menu, rng.randint(0, 5)))


@attrs.define
class Reckoning:
    """The journal against the server's records."""

    server_buys: int = 0
    journal_contracts: int = 0
    lost: list[int] = attrs.Factory(list)
    phantom: list[int] = attrs.Factory(list)
    duplicated: list[int] = attrs.Factory(list)
    mismatched: list[str] = attrs.Factory(list)
    unsettled: list[int] = attrs.Factory(list)
    unresolved: list[str] = attrs.Factory(list)
    reconciled: int = 0

    @property
    def clean(self) -> bool:
        """No finding at all (and something was traded)."""
        findings = (
            self.lost,
            self.phantom,
            self.duplicated,
            self.mismatched,
            self.unsettled,
            self.unresolved,
        )
        return self.server_buys > 0 and not any(findings)

    def counts(self) -> str:
        """The findings as ``N lost, N duplicated, ...``."""
        return (
            f"{len(self.lost)} lost, {len(self.duplicated)} duplicated, "
            f"{len(self.mismatched)} mismatched payouts, {len(self.phantom)} phantom, "
            f"{len(self.unsettled)} unsettled, {len(self.unresolved)} unresolved"
        )


def compare(
    journal: Journal, statement: list[dict[str, Any]], profit_table: list[dict[str, Any]]
) -> Reckoning:
    """Compare a journal with the server's statement and profit table (every page).

    Args:
        journal: the bot's journal (read-only is enough).
        statement: the ``statement`` transactions of the account.
        profit_table: the ``profit_table`` transactions of the account.
    """
    buys = {
        int(t["contract_id"]): t
        for t in statement
        if t["action_type"] == "buy" and t.get("contract_id") is not None
    }
    sold = {int(t["contract_id"]): t for t in profit_table}
    held = {c.contract_id: c for c in journal.contracts()}
    found = Reckoning(server_buys=len(buys), journal_contracts=len(held))
    found.lost = sorted(set(buys) - set(held))
    found.phantom = sorted(set(held) - set(buys))
    owners = Counter(i.contract_id for i in journal.intents() if i.contract_id is not None)
    found.duplicated = sorted(cid for cid, n in owners.items() if n > 1)
    for cid in sorted(set(buys) & set(held)):
        ours, theirs = held[cid], buys[cid]
        if round(ours.buy_price, 2) != round(-float(theirs["amount"]), 2):
            found.mismatched.append(f"{cid}: price {ours.buy_price} vs {-theirs['amount']}")
        if round(ours.payout, 2) != round(float(theirs["payout"]), 2):
            found.mismatched.append(f"{cid}: payout {ours.payout} vs {theirs['payout']}")
        sale = sold.get(cid)
        if ours.status == "open" or sale is None:
            found.unsettled.append(cid)
        elif round(ours.sell_price or 0.0, 2) != round(float(sale["sell_price"]), 2):
            found.mismatched.append(f"{cid}: sold {ours.sell_price} vs {sale['sell_price']}")
    found.unresolved = [i.intent_id for i in journal.unresolved_intents()]
    found.reconciled = sum(1 for i in journal.intents() if i.reason == "reconciled")
    return found


async def _ask(ws: trio_websocket.WebSocketConnection, request: dict[str, Any]) -> Any:
    await ws.send_message(json.dumps(request))
    while True:
        answer = json.loads(await ws.get_message())
        if answer.get("req_id") == request["req_id"]:
            if "error" in answer:
                raise RuntimeError(f"{answer['msg_type']}: {answer['error']}")
            return answer[answer["msg_type"]]


async def server_records(url: str, token: str) -> tuple[list[Any], list[Any]]:
    """Every page of the account's ``statement`` and ``profit_table``, over the API."""
    async with trio_websocket.open_websocket_url(f"{url}?app_id={DEFAULT_APP_ID}") as ws:
        ids = iter(range(1, 1_000_000))
        await _ask(ws, {"authorize": token, "req_id": next(ids)})
        pages: dict[str, list[Any]] = {"statement": [], "profit_table": []}
        for call, rows in pages.items():
            while True:
                request = {call: 1, "description": 1, "limit": 500, "offset": len(rows)}
                page = await _ask(ws, {**request, "req_id": next(ids)})
                rows += page["transactions"]
                if len(page["transactions"]) < 500:
                    break
    return pages["statement"], pages["profit_table"]


class Soak:
    """The processes of one soak, in one working folder."""

    def __init__(self, folder: Path, *, speed: float, seed: int, quiet: bool) -> None:
        self.folder = folder
        self.speed = speed
        self.rng = random.Random(seed)
        self.seed = seed
        self.quiet = quiet
        self.port = _free_port()
        self.url = f"ws://127.0.0.1:{self.port}/websockets/v3"
        self.sim: subprocess.Popen[str] | None = None
        self.bot: subprocess.Popen[bytes] | None = None
        self.counts: Counter[str] = Counter()
        self.exits: Counter[int] = Counter()
        self.faults: list[str] = []
        self._logs: list[IO[Any]] = []
        (folder / "soak.yaml").write_text(
            CONFIG.format(port=self.port, app_id=DEFAULT_APP_ID, symbol=SYMBOL), encoding="utf-8"
        )

    def say(self, text: str) -> None:
        if not self.quiet:
            print(f"soak: {text}", file=sys.stderr, flush=True)

    def _log(self, name: str) -> IO[Any]:
        handle = open(self.folder / name, "ab")  # noqa: SIM115 - closed in close()
        self._logs.append(handle)
        return handle

    def start_sim(self, faults: str) -> None:
        self.counts["sim_starts"] += 1
        self.faults.append(faults)
        argv = [*TRIOBOT, "sim", "--port", str(self.port), "--speed", str(self.speed)]
        argv += ["--seed", str(self.seed), "--state", "sim.sqlite", "--log-format", "json"]
        if faults:
            argv += ["--faults", faults]
        self.sim = subprocess.Popen(
            argv,
            cwd=self.folder,
            stdout=subprocess.PIPE,
            stderr=self._log("sim.log"),
            text=True,
        )
        assert self.sim.stdout is not None
        first = self.sim.stdout.readline()
        if not first.startswith("listening "):
            raise SystemExit(f"soak: the simulator did not start ({first.strip()!r})")
        self.say(f"simulator up, faults {faults or 'none'}")

    def kill_sim(self) -> None:
        if self.sim is not None:
            self.sim.kill()
            self.sim.wait(PATIENCE)
            if self.sim.stdout is not None:
                self.sim.stdout.close()
            self.sim = None
            self.counts["sim_kills"] += 1

    def start_bot(self) -> None:
        self.counts["bot_starts"] += 1
        self.bot = subprocess.Popen(
            [*TRIOBOT, "run", "soak.yaml", "--log-format", "json", "--grace", "30"],
            cwd=self.folder,
            env={**os.environ, "TRIOBOT_SOAK_TOKEN": DEMO_TOKEN},
            stdout=self._log("bot.out"),
            stderr=self._log("bot.log"),
        )

    def reap_bot(self) -> None:
        """Count the bot's exit if it ended by itself (restarted by the caller)."""
        if self.bot is not None and self.bot.poll() is not None:
            self.exits[self.bot.returncode] += 1
            self.bot = None
            if self.exits[2]:
                raise SystemExit(f"soak: the bot refused its config; see {self.folder}/bot.log")

    def _logged(self, event: str) -> int:
        """How many times the bot has logged ``event`` so far."""
        log = self.folder / "bot.log"
        text = log.read_text(errors="replace") if log.exists() else ""
        return text.count(f'"event": "{event}"')

    def kill_bot(self) -> None:
        if self.bot is not None:
            self.bot.kill()
            self.bot.wait(PATIENCE)
            self.bot = None
            self.counts["bot_kills"] += 1

    def stop_bot(self) -> int:
        assert self.bot is not None
        self.bot.send_signal(signal.SIGINT)
        code = self.bot.wait(PATIENCE + 30)
        self.exits[code] += 1
        self.bot = None
        self.counts["bot_stops"] += 1
        return code

    def close(self) -> None:
        self.kill_bot()
        self.kill_sim()
        for handle in self._logs:
            handle.close()

    def run(self, minutes: float) -> Reckoning:
        """Soak for ``minutes``, then settle everything and compare."""
        rng = self.rng
        self.start_sim(random_faults(rng))
        self.start_bot()
        end = time.monotonic() + 60 * minutes
        while time.monotonic() < end:
            time.sleep(min(rng.uniform(0.5, 4.0), max(0.0, end - time.monotonic())))
            self.reap_bot()
            event = rng.choices(list(EVENTS), weights=list(EVENTS.values()))[0]
            if event == "kill_bot" and self.bot is not None:
                self.say("kill -9 bot")
                self.kill_bot()
                time.sleep(rng.uniform(0.0, 1.0))
            elif event == "kill_sim":
                self.say("kill -9 simulator")
                self.kill_sim()
                time.sleep(rng.uniform(0.0, 2.0))
                self.start_sim(random_faults(rng))
            elif event == "stop_bot" and self.bot is not None:
                self.say(f"graceful stop: exit {self.stop_bot()}")
            if self.bot is None:
                self.start_bot()
        # The reckoning: no faults, one more start to recover, then a graceful stop.
        self.say("reckoning: simulator without faults, one recovering run, graceful stop")
        self.kill_bot()
        self.kill_sim()
        self.start_sim("")
        started = self._logged("bot started")
        self.start_bot()
        deadline = time.monotonic() + PATIENCE
        # Recovery is done once the bot says it started (and a soak too short to have
        # traded waits for one buy); then it is stopped gracefully.
        while time.monotonic() < deadline and (
            self._logged("bot started") == started or self._logged("bought") == 0
        ):
            time.sleep(0.1)
            self.reap_bot()
            if self.bot is None:
                self.start_bot()
        final = self.stop_bot() if self.bot is not None else -1
        statement, profits = trio.run(server_records, self.url, DEMO_TOKEN)
        with Journal(self.folder / "journal.sqlite", readonly=True) as journal:
            found = compare(journal, statement, profits)
        if final != 0:
            found.unresolved.append(f"the final graceful stop exited {final}")
        return found


def _free_port() -> int:
    """A loopback port the kernel picked (port 0), kept for every simulator incarnation.

    The bot's endpoint is fixed in its config, so a simulator restarted after ``kill -9``
    must come back on the same port.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def main(argv: Sequence[str] | None = None) -> int:
    """Run the soak; print the verdict; 0 when the journal is the server's statement."""
    parser = argparse.ArgumentParser(prog="python -m tools.soak", allow_abbrev=False)
    parser.add_argument("--minutes", type=float, default=5.0, help="soak time (default 5)")
    parser.add_argument("--speed", type=float, default=10.0, help="simulator speed (10)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: new)")
    parser.add_argument("--dir", type=Path, default=None, help="working folder (kept)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--quiet", action="store_true", help="only the verdict line")
    args = parser.parse_args(argv)
    if not args.minutes >= 0 or not args.speed > 0:
        parser.error("--minutes must be >= 0 and --speed > 0")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 30)
    folder = args.dir or Path(tempfile.mkdtemp(prefix="triobot-soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    soak = Soak(folder, speed=args.speed, seed=seed, quiet=args.quiet)
    started = time.monotonic()
    try:
        found = soak.run(args.minutes)
    finally:
        soak.close()
    c, exits = soak.counts, dict(sorted(soak.exits.items()))
    verdict = "PASS" if found.clean else "FAIL"
    print(
        f"soak {verdict}: {(time.monotonic() - started) / 60:.1f} min at speed {args.speed:g}, "
        f"seed {seed}; {c['bot_kills']} bot kills, {c['sim_kills']} simulator kills, "
        f"{c['bot_stops']} graceful stops, bot exits {exits}; {found.server_buys} buys on "
        f"the server, {found.journal_contracts} in the journal ({found.reconciled} "
        f"reconciled): {found.counts()}",
        flush=True,
    )
    if not found.clean:
        for name in ("lost", "phantom", "duplicated", "mismatched", "unsettled", "unresolved"):
            if getattr(found, name):
                print(f"  {name}: {getattr(found, name)[:20]}", file=sys.stderr)
        print(f"  kept: {folder}", file=sys.stderr)
    elif args.dir is None and not args.keep:
        shutil.rmtree(folder, ignore_errors=True)
    return 0 if found.clean else 1


if __name__ == "__main__":
    sys.exit(main())
