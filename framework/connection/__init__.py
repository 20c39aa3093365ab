"""The connection actor: one self-healing connection to the Deriv API.

See :mod:`framework.connection.actor` for how it works (and the modules it composes:
``session``, ``subscriptions``, ``retry``, ``keepalive``); this package re-exports what other
layers use.
"""

from .actor import Connection as Connection
from .backoff import BackoffPolicy as BackoffPolicy
from .errors import AuthorizationFailed as AuthorizationFailed
from .errors import ConnectFailed as ConnectFailed
from .errors import ConnectionClosed as ConnectionClosed
from .errors import ConnectionLost as ConnectionLost
from .errors import ConnectTimeout as ConnectTimeout
from .errors import HandshakeTimeout as HandshakeTimeout
from .errors import KeepaliveTimeout as KeepaliveTimeout
from .errors import NeverConnected as NeverConnected
from .errors import NotConnected as NotConnected
from .errors import OutcomeUnknown as OutcomeUnknown
from .errors import ReconnectExhausted as ReconnectExhausted
from .errors import RequestTimeout as RequestTimeout
from .errors import StaleStream as StaleStream
from .errors import StreamOverflow as StreamOverflow
from .errors import TransportError as TransportError
from .keepalive import KeepalivePolicy as KeepalivePolicy
from .policy import is_idempotent as is_idempotent
from .settings import ConnectionSettings as ConnectionSettings
from .stats import ConnectionStats as ConnectionStats
from .streams import ConnectionRestored as ConnectionRestored
from .streams import Disconnected as Disconnected
from .streams import Overflow as Overflow
from .streams import Stream as Stream
from .streams import Subscription as Subscription
from .unreadable import Unreadable as Unreadable

__all__ = [
    "AuthorizationFailed",
    "BackoffPolicy",
    "ConnectFailed",
    "ConnectTimeout",
    "Connection",
    "ConnectionClosed",
    "ConnectionLost",
    "ConnectionRestored",
    "ConnectionSettings",
    "ConnectionStats",
    "Disconnected",
    "HandshakeTimeout",
    "KeepalivePolicy",
    "KeepaliveTimeout",
    "NeverConnected",
    "NotConnected",
    "OutcomeUnknown",
    "Overflow",
    "ReconnectExhausted",
    "RequestTimeout",
    "StaleStream",
    "Stream",
    "StreamOverflow",
    "Subscription",
    "TransportError",
    "Unreadable",
    "is_idempotent",
]
