"""Sans-IO Deriv API v3 protocol core: call table, requests, events, errors, payload models.

No sockets, no Trio, no clock here (h11 and wsproto are the model): text in, events out.
"""

from .calls import ALL_SCOPES as ALL_SCOPES
from .calls import API_GUIDE_CALLS as API_GUIDE_CALLS
from .calls import CALL_TABLE as CALL_TABLE
from .calls import CallSpec as CallSpec
from .calls import call_of_request as call_of_request
from .calls import get_call as get_call
from .errors import APIError as APIError
from .errors import DerivError as DerivError
from .errors import LocalProtocolError as LocalProtocolError
from .errors import PayloadError as PayloadError
from .errors import ProtocolError as ProtocolError
from .errors import RemoteProtocolError as RemoteProtocolError
from .errors import api_error as api_error
from .models import Authorize as Authorize
from .models import Balance as Balance
from .models import BuyReceipt as BuyReceipt
from .models import Candle as Candle
from .models import OpenContract as OpenContract
from .models import Proposal as Proposal
from .models import SellReceipt as SellReceipt
from .models import Tick as Tick
from .models import Transaction as Transaction
from .protocol import DEFAULT_APP_ID as DEFAULT_APP_ID
from .protocol import DerivProtocol as DerivProtocol
from .protocol import ErrorReply as ErrorReply
from .protocol import Event as Event
from .protocol import Reply as Reply
from .protocol import Request as Request
from .protocol import StreamUpdate as StreamUpdate
from .protocol import Unsolicited as Unsolicited
from .protocol import decode_frame as decode_frame

__all__ = [
    "ALL_SCOPES",
    "API_GUIDE_CALLS",
    "CALL_TABLE",
    "DEFAULT_APP_ID",
    "APIError",
    "Authorize",
    "Balance",
    "BuyReceipt",
    "CallSpec",
    "Candle",
    "DerivError",
    "DerivProtocol",
    "ErrorReply",
    "Event",
    "LocalProtocolError",
    "OpenContract",
    "PayloadError",
    "Proposal",
    "ProtocolError",
    "RemoteProtocolError",
    "Reply",
    "Request",
    "SellReceipt",
    "StreamUpdate",
    "Tick",
    "Transaction",
    "Unsolicited",
    "api_error",
    "call_of_request",
    "decode_frame",
    "get_call",
]
