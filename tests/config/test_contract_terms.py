"""The ``contract:`` terms of the contract lifecycle: structured, carried to the template."""

from __future__ import annotations

from framework.config import parse_config
from framework.config.model import ContractSection
from framework.strategy import ContractTemplate

REMOTE = """
endpoint: wss://ws.derivws.com/websockets/v3
token: ${DERIV_TOKEN}
risk: {max_stake: 5}
strategies:
  - name: m
    plugin: momentum
    symbols: [OTC_NDX]
    stake: {scheme: fixed, amount: 1}
    contract:
      barrier: "+0.5"
      barrier2: "-0.5"
      multiplier: 100
      growth_rate: 0.03
      take_profit: 2.5
      stop_loss: 1
      cancellation: 60m
      selected_tick: 3
"""


def test_the_terms_reach_the_template_with_the_default_duration() -> None:
    # A symbol the local market model does not know: only the types are checked here.
    [item] = parse_config(REMOTE, resolve_secrets=False).strategies
    assert item.template == ContractTemplate(
        duration=5,
        duration_unit="t",
        barrier="+0.5",
        barrier2="-0.5",
        multiplier=100.0,
        growth_rate=0.03,
        take_profit=2.5,
        stop_loss=1.0,
        cancellation="60m",
        selected_tick=3,
    )
    assert item.setup().contract == item.template


def test_a_written_duration_is_kept() -> None:
    template = ContractSection(duration=3, duration_unit="m").template()
    assert (template.duration, template.duration_unit) == (3, "m")
