"""The embedded Deriv API v3 simulator: a faithful local server official clients trade against.

It speaks the real envelope (``echo_req`` with sensitive fields hidden, ``req_id``,
``passthrough``, ``subscription.id``), the real error codes and messages, the real
subscription semantics, and prices and settles every contract with the shared market model
(``framework.market``), so a bot run against it and a backtest on the same ticks agree.

Embedding (tests, benchmarks, ``triobot run``)::

    from framework.simulator import open_simulator

    async with open_simulator(seed=7, speed=10) as sim:
        url = sim.app_url()            # ws://127.0.0.1:PORT/websockets/v3?app_id=1089
        token = sim.token              # demo token, all five scopes, virtual account
        ...                            # connect a client, authorize, trade
        sim.contracts()                # contracts the default account holds
        sim.balance()                  # its balance
        sim.faults.drop_on("buy", when="after")   # next buy: processed, answer lost
        sim.faults.stall(call="ping")  # next ping: the connection goes silent
        sim.faults.delay(2.0, call="proposal")
        sim.faults.malformed()         # a non-JSON frame before the next answer
        sim.faults.rate_limit(call="buy", times=2)
        sim.faults.corrupt("buy", "contract_id", "abc")  # next buy: bought, answer unreadable
        sim.faults.drop_after(50)      # cut the connection at the 50th message sent
        sim.drop_connections()         # cut every connection now

Or as a service in your own nursery: ``sim = await nursery.start(run_simulator, config)``.
Without a socket: ``framework.simulator.memory.memory_connector(sim)`` is a connector for
the framework's connection that reaches ``sim`` over an in-memory stream.

Configuration (:class:`SimulatorConfig`): ``host``, ``port`` (0: any), ``seed``, ``speed``
(simulated seconds per second; under pytest-trio's ``autojump_clock`` nothing waits),
``start_epoch``, ``tokens`` (:class:`TokenConfig`: secret, scopes, virtual/real account),
``balance``, ``outbox`` (JSON-lines file of verification codes), ``state`` (SQLite file:
accounts and contracts survive a restart), ``faults`` (the ``--faults`` text), ``rate_limits``,
``pricing``, ``history_seconds`` (ticks kept for ``ticks_history``: a day),
``bar_history_seconds`` (minute bars kept for its candles at every granularity: sixty days),
``idle_timeout`` (120 s like the real server; ``None`` disables it),
``expose_demo_tokens`` (needed for a ``host`` beyond loopback: the built-in tokens are well
known and hold every scope).

The simulator also has a payment agent account (:data:`PAYMENT_AGENT_LOGINID`, token
:data:`PAYMENT_AGENT_TOKEN`). From the command line: ``triobot sim --help``.
"""

from .accounts import Account as Account
from .accounts import Token as Token
from .accounts import Transaction as Transaction
from .agents import PAYMENT_AGENT_LOGINID as PAYMENT_AGENT_LOGINID
from .agents import PAYMENT_AGENT_TOKEN as PAYMENT_AGENT_TOKEN
from .config import DEMO_TOKEN as DEMO_TOKEN
from .config import SimulatorConfig as SimulatorConfig
from .config import TokenConfig as TokenConfig
from .faults import Faults as Faults
from .faults import parse_faults as parse_faults
from .ratelimit import RateLimits as RateLimits
from .simulator import Simulator as Simulator
from .simulator import open_simulator as open_simulator
from .simulator import run_simulator as run_simulator
from .trading import Contract as Contract

__all__ = [
    "DEMO_TOKEN",
    "PAYMENT_AGENT_LOGINID",
    "PAYMENT_AGENT_TOKEN",
    "Account",
    "Contract",
    "Faults",
    "RateLimits",
    "Simulator",
    "SimulatorConfig",
    "Token",
    "TokenConfig",
    "Transaction",
    "open_simulator",
    "parse_faults",
    "run_simulator",
]
