"""The simulator's payment agents: who they are, where they work, what they accept.

Each agent is a real (``CR``) account the bank opens at start-up, so clients can withdraw to
it and its balance and statement move like any other account's. The first agent, the one of
:data:`PAYMENT_AGENT_LOGINID`, serves every country the simulator lists, in the simulator's
currency, and is the one that can log in (:data:`PAYMENT_AGENT_TOKEN`) and transfer to
clients; the others are listed in some countries only and one works in another currency, so
that ``paymentagent_list``'s country and currency filters have something to filter.
"""

from __future__ import annotations

from typing import Any

import attrs

__all__ = [
    "PAYMENT_AGENTS",
    "PAYMENT_AGENT_LOGINID",
    "PAYMENT_AGENT_TOKEN",
    "PaymentAgent",
    "listed",
]

#: The simulator's first payment agent (a real account) and the token that logs in to it.
PAYMENT_AGENT_LOGINID = "CR10000001"
PAYMENT_AGENT_TOKEN = "payment-agent-token"


@attrs.frozen
class PaymentAgent:
    """One payment agent, as ``paymentagent_list`` describes it.

    Attributes:
        loginid: its account.
        name: its name (also the account's full name).
        email: its address (also the account's).
        countries: two-letter codes of the countries it is listed in; empty: every
            country the simulator lists (``residence_list``).
        currency: the currency it accepts; ``None``: the simulator's currency.
        min_withdrawal: smallest withdrawal it takes.
        max_withdrawal: largest withdrawal it takes.
        deposit_commission: commission on deposits, in percent (a decimal string).
        withdrawal_commission: commission on withdrawals, in percent (a decimal string).
        summary: one line about it.
        phone: its phone number, with the country code.
        url: its website.
        methods: the payment methods it supports.
    """

    loginid: str
    name: str
    email: str
    countries: tuple[str, ...] = ()
    currency: str | None = None
    min_withdrawal: float = 10.0
    max_withdrawal: float = 2000.0
    deposit_commission: str = "0"
    withdrawal_commission: str = "0"
    summary: str = "Simulator payment agent"
    phone: str = "+6200000000"
    url: str = "https://example.com"
    methods: tuple[str, ...] = ("Bank transfer",)

    def serves(self, country: str) -> bool:
        """True when the agent is listed in ``country``."""
        return not self.countries or country in self.countries

    def entry(self, currency: str) -> dict[str, Any]:
        """Its ``paymentagent_list`` entry (``currency``: the one it accepts)."""
        return {
            "currencies": currency,
            "deposit_commission": self.deposit_commission,
            "email": self.email,
            "further_information": "Simulated payment agent; no real money moves.",
            "max_withdrawal": str(self.max_withdrawal),
            "min_withdrawal": str(self.min_withdrawal),
            "name": self.name,
            "paymentagent_loginid": self.loginid,
            "phone_numbers": [{"phone_number": self.phone}],
            "summary": self.summary,
            "supported_payment_methods": [{"payment_method": m} for m in self.methods],
            "urls": [{"url": self.url}],
            "withdrawal_commission": self.withdrawal_commission,
        }


#: Every payment agent; the first is the one with a token.
PAYMENT_AGENTS: tuple[PaymentAgent, ...] = (
    PaymentAgent(
        loginid=PAYMENT_AGENT_LOGINID, name="Simulated Payment Agent", email="agent@example.com"
    ),
    PaymentAgent(
        loginid="CR10000002",
        name="Archipelago Exchange",
        email="archipelago@example.com",
        countries=("id", "th"),
        currency="EUR",
        min_withdrawal=5.0,
        max_withdrawal=1000.0,
        deposit_commission="1.5",
        withdrawal_commission="2",
        summary="Simulated agent for Indonesia and Thailand, in euros",
        phone="+6600000000",
        url="https://archipelago.example.com",
        methods=("Bank transfer", "E-wallet"),
    ),
    PaymentAgent(
        loginid="CR10000003",
        name="southern cross payments",
        email="southern@example.com",
        countries=("br", "id", "za"),
        min_withdrawal=20.0,
        max_withdrawal=5000.0,
        deposit_commission="0.5",
        withdrawal_commission="1",
        summary="Simulated agent for Brazil, Indonesia and South Africa",
        phone="+2700000000",
        url="https://southern.example.com",
        methods=("Cash", "Bank transfer"),
    ),
)


def listed(
    agents: dict[str, tuple[PaymentAgent, str]], country: str, currency: str | None
) -> list[dict[str, Any]]:
    """The ``paymentagent_list`` entries for ``country`` (and ``currency``, when given).

    Like the real server, the list is sorted by name, ignoring case, and an unknown country
    or currency gives an empty list, not an error.

    Args:
        agents: each agent with its account's currency, by login id.
        country: the requested country code.
        currency: the requested currency (any case), or ``None`` for every currency.
    """
    wanted = None if currency is None else currency.upper()
    found = [
        agent.entry(agent_currency)
        for agent, agent_currency in agents.values()
        if agent.serves(country) and wanted in (None, agent_currency)
    ]
    return sorted(found, key=lambda entry: str(entry["name"]).lower())
