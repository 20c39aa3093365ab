"""Shared plumbing of the account-level commands (``triobot account|agent|oauth|api``).

* :mod:`bots.accounting.options` - the endpoint, token and output options every such command
  takes, and reading the token (environment or a private file, never the command line);
* :mod:`bots.accounting.session` - the one place that reaches a server: start the embedded
  simulator or connect to ``--endpoint``, authorize, check the token's scopes against the calls
  the command will make (before any is sent), run the command, turn failures into exit codes;
* :mod:`bots.accounting.output` - rich tables on a terminal, one JSON document with ``--json``;
* :mod:`bots.accounting.views` - the typed client's results as those tables and documents;
* :mod:`bots.accounting.prompts` - confirmations and verification codes read from the user;
* :mod:`bots.accounting.forms` - the YAML form of ``new_account_real``, checked before sending.

Exit codes of these commands: 0 success; 1 the API refused (its code and message are printed),
the server could not be reached, or the user declined a confirmation; 2 a usage error (bad
argument, bad form file, a request the API schema rejects, no token where one is needed); 3
the token was refused or is malformed, or lacks a scope the command needs (checked before
sending anything, as ``triobot run`` does).
"""

from .commands import add_command as add_command
from .commands import command_group as command_group
from .options import EndpointOptions as EndpointOptions
from .options import add_endpoint_options as add_endpoint_options
from .options import endpoint_options as endpoint_options
from .output import Output as Output
from .session import Session as Session
from .session import run_session as run_session

__all__ = [
    "EndpointOptions",
    "Output",
    "Session",
    "add_command",
    "add_endpoint_options",
    "command_group",
    "endpoint_options",
    "run_session",
]
