"""Strategy plugins that the config checks must refuse (referenced as ``module:Class``)."""

from __future__ import annotations

from framework.strategy import CandleSeries, ContractTemplate, NoParams, Strategy


class Undecided(Strategy[NoParams]):
    """Declares no contract type, so the config must give one."""

    Params = NoParams


class Exploding(Strategy[NoParams]):
    """Its contract planning fails: the check reports it instead of crashing."""

    Params = NoParams
    contract_types = ("CALL",)

    @classmethod
    def planned_contracts(
        cls, params: NoParams, template: ContractTemplate
    ) -> tuple[ContractTemplate, ...]:
        raise ValueError("cannot plan without a barrier")


class ExtraCalls(Strategy[NoParams]):
    """Asks for an API call that does not exist."""

    Params = NoParams
    contract_types = ("CALL",)
    extra_calls = ("no_such_call",)


class BadHistory(Strategy[NoParams]):
    """Its history declaration fails: the check reports it before the host would."""

    Params = NoParams
    contract_types = ("CALL",)

    @classmethod
    def candle_series(cls, params: NoParams) -> tuple[CandleSeries, ...]:
        raise ValueError("no history today")
