"""Bot configs: strict YAML in, a typed :class:`BotConfig` out, every problem named.

* :mod:`~framework.config.yamlload` YAML 1.2 scalars, duplicate keys, line numbers;
* :mod:`~framework.config.structure` plain data into attrs classes, problems with paths;
* :mod:`~framework.config.model` the config classes;
* :mod:`~framework.config.loader` :func:`load_config` and the cross checks.
"""

from __future__ import annotations

from framework.errors import ConfigError as ConfigError

from .loader import first_stake as first_stake
from .loader import highest_stake as highest_stake
from .loader import load_config as load_config
from .loader import parse_config as parse_config
from .model import EMBEDDED as EMBEDDED
from .model import BotConfig as BotConfig
from .model import ContractSection as ContractSection
from .model import Secret as Secret
from .model import StrategyConfig as StrategyConfig

__all__ = [
    "EMBEDDED",
    "BotConfig",
    "ConfigError",
    "ContractSection",
    "Secret",
    "StrategyConfig",
    "first_stake",
    "highest_stake",
    "load_config",
    "parse_config",
]
